/*
 * The MMIO instruction decoder: prefixes, then one opcode looked up in a
 * table (one-byte opcodes, and the 0F page's movzx/movsx), then ModRM/SIB/
 * displacement only to know the length (the address is the nested page
 * fault's, never recomputed from the bytes), then the immediate.
 *
 * The bytes are the guest's and are never trusted: anything not in the
 * table, a register-form ModRM (it cannot have touched memory), a prefix
 * where it means nothing here, or running past n or 15 bytes is -EINVAL
 * and the caller refuses the access. Unit-tested and fuzzed on the host.
 */
#include <hv/errno.h>
#include <hv/lib.h>
#include <asm/hvm_insn.h>

/* What a table entry says of its opcode. */
#define F_BYTE    0x01    /* 8-bit operands */
#define F_MODRM   0x02    /* a ModRM byte with a memory operand follows */
#define F_IMM8    0x04    /* an 8-bit immediate, sign-extended */
#define F_IMMZ    0x08    /* an immediate of the operand size, at most 32 bits, sign-extended */
#define F_MOFFS   0x10    /* an absolute address of the address size (mov A0-A3), reg = rAX */
#define F_GRP1    0x20    /* ModRM.reg picks the operation: /1 or, /4 and, /6 xor, /7 cmp */
#define F_REG0    0x40    /* ModRM.reg must be 0 (C6/C7 mov, F6/F7 test) */
#define F_NOREG   0x80    /* no register operand from ModRM (immediate forms, stos) */

struct opcode {
    u8 op;                /* enum insn_op; INSN_BAD: not here */
    u8 alu;               /* enum insn_alu */
    u8 flags;
    u8 src_size;          /* movzx/movsx: 1 or 2 */
};

#define ALU4(base, a) \
    [base]     = { INSN_ALU_MEM, a, F_BYTE | F_MODRM, 0 }, \
    [base + 1] = { INSN_ALU_MEM, a, F_MODRM, 0 }, \
    [base + 2] = { INSN_ALU_REG, a, F_BYTE | F_MODRM, 0 }, \
    [base + 3] = { INSN_ALU_REG, a, F_MODRM, 0 }

static const struct opcode one_byte[256] = {
    ALU4(0x08, ALU_OR),
    ALU4(0x20, ALU_AND),
    ALU4(0x30, ALU_XOR),
    ALU4(0x38, ALU_CMP),
    [0x80] = { INSN_ALU_MEM, 0, F_BYTE | F_MODRM | F_GRP1 | F_NOREG | F_IMM8, 0 },
    [0x81] = { INSN_ALU_MEM, 0, F_MODRM | F_GRP1 | F_NOREG | F_IMMZ, 0 },
    [0x83] = { INSN_ALU_MEM, 0, F_MODRM | F_GRP1 | F_NOREG | F_IMM8, 0 },
    [0x84] = { INSN_ALU_MEM, ALU_TEST, F_BYTE | F_MODRM, 0 },
    [0x85] = { INSN_ALU_MEM, ALU_TEST, F_MODRM, 0 },
    [0x88] = { INSN_MOV_STORE, 0, F_BYTE | F_MODRM, 0 },
    [0x89] = { INSN_MOV_STORE, 0, F_MODRM, 0 },
    [0x8a] = { INSN_MOV_LOAD, 0, F_BYTE | F_MODRM, 0 },
    [0x8b] = { INSN_MOV_LOAD, 0, F_MODRM, 0 },
    [0xa0] = { INSN_MOV_LOAD, 0, F_BYTE | F_MOFFS, 0 },
    [0xa1] = { INSN_MOV_LOAD, 0, F_MOFFS, 0 },
    [0xa2] = { INSN_MOV_STORE, 0, F_BYTE | F_MOFFS, 0 },
    [0xa3] = { INSN_MOV_STORE, 0, F_MOFFS, 0 },
    [0xaa] = { INSN_STOS, 0, F_BYTE | F_NOREG, 0 },
    [0xab] = { INSN_STOS, 0, F_NOREG, 0 },
    [0xc6] = { INSN_MOV_STORE, 0, F_BYTE | F_MODRM | F_REG0 | F_NOREG | F_IMM8, 0 },
    [0xc7] = { INSN_MOV_STORE, 0, F_MODRM | F_REG0 | F_NOREG | F_IMMZ, 0 },
    [0xf6] = { INSN_ALU_MEM, ALU_TEST, F_BYTE | F_MODRM | F_REG0 | F_NOREG | F_IMM8, 0 },
    [0xf7] = { INSN_ALU_MEM, ALU_TEST, F_MODRM | F_REG0 | F_NOREG | F_IMMZ, 0 },
};

static const struct opcode two_byte[256] = {
    [0xb6] = { INSN_MOVZX, 0, F_MODRM, 1 },
    [0xb7] = { INSN_MOVZX, 0, F_MODRM, 2 },
    [0xbe] = { INSN_MOVSX, 0, F_MODRM, 1 },
    [0xbf] = { INSN_MOVSX, 0, F_MODRM, 2 },
};

/* Group 1's ModRM.reg: only the operations that need no carry in. */
static const s8 grp1_alu[8] = { -1, ALU_OR, -1, -1, ALU_AND, -1, ALU_XOR, ALU_CMP };

struct cursor {
    const u8 *b;
    unsigned int n, pos;
};

static bool take(struct cursor *c, unsigned int len, u64 *val)
{
    u64 v = 0;

    if (len > c->n - c->pos || c->pos + len > INSN_MAX_LEN)
        return false;
    for (unsigned int i = 0; i < len; i++)
        v |= (u64)c->b[c->pos + i] << (8 * i);
    c->pos += len;
    if (val)
        *val = v;
    return true;
}

struct prefixes {
    bool opsize, addrsize, lock, rep;
    u8 rex;
};

/* Legacy prefixes, then REX (64-bit mode, and only right before the opcode). */
static bool take_prefixes(struct cursor *c, enum insn_mode mode, struct prefixes *p)
{
    u64 b;

    for (;;) {
        if (!take(c, 1, &b))
            return false;
        switch (b) {
        case 0x66: p->opsize = true; break;
        case 0x67: p->addrsize = true; break;
        case 0xf0: p->lock = true; break;
        case 0xf2: case 0xf3: p->rep = true; break;
        case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65: break;
        default:
            if (mode == INSN_MODE_64 && (b & 0xf0) == 0x40) {
                p->rex = (u8)b;
                if (!take(c, 1, &b) || (b & 0xf0) == 0x40)
                    return false;             /* REX twice: refused rather than guessed */
            }
            c->pos--;                         /* the opcode: read again by the caller */
            return true;
        }
        p->rex = 0;
    }
}

static u8 operand_size(enum insn_mode mode, const struct prefixes *p)
{
    if (p->rex & 0x08)
        return 8;
    if (mode == INSN_MODE_16)
        return p->opsize ? 4 : 2;
    return p->opsize ? 2 : 4;
}

static u8 address_size(enum insn_mode mode, const struct prefixes *p)
{
    if (mode == INSN_MODE_64)
        return p->addrsize ? 4 : 8;
    if (mode == INSN_MODE_16)
        return p->addrsize ? 4 : 2;
    return p->addrsize ? 2 : 4;
}

/* ModRM (memory forms only), SIB and displacement: their length. *reg = ModRM.reg. */
static bool take_modrm(struct cursor *c, u8 addr_size, u8 *reg)
{
    u64 modrm, sib;
    unsigned int mod, rm, disp = 0;

    if (!take(c, 1, &modrm))
        return false;
    mod = modrm >> 6;
    rm = modrm & 7;
    *reg = (modrm >> 3) & 7;
    if (mod == 3)
        return false;                         /* a register: no memory was touched */
    if (addr_size == 2) {
        disp = mod == 1 ? 1 : (mod == 2 || (mod == 0 && rm == 6)) ? 2 : 0;
        return take(c, disp, NULL);
    }
    if (rm == 4) {
        if (!take(c, 1, &sib))
            return false;
        if (mod == 0 && (sib & 7) == 5)
            disp = 4;
    }
    if (mod == 0 && rm == 5)
        disp = 4;                             /* disp32, or RIP-relative in 64-bit mode */
    if (mod == 1)
        disp = 1;
    if (mod == 2)
        disp = 4;
    return take(c, disp, NULL);
}

static s64 sign_extend(u64 v, unsigned int bytes)
{
    unsigned int shift = 64 - 8 * bytes;

    return bytes >= 8 ? (s64)v : (s64)(v << shift) >> shift;
}

static bool take_imm(struct cursor *c, const struct opcode *o, struct insn *in)
{
    unsigned int len = (o->flags & F_IMM8) ? 1 : MIN(in->size, 4u);
    u64 v;

    if (!take(c, len, &v))
        return false;
    in->has_imm = true;
    in->imm = (u64)sign_extend(v, len);
    return true;
}

/* The register operand of ModRM.reg (REX.R extends it; AH-BH without REX). */
static void set_reg(struct insn *in, const struct prefixes *p, u8 modrm_reg)
{
    in->reg = modrm_reg | ((p->rex & 0x04) ? 8 : 0);
    if (in->size == 1 && !p->rex && modrm_reg >= 4) {
        in->byte_high = true;
        in->reg = modrm_reg - 4;
    }
}

/* The operation a table entry and ModRM.reg make, or false. */
static bool resolve_op(const struct opcode *o, u8 modrm_reg, struct insn *in)
{
    in->op = o->op;
    in->alu = o->alu;
    if (o->flags & F_GRP1) {
        if (grp1_alu[modrm_reg] < 0)
            return false;
        in->alu = (enum insn_alu)grp1_alu[modrm_reg];
    }
    return !((o->flags & F_REG0) && modrm_reg != 0);
}

/* LOCK only on a read-modify-write of memory; REP only on stos (refused later, but decoded). */
static bool prefixes_fit(const struct insn *in, const struct prefixes *p)
{
    if (p->lock && !(in->op == INSN_ALU_MEM && in->alu != ALU_CMP && in->alu != ALU_TEST))
        return false;
    return !p->rep || in->op == INSN_STOS;
}

static bool decode_operands(struct cursor *c, const struct opcode *o, const struct prefixes *p,
                            struct insn *in)
{
    u8 modrm_reg = 0;

    if ((o->flags & F_MODRM) && !take_modrm(c, in->addr_size, &modrm_reg))
        return false;
    if ((o->flags & F_MOFFS) && !take(c, in->addr_size, NULL))
        return false;
    if (!resolve_op(o, modrm_reg, in) || !prefixes_fit(in, p))
        return false;
    if (o->flags & F_MOFFS)
        in->reg = INSN_REG_AX;
    else if (!(o->flags & F_NOREG))
        set_reg(in, p, modrm_reg);
    if (in->op == INSN_STOS)
        in->reg = INSN_REG_AX;
    return !(o->flags & (F_IMM8 | F_IMMZ)) || take_imm(c, o, in);
}

int insn_decode(const u8 *bytes, unsigned int n, enum insn_mode mode, struct insn *out)
{
    struct cursor c = { bytes, n, 0 };
    struct prefixes p = { 0 };
    struct insn in = { .reg = INSN_NO_REG };
    const struct opcode *o;
    u64 b;

    if (mode != INSN_MODE_16 && mode != INSN_MODE_32 && mode != INSN_MODE_64)
        return -EINVAL;
    if (!take_prefixes(&c, mode, &p) || !take(&c, 1, &b))
        return -EINVAL;
    o = &one_byte[b];
    if (b == 0x0f)
        o = take(&c, 1, &b) ? &two_byte[b] : &one_byte[0x0f];
    if (o->op == INSN_BAD)
        return -EINVAL;
    in.size = (o->flags & F_BYTE) ? 1 : operand_size(mode, &p);
    in.src_size = o->src_size ? o->src_size : in.size;
    in.addr_size = address_size(mode, &p);
    in.rep = p.rep;
    if (in.src_size > in.size || !decode_operands(&c, o, &p, &in))
        return -EINVAL;
    in.len = (u8)c.pos;
    *out = in;
    return 0;
}

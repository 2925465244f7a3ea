/*
 * The MMIO instruction emulator: runs what insn_decode.c decoded against
 * the guest's registers and one memory operand, the device behind the
 * nested page fault (its read/write callbacks). Flags as the CPU sets
 * them for and/or/xor/test (CF = OF = 0) and cmp (a subtraction); AF is
 * left clear where the architecture leaves it undefined. Pure: unit-tested
 * and fuzzed on the host.
 */
#include <hv/errno.h>
#include <hv/lib.h>
#include <asm/hvm_insn.h>

#define FL_CF 0x001
#define FL_PF 0x004
#define FL_AF 0x010
#define FL_ZF 0x040
#define FL_SF 0x080
#define FL_DF 0x400
#define FL_OF 0x800
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

static u64 size_mask(unsigned int size)
{
    return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static u64 sign_bit(unsigned int size)
{
    return 1ULL << (8 * size - 1);
}

static u64 reg_read(const struct insn *in, const struct insn_regs *r)
{
    u64 v = r->gpr[in->reg & 15];

    return in->byte_high ? (v >> 8) & 0xff : v & size_mask(in->size);
}

/* As the CPU writes a register: 8/16 bits merge, 32 bits zero the top, 64 all. */
static void reg_write(const struct insn *in, struct insn_regs *r, u64 val)
{
    u64 *g = &r->gpr[in->reg & 15];

    if (in->byte_high)
        *g = (*g & ~0xff00ULL) | ((val & 0xff) << 8);
    else if (in->size == 4)
        *g = (u32)val;
    else
        *g = (*g & ~size_mask(in->size)) | (val & size_mask(in->size));
}

/* PF: the low byte has an even number of bits set (no libgcc popcount in the hypervisor). */
static bool parity_even(u8 b)
{
    b ^= b >> 4;
    b ^= b >> 2;
    b ^= b >> 1;
    return !(b & 1);
}

static u64 result_flags(u64 res, unsigned int size)
{
    u64 f = 0;

    res &= size_mask(size);
    if (!res)
        f |= FL_ZF;
    if (res & sign_bit(size))
        f |= FL_SF;
    if (parity_even((u8)res))
        f |= FL_PF;
    return f;
}

static u64 sub_flags(u64 d, u64 s, unsigned int size)
{
    u64 m = size_mask(size), r = (d - s) & m;
    u64 f = result_flags(r, size);

    if ((d & m) < (s & m))
        f |= FL_CF;
    if ((d ^ s) & (d ^ r) & sign_bit(size))
        f |= FL_OF;
    if ((d ^ s ^ r) & 0x10)
        f |= FL_AF;
    return f;
}

/* d op s: the result (cmp, test: unchanged d) and the flags. */
static u64 alu(enum insn_alu op, u64 d, u64 s, unsigned int size, u64 *flags)
{
    u64 r = d;

    switch (op) {
    case ALU_OR:  r = d | s; break;
    case ALU_AND: r = d & s; break;
    case ALU_XOR: r = d ^ s; break;
    case ALU_TEST: *flags = result_flags(d & s, size); return d;
    case ALU_CMP:  *flags = sub_flags(d, s, size); return d;
    }
    *flags = result_flags(r, size);
    return r & size_mask(size);
}

static void set_flags(struct insn_regs *r, u64 f)
{
    r->rflags = (r->rflags & ~(u64)FL_ARITH) | f;
}

static int emulate_alu(const struct insn *in, struct insn_regs *r, const struct insn_mem_ops *mem)
{
    u64 m, src, res, f;
    bool writes = in->alu != ALU_CMP && in->alu != ALU_TEST;
    int rc = mem->read(mem->ctx, in->size, &m);

    if (rc)
        return rc;
    if (in->op == INSN_ALU_REG) {
        res = alu(in->alu, reg_read(in, r), m, in->size, &f);
        if (writes)
            reg_write(in, r, res);
    } else {
        src = in->has_imm ? in->imm : reg_read(in, r);
        res = alu(in->alu, m, src, in->size, &f);
        if (writes && (rc = mem->write(mem->ctx, in->size, res)))
            return rc;
    }
    set_flags(r, f);
    return 0;
}

static int emulate_load(const struct insn *in, struct insn_regs *r, const struct insn_mem_ops *mem)
{
    u64 v;
    int rc = mem->read(mem->ctx, in->src_size, &v);

    if (rc)
        return rc;
    v &= size_mask(in->src_size);
    if (in->op == INSN_MOVSX && (v & sign_bit(in->src_size)))
        v |= ~size_mask(in->src_size);
    reg_write(in, r, v);
    return 0;
}

static int emulate_stos(const struct insn *in, struct insn_regs *r, const struct insn_mem_ops *mem)
{
    u64 am = size_mask(in->addr_size), di = r->gpr[INSN_REG_DI];
    int rc = mem->write(mem->ctx, in->size, r->gpr[INSN_REG_AX] & size_mask(in->size));

    if (rc)
        return rc;
    di += (r->rflags & FL_DF) ? -(u64)in->size : in->size;
    r->gpr[INSN_REG_DI] = (r->gpr[INSN_REG_DI] & ~am) | (di & am);
    return 0;
}

int insn_emulate(const struct insn *in, struct insn_regs *r, const struct insn_mem_ops *mem)
{
    if (in->rep || (in->reg == INSN_NO_REG && !in->has_imm && in->op != INSN_STOS))
        return -EINVAL;                       /* REP: one access per exit only, for now */
    switch (in->op) {
    case INSN_MOV_STORE:
        return mem->write(mem->ctx, in->size,
                          (in->has_imm ? in->imm : reg_read(in, r)) & size_mask(in->size));
    case INSN_MOV_LOAD:
    case INSN_MOVZX:
    case INSN_MOVSX:
        return emulate_load(in, r, mem);
    case INSN_ALU_MEM:
    case INSN_ALU_REG:
        return emulate_alu(in, r, mem);
    case INSN_STOS:
        return emulate_stos(in, r, mem);
    default:
        return -EINVAL;
    }
}

/*
 * Writable page tables (Xen's ptwr): a PV kernel writes its L1 entries with
 * plain instructions although the pages are mapped read-only. The write
 * faults; if it targets a validated L1 of the guest, it is decoded here,
 * validated like an mmu_update and applied, and the guest continues after
 * the instruction. Decoded: mov r/m,r (89), mov r/m,imm32 (C7 /0),
 * xchg (87), cmpxchg (0F B1), btr r/m,r (0F B3), btr r/m,imm8 (0F BA /6),
 * and byte and/or with an immediate (80 /4, 80 /1: Linux's clear_bit and
 * set_bit with a constant bit), with optional lock, segment and REX
 * prefixes, 1-, 4- or 8-byte operands.
 */
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/lib.h>
#include <hv/sched.h>
#include <asm/page.h>
#include <asm/pv.h>
#include <asm/page_type.h>

#define EFLAGS_CF 0x1UL
#define EFLAGS_ZF 0x40UL

enum ptwr_op { OP_MOV, OP_MOV_IMM, OP_XCHG, OP_CMPXCHG, OP_BTR, OP_BTR_IMM, OP_AND8, OP_OR8 };

struct ptwr_insn {
    enum ptwr_op op;
    unsigned int len;                  /* whole instruction */
    unsigned int size;                 /* operand bytes: 4 or 8 */
    unsigned int reg;                  /* ModRM.reg with REX.R */
    u64 imm;
};

static unsigned long *gpr(struct cpu_user_regs *r, unsigned int n)
{
    unsigned long *const map[16] = {
        &r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp, &r->rsi, &r->rdi,
        &r->r8, &r->r9, &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15,
    };
    return map[n & 15];
}

/* Length of the ModRM memory operand (ModRM, SIB, displacement); 0 if register form. */
static unsigned int modrm_len(const u8 *p)
{
    unsigned int mod = p[0] >> 6, rm = p[0] & 7, len = 1;

    if (mod == 3)
        return 0;
    if (rm == 4) {
        len++;
        if (mod == 0 && (p[1] & 7) == 5)
            len += 4;                                /* SIB with no base: disp32 */
    } else if (mod == 0 && rm == 5) {
        len += 4;                                    /* rip-relative */
    }
    return len + (mod == 1 ? 1 : mod == 2 ? 4 : 0);
}

static bool decode_opcode(const u8 *p, struct ptwr_insn *in, unsigned int *at)
{
    unsigned int i = *at;

    if (p[i] == 0x89) { in->op = OP_MOV; i++; }
    else if (p[i] == 0xc7 && ((p[i + 1] >> 3) & 7) == 0) { in->op = OP_MOV_IMM; i++; }
    else if (p[i] == 0x87) { in->op = OP_XCHG; i++; }
    else if (p[i] == 0x0f && p[i + 1] == 0xb1) { in->op = OP_CMPXCHG; i += 2; }
    else if (p[i] == 0x0f && p[i + 1] == 0xb3) { in->op = OP_BTR; i += 2; }
    else if (p[i] == 0x0f && p[i + 1] == 0xba && ((p[i + 2] >> 3) & 7) == 6) { in->op = OP_BTR_IMM; i += 2; }
    else if (p[i] == 0x80 && ((p[i + 1] >> 3) & 7) == 4) { in->op = OP_AND8; i++; }
    else if (p[i] == 0x80 && ((p[i + 1] >> 3) & 7) == 1) { in->op = OP_OR8; i++; }
    else
        return false;
    *at = i;
    return true;
}

static bool decode(const u8 *p, struct ptwr_insn *in)
{
    unsigned int i = 0, rex = 0, mlen;

    /* lock (one pCPU: nothing to do) and segment prefixes (the address is CR2) */
    while (i < 4 && (p[i] == 0xf0 || p[i] == 0x2e || p[i] == 0x36 || p[i] == 0x3e ||
                     p[i] == 0x26 || p[i] == 0x64 || p[i] == 0x65))
        i++;
    if ((p[i] & 0xf0) == 0x40)
        rex = p[i++];
    if (!decode_opcode(p, in, &i))
        return false;
    mlen = modrm_len(p + i);
    if (!mlen)
        return false;
    in->size = (in->op == OP_AND8 || in->op == OP_OR8) ? 1 : (rex & 8) ? 8 : 4;
    in->reg = ((p[i] >> 3) & 7) | ((rex & 4) ? 8 : 0);
    i += mlen;
    if (in->op == OP_MOV_IMM) {
        s32 imm;
        memcpy(&imm, p + i, 4);
        in->imm = (u64)(s64)imm;
        i += 4;
    } else if (in->op == OP_BTR_IMM || in->op == OP_AND8 || in->op == OP_OR8) {
        in->imm = p[i++];
    }
    in->len = i;
    return true;
}

static u64 width_mask(unsigned int size)
{
    return size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

/* Computes the new operand value; false if nothing is to be written (cmpxchg miss). */
static bool compute(struct cpu_user_regs *r, const struct ptwr_insn *in, u64 old, u64 *val)
{
    u64 m = width_mask(in->size), src = *gpr(r, in->reg) & m;
    unsigned int bit;

    switch (in->op) {
    case OP_MOV: *val = src; return true;
    case OP_MOV_IMM: *val = in->imm & m; return true;
    case OP_XCHG: *val = src; *gpr(r, in->reg) = old; return true;
    case OP_CMPXCHG:
        if ((r->rax & m) == old) {
            r->rflags |= EFLAGS_ZF;
            *val = src;
            return true;
        }
        r->rflags &= ~EFLAGS_ZF;
        r->rax = in->size == 8 ? old : (u32)old;
        return false;
    case OP_AND8: *val = old & in->imm; return true;
    case OP_OR8: *val = old | in->imm; return true;
    default:                                         /* btr */
        bit = (in->op == OP_BTR ? src : in->imm) & (in->size * 8 - 1);
        r->rflags = (r->rflags & ~EFLAGS_CF) | ((old >> bit) & 1);
        *val = old & ~(1ULL << bit);
        return true;
    }
}

/* The L1 page the write lands in, if the guest owns it and it is a validated L1. */
static mfn_t target_l1(struct vcpu *v, unsigned long addr)
{
    unsigned int slot;
    mfn_t map_l1 = pv_find_l1(pv_current_cr3_mfn(v), addr, &slot), target;
    u64 pte;

    if (map_l1 == INVALID_MFN)
        return INVALID_MFN;
    pte = ((u64 *)hv_mfn_to_virt(map_l1))[slot];
    target = (pte & PTE_ADDR_MASK) >> PAGE_SHIFT;
    if (!(pte & _PAGE_PRESENT) || !frame_valid(&hv_frames, target) ||
        hv_frames.info[target].owner != v->domain->id ||
        hv_frames.info[target].type != PGT_l1 || !hv_frames.info[target].type_count)
        return INVALID_MFN;
    return target;
}

bool pv_ptwr_emulate(struct cpu_user_regs *regs, unsigned long addr)
{
    struct vcpu *v = current;
    mfn_t l1 = target_l1(v, addr);
    struct ptwr_insn in = { 0 };
    u8 bytes[16] = { 0 };
    struct cpu_user_regs after;
    u64 *entry, old, val;
    unsigned int shift;

    if (l1 == INVALID_MFN || copy_from_guest(bytes, regs->rip, 15) || !decode(bytes, &in))
        return false;
    if (addr & (in.size - 1))
        return false;
    page_type_lock(v->domain);                       /* after the guest read: the L1 stays one */
    if (l1 != target_l1(v, addr)) {
        page_type_unlock(v->domain);
        return false;                                /* changed meanwhile: its #PF */
    }
    entry = (u64 *)hv_mfn_to_virt(l1) + ((addr & ~PAGE_MASK) / 8);
    shift = (addr & 7) * 8;
    old = (*entry >> shift) & width_mask(in.size);
    /* Registers and flags change only if the instruction completes: a
     * refused write leaves the guest its #PF with everything as it was. */
    after = *regs;
    if (compute(&after, &in, old, &val)) {
        u64 m = width_mask(in.size);
        u64 full = (*entry & ~(m << shift)) | ((val & m) << shift);

        if (pt_mod_entry(l1, (addr & ~PAGE_MASK) / 8, full, 1, v->domain, false)) {
            page_type_unlock(v->domain);
            return false;                            /* refused: the guest sees its #PF */
        }
    }
    page_type_unlock(v->domain);
    after.rip += in.len;
    *regs = after;
    return true;
}

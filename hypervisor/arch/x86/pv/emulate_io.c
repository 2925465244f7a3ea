/*
 * Port I/O and cli/sti from a PV guest, under the virtual IOPL (Xen's
 * emul-priv-op.c iopl_ok / guest_io_okay):
 *  - the guest kernel counts as CPL 1, or CPL 0 once it enabled
 *    VMASST_TYPE_architectural_iopl; guest user mode as CPL 3; the
 *    instruction is allowed when that CPL <= the virtual IOPL (set by
 *    PHYSDEVOP_set_iopl, or with architectural_iopl by the IOPL field of
 *    the RFLAGS an iret hypercall restores). Otherwise: #GP(0). There is no
 *    I/O bitmap (PHYSDEVOP_set_iobitmap is not offered).
 *  - in/out/ins/outs: the privileged domain reaches the real ports except
 *    the hypervisor's own (dom0_ioport.c); for every other domain, and for
 *    those ports, every read gives all ones
 *    and every write is dropped (what Xen does for ports a domain may not
 *    touch; Xen's emulated PIT/RTC ports 0x42/0x43/0x61/0x70/0x71 and
 *    PCI 0xcf8/0xcfc read as all ones here too). String forms go through
 *    the checked accessor element by element (an element that starts in
 *    the hypervisor hole or at a non-canonical address is #GP(0), one the
 *    accessor refuses otherwise is the guest's #PF, as Xen's
 *    pv_emul_virt_to_linear then copy); rep is bounded per trap.
 *  - cli/sti: nothing at all, as in Xen (which deliberately leaves the
 *    event mask alone: a popf could never undo it).
 */
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/sched.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/pv.h>
#include "emulate.h"

#define STRING_IO_BATCH 1024                          /* elements per trap, then the guest re-executes */

bool pv_iopl_ok(const struct vcpu *v)
{
    unsigned int cpl = 3;

    if (v->arch.kernel_mode)
        cpl = (v->domain->vm_assist & (1UL << VMASST_TYPE_architectural_iopl)) ? 0 : 1;
    return cpl <= v->arch.iopl;
}

static unsigned int io_size(const struct emul_insn *in)
{
    return (in->op[0] & 1) ? (in->opsize16 ? 2 : 4) : 1;
}

/* in: a port the domain may not use reads as all ones; a 32-bit result zero-extends. */
static int emulate_in_out(struct cpu_user_regs *regs, struct emul_insn *in)
{
    unsigned int size = io_size(in);
    bool imm = (in->op[0] & 0xf8) == 0xe0;
    bool is_in = !(in->op[0] & 2);
    unsigned int port = imm ? in->op[1] : (u16)regs->rdx;
    unsigned long mask = (1UL << (size * 8)) - 1;
    u32 val = 0xffffffffu;

    in->bpmatch = pv_io_breakpoints(current, port, size);

    if (is_in) {
        pv_ioport_read(current->domain, port, size, &val);
        if (size == 4)
            regs->rax = val;
        else
            regs->rax = (regs->rax & ~mask) | (val & mask);
    } else {
        pv_ioport_write(current->domain, port, size, (u32)(regs->rax & mask));
    }
    return imm ? 2 : 1;
}

static unsigned long seg_base(int seg)
{
    if (seg == 4)
        return rdmsr(MSR_FS_BASE);
    if (seg == 5)
        return rdmsr(MSR_GS_BASE);                   /* the guest's active GS base */
    return 0;
}

/* One element of ins (the port, or all ones, to es:rdi) or outs (ds:rsi to the port, or dropped). */
static int string_io_one(struct vcpu *v, bool ins, unsigned long va, unsigned int port,
                         unsigned int size)
{
    u32 data = 0xffffffffu;
    int rc;

    if (va >= 0x800000000000UL && va < GUEST_HOLE_END)
        return EMUL_GP;                             /* Xen's __addr_ok: the hole and non-canonical */
    /* ins: the destination is probed before the port is read, so a fault loses no data. */
    rc = ins ? copy_to_guest(va, &data, size) : copy_from_guest(&data, va, size);
    if (rc) {
        pv_emul_page_fault(v, va, ins ? PFEC_WRITE_ACCESS : 0);
        return EMUL_INJECTED;
    }
    if (ins && pv_ioport_read(v->domain, port, size, &data) && copy_to_guest(va, &data, size)) {
        pv_emul_page_fault(v, va, PFEC_WRITE_ACCESS);
        return EMUL_INJECTED;
    }
    if (!ins)
        pv_ioport_write(v->domain, port, size, data);
    return 1;
}

/*
 * ins/outs, with or without rep: registers move as each element completes.
 * An I/O breakpoint on the port stops a rep after one element (Xen's
 * rep_ins/rep_outs), with the #DB.
 */
static int emulate_string_io(struct cpu_user_regs *regs, struct emul_insn *in)
{
    bool ins = in->op[0] <= 0x6d;
    unsigned int size = io_size(in);
    unsigned long mask = in->addr32 ? 0xffffffffUL : ~0UL;
    unsigned long *ptr = ins ? &regs->rdi : &regs->rsi;
    unsigned long base = ins ? 0 : seg_base(in->seg);
    unsigned long count = in->rep ? regs->rcx & mask : 1;
    long step = (regs->rflags & X86_EFLAGS_DF) ? -(long)size : (long)size;

    in->bpmatch = pv_io_breakpoints(current, (u16)regs->rdx, size);
    for (unsigned int done = 0; count; done++) {
        int rc;

        if (done == STRING_IO_BATCH || (done && in->bpmatch))
            return EMUL_AGAIN;
        rc = string_io_one(current, ins, base + (*ptr & mask), (u16)regs->rdx, size);
        if (rc <= 0)
            return rc;
        *ptr = (*ptr + step) & mask;
        count--;
        if (in->rep)
            regs->rcx = count;
    }
    return 1;
}

/* cli, sti, in, out, ins, outs. */
int pv_emulate_io(struct cpu_user_regs *regs, struct emul_insn *in)
{
    u8 op = in->op[0];

    if (!pv_iopl_ok(current))
        return EMUL_GP;
    if (op == 0xfa || op == 0xfb)
        return 1;
    if ((op & 0xfc) == 0x6c)
        return emulate_string_io(regs, in);
    return emulate_in_out(regs, in);
}

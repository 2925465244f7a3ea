/*
 * Guest exceptions: handle what the hypervisor owns (forced CPUID, emulated
 * privileged instructions and port I/O, software interrupts the guest's virtual IDT
 * allows, lazy-FPU #NM), bounce everything else into the guest kernel.
 */
#include <hv/errno.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/sched.h>
#include <asm/processor.h>
#include <asm/traps.h>
#include <asm/pv.h>

#define PFEC_USER  (1u << 2)

/*
 * The vector of a #GP raised through an IDT gate: from the `int $n` bytes at
 * rip when they are there (QEMU TCG reports n*16+2 as the error code, real
 * CPUs n*8+2), else from the error code.
 */
static unsigned int soft_int_vector(const struct cpu_user_regs *regs)
{
    u8 insn[2];

    if (!copy_from_guest(insn, regs->rip, 2) && insn[0] == 0xcd)
        return insn[1];
    return (regs->error_code >> 3) & 0xff;
}

/* #GP with the IDT bit: an `int $n` whose gate is ours. The guest's DPL decides. */
static void soft_interrupt(struct vcpu *v, struct cpu_user_regs *regs)
{
    unsigned int vec = soft_int_vector(regs);
    unsigned int dpl = v->arch.trap_ctxt[vec].flags & 3;
    unsigned int cpl = v->arch.kernel_mode ? 1 : 3;

    if (v->arch.trap_ctxt[vec].address && dpl >= cpl) {
        regs->rip += 2;                              /* trap: resume after `int $n` */
        pv_inject_trap(v, vec, false, 0);
        return;
    }
    pv_inject_trap(v, 13, true, (vec << 3) | 2);
}

#define PFEC_PRESENT (1u << 0)
#define PFEC_WRITE   (1u << 1)

static void page_fault(struct vcpu *v, struct cpu_user_regs *regs)
{
    u32 ec = regs->error_code & ~PFEC_USER;

    if (v->arch.kernel_mode && (ec & (PFEC_PRESENT | PFEC_WRITE)) == (PFEC_PRESENT | PFEC_WRITE) &&
        pv_ptwr_emulate(regs, read_cr2()))
        return;                                      /* a page-table write, done for the guest */

    if (!v->arch.kernel_mode)
        ec |= PFEC_USER;                             /* from the guest's mode, not the CPL */
    v->vcpu_info->arch.cr2 = read_cr2();
    pv_inject_trap(v, 14, true, ec);
}

static void device_not_available(struct vcpu *v)
{
    write_cr0(read_cr0() & ~X86_CR0_TS);
    if (v->arch.virt_ts) {
        v->arch.virt_ts = false;                     /* as Xen: the guest sees one #NM */
        pv_inject_trap(v, 7, false, 0);
    }
}

/* The guest exceptions (vec < 32) the switch below looks at first. */
#define HV_OWN_EXCEPTIONS ((1u << 1) | (1u << 2) | (1u << 6) | (1u << 7) | (1u << 8) | \
                           (1u << 13) | (1u << 14) | (1u << 18))

__hot_path void pv_handle_exception(struct cpu_user_regs *regs)
{
    struct vcpu *v = current;
    unsigned int vec = regs->entry_vector;

    /* Most vectors go straight to the guest: one test, not the switch's
     * bounds check and indirect jump (a lookup under TCG). */
    if (!((1u << vec) & HV_OWN_EXCEPTIONS)) {
        pv_inject_trap(v, vec, vector_has_error_code(vec), regs->error_code);
        return;
    }
    switch (vec) {
    case 6:
        if (pv_emulate_forced_cpuid(regs))           /* from kernel and user mode, as Xen */
            return;
        break;
    case 1:
        v->arch.debugreg[6] = pv_read_dr6();        /* what get_debugreg(6) reports */
        asm volatile("mov %0, %%db6" :: "r"(0xffff0ff0UL));
        break;
    case 7:
        device_not_available(v);
        return;
    case 13:
        if (regs->error_code & 2) {
            soft_interrupt(v, regs);
            return;
        }
        if (regs->error_code == 0 && pv_emulate_priv_op(regs))
            return;
        break;
    case 14:
        page_fault(v, regs);
        return;
    case 2: case 8: case 18:
        hv_warn("d%u v%u: machine exception %u in guest, crashing it\n", v->domain->id, v->id, vec);
        domain_crash(v->domain, "fatal exception");
        return;
    default:
        break;
    }
    pv_inject_trap(v, vec, vector_has_error_code(vec), regs->error_code);
}

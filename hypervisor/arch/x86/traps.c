/*
 * Exception and interrupt dispatch. From a guest: PV handling (bounce,
 * emulate). From the hypervisor itself: an exception-table fixup (guest
 * copy faulted, IRETQ to a bad guest frame) or the panic screen.
 */
#include <hv/arch.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/hypercall.h>
#include <hv/sched.h>
#include <hv/timer.h>
#include <hv/time.h>
#include <asm/processor.h>
#include <asm/apic.h>
#include <asm/ipi.h>
#include <asm/irq.h>
#include <asm/traps.h>
#include <asm/pv.h>
#include <asm/hvm.h>
#include <asm/layout.h>

struct extable_entry { unsigned long insn, fixup; };
extern const struct extable_entry __start_ex_table[], __stop_ex_table[];

static struct cpu_user_regs *panic_regs;

_Static_assert(offsetof(struct cpu_user_regs, cs) == 0x88, "entry.S REGS_CS");
_Static_assert(offsetof(struct cpu_user_regs, error_code) == 0x78, "entry.S vector slot");
_Static_assert(offsetof(struct cpu_user_regs, es) == 0xa8, "entry.S REGS_SIZE");

bool extable_fixup(struct cpu_user_regs *regs)
{
    for (const struct extable_entry *e = __start_ex_table; e < __stop_ex_table; e++) {
        if (e->insn == regs->rip) {
            regs->rip = e->fixup;
            return true;
        }
    }
    return false;
}

static const char *const vector_names[32] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS", "#NP",
    "#SS", "#GP", "#PF", "?15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

static void hypervisor_fault(struct cpu_user_regs *regs)
{
    unsigned int vec = regs->entry_vector;

    if ((vec == 11 || vec == 12 || vec == 13 || vec == 14) && extable_fixup(regs))
        return;
    if (vec == 1) {                                  /* a guest watchpoint, hit by us */
        pv_debug_in_hypervisor(regs);
        return;
    }
    if (regs->rip == (unsigned long)hv_iret_to_guest && current) {
        /* The guest's return frame was unusable: its problem, not ours. */
        domain_crash(current->domain, "bad iret frame");
        schedule();
    }
    panic_regs = regs;
    hv_panic("hypervisor fault %s (vector %u) err %x at %lx cr2 %lx\n",
             vec < 32 && vector_names[vec] ? vector_names[vec] : "?", vec,
             regs->error_code, regs->rip, read_cr2());
}

__hot_path void hv_trap_entry(struct cpu_user_regs *regs)
{
    unsigned int vec = regs->entry_vector;

    /* A guest's exception (not the machine's NMI) first, in one test: the
     * trap bounce's path. Bitwise & on purpose: each && would be a branch,
     * and under TCG each branch ends a translated block. */
    if (likely((vec < 32) & (vec != 2) & !!(regs->cs & 3))) {
        pv_handle_exception(regs);
        return;
    }
    if (vec == HV_TIMER_VECTOR) {
        apic_eoi();
        arch_timer_program(timer_run_due(hv_now()));   /* the head may have changed */
        return;
    }
    if (vec >= 32) {
        if (ipi_handle(vec) || irq_handle_vector(vec))
            return;
        if (vec != HV_SPURIOUS_VECTOR)
            apic_eoi();
        return;
    }
    if (vec == 2) {                                  /* the machine's, not the running guest's */
        ipi_nmi_stop();                              /* another CPU panicked: stops here */
        hv_warn("NMI received (ignored)\n");
        return;
    }
    hypervisor_fault(regs);                          /* the guest's went first */
}

void arch_dump_registers(void)
{
    struct cpu_user_regs *r = panic_regs;

    if (!r && current && current->arch.hvm) {
        hvm_dump_registers(current);                 /* its registers are in its VMCB */
        return;
    }
    if (!r && current)
        r = current->arch.regs;
    if (!r)
        return;
    hv_err("rip %016lx cs %04x rflags %08lx rsp %016lx ss %04x\n",
           r->rip, r->cs, r->rflags, r->rsp, r->ss);
    hv_err("rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", r->rax, r->rbx, r->rcx, r->rdx);
    hv_err("rsi %016lx rdi %016lx rbp %016lx r8  %016lx\n", r->rsi, r->rdi, r->rbp, r->r8);
    hv_err("r9  %016lx r10 %016lx r11 %016lx r12 %016lx\n", r->r9, r->r10, r->r11, r->r12);
    hv_err("r13 %016lx r14 %016lx r15 %016lx\n", r->r13, r->r14, r->r15);
    hv_err("cr0 %lx cr2 %lx cr3 %lx cr4 %lx vector %u err %x\n",
           read_cr0(), read_cr2(), read_cr3(), read_cr4(), r->entry_vector, r->error_code);
}

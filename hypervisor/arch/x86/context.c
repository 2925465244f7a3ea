/*
 * vCPU context: each vCPU has its own hypervisor stack with its guest frame
 * at the top, so blocking inside a hypercall is just switching stacks.
 * A switch moves the segment bases, CR3, the ring-0 stack and the FPU.
 */
#include <hv/errno.h>
#include <hv/arch.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/tlb_mask.h>
#include <hv/lib.h>
#include <hv/sched.h>
#include <asm/flush.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/desc.h>
#include <asm/fpu.h>
#include <asm/guest_load.h>
#include <asm/boot.h>
#include <asm/traps.h>
#include <asm/pv.h>
#include <asm/layout.h>
#include <asm/page_type.h>
#include <asm/percpu.h>
#include <asm/hvm.h>

static unsigned long frame_top(const struct vcpu *v)
{
    return (unsigned long)v->arch.stack + HV_STACK_ORDER_PAGES * PAGE_SIZE - HV_FRAME_SPARE;
}

/*
 * An HVM vCPU's stack runs hvm_vcpu_loop (hvm/svm.c) for good: the first
 * switch "returns" into it as if called (a zero return address above it).
 * It has no PV frame; arch.regs stays NULL.
 */
static int hvm_stack_init(struct vcpu *v)
{
    unsigned long *sp = (unsigned long *)(frame_top(v) & ~15UL);
    int rc = hvm_vcpu_init(v);

    if (rc) {
        hv_free_pages(v->arch.stack, HV_STACK_ORDER_PAGES);
        hv_free_pages(v->arch.fpu_area, ALIGN_UP(fpu_area_size(), PAGE_SIZE) / PAGE_SIZE);
        v->arch.stack = v->arch.fpu_area = NULL;
        return rc;
    }
    *--sp = 0;
    *--sp = (unsigned long)hvm_vcpu_loop;
    for (int i = 0; i < 6; i++)
        *--sp = 0;
    v->arch.saved_rsp = (unsigned long)sp;
    return 0;
}

int arch_vcpu_init(struct vcpu *v)
{
    struct arch_vcpu *a = &v->arch;
    unsigned long *sp;

    a->lazy_cpu = -1;
    a->stack = hv_alloc_pages(HV_STACK_ORDER_PAGES);
    a->fpu_area = hv_alloc_pages(ALIGN_UP(fpu_area_size(), PAGE_SIZE) / PAGE_SIZE);
    if (!a->stack || !a->fpu_area) {
        hv_free_pages(a->stack, HV_STACK_ORDER_PAGES);   /* NULL-safe */
        hv_free_pages(a->fpu_area, ALIGN_UP(fpu_area_size(), PAGE_SIZE) / PAGE_SIZE);
        a->stack = a->fpu_area = NULL;
        return -ENOMEM;
    }
    fpu_area_init(a->fpu_area);
    if (v->domain->hvm)
        return hvm_stack_init(v);
    a->regs = (struct cpu_user_regs *)(frame_top(v) - offsetof(struct cpu_user_regs, es));
    a->regs->cs = FLAT_KERNEL_CS;
    a->regs->ss = FLAT_KERNEL_SS;
    a->regs->rflags = X86_EFLAGS_IF;
    a->kernel_mode = true;
    a->cr4 = read_cr4() & (0x20UL | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT | X86_CR4_OSXSAVE);
    /* First switch "returns" into hv_vcpu_first_entry with rsp at the frame. */
    sp = (unsigned long *)a->regs;
    *--sp = (unsigned long)hv_vcpu_first_entry;
    for (int i = 0; i < 6; i++)
        *--sp = 0;
    a->saved_rsp = (unsigned long)sp;
    return 0;
}

void arch_vcpu_destroy(struct vcpu *v)
{
    arch_vcpu_drop_lazy(v);                          /* before its tables go */
    hvm_vcpu_destroy(v);                             /* NULL-safe: nothing for a PV vCPU */
    pv_gdt_free(v);
    pv_ldt_free(v);
    arch_release_vcpu_info(v);
    if (v->arch.cr3_kernel)
        page_put_and_type(v->arch.cr3_kernel);
    if (v->arch.cr3_user)
        page_put_and_type(v->arch.cr3_user);
    v->arch.cr3_kernel = v->arch.cr3_user = 0;
    hv_free_pages(v->arch.stack, HV_STACK_ORDER_PAGES);
    hv_free_pages(v->arch.fpu_area, ALIGN_UP(fpu_area_size(), PAGE_SIZE) / PAGE_SIZE);
}

static void save_guest_state(struct vcpu *v)
{
    struct arch_vcpu *a = &v->arch;

    asm volatile("mov %%ds, %0; mov %%es, %1; mov %%fs, %2; mov %%gs, %3"
                 : "=m"(a->ds), "=m"(a->es), "=m"(a->fs), "=m"(a->gs));
    a->fs_base = rdmsr(MSR_FS_BASE);
    /* GS_BASE holds the base of the guest mode that is active. */
    if (a->kernel_mode) {
        a->gs_base_kernel = rdmsr(MSR_GS_BASE);
        a->gs_base_user = rdmsr(MSR_SHADOW_GS_BASE);
    } else {
        a->gs_base_user = rdmsr(MSR_GS_BASE);
        a->gs_base_kernel = rdmsr(MSR_SHADOW_GS_BASE);
    }
    fpu_save(a->fpu_area);
}

/*
 * Selector loads can fault if the guest changed its GDT or LDT since: the
 * selector then becomes null (Xen would enter the failsafe callback).
 */
static void load_selectors(struct arch_vcpu *a)
{
    a->ds = load_segment_safe(SEG_DS, a->ds);
    a->es = load_segment_safe(SEG_ES, a->es);
    a->fs = load_segment_safe(SEG_FS, a->fs);
    a->gs = load_segment_safe(SEG_GS, a->gs);
}

/*
 * Lazy CR3, as Xen's lazy context switch for the page tables: a CPU that
 * goes idle from a PV vCPU keeps that vCPU's tables in CR3 (the idle loop
 * runs on the hypervisor's half, which every L4 has). If the same vCPU
 * comes back, as it does when it blocked for an interrupt, its CR3 is
 * already loaded: no load, and no flush of the TLB (under TCG the whole
 * software TLB, refilled by page walks after every switch: issue 13's
 * AHCI round trip, docs/performance.md).
 *
 * While idle here, the vCPU's L4s stay referenced by the vCPU itself, and
 * its domain stays in this CPU's TLB-dirty mask. Whoever would drop those
 * references, or run the vCPU on another CPU, first calls
 * arch_vcpu_drop_lazy: the holding CPU loads the idle tables (a cross-call
 * when it is another CPU).
 */
static void lazy_drop_local(struct vcpu *held, const struct domain *next_dom)
{
    struct cpu_data *c = this_cpu_data();

    c->lazy_vcpu = NULL;
    __atomic_store_n(&held->arch.lazy_cpu, -1, __ATOMIC_RELEASE);
    if (held->domain != next_dom)
        tlb_dirty_leave(held->domain, smp_processor_id());
}

/* The cross-call: only if this CPU still holds v (it may have moved on). */
static void lazy_drop_call(void *arg)
{
    struct vcpu *v = arg;

    if (this_cpu_data()->lazy_vcpu != v)
        return;
    cr3_load(PA(hv_idle_l4));
    lazy_drop_local(v, NULL);
}

/*
 * A flush IPI to a CPU idle on kept tables: let them go instead (the idle
 * tables need no flush of guest entries, and the domain leaves this CPU's
 * dirty mask, so its next flushes skip this CPU: a multi-vCPU guest that
 * keeps changing page types would otherwise IPI every idle CPU it ran on).
 */
bool arch_lazy_drop_on_flush(void)
{
    struct vcpu *held = this_cpu_data()->lazy_vcpu;

    if (!held || arch_this_pcpu()->curr)
        return false;
    cr3_load(PA(hv_idle_l4));
    lazy_drop_local(held, NULL);
    return true;
}

void arch_vcpu_drop_lazy(struct vcpu *v)
{
    int cpu = __atomic_load_n(&v->arch.lazy_cpu, __ATOMIC_ACQUIRE);
    cpumask_t target;

    if (cpu < 0)
        return;
    if ((unsigned int)cpu == smp_processor_id()) {
        lazy_drop_call(v);
        return;
    }
    target = cpumask_of((unsigned int)cpu);
    arch_on_cpus(&target, lazy_drop_call, v);
}

int arch_vcpu_held_cpu(const struct vcpu *v)
{
    return __atomic_load_n(&v->arch.lazy_cpu, __ATOMIC_ACQUIRE);
}

/* v's CR3, unless this CPU kept exactly that one idle and owes no flush. */
static void load_guest_cr3(struct vcpu *v, unsigned long cr3)
{
    struct pcpu *p = arch_this_pcpu();

    if (this_cpu_data()->lazy_vcpu == v && read_cr3() == cr3 && !p->tlb_flush_pending) {
        lazy_drop_local(v, v->domain);
        return;
    }
    cr3_load(cr3);
}

static void load_guest_state(struct vcpu *v)
{
    struct arch_vcpu *a = &v->arch;

    cpu_load_guest_gdt(a->gdt_shadow, a->gdt_ents);
    cpu_load_ldt(a->ldt_shadow, a->ldt_ents);
    load_selectors(a);
    pv_load_debugregs(v);
    wrmsr(MSR_FS_BASE, a->fs_base);
    wrmsr(MSR_GS_BASE, a->kernel_mode ? a->gs_base_kernel : a->gs_base_user);
    wrmsr(MSR_SHADOW_GS_BASE, a->kernel_mode ? a->gs_base_user : a->gs_base_kernel);
    clts();
    fpu_restore_safe(a->fpu_area);
    if (a->virt_ts)
        write_cr0(read_cr0() | X86_CR0_TS);
    load_guest_cr3(v, (a->kernel_mode ? a->cr3_kernel : a->cr3_user) << PAGE_SHIFT);
    cpu_set_kernel_stack(frame_top(v));
}

/* Going idle from prev: keep its tables in CR3 (above), or load the idle ones. */
static void switch_to_idle(struct vcpu *prev, unsigned int cpu)
{
    struct domain *pd = prev && !prev->arch.hvm ? prev->domain : NULL;

    if (pd && pd->state == DOM_ACTIVE) {
        this_cpu_data()->lazy_vcpu = prev;
        __atomic_store_n(&prev->arch.lazy_cpu, (int)cpu, __ATOMIC_RELEASE);
        return;                                      /* its domain stays TLB-dirty here */
    }
    cr3_load(PA(hv_idle_l4));
    if (pd)
        tlb_dirty_leave(pd, cpu);
}

void arch_context_switch(struct vcpu *prev, struct vcpu *next)
{
    unsigned long *idle_rsp = &this_cpu_data()->idle_saved_rsp;   /* idle never moves */
    unsigned long *save = prev ? &prev->arch.saved_rsp : idle_rsp;
    unsigned long load = next ? next->arch.saved_rsp : *idle_rsp;

    unsigned int cpu = smp_processor_id();
    struct domain *pd = prev && !prev->arch.hvm ? prev->domain : NULL;
    struct domain *nd = next && !next->arch.hvm ? next->domain : NULL;
    struct vcpu *held;

    if (prev && prev->domain->state == DOM_ACTIVE)
        prev->arch.hvm ? hvm_context_save(prev) : save_guest_state(prev);
    if (!next) {
        switch_to_idle(prev, cpu);
        arch_switch_stack(save, load);
        return;
    }
    if (next != this_cpu_data()->lazy_vcpu)
        arch_vcpu_drop_lazy(next);                   /* kept by another CPU: let go there */
    if (nd)
        tlb_dirty_enter(nd, cpu);                    /* before its tables are loaded */
    if (next->arch.hvm) {
        held = this_cpu_data()->lazy_vcpu;
        if (held) {
            cr3_load(PA(hv_idle_l4));
            lazy_drop_local(held, NULL);
        }
        hvm_context_load(next);
    } else {
        load_guest_state(next);                      /* the same vCPU back: CR3 kept */
    }
    held = this_cpu_data()->lazy_vcpu;
    if (held)
        lazy_drop_local(held, nd);                   /* another vCPU's tables replaced it */
    if (pd && pd != nd)
        tlb_dirty_leave(pd, cpu);                    /* its entries went with the CR3 load */
    arch_switch_stack(save, load);
}

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
    cr3_load((a->kernel_mode ? a->cr3_kernel : a->cr3_user) << PAGE_SHIFT);
    cpu_set_kernel_stack(frame_top(v));
}

void arch_context_switch(struct vcpu *prev, struct vcpu *next)
{
    unsigned long *idle_rsp = &this_cpu_data()->idle_saved_rsp;   /* idle never moves */
    unsigned long *save = prev ? &prev->arch.saved_rsp : idle_rsp;
    unsigned long load = next ? next->arch.saved_rsp : *idle_rsp;

    unsigned int cpu = smp_processor_id();
    struct domain *pd = prev && !prev->arch.hvm ? prev->domain : NULL;
    struct domain *nd = next && !next->arch.hvm ? next->domain : NULL;

    if (prev && prev->domain->state == DOM_ACTIVE)
        prev->arch.hvm ? hvm_context_save(prev) : save_guest_state(prev);
    if (nd)
        tlb_dirty_enter(nd, cpu);                    /* before its tables are loaded */
    if (next && next->arch.hvm)
        hvm_context_load(next);
    else if (next)
        load_guest_state(next);
    else
        cr3_load(PA(hv_idle_l4));
    if (pd && pd != nd)
        tlb_dirty_leave(pd, cpu);                    /* its entries went with the CR3 load */
    arch_switch_stack(save, load);
}

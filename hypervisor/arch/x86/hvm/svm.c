/*
 * AMD SVM: bring-up on each CPU, the run loop of an HVM vCPU, and the
 * exit dispatch (a table from exit code to kind, hvm/exit_table.c, and one
 * handler per kind here). An HVM vCPU's hypervisor stack runs
 * hvm_vcpu_loop forever: VMRUN until an exit, handle it, and schedule()
 * when the vCPU may no longer run or another is due, exactly where a PV
 * vCPU's return path would (context switch = switching stacks).
 */
#include <hv/arch.h>
#include <hv/cmdline.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/sched.h>
#include <hv/xen.h>
#include <asm/flush.h>
#include <asm/cpuid.h>
#include <asm/msr.h>
#include <asm/processor.h>
#include <asm/fpu.h>
#include <asm/guest_load.h>
#include <asm/boot.h>
#include <asm/layout.h>
#include <asm/hvm.h>
#include <asm/hvm_maps.h>

struct svm_cpu {
    void *hsave;                  /* VM_HSAVE_PA: the host state VMRUN keeps */
    void *host_save;              /* the host's VMSAVE/VMLOAD state (svm_entry.S) */
    const struct vmcb *last_vmcb; /* the VMCB that ran here last (ASID 1 is shared) */
    bool enabled;
};

static struct svm_cpu svm_cpus[HV_NR_CPUS];
static bool svm_usable;           /* the boot CPU has SVM and NPT, and the maps exist */
static u32 svm_features;          /* CPUID 0x8000000A EDX */
static u8 *svm_iopm, *svm_msrpm;  /* shared by every HVM vCPU: all ones, everything exits */

bool svm_available(void) { return svm_usable; }
bool arch_hvm_supported(void) { return svm_usable; }
bool svm_has_nrips(void) { return svm_features & SVM_FEATURE_NRIPS; }

void svm_tlb_flush_local(void)
{
    svm_cpus[smp_processor_id()].last_vmcb = NULL;
}
u64 svm_iopm_pa(void) { return (u64)hv_virt_to_mfn(svm_iopm) << PAGE_SHIFT; }
u64 svm_msrpm_pa(void) { return (u64)hv_virt_to_mfn(svm_msrpm) << PAGE_SHIFT; }

static u64 heap_pa(const void *p)
{
    return (u64)hv_virt_to_mfn(p) << PAGE_SHIFT;
}

/* NULL when this CPU can run SVM guests with nested paging, else why not. */
static const char *svm_absent_reason(void)
{
    u32 a, b, c, d;

    if (hv_opts.svm_off)
        return "off: svm=0";
    cpuid_count(0x80000000, 0, &a, &b, &c, &d);
    if (a < 0x8000000a)
        return "no CPUID leaf 0x8000000A";
    cpuid_count(0x80000001, 0, &a, &b, &c, &d);
    if (!(c & CPUID_EXT_ECX_SVM))
        return "the CPU has no SVM";
    if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS)
        return "SVM disabled by the firmware (VM_CR.SVMDIS)";
    cpuid_count(0x8000000a, 0, &a, &b, &c, &d);
    if (!(d & SVM_FEATURE_NPT))
        return "no nested paging";
    svm_features = d;
    return NULL;
}

/* The I/O and MSR permission maps: every bit set, every access exits. */
static bool svm_maps_init(void)
{
    svm_iopm = hv_alloc_pages(SVM_IOPM_PAGES);
    svm_msrpm = hv_alloc_pages(SVM_MSRPM_PAGES);
    if (!svm_iopm || !svm_msrpm)
        return false;
    memset(svm_iopm, 0xff, IOPM_SIZE);
    memset(svm_msrpm, 0xff, MSRPM_SIZE);
    return true;
}

static bool svm_cpu_enable(struct svm_cpu *c)
{
    c->hsave = hv_alloc_pages(1);
    c->host_save = hv_alloc_pages(1);
    if (!c->hsave || !c->host_save)
        return false;
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
    wrmsr(MSR_VM_HSAVE_PA, heap_pa(c->hsave));
    c->enabled = true;
    return true;
}

void svm_cpu_init(void)
{
    unsigned int cpu = smp_processor_id();
    const char *why = svm_absent_reason();

    if (cpu == 0 && !why && !svm_maps_init())
        why = "no memory for the intercept maps";
    if (!why && cpu && !svm_usable)
        return;                                      /* the boot CPU said so already */
    if (!why && !svm_cpu_enable(&svm_cpus[cpu]))
        why = "no memory for the host save areas";
    if (why) {
        if (cpu == 0)
            hv_info("SVM not available (%s): HVM domains refused\n", why);
        else
            hv_warn("cpu%u: SVM not available (%s): HVM vCPUs crash here\n", cpu, why);
        return;
    }
    if (cpu == 0) {
        svm_usable = true;
        hv_info("SVM enabled, nested paging (NPT)%s\n",
                svm_has_nrips() ? ", next-RIP save" : "");
    } else {
        hv_info("cpu%u: SVM enabled\n", cpu);
    }
}

/* --- the exits --- */

typedef void (*hvm_exit_fn)(struct vcpu *v, struct vmcb *vmcb);

static void hvm_crash(struct vcpu *v, const char *why)
{
    domain_crash(v->domain, why);
}

static void exit_nothing(struct vcpu *v, struct vmcb *vmcb)
{
    /* INTR / NMI: svm_vmrun's STGI let the host take it already. */
}

static void exit_cpuid(struct vcpu *v, struct vmcb *vmcb)
{
    u32 r[4];

    hvm_cpuid(v, (u32)vmcb->rax, (u32)v->arch.hvm->gprs.rcx, r);
    vmcb->rax = r[0];
    v->arch.hvm->gprs.rbx = r[1];
    v->arch.hvm->gprs.rcx = r[2];
    v->arch.hvm->gprs.rdx = r[3];
    vmcb_skip_insn(vmcb, 2);
}

static void exit_msr(struct vcpu *v, struct vmcb *vmcb)
{
    struct svm_gprs *g = &v->arch.hvm->gprs;
    u32 msr = (u32)g->rcx;
    u64 val;
    int rc;

    if (vmcb->exitinfo1) {
        rc = hvm_msr_write(v, msr, (u32)vmcb->rax | (g->rdx << 32));
    } else {
        rc = hvm_msr_read(v, msr, &val);
        if (!rc) {
            vmcb->rax = (u32)val;
            g->rdx = val >> 32;
        }
    }
    if (rc)
        vmcb_inject_exception(vmcb, 13, true, 0);    /* #GP(0), as for an MSR that is not there */
    else
        vmcb_skip_insn(vmcb, 2);
}

static void exit_io(struct vcpu *v, struct vmcb *vmcb)
{
    u64 info = vmcb->exitinfo1;
    unsigned int size = (info >> SVM_IOIO_SIZE_SHIFT) & 7;   /* 1, 2 or 4 */
    u32 val = (u32)vmcb->rax;

    if (info & SVM_IOIO_STR) {
        hvm_io_string(v);                             /* INS/OUTS: an element at a time */
        return;
    }
    if (hvm_io(v, (u16)(info >> SVM_IOIO_PORT_SHIFT), size, info & SVM_IOIO_IN, &val)) {
        if (!(info & SVM_IOIO_IN))
            vmcb->rip = vmcb->exitinfo2;              /* an OUT is done once sent; IN: when answered */
        return;                                       /* an ioreq server's: the vCPU waits */
    }
    if (info & SVM_IOIO_IN) {
        u64 mask = size == 4 ? 0xffffffffULL : (1ULL << (8 * size)) - 1;

        vmcb->rax = (vmcb->rax & ~mask) | (val & mask);
    }
    vmcb->rip = vmcb->exitinfo2;                      /* IOIO always gives the next rip */
}

/* HLT with interrupts off can never end: the vCPU is down, so is the domain (Xen: poweroff). */
static void exit_hlt(struct vcpu *v, struct vmcb *vmcb)
{
    struct hvm_vcpu *h = v->arch.hvm;

    vmcb_skip_insn(vmcb, 1);
    if (!(vmcb->rflags & X86_EFLAGS_IF)) {
        hv_info("d%u v%u: HLT with interrupts off at %lx: powered off\n", v->domain->id, v->id,
                vmcb->rip - 1);
        domain_shutdown(v->domain, SHUTDOWN_poweroff);
        return;
    }
    if (h->wake_pending)
        h->wake_pending = false;
    else if (!hvm_intr_pending(v)) {
        sched_block(v);                               /* until the wake timer or an interrupt */
        if (hvm_intr_pending(v))
            sched_wake(v);                            /* one raised meanwhile (sched_block's rule) */
    }
}

static void exit_npf(struct vcpu *v, struct vmcb *vmcb)
{
    if (hvm_mmio_access(v, vmcb->exitinfo2, vmcb->exitinfo1) != -ENOENT)
        return;                                       /* a device's: emulated (or the domain crashed) */
    hv_warn("d%u v%u: nested page fault at guest-physical %lx (error %lx) rip %lx: "
            "nothing is mapped there\n", v->domain->id, v->id, vmcb->exitinfo2,
            vmcb->exitinfo1, vmcb->rip);
    hvm_crash(v, "access to unmapped guest-physical memory");
}

static void exit_ud(struct vcpu *v, struct vmcb *vmcb)
{
    vmcb_inject_exception(vmcb, 6, false, 0);
}

static void exit_skip(struct vcpu *v, struct vmcb *vmcb)
{
    vmcb_skip_insn(vmcb, 2);                          /* WBINVD, INVD: 0f 09, 0f 08 */
}

static void exit_shutdown(struct vcpu *v, struct vmcb *vmcb)
{
    hvm_crash(v, "triple fault (SVM shutdown intercept)");
}

static void exit_task_switch(struct vcpu *v, struct vmcb *vmcb)
{
    hvm_crash(v, "hardware task switch (not emulated)");
}

static void exit_invalid(struct vcpu *v, struct vmcb *vmcb)
{
    hvm_crash(v, "VMRUN refused the guest state (VMEXIT_INVALID)");
}

static void exit_unhandled(struct vcpu *v, struct vmcb *vmcb)
{
    hv_warn("d%u v%u: unexpected SVM exit %lx\n", v->domain->id, v->id, vmcb->exitcode);
    hvm_crash(v, "unexpected SVM exit");
}

static const hvm_exit_fn exit_handlers[HVM_EXIT_KINDS] = {
    [HVM_EXIT_UNHANDLED]   = exit_unhandled,
    [HVM_EXIT_INTR]        = exit_nothing,
    [HVM_EXIT_NMI]         = exit_nothing,
    [HVM_EXIT_CPUID]       = exit_cpuid,
    [HVM_EXIT_MSR]         = exit_msr,
    [HVM_EXIT_IO]          = exit_io,
    [HVM_EXIT_HLT]         = exit_hlt,
    [HVM_EXIT_NPF]         = exit_npf,
    [HVM_EXIT_UD]          = exit_ud,
    [HVM_EXIT_SKIP]        = exit_skip,
    [HVM_EXIT_SHUTDOWN]    = exit_shutdown,
    [HVM_EXIT_TASK_SWITCH] = exit_task_switch,
    [HVM_EXIT_INVALID]     = exit_invalid,
    [HVM_EXIT_VINTR]       = exit_nothing,            /* hvm_intr_assist injects next */
};

static void svm_handle_exit(struct vcpu *v)
{
    struct vmcb *vmcb = v->arch.hvm->vmcb;
    const struct hvm_exit_desc *d = hvm_exit_describe(vmcb->exitcode);

    v->arch.hvm->exits[d->kind]++;
    /* An event whose delivery the exit interrupted is delivered again. */
    vmcb->eventinj = (vmcb->exitintinfo & SVM_EVENT_VALID) ? vmcb->exitintinfo : 0;
    exit_handlers[d->kind](v, vmcb);
}

/* --- the run loop --- */

static void svm_run_once(struct vcpu *v)
{
    unsigned int cpu = smp_processor_id();
    struct svm_cpu *c = &svm_cpus[cpu];
    struct hvm_vcpu *h = v->arch.hvm;

    /* Every domain uses ASID 1: another VMCB here, or this one moved, flushes it. */
    h->vmcb->tlb_control = (c->last_vmcb != h->vmcb || h->last_cpu != (int)cpu) ? 1 : 0;
    c->last_vmcb = h->vmcb;
    h->last_cpu = (int)cpu;
    h->vmcb->clean_bits = 0;                          /* nothing cached: the VMCB is read whole */
    svm_vmrun(h->vmcb_pa, &h->gprs, heap_pa(c->host_save));
}

__noreturn void hvm_vcpu_loop(void)
{
    struct vcpu *v = current;                         /* this stack is v's for good */

    /* The first run, as hv_vcpu_first_entry: the vCPU this CPU left may run
     * elsewhere now. Without it, that vCPU's is_running stays set and the
     * next CPU to pick it (this one, alone) waits forever: dom0 next to an
     * HVM guest built after it hung so. */
    sched_switch_done();
    for (;;) {
        arch_irq_disable();
        while (v->state != VCPU_RUNNABLE || sched_need_resched())
            schedule();                               /* a dead vCPU never comes back */
        if (!svm_cpus[smp_processor_id()].enabled) {
            hvm_crash(v, "this CPU has no SVM");
            continue;
        }
        if (hvm_ioreq_complete(v))
            continue;                                 /* its device model has not answered yet */
        hvm_intr_assist(v);
        svm_run_once(v);
        svm_handle_exit(v);
    }
}

/*
 * The context switch's part (context.c): an HVM guest's state is in its
 * VMCB and moved by VMRUN/VMLOAD/VMSAVE; what is not is its FPU and DR0-3
 * (MOV DR is not intercepted, so they are the guest's while it runs). On
 * the way in, the hypervisor's own page tables: VMRUN keeps this CR3 as
 * the host's.
 */
void hvm_context_save(struct vcpu *v)
{
    struct hvm_vcpu *h = v->arch.hvm;

    fpu_save(v->arch.fpu_area);
    asm volatile("mov %%db0, %0; mov %%db1, %1; mov %%db2, %2; mov %%db3, %3"
                 : "=r"(h->dr[0]), "=r"(h->dr[1]), "=r"(h->dr[2]), "=r"(h->dr[3]));
}

void hvm_context_load(struct vcpu *v)
{
    const struct hvm_vcpu *h = v->arch.hvm;

    cr3_load(PA(hv_idle_l4));
    asm volatile("mov %0, %%db7" :: "r"(0x400UL));   /* a PV vCPU's breakpoints stay its own */
    asm volatile("mov %0, %%db0; mov %1, %%db1; mov %2, %%db2; mov %3, %%db3"
                 :: "r"(h->dr[0]), "r"(h->dr[1]), "r"(h->dr[2]), "r"(h->dr[3]));
    clts();
    fpu_restore_safe(v->arch.fpu_area);
}

void hvm_dump_registers(const struct vcpu *v)
{
    const struct vmcb *vmcb = v->arch.hvm->vmcb;
    const struct svm_gprs *g = &v->arch.hvm->gprs;

    hv_err("HVM rip %08lx rsp %08lx rflags %08lx cr0 %lx cr3 %lx cr4 %lx efer %lx exit %lx\n",
           vmcb->rip, vmcb->rsp, vmcb->rflags, vmcb->cr0, vmcb->cr3, vmcb->cr4,
           vmcb->efer, vmcb->exitcode);
    hv_err("rax %lx rbx %lx rcx %lx rdx %lx rsi %lx rdi %lx rbp %lx\n", vmcb->rax, g->rbx,
           g->rcx, g->rdx, g->rsi, g->rdi, g->rbp);
}

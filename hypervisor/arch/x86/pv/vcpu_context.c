/*
 * A PV vCPU's context set and read by the toolstack (domctl
 * setvcpucontext/getvcpucontext): registers, virtual IDT, callbacks,
 * kernel stack, segment bases and the page-table base pointers. The
 * context is checked first (vcpu_context_check.c); a vCPU is given one
 * context only, before it first runs, and VGCF_online makes it runnable
 * (it still waits while its domain is paused).
 */
#include <hv/domctl.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/sched.h>
#include <asm/desc.h>
#include <asm/page_type.h>
#include <asm/processor.h>

static void set_gprs(struct cpu_user_regs *r, const struct cpu_user_regs *g)
{
    r->r15 = g->r15; r->r14 = g->r14; r->r13 = g->r13; r->r12 = g->r12;
    r->rbp = g->rbp; r->rbx = g->rbx; r->r11 = g->r11; r->r10 = g->r10;
    r->r9 = g->r9; r->r8 = g->r8; r->rax = g->rax; r->rcx = g->rcx;
    r->rdx = g->rdx; r->rsi = g->rsi; r->rdi = g->rdi;
    r->rip = g->rip;
    r->rsp = g->rsp;
    r->cs = FLAT_KERNEL_CS;
    r->ss = FLAT_KERNEL_SS;
    /* As Xen: interrupts (events) on, no I/O privilege from a context. */
    r->rflags = (g->rflags & ~X86_EFLAGS_IOPL) | X86_EFLAGS_IF;
}

static void set_entry_points(struct arch_vcpu *a, const struct vcpu_guest_context *c)
{
    memset(a->trap_ctxt, 0, sizeof(a->trap_ctxt));
    for (unsigned int i = 0; i < ARRAY_SIZE(c->trap_ctxt); i++) {
        if (!c->trap_ctxt[i].address)
            continue;
        a->trap_ctxt[i] = c->trap_ctxt[i];
        a->trap_ctxt[i].vector = (u8)i;
        a->trap_ctxt[i].cs = FLAT_KERNEL_CS;
    }
    a->event_callback = c->event_callback_eip;
    a->failsafe_callback = c->failsafe_callback_eip;
    a->syscall_callback = c->syscall_callback_eip;
    a->failsafe_mask_events = c->flags & VGCF_failsafe_disables_events;
    a->syscall_mask_events = c->flags & VGCF_syscall_disables_events;
    a->kernel_ss = c->kernel_ss;
    a->kernel_sp = c->kernel_sp;
    a->fs_base = c->fs_base;
    a->gs_base_kernel = c->gs_base_kernel;
    a->gs_base_user = c->gs_base_user;
    a->ds = c->user_regs.ds;
    a->es = c->user_regs.es;
    a->fs = c->user_regs.fs;
    a->gs = c->user_regs.gs;
}

/* Both base pointers referenced (typed L4) before anything of the vCPU changes. */
static int take_base_pointers(struct vcpu *v, const struct vcpu_guest_context *c)
{
    mfn_t k = c->ctrlreg[3] >> PAGE_SHIFT, u = c->ctrlreg[1] >> PAGE_SHIFT;
    int rc = page_get_and_type(k, PGT_l4, v->domain);

    if (rc)
        return rc;
    if (u && (rc = page_get_and_type(u, PGT_l4, v->domain))) {
        page_put_and_type(k);
        return rc;
    }
    v->arch.cr3_kernel = k;
    v->arch.cr3_user = u;
    return 0;
}

static void put_base_pointers(struct vcpu *v)
{
    arch_vcpu_drop_lazy(v);
    page_put_and_type(v->arch.cr3_kernel);
    if (v->arch.cr3_user)
        page_put_and_type(v->arch.cr3_user);
    v->arch.cr3_kernel = v->arch.cr3_user = 0;
}

bool arch_vcpu_initialised(const struct vcpu *v)
{
    return v->arch.cr3_kernel != 0;
}

/* The checked context into a vCPU that has none yet; its GDT (guest) loaded. */
static int set_context(struct vcpu *v, const struct vcpu_guest_context *c, bool guest)
{
    int rc;

    if (arch_vcpu_initialised(v) || v->state != VCPU_DOWN)
        return -EEXIST;                              /* a context once, before it runs */
    rc = take_base_pointers(v, c);
    if (rc)
        return -EINVAL;
    if (guest && c->gdt_ents) {
        rc = pv_gdt_install(v, (const mfn_t *)c->gdt_frames, c->gdt_ents);
        if (rc) {
            put_base_pointers(v);
            return rc;
        }
    }
    set_gprs(v->arch.regs, &c->user_regs);
    set_entry_points(&v->arch, c);
    if (guest)                                       /* as Xen: the virtual IOPL (Linux: ring 1) */
        v->arch.iopl = (c->user_regs.rflags & X86_EFLAGS_IOPL) >> 12;
    v->arch.kernel_mode = true;
    v->vcpu_info->evtchn_upcall_mask = 1;            /* as at boot: the guest unmasks */
    return 0;
}

int arch_set_vcpu_context(struct vcpu *v, const struct vcpu_guest_context *c)
{
    int rc = v->arch.hvm ? -EOPNOTSUPP : pv_vcpu_context_check(v->domain, c);   /* HVM: docs/hvm.md */

    if (!rc)
        rc = set_context(v, c, false);
    if (!rc && (c->flags & VGCF_online))
        sched_add(v);                                /* queued once its domain is unpaused */
    return rc;
}

/* Checked before anything of v changes; the caller holds its domain's domain_lock. */
int arch_initialise_vcpu(struct vcpu *v, const struct vcpu_guest_context *c)
{
    int rc = v->arch.hvm ? -EOPNOTSUPP : pv_vcpu_context_check_guest(v->domain, c);

    return rc ? rc : set_context(v, c, true);
}

void arch_get_vcpu_context(const struct vcpu *v, struct vcpu_guest_context *c)
{
    const struct arch_vcpu *a = &v->arch;

    c->user_regs = *a->regs;
    c->user_regs.ds = a->ds;
    c->user_regs.es = a->es;
    c->user_regs.fs = a->fs;
    c->user_regs.gs = a->gs;
    c->flags = (a->kernel_mode ? VGCF_in_kernel : 0) | (v->state != VCPU_DOWN ? VGCF_online : 0) |
               (a->failsafe_mask_events ? VGCF_failsafe_disables_events : 0) |
               (a->syscall_mask_events ? VGCF_syscall_disables_events : 0);
    memcpy(c->trap_ctxt, a->trap_ctxt, sizeof(c->trap_ctxt));
    c->kernel_ss = a->kernel_ss;
    c->kernel_sp = a->kernel_sp;
    c->ctrlreg[3] = a->cr3_kernel << PAGE_SHIFT;
    c->ctrlreg[1] = a->cr3_user << PAGE_SHIFT;
    c->event_callback_eip = a->event_callback;
    c->failsafe_callback_eip = a->failsafe_callback;
    c->syscall_callback_eip = a->syscall_callback;
    c->vm_assist = v->domain->vm_assist;
    c->fs_base = a->fs_base;
    c->gs_base_kernel = a->gs_base_kernel;
    c->gs_base_user = a->gs_base_user;
}

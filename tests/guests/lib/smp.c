/* smp.c: starting a test guest's second vCPU (smp.h). */
#include "smp.h"
#include "hypercall.h"
#include "mm.h"

extern char event_stub[], failsafe_stub[];

void vcpu_context_at(struct vcpu_guest_context *c, void (*entry)(void), void *stack, size_t size)
{
    memset(c, 0, sizeof(*c));
    c->flags = VGCF_in_kernel;
    c->user_regs.rip = (unsigned long)entry;
    c->user_regs.rsp = (unsigned long)stack + size - 8;      /* as after a call */
    c->user_regs.cs = FLAT_KERNEL_CS;
    c->user_regs.ss = FLAT_KERNEL_SS;
    c->kernel_ss = FLAT_KERNEL_SS;
    c->kernel_sp = (unsigned long)stack + size;
    c->event_callback_eip = (unsigned long)event_stub;
    c->failsafe_callback_eip = (unsigned long)failsafe_stub;
    c->ctrlreg[3] = virt_to_maddr(boot_l4()) & ~0xfffUL;
    for (unsigned int v = 0; v < 32; v++) {
        if (!trap_stub(v))
            continue;
        c->trap_ctxt[v].vector = v;
        c->trap_ctxt[v].flags = v == 3 ? 3 : 0;
        c->trap_ctxt[v].cs = FLAT_KERNEL_CS;
        c->trap_ctxt[v].address = (unsigned long)trap_stub(v);
    }
}

long evtchn_bind_ipi(unsigned int vcpu, evtchn_port_t *port)
{
    struct evtchn_bind_ipi op = { .vcpu = vcpu };
    long rc = hc_event_channel_op(EVTCHNOP_bind_ipi, &op);

    if (!rc && port)
        *port = op.port;
    return rc;
}

int vcpu_runstate(unsigned int vcpu)
{
    struct vcpu_runstate_info r;
    long rc = hc_vcpu_op(VCPUOP_get_runstate_info, vcpu, &r);

    return rc ? (int)rc : r.state;
}

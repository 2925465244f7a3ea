/*
 * The interrupt assist: before each VMRUN, the local APIC's highest
 * deliverable vector is injected through EVENTINJ when the guest can take
 * it now (IF set, no interrupt shadow, no event already being injected).
 * When it cannot, a virtual interrupt (V_IRQ) with the VINTR intercept
 * asks the CPU to exit the moment the guest can; that exit does nothing
 * but come back here (Xen's svm_intr_assist does the same). The local
 * APIC's own interrupts come first, then the PIC's through LINT0 (ExtINT);
 * the PIT's posted ticks become IRQ0 edges here first.
 */
#include <hv/domain.h>
#include <hv/lib.h>
#include <asm/hvm.h>

#define V_IRQ           (1ULL << 8)
#define V_IGN_TPR       (1ULL << 20)
#define V_INTR_PRIO_MAX (0xfULL << 16)
#define EFLAGS_IF       (1ULL << 9)

bool hvm_intr_pending(struct vcpu *v)
{
    vpit_deliver(v);
    hvm_isa_irq_deliver(v);
    return vlapic_pending(v) >= 0 || vpic_pending(v) >= 0;
}

void hvm_intr_assist(struct vcpu *v)
{
    struct vmcb *vmcb = v->arch.hvm->vmcb;
    bool from_pic = false;
    int vec;

    vmcb->vintr &= ~(V_IRQ | V_IGN_TPR | V_INTR_PRIO_MAX);
    vmcb->intercept_misc1 &= ~SVM_INTERCEPT_VINTR;
    vpit_deliver(v);
    hvm_isa_irq_deliver(v);
    if ((vec = vlapic_pending(v)) < 0 && (from_pic = true, vec = vpic_pending(v)) < 0)
        return;
    if ((vmcb->eventinj & SVM_EVENT_VALID) || !(vmcb->rflags & EFLAGS_IF) ||
        (vmcb->interrupt_shadow & 1)) {
        vmcb->vintr |= V_IRQ | V_IGN_TPR | V_INTR_PRIO_MAX;   /* exit when the window opens */
        vmcb->intercept_misc1 |= SVM_INTERCEPT_VINTR;
        return;
    }
    if (from_pic)
        vpic_ack(v);                                  /* ExtINT: the PIC's INTA */
    else
        vlapic_ack(v, (u8)vec);
    vmcb->eventinj = (u8)vec | SVM_EVENT_TYPE_INTR | SVM_EVENT_VALID;
    v->arch.hvm->irqs_injected++;
}

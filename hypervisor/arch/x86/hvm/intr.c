/*
 * The interrupt assist: before each VMRUN, the local APIC's highest
 * deliverable vector is injected through EVENTINJ when the guest can take
 * it now (IF set, no interrupt shadow, no event already being injected).
 * When it cannot, a virtual interrupt (V_IRQ) with the VINTR intercept
 * asks the CPU to exit the moment the guest can; that exit does nothing
 * but come back here (Xen's svm_intr_assist does the same).
 */
#include <hv/domain.h>
#include <hv/lib.h>
#include <asm/hvm.h>

#define V_IRQ           (1ULL << 8)
#define V_IGN_TPR       (1ULL << 20)
#define V_INTR_PRIO_MAX (0xfULL << 16)
#define EFLAGS_IF       (1ULL << 9)

void hvm_intr_assist(struct vcpu *v)
{
    struct vmcb *vmcb = v->arch.hvm->vmcb;
    int vec;

    vmcb->vintr &= ~(V_IRQ | V_IGN_TPR | V_INTR_PRIO_MAX);
    vmcb->intercept_misc1 &= ~SVM_INTERCEPT_VINTR;
    if ((vec = vlapic_pending(v)) < 0)
        return;
    if ((vmcb->eventinj & SVM_EVENT_VALID) || !(vmcb->rflags & EFLAGS_IF) ||
        (vmcb->interrupt_shadow & 1)) {
        vmcb->vintr |= V_IRQ | V_IGN_TPR | V_INTR_PRIO_MAX;   /* exit when the window opens */
        vmcb->intercept_misc1 |= SVM_INTERCEPT_VINTR;
        return;
    }
    vlapic_ack(v, (u8)vec);
    vmcb->eventinj = (u8)vec | SVM_EVENT_TYPE_INTR | SVM_EVENT_VALID;
    v->arch.hvm->irqs_injected++;
}

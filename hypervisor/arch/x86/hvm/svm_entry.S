/*
 * void svm_vmrun(u64 vmcb_pa, struct svm_gprs *gprs, u64 host_save_pa)
 *
 * Called with interrupts off (IF=0). VMRUN itself keeps the host's rip,
 * rsp, rax, rflags, control registers, EFER, GDTR/IDTR and ES/CS/SS/DS in
 * the CPU's VM_HSAVE_PA area; what it does not (FS, GS and their bases,
 * KernelGSBase, TR, LDTR, STAR/LSTAR/CSTAR/SFMASK, SYSENTER_*) the host
 * VMSAVEs to host_save_pa and VMLOADs back after the guest. The guest's
 * copies of those live in its VMCB (VMLOAD before, VMSAVE after).
 *
 * Interrupts: CLGI, then STI, so that the host's IF is 1 in guest mode
 * (V_INTR_MASKING: a physical interrupt then exits with INTR); after the
 * #VMEXIT (GIF=0) STGI lets the waiting interrupt in here, on this stack,
 * as an interrupt of the hypervisor, and CLI closes again before C.
 */
#define GPR_RBX 0
#define GPR_RCX 8
#define GPR_RDX 16
#define GPR_RSI 24
#define GPR_RDI 32
#define GPR_RBP 40
#define GPR_R8  48
#define GPR_R9  56
#define GPR_R10 64
#define GPR_R11 72
#define GPR_R12 80
#define GPR_R13 88
#define GPR_R14 96
#define GPR_R15 104

    .text
    .global svm_vmrun
    .type svm_vmrun, @function
svm_vmrun:
    push    %rbp
    push    %rbx
    push    %r12
    push    %r13
    push    %r14
    push    %r15
    push    %rsi                    /* 16(%rsp): gprs */
    push    %rdx                    /*  8(%rsp): host save area */
    push    %rdi                    /*  0(%rsp): guest VMCB */

    clgi
    sti
    mov     %rdx, %rax
    vmsave                          /* the host's FS/GS/TR/LDTR/syscall MSRs */
    mov     (%rsp), %rax
    vmload                          /* the guest's */

    mov     GPR_RBX(%rsi), %rbx
    mov     GPR_RCX(%rsi), %rcx
    mov     GPR_RDX(%rsi), %rdx
    mov     GPR_RDI(%rsi), %rdi
    mov     GPR_RBP(%rsi), %rbp
    mov     GPR_R8(%rsi), %r8
    mov     GPR_R9(%rsi), %r9
    mov     GPR_R10(%rsi), %r10
    mov     GPR_R11(%rsi), %r11
    mov     GPR_R12(%rsi), %r12
    mov     GPR_R13(%rsi), %r13
    mov     GPR_R14(%rsi), %r14
    mov     GPR_R15(%rsi), %r15
    mov     GPR_RSI(%rsi), %rsi

    vmrun                           /* rax: the guest's VMCB */

    /* Host rip/rsp/rax back (rax = the VMCB); every other GPR is the guest's. */
    push    %rsi
    mov     24(%rsp), %rsi          /* gprs (one push deeper) */
    mov     %rbx, GPR_RBX(%rsi)
    mov     %rcx, GPR_RCX(%rsi)
    mov     %rdx, GPR_RDX(%rsi)
    mov     %rdi, GPR_RDI(%rsi)
    mov     %rbp, GPR_RBP(%rsi)
    mov     %r8, GPR_R8(%rsi)
    mov     %r9, GPR_R9(%rsi)
    mov     %r10, GPR_R10(%rsi)
    mov     %r11, GPR_R11(%rsi)
    mov     %r12, GPR_R12(%rsi)
    mov     %r13, GPR_R13(%rsi)
    mov     %r14, GPR_R14(%rsi)
    mov     %r15, GPR_R15(%rsi)
    pop     %rbx
    mov     %rbx, GPR_RSI(%rsi)

    mov     (%rsp), %rax
    vmsave                          /* the guest's FS/GS/TR/LDTR/syscall MSRs */
    mov     8(%rsp), %rax
    vmload                          /* the host's back */
    stgi                            /* an interrupt that exited the guest is taken here */
    cli

    add     $24, %rsp
    pop     %r15
    pop     %r14
    pop     %r13
    pop     %r12
    pop     %rbx
    pop     %rbp
    ret
    .size svm_vmrun, . - svm_vmrun

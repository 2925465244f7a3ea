/* iret.c: the iret hypercall restores rip, cs, rflags, rsp, ss, rax, rcx, r11, upcall mask. */
#include "frame.h"
#include "hypercall.h"
#include "traps.h"

struct iret_out { uint64_t rax, rcx, r11, rsp, rsp_before, rflags, cs; };

/* Build [ss, rsp, rflags, cs, rip=1f] and jump to hypercall_iret (head.S). */
static void iret_to_label(uint64_t rflags, uint64_t cs, struct iret_out *o)
{
    asm volatile("mov %%rsp, %%r12\n\t"
                 "pushq $0xe02b\n\t"
                 "push %%r12\n\t"
                 "push %[fl]\n\t"
                 "push %[cs]\n\t"
                 "lea 1f(%%rip), %%rax\n\t"
                 "push %%rax\n\t"
                 "mov $0xaaa, %%eax\n\t"
                 "mov $0xc1c1, %%ecx\n\t"
                 "mov $0xb11b, %%r11d\n\t"
                 "jmp hypercall_iret\n"
                 "1:\n\t"
                 "mov %%rax, 0(%[o])\n\t"
                 "mov %%rcx, 8(%[o])\n\t"
                 "mov %%r11, 16(%[o])\n\t"
                 "mov %%rsp, 24(%[o])\n\t"
                 "mov %%r12, 32(%[o])\n\t"
                 "pushf\n\t"
                 "popq 40(%[o])\n\t"
                 "mov %%cs, %%eax\n\t"
                 "mov %%rax, 48(%[o])\n\t"
                 : : [fl] "r"(rflags), [cs] "r"(cs), [o] "b"(o)
                 : "rax", "rcx", "r11", "r12", "memory", "cc");
}

static void one_iret(const char *nm, uint64_t rflags, uint64_t cs, uint8_t mask_before)
{
    struct iret_out o;
    uint8_t want_mask = (rflags & X86_EFLAGS_IF) ? 0 : 1;
    uint8_t mask;

    vcpu0->evtchn_upcall_mask = mask_before;
    iret_to_label(rflags, cs, &o);
    mask = vcpu0->evtchn_upcall_mask;
    vcpu0->evtchn_upcall_mask = 0;
    check(o.rax == 0xaaa && o.rcx == 0xc1c1 && o.r11 == 0xb11b && o.rsp == o.rsp_before &&
          (o.rflags & 0x1) && (o.cs & 0xffff) == FLAT_KERNEL_CS && mask == want_mask, nm,
          "rax %#lx rcx %#lx r11 %#lx rsp %#lx/%#lx rflags %#lx cs %#lx mask %u want %u",
          o.rax, o.rcx, o.r11, o.rsp, o.rsp_before, o.rflags, o.cs, mask, want_mask);
}

void test_iret(void)
{
    /* cs RPL 0 = stay in guest kernel mode (RPL 3 would switch to user mode). */
    one_iret("iret hypercall: IF=1 unmasks events, CF and regs restored", 0x203,
             FLAT_KERNEL_CS & ~3, 1);
    one_iret("iret hypercall: IF=0 masks events", 0x003, FLAT_KERNEL_CS & ~3, 0);
}

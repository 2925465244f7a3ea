/* abi.c: what each hypercall style must preserve (Linux relies on rbx, rbp, r12-r15). */
#include "guest.h"
#include "hypercall.h"
#include "misc.h"

struct regs6 { uint64_t rbx, r12, r13, r14, r15, rcx, r11, r9; };

struct abi_args { uint64_t direct, target; struct regs6 *out; };

/*
 * xen_version(0) with markers in every non-argument register; args->direct picks syscall.
 * Only rax (the args pointer, saved on the stack) is used to carry state across.
 */
static void call_with_markers(bool direct, struct regs6 *o)
{
    struct abi_args a = { direct, (unsigned long)hypercall_page + __HYPERVISOR_xen_version * 32, o };
    void *p = &a;

    asm volatile("push %%rbx; push %%r12; push %%r13; push %%r14; push %%r15; push %%rbp\n\t"
                 "push %%rax\n\t"
                 "mov $0xb0b0, %%ebx; mov $0x1212, %%r12d; mov $0x1313, %%r13d\n\t"
                 "mov $0x1414, %%r14d; mov $0x1515, %%r15d; mov $0xbbbb, %%ebp\n\t"
                 "mov $0xc0c0, %%ecx; mov $0x1111, %%r11d; mov $0x9999, %%r9d\n\t"
                 "xor %%edi, %%edi; xor %%esi, %%esi\n\t"
                 "cmpq $0, 0(%%rax); je 1f\n\t"
                 "mov $17, %%eax; syscall; jmp 2f\n"
                 "1: mov 8(%%rax), %%rax; call *%%rax\n"
                 "2: cmp $0xbbbb, %%rbp; je 3f; mov $0, %%rbx\n"   /* rbp lost: poison rbx */
                 "3: pop %%rax\n\t"
                 "mov 16(%%rax), %%rax\n\t"
                 "mov %%rbx, 0(%%rax); mov %%r12, 8(%%rax); mov %%r13, 16(%%rax)\n\t"
                 "mov %%r14, 24(%%rax); mov %%r15, 32(%%rax); mov %%rcx, 40(%%rax)\n\t"
                 "mov %%r11, 48(%%rax); mov %%r9, 56(%%rax)\n\t"
                 "pop %%rbp; pop %%r15; pop %%r14; pop %%r13; pop %%r12; pop %%rbx\n\t"
                 : "+a"(p)
                 :
                 : "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
}

static bool callee_saved_ok(const struct regs6 *r)
{
    return r->rbx == 0xb0b0 && r->r12 == 0x1212 && r->r13 == 0x1313 && r->r14 == 0x1414 &&
           r->r15 == 0x1515 && r->r9 == 0x9999;
}

void test_abi(void)
{
    struct regs6 r;

    call_with_markers(false, &r);
    check(callee_saved_ok(&r) && r.rcx == 0xc0c0 && r.r11 == 0x1111,
          "hypercall page preserves rbx rbp r12-r15 r9 and rcx/r11",
          "rbx %#lx r12 %#lx r13 %#lx r14 %#lx r15 %#lx rcx %#lx r11 %#lx r9 %#lx",
          r.rbx, r.r12, r.r13, r.r14, r.r15, r.rcx, r.r11, r.r9);
    call_with_markers(true, &r);
    check(callee_saved_ok(&r), "direct syscall hypercall preserves rbx rbp r12-r15 r9",
          "rbx %#lx r12 %#lx r13 %#lx r14 %#lx r15 %#lx r9 %#lx",
          r.rbx, r.r12, r.r13, r.r14, r.r15, r.r9);
}

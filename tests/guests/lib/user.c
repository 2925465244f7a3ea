/* user.c: guest user mode for the tests (see user.h). */
#include "user.h"
#include "hypercall.h"
#include "mm.h"

extern char user_syscall_stub[];
unsigned long user_enter_raw(unsigned long rip, unsigned long rsp, unsigned long rflags,
                             unsigned long b, unsigned long c);

static uint8_t kernel_stack[4 * PAGE_SIZE] __aligned(PAGE_SIZE);
static bool user_ready;

bool user_init(void)
{
    struct callback_register cb = {
        .type = CALLBACKTYPE_syscall, .flags = CALLBACKF_mask_events,
        .address = (unsigned long)user_syscall_stub,
    };
    long rc;

    if (user_ready)
        return true;
    rc = mmuext1(MMUEXT_NEW_USER_BASEPTR, virt_to_mfn(boot_l4()));
    if (!check_eq(rc, 0, "user mode: NEW_USER_BASEPTR(the kernel's L4)"))
        return false;
    rc = hc_callback_op(CALLBACKOP_register, &cb);
    if (!check_eq(rc, 0, "user mode: register the syscall callback"))
        return false;
    rc = hc_stack_switch(FLAT_KERNEL_SS, (unsigned long)kernel_stack + sizeof(kernel_stack));
    if (!check_eq(rc, 0, "user mode: stack_switch (kernel stack for traps from user mode)"))
        return false;
    user_ready = true;
    return true;
}

unsigned long user_enter(unsigned long rip, unsigned long rsp, unsigned long rflags,
                         unsigned long b, unsigned long c)
{
    uint8_t mask = vcpu0->evtchn_upcall_mask;
    unsigned long rv = user_enter_raw(rip, rsp, rflags, b, c);

    vcpu0->evtchn_upcall_mask = mask;               /* the callback masked events */
    return rv;
}

unsigned long user_call_flags(unsigned long (*fn)(unsigned long), unsigned long arg,
                              unsigned long rflags)
{
    return user_enter((unsigned long)user_trampoline, (unsigned long)user_stack_top,
                      rflags, (unsigned long)fn, arg);
}

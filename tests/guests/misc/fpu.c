/* fpu.c: x87/SSE register state survives fpu_taskswitch, #NM delivery and blocking. */
#include "guest.h"
#include "hypercall.h"
#include "misc.h"

static uint8_t pattern[16 * 16] __aligned(16), readback[16 * 16] __aligned(16);
static volatile unsigned long nm_seen;

static bool nm_retry(struct cpu_regs *regs)
{
    if (regs->vector != 7)
        return false;
    nm_seen++;                   /* Xen cleared virtual TS on delivery: just retry */
    return true;
}

static void load_xmm(void)
{
    asm volatile("movdqa 0(%0), %%xmm0; movdqa 16(%0), %%xmm1; movdqa 32(%0), %%xmm2;"
                 "movdqa 48(%0), %%xmm3; movdqa 64(%0), %%xmm4; movdqa 80(%0), %%xmm5;"
                 "movdqa 96(%0), %%xmm6; movdqa 112(%0), %%xmm7; movdqa 128(%0), %%xmm8;"
                 "movdqa 144(%0), %%xmm9; movdqa 160(%0), %%xmm10; movdqa 176(%0), %%xmm11;"
                 "movdqa 192(%0), %%xmm12; movdqa 208(%0), %%xmm13; movdqa 224(%0), %%xmm14;"
                 "movdqa 240(%0), %%xmm15" : : "r"(pattern) : "memory");
}

static void store_xmm(void)
{
    asm volatile("movdqa %%xmm0, 0(%0); movdqa %%xmm1, 16(%0); movdqa %%xmm2, 32(%0);"
                 "movdqa %%xmm3, 48(%0); movdqa %%xmm4, 64(%0); movdqa %%xmm5, 80(%0);"
                 "movdqa %%xmm6, 96(%0); movdqa %%xmm7, 112(%0); movdqa %%xmm8, 128(%0);"
                 "movdqa %%xmm9, 144(%0); movdqa %%xmm10, 160(%0); movdqa %%xmm11, 176(%0);"
                 "movdqa %%xmm12, 192(%0); movdqa %%xmm13, 208(%0); movdqa %%xmm14, 224(%0);"
                 "movdqa %%xmm15, 240(%0)" : : "r"(readback) : "memory");
}

void test_fpu_state(void)
{
    uint64_t x87_in = 0x1234567, x87_out = 0;
    evtchn_port_t port;
    long rc;

    check_eq(evtchn_bind_virq(VIRQ_TIMER, 0, &port), 0, "bind_virq(VIRQ_TIMER) for blocking");

    for (size_t i = 0; i < sizeof(pattern); i++)
        pattern[i] = (uint8_t)(i * 7 + 3);
    asm volatile("fninit; fildq %0" : : "m"(x87_in));
    load_xmm();
    hc_fpu_taskswitch(1);
    trap_hook = nm_retry;
    store_xmm();                          /* #NM, retried after delivery */
    trap_hook = NULL;
    rc = hc_sched_op(SCHEDOP_yield, NULL);
    events_disable();                     /* before arming: the tick must wake the block */
    hc_set_timer_op(pvclock_ns() + 2000000);
    hc_sched_op(SCHEDOP_block, NULL);     /* let the vcpu deschedule */
    memset(readback, 0, sizeof(readback));
    store_xmm();
    asm volatile("fistpq %0" : "=m"(x87_out));
    check(nm_seen == 1 && rc == 0, "#NM taken once on the first SSE use after fpu_taskswitch(1)",
          "nm %lu rc %ld", nm_seen, rc);
    check(!memcmp(pattern, readback, sizeof(pattern)), "xmm0-15 preserved across #NM/yield/block",
          "mismatch");
    check(x87_out == x87_in, "x87 st(0) preserved", "%#lx want %#lx", x87_out, x87_in);
}

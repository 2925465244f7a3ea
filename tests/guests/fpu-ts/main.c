/*
 * fpu-ts: the guest sets its virtual CR0.TS (fpu_taskswitch(1)) and is then
 * switched out before it touches the FPU, so the hypervisor saves the
 * vCPU's FPU state while TS is set. On a real CPU XSAVE/FXSAVE with TS set
 * raises #NM in ring 0; the hypervisor must clear TS around its own save
 * and restore, as Xen does. (TCG does not model that #NM, so on QEMU this
 * checks the state and the guest-visible #NM, not the ring-0 fault.)
 * Run next to another domain so that the yields and blocks really switch.
 */
#include "guest.h"
#include "hypercall.h"

const char test_name[] = "fpu-ts";

#define ROUNDS 20

static volatile unsigned long nm_seen;

static bool nm_retry(struct cpu_regs *regs)
{
    if (regs->vector != 7)
        return false;
    nm_seen++;                            /* virtual TS cleared on delivery: retry */
    return true;
}

static void set_xmm0(uint64_t v) { asm volatile("movq %0, %%xmm0" :: "r"(v)); }
static uint64_t get_xmm0(void) { uint64_t v; asm volatile("movq %%xmm0, %0" : "=r"(v)); return v; }

/* Switched out with TS set, by a yield or by blocking on the timer. */
static void switch_out(unsigned int round)
{
    if (round & 1) {
        hc_sched_op(SCHEDOP_yield, NULL);
        return;
    }
    events_disable();
    hc_set_timer_op(pvclock_ns() + 1000000);
    hc_sched_op(SCHEDOP_block, NULL);
}

void test_main(void)
{
    evtchn_port_t port;
    unsigned int bad = 0, nm_missing = 0;

    check_eq(evtchn_bind_virq(VIRQ_TIMER, 0, &port), 0, "bind_virq(VIRQ_TIMER)");
    trap_hook = nm_retry;
    for (unsigned int i = 0; i < ROUNDS; i++) {
        uint64_t want = 0x5a5a000000000000UL | i, got;
        unsigned long nm_before;

        set_xmm0(want);
        check_eq(hc_fpu_taskswitch(1), 0, "fpu_taskswitch(1)");
        switch_out(i);
        nm_before = nm_seen;
        got = get_xmm0();                 /* #NM first: TS is still set */
        nm_missing += nm_seen != nm_before + 1;
        bad += got != want;
    }
    trap_hook = NULL;
    check(nm_missing == 0, "#NM on the first FPU use after each switch with TS set",
          "%u of %u rounds without exactly one #NM", nm_missing, ROUNDS);
    check(bad == 0, "xmm0 preserved across switches with TS set", "%u of %u rounds wrong",
          bad, ROUNDS);
    check_eq(hc_fpu_taskswitch(0), 0, "fpu_taskswitch(0)");
}

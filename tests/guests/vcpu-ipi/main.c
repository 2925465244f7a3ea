/*
 * vcpu-ipi: a second vCPU (issue 12; the domain needs two: "pvhv.vcpus=2" on
 * ours, Xen's dom0 has one per CPU). vCPU 1 starts down (is_up 0, runstate
 * offline); VCPUOP_up without a context is -EINVAL; VCPUOP_initialise gives
 * it a stack and an entry point (a second one is -EEXIST); up runs it. The
 * two vCPUs then ping-pong `rounds` times through two EVTCHNOP_bind_ipi
 * ports, one notifying each, each side waiting with SCHEDOP_poll and its
 * events masked: every event to vCPU n must set vcpu_info[n]'s
 * upcall_pending and selector, never the other's. vCPU 1 downs itself
 * (is_up 0, runstate offline); up resumes it after its VCPUOP_down, which
 * returns 0; more rounds; then vCPU 0 downs it from outside while it waits.
 * vCPU 1 prints nothing (its results are counters vCPU 0 checks).
 */
#include "guest.h"
#include "hypercall.h"
#include "smp.h"

const char test_name[] = "vcpu-ipi";

#define MS 1000000UL

static uint8_t v1_stack[16384] __aligned(16);
static evtchn_port_t port_to_v1, port_to_v0;
static unsigned long rounds;
/* Written by vCPU 1, read by vCPU 0. */
static volatile unsigned long v1_got, v1_bad_info, v1_timeouts, v1_started;
static volatile long v1_down_rc = -999;
static volatile int v1_phase;                    /* 1: downing itself, 2: waiting for ever */

static struct vcpu_info *vinfo(unsigned int n)
{
    return &shared->vcpu_info[n];
}

/* Poll one port (events masked); false on a 2 s timeout. */
static bool wait_port(evtchn_port_t port)
{
    return evtchn_poll_one(port, 2000);
}

/* The event for vCPU `me` reached its vcpu_info, not the other's; then cleared. */
static bool took_event(unsigned int me, evtchn_port_t port)
{
    struct vcpu_info *mine = vinfo(me), *other = vinfo(!me);
    unsigned long sel = 1UL << (port / 64);
    bool ok;

    /* The pending bit is set first; the sender's CPU sets the selector and
     * upcall_pending right after it (another CPU: a moment later). */
    for (uint64_t end = pvclock_ns() + 100 * MS;
         !(mine->evtchn_upcall_pending && (mine->evtchn_pending_sel & sel)) && pvclock_ns() < end;)
        barrier();
    ok = mine->evtchn_upcall_pending && (mine->evtchn_pending_sel & sel) &&
         !other->evtchn_upcall_pending;

    evtchn_clear(port);
    __atomic_fetch_and(&mine->evtchn_pending_sel, ~sel, __ATOMIC_SEQ_CST);
    mine->evtchn_upcall_pending = 0;
    return ok;
}

static void v1_rounds(unsigned long n)
{
    for (unsigned long i = 0; i < n; i++) {
        if (!wait_port(port_to_v1)) {
            v1_timeouts++;
            return;
        }
        v1_bad_info += !took_event(1, port_to_v1);
        v1_got++;
        evtchn_send(port_to_v0);
    }
}

static void v1_main(void)
{
    v1_started++;
    v1_rounds(rounds);
    v1_phase = 1;
    v1_down_rc = hc_vcpu_op(VCPUOP_down, 1, NULL);  /* returns at the next up */
    v1_rounds(rounds);
    v1_phase = 2;
    for (;;)
        wait_port(port_to_v1);                      /* vCPU 0 downs us meanwhile */
}

/* vCPU 0's half: n rounds, each a ping to vCPU 1 and its answer. */
static unsigned long v0_rounds(unsigned long n, unsigned long *bad)
{
    unsigned long done = 0;

    for (unsigned long i = 0; i < n; i++) {
        evtchn_send(port_to_v1);
        if (!wait_port(port_to_v0))
            break;
        *bad += !took_event(0, port_to_v0);
        done++;
    }
    return done;
}

/* is_up turns `want` within 2 s (a down vCPU leaves its CPU at its next return). */
static bool wait_is_up(int want)
{
    uint64_t end = pvclock_ns() + 2000 * MS;

    while (hc_vcpu_op(VCPUOP_is_up, 1, NULL) != want)
        if (pvclock_ns() > end || sched_yield())
            return false;
    return true;
}

static struct vcpu_guest_context ctx;

static void bring_up(void)
{
    check_eq(hc_vcpu_op(VCPUOP_is_up, 0, NULL), 1, "is_up(0) = 1");
    check_eq(hc_vcpu_op(VCPUOP_is_up, 1, NULL), 0, "is_up(1) = 0 at boot");
    check_eq(vcpu_runstate(1), RUNSTATE_offline, "vCPU 1's runstate offline at boot");
    check_eq(hc_vcpu_op(VCPUOP_up, 1, NULL), -EINVAL, "up without a context = -EINVAL");
    vcpu_context_at(&ctx, v1_main, v1_stack, sizeof(v1_stack));
    check_eq(hc_vcpu_op(VCPUOP_initialise, 1, &ctx), 0, "initialise(1)");
    check_eq(hc_vcpu_op(VCPUOP_initialise, 1, &ctx), -EEXIST, "initialise(1) again = -EEXIST");
    check_eq(hc_vcpu_op(VCPUOP_is_up, 1, NULL), 0, "is_up(1) = 0 after initialise");
    check_eq(hc_vcpu_op(VCPUOP_up, 1, NULL), 0, "up(1)");
    check_eq(hc_vcpu_op(VCPUOP_is_up, 1, NULL), 1, "is_up(1) = 1 after up");
}

static void ping_pong(const char *what, unsigned long want_v1)
{
    unsigned long bad = 0, done = v0_rounds(rounds, &bad);

    check(done == rounds && v1_got == want_v1 && !v1_timeouts, what,
          "v0 %lu of %lu rounds, v1 got %lu (want %lu), v1 timeouts %lu", done, rounds, v1_got,
          want_v1, v1_timeouts);
    check(!bad && !v1_bad_info, "each event set its own vCPU's vcpu_info only",
          "v0 %lu bad, v1 %lu bad", bad, v1_bad_info);
}

void test_main(void)
{
    rounds = cmdline_int("rounds", 200);
    events_disable();
    if (hc_vcpu_op(VCPUOP_is_up, 1, NULL) < 0) {
        fail("vCPU 1 exists", "is_up(1) = %ld (give the domain 2 vCPUs)",
             hc_vcpu_op(VCPUOP_is_up, 1, NULL));
        return;
    }
    if (!check_eq(evtchn_bind_ipi(1, &port_to_v1), 0, "bind_ipi(vcpu 1)") ||
        !check_eq(evtchn_bind_ipi(0, &port_to_v0), 0, "bind_ipi(vcpu 0)"))
        return;
    bring_up();
    ping_pong("ping-pong with vCPU 1 through bind_ipi ports", rounds);
    check(wait_is_up(0) && v1_phase == 1, "vCPU 1 downed itself (is_up 0)", "phase %d", v1_phase);
    check_eq(vcpu_runstate(1), RUNSTATE_offline, "runstate offline once down");
    check_eq(v1_down_rc, -999, "its VCPUOP_down has not returned while down");
    check_eq(hc_vcpu_op(VCPUOP_initialise, 1, &ctx), -EEXIST, "initialise a down, initialised vCPU = -EEXIST");
    check_eq(hc_vcpu_op(VCPUOP_up, 1, NULL), 0, "up(1) again");
    check_eq(hc_vcpu_op(VCPUOP_up, 1, NULL), 0, "up(1) while up: 0");
    ping_pong("ping-pong after up again", 2 * rounds);
    check_eq(v1_down_rc, 0, "its VCPUOP_down returned 0 after the up");
    check_eq(v1_started, 1, "vCPU 1 resumed, not restarted");
    for (uint64_t end = pvclock_ns() + 2000 * MS; v1_phase != 2 && pvclock_ns() < end;)
        sched_yield();
    check_eq(v1_phase, 2, "vCPU 1 waits for a ping");
    check_eq(hc_vcpu_op(VCPUOP_down, 1, NULL), 0, "down(1) from vCPU 0");
    check_eq(hc_vcpu_op(VCPUOP_is_up, 1, NULL), 0, "is_up(1) = 0 after down from outside");
    /* As Xen: a vCPU downed while it waits stays "blocked" (a runnable one goes offline). */
    check(wait_is_up(0) && vcpu_runstate(1) == RUNSTATE_blocked,
          "runstate still blocked after down from outside while it waited", "runstate %d",
          vcpu_runstate(1));
}

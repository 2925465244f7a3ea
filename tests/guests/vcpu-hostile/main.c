/*
 * vcpu-hostile: a guest with two vCPUs (issue 12) abuses VCPUOP_initialise,
 * up and down. Out-of-range vCPUs are -ENOENT for every op and for the
 * event-channel binds naming them; garbage contexts (an unreadable one,
 * non-canonical addresses, a base pointer that is no page of ours, an
 * oversized GDT) are refused and change nothing: a good context is
 * accepted afterwards. Then storms: vCPU 0 downs and ups a spinning vCPU 1
 * `storm` times (is_up follows each at once, vCPU 1 keeps running); vCPU 1
 * downs itself `storm` times and vCPU 0 brings it back each time; vCPU 0
 * downs itself and vCPU 1 brings it back. Nothing may panic, and the
 * domain's frames all come back (the runner's final state).
 */
#include "guest.h"
#include "hypercall.h"
#include "smp.h"

const char test_name[] = "vcpu-hostile";

#define MS 1000000UL

static uint8_t v1_stack[16384] __aligned(16);
static struct vcpu_guest_context ctx;
static volatile unsigned long v1_spins, v1_self_downs;
static volatile int v1_mode;                     /* 0 spin, 1 down itself, 2 bring vCPU 0 back */
static volatile int v0_down_seen;

static void v1_main(void)
{
    for (;;) {
        if (v1_mode == 1) {
            v1_self_downs++;
            hc_vcpu_op(VCPUOP_down, 1, NULL);
        } else if (v1_mode == 2) {
            if (hc_vcpu_op(VCPUOP_is_up, 0, NULL) == 0) {
                v0_down_seen = 1;
                hc_vcpu_op(VCPUOP_up, 0, NULL);
                v1_mode = 0;
            }
        }
        v1_spins++;
        barrier();
    }
}

static void out_of_range(void)
{
    static const unsigned int ids[] = { 2, 8, 31, 4096, 0x7fffffff, 0xffffffffu };
    evtchn_port_t port;
    struct vcpu_runstate_info r;

    for (unsigned int i = 0; i < ARRAY_SIZE(ids); i++) {
        unsigned int id = ids[i];
        long rc[5] = {
            hc_vcpu_op(VCPUOP_is_up, id, NULL), hc_vcpu_op(VCPUOP_up, id, NULL),
            hc_vcpu_op(VCPUOP_down, id, NULL), hc_vcpu_op(VCPUOP_initialise, id, &ctx),
            hc_vcpu_op(VCPUOP_get_runstate_info, id, &r),
        };
        bool ok = true;

        for (unsigned int k = 0; k < 5; k++)
            ok &= rc[k] == -ENOENT;
        check(ok, "is_up/up/down/initialise/runstate of a vCPU out of range = -ENOENT",
              "vcpu %#x: %ld %ld %ld %ld %ld", id, rc[0], rc[1], rc[2], rc[3], rc[4]);
    }
    check_eq(evtchn_bind_ipi(2, &port), -ENOENT, "bind_ipi to vCPU 2 = -ENOENT");
    check_eq(evtchn_bind_virq(VIRQ_TIMER, 2, &port), -ENOENT, "bind_virq(TIMER) to vCPU 2 = -ENOENT");
    check_eq(hc_vcpu_op(VCPUOP_up, 1, NULL), -EINVAL, "up of an uninitialised vCPU = -EINVAL");
    check_eq(hc_vcpu_op(VCPUOP_is_up, 1, NULL), 0, "still down");
}

static void garbage(void)
{
    struct vcpu_guest_context *c = &ctx;

    check_eq(hc_vcpu_op(VCPUOP_initialise, 1, NULL), -EFAULT, "initialise from NULL = -EFAULT");
    check_eq(hc_vcpu_op(VCPUOP_initialise, 1, (void *)0x0000700000000000UL), -EFAULT,
             "initialise from an unmapped address = -EFAULT");
    vcpu_context_at(c, v1_main, v1_stack, sizeof(v1_stack));
    c->user_regs.rip = 0x0000800000000000UL;
    check_eq(hc_vcpu_op(VCPUOP_initialise, 1, c), -EINVAL, "non-canonical rip = -EINVAL");
    vcpu_context_at(c, v1_main, v1_stack, sizeof(v1_stack));
    c->event_callback_eip = 0xdead000000000000UL;
    check_eq(hc_vcpu_op(VCPUOP_initialise, 1, c), -EINVAL, "non-canonical event callback = -EINVAL");
    vcpu_context_at(c, v1_main, v1_stack, sizeof(v1_stack));
    c->ctrlreg[3] = 0xfffffffff000UL;
    check_eq(hc_vcpu_op(VCPUOP_initialise, 1, c), -EINVAL, "base pointer past memory = -EINVAL");
    vcpu_context_at(c, v1_main, v1_stack, sizeof(v1_stack));
    c->gdt_ents = 100000;
    check_eq(hc_vcpu_op(VCPUOP_initialise, 1, c), -EINVAL, "GDT of 100000 entries = -EINVAL");
    check_eq(hc_vcpu_op(VCPUOP_up, 1, NULL), -EINVAL, "still uninitialised after the refusals");
    vcpu_context_at(c, v1_main, v1_stack, sizeof(v1_stack));
    check_eq(hc_vcpu_op(VCPUOP_initialise, 1, c), 0, "a good context is accepted afterwards");
}

static bool wait_until(volatile unsigned long *ctr, unsigned long want)
{
    for (uint64_t end = pvclock_ns() + 2000 * MS; *ctr < want;)
        if (pvclock_ns() > end || sched_yield())
            return false;
    return true;
}

static bool wait_is_up(unsigned int vcpu, long want)
{
    for (uint64_t end = pvclock_ns() + 2000 * MS; hc_vcpu_op(VCPUOP_is_up, vcpu, NULL) != want;)
        if (pvclock_ns() > end || sched_yield())
            return false;
    return true;
}

/* vCPU 0 downs and ups the spinning vCPU 1; is_up follows each at once. */
static void storm_from_outside(unsigned long n)
{
    unsigned long bad = 0, spins;

    for (unsigned long i = 0; i < n; i++) {
        bad += hc_vcpu_op(VCPUOP_down, 1, NULL) != 0 || hc_vcpu_op(VCPUOP_is_up, 1, NULL) != 0;
        bad += hc_vcpu_op(VCPUOP_up, 1, NULL) != 0 || hc_vcpu_op(VCPUOP_is_up, 1, NULL) != 1;
    }
    check(!bad, "down/up storm from vCPU 0: every call 0, is_up follows", "%lu bad of %lu", bad, n);
    spins = v1_spins;
    check(wait_until(&v1_spins, spins + 1000), "vCPU 1 still runs after the storm", "spins %lu",
          v1_spins);
}

/* vCPU 1 downs itself; vCPU 0 brings it back, n times. */
static void storm_self(unsigned long n)
{
    unsigned long back = 0;

    v1_mode = 1;
    for (unsigned long i = 0; i < n; i++) {
        if (!wait_is_up(1, 0))
            break;
        if (i == n - 1)
            v1_mode = 0;
        back += hc_vcpu_op(VCPUOP_up, 1, NULL) == 0;
    }
    check(back == n && v1_self_downs >= n, "vCPU 1 downed itself and came back each time",
          "%lu of %lu ups, %lu self-downs", back, n, v1_self_downs);
}

/* vCPU 0 downs itself; vCPU 1 sees it and brings it back. */
static void down_self(void)
{
    long rc;

    v1_mode = 2;
    rc = hc_vcpu_op(VCPUOP_down, 0, NULL);
    check(rc == 0 && v0_down_seen, "vCPU 0 downed itself, vCPU 1 brought it back",
          "rc %ld, seen %d", rc, v0_down_seen);
}

void test_main(void)
{
    unsigned long storm = cmdline_int("storm", 300);

    events_disable();
    if (hc_vcpu_op(VCPUOP_is_up, 1, NULL) < 0) {
        fail("vCPU 1 exists", "is_up(1) = %ld (give the domain 2 vCPUs)",
             hc_vcpu_op(VCPUOP_is_up, 1, NULL));
        return;
    }
    out_of_range();
    garbage();
    check_eq(hc_vcpu_op(VCPUOP_up, 1, NULL), 0, "up(1)");
    check(wait_until(&v1_spins, 1000), "vCPU 1 runs", "spins %lu", v1_spins);
    check_eq(hc_vcpu_op(VCPUOP_register_vcpu_info, 1, &(struct vcpu_register_vcpu_info){ 0 }),
             -EINVAL, "register_vcpu_info for another vCPU that is up = -EINVAL");
    check_eq(hc_vcpu_op(VCPUOP_set_singleshot_timer, 1,
                        &(struct vcpu_set_singleshot_timer){ .timeout_abs_ns = 1 }),
             -EINVAL, "set_singleshot_timer for another vCPU = -EINVAL");
    storm_from_outside(storm);
    storm_self(storm);
    down_self();
    check_eq(hc_vcpu_op(VCPUOP_down, 1, NULL), 0, "down(1) at the end");
}

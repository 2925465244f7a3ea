/*
 * bench-smp: SMP costs in rdtsc cycles, "BENCH: <figure> <cycles>", with
 * vcpus= vCPUs (ours: the module's pvhv.vcpus=N; Xen: dom0_max_vcpus=N) on
 * as many QEMU CPUs (bench/smp.sh, `make bench-smp`):
 *   ipi-rtt-poll     an event to vCPU 1 and its answer, each side blocked in
 *                    SCHEDOP_poll: a send wakes a vCPU on another CPU
 *   ipi-rtt-spin     the same with both sides spinning on the pending bit
 *   tlb-flush-multi  MMUEXT_TLB_FLUSH_MULTI of every vCPU while the others
 *                    spin in the guest on their CPUs (a shootdown)
 *   invlpg-multi     MMUEXT_INVLPG_MULTI of one page, the same way
 *   work-K           K vCPUs (1, 2, 4, ... up to vcpus) run the same work unit
 *                    at once: cycles from the start to the last one's end;
 *                    perfect scaling keeps it flat while K <= CPUs
 * Each figure is the median of `batches` (default 9). vCPUs 1.. wait for
 * vCPU 0's commands blocked in SCHEDOP_poll on a bind_ipi port of their own.
 */
#include "guest.h"
#include "hypercall.h"
#include "mm.h"
#include "smp.h"

const char test_name[] = "bench-smp";

#define MAXV 8
#define MS 1000000UL
enum cmd { CMD_NONE, CMD_PING_POLL, CMD_PING_SPIN, CMD_SPIN, CMD_WORK };

static uint8_t stacks[MAXV][16384] __aligned(16);
static uint64_t work_area[MAXV][4096] __aligned(PAGE_SIZE);   /* 32 KiB each */
static evtchn_port_t port_to[MAXV];
static unsigned long nvcpus, batches, rounds, work_iters;
static volatile unsigned long cmd_seq[MAXV], cmd[MAXV], ready_seq[MAXV], done_seq[MAXV];
static volatile uint64_t work_end[MAXV];
static volatile bool stop_spin;
static volatile unsigned long bad;

/* Until the port is pending (blocked in SCHEDOP_poll, events masked), then clear it. */
static bool wait_port(evtchn_port_t port)
{
    bool got = evtchn_poll_one(port, 2000);

    if (got)
        evtchn_clear(port);
    return got;
}

static void spin_port(evtchn_port_t port)
{
    while (!evtchn_pending(port))
        asm volatile("pause");
    evtchn_clear(port);
}

/* The work unit: xorshift over this vCPU's 32 KiB, work_iters steps. */
static uint64_t work(unsigned int me)
{
    uint64_t x = 88172645463325252ull + me, *a = work_area[me];

    for (unsigned long i = 0; i < work_iters; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        a[x & 4095] += x;
    }
    return x;
}

static void pong(unsigned int me, bool poll)
{
    for (unsigned long i = 0; i < rounds; i++) {
        if (poll) {
            if (!wait_port(port_to[me]))
                bad++;
        } else {
            spin_port(port_to[me]);
        }
        evtchn_send(port_to[0]);
    }
}

static void run(unsigned int me, unsigned long c)
{
    switch (c) {
    case CMD_PING_POLL: pong(me, true); break;
    case CMD_PING_SPIN: pong(me, false); break;
    case CMD_SPIN:
        while (!stop_spin)
            asm volatile("pause");
        break;
    case CMD_WORK:
        work(me);
        work_end[me] = rdtsc();
        break;
    }
}

/* vCPUs 1..: wait for a command (blocked), acknowledge it, run it, report. cmd_seq is
 * written before the event is sent, so it is seen once the event is. */
static void __noreturn worker(unsigned int me)
{
    unsigned long seen = 0;

    for (;;) {
        /* one event per command, consumed here (it must not count as a ping) */
        do
            wait_port(port_to[me]);
        while (cmd_seq[me] == seen);
        seen = cmd_seq[me];
        ready_seq[me] = seen;
        run(me, cmd[me]);
        done_seq[me] = seen;
    }
}
static void w1(void) { worker(1); }
static void w2(void) { worker(2); }
static void w3(void) { worker(3); }
static void w4(void) { worker(4); }
static void w5(void) { worker(5); }
static void w6(void) { worker(6); }
static void w7(void) { worker(7); }
static void (*const entries[MAXV])(void) = { NULL, w1, w2, w3, w4, w5, w6, w7 };

/* Give vCPU v a command; it has acknowledged it when this returns. */
static void command(unsigned int v, unsigned long c)
{
    unsigned long seq = cmd_seq[v] + 1;

    cmd[v] = c;
    barrier();
    cmd_seq[v] = seq;
    evtchn_send(port_to[v]);
    while (ready_seq[v] != seq)
        asm volatile("pause");
}

static void wait_done(unsigned int v)
{
    while (done_seq[v] != cmd_seq[v])
        asm volatile("pause");
}

static void report(const char *figure, uint64_t *per)
{
    sort_u64(per, batches);
    printf("BENCH: %s %lu\n", figure, (unsigned long)per[batches / 2]);
}

static void bench_ipi(const char *figure, bool poll)
{
    uint64_t per[64];

    for (unsigned long b = 0; b < batches; b++) {
        command(1, poll ? CMD_PING_POLL : CMD_PING_SPIN);
        uint64_t t0 = rdtsc();

        for (unsigned long i = 0; i < rounds; i++) {
            evtchn_send(port_to[1]);
            if (poll) {
                if (!wait_port(port_to[0]))
                    bad++;
            } else {
                spin_port(port_to[0]);
            }
        }
        per[b] = (rdtsc() - t0) / rounds;
        wait_done(1);
    }
    report(figure, per);
}

static void bench_flush(const char *figure, unsigned int op)
{
    unsigned long mask = (1UL << nvcpus) - 1;
    uint64_t per[64];

    stop_spin = false;
    for (unsigned int v = 1; v < nvcpus; v++)
        command(v, CMD_SPIN);
    for (unsigned long b = 0; b < batches; b++) {
        uint64_t t0 = rdtsc();

        for (unsigned long i = 0; i < rounds; i++)
            if (mmuext2(op, (unsigned long)work_area[0], (unsigned long)&mask))
                bad++;
        per[b] = (rdtsc() - t0) / rounds;
    }
    stop_spin = true;
    for (unsigned int v = 1; v < nvcpus; v++)
        wait_done(v);
    report(figure, per);
}

static void bench_work(unsigned int k)
{
    uint64_t per[64];
    char figure[16];

    for (unsigned long b = 0; b < batches; b++) {
        uint64_t t0 = rdtsc(), end;

        for (unsigned int v = 1; v < k; v++)
            command(v, CMD_WORK);
        work(0);
        end = rdtsc();
        for (unsigned int v = 1; v < k; v++) {
            wait_done(v);
            if (work_end[v] > end)
                end = work_end[v];
        }
        per[b] = end - t0;
    }
    snprintf(figure, sizeof(figure), "work-%u", k);
    report(figure, per);
}

static bool start_vcpus(void)
{
    static struct vcpu_guest_context ctx;

    for (unsigned int v = 0; v < nvcpus; v++)
        if (!check_eq(evtchn_bind_ipi(v, &port_to[v]), 0, "bind_ipi"))
            return false;
    for (unsigned int v = 1; v < nvcpus; v++) {
        vcpu_context_at(&ctx, entries[v], stacks[v], sizeof(stacks[v]));
        if (!check_eq(hc_vcpu_op(VCPUOP_initialise, v, &ctx), 0, "initialise a vCPU") ||
            !check_eq(hc_vcpu_op(VCPUOP_up, v, NULL), 0, "up a vCPU"))
            return false;
    }
    return true;
}

void test_main(void)
{
    nvcpus = cmdline_int("vcpus", 2);
    batches = cmdline_int("batches", 9);
    rounds = cmdline_int("rounds", 200);
    work_iters = cmdline_int("work", 2000000);
    if (!check(nvcpus >= 2 && nvcpus <= MAXV && batches >= 1 && batches <= 64 && rounds >= 1,
               "arguments", "vcpus=%lu (2..%u) batches=%lu rounds=%lu", nvcpus, MAXV, batches, rounds))
        return;
    events_disable();
    if (!start_vcpus())
        return;
    bench_ipi("ipi-rtt-poll", true);
    bench_ipi("ipi-rtt-spin", false);
    bench_flush("tlb-flush-multi", MMUEXT_TLB_FLUSH_MULTI);
    bench_flush("invlpg-multi", MMUEXT_INVLPG_MULTI);
    for (unsigned int k = 1; k <= nvcpus; k *= 2)
        bench_work(k);
    check(bad == 0, "every event arrived and every flush succeeded", "%lu failures", bad);
}

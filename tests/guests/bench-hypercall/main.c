/*
 * bench-hypercall: rdtsc cycles per operation, printed as "BENCH: <figure> <cycles>":
 *   null-hypercall-page    xen_version(XENVER_version) through the hypercall page
 *   null-hypercall-direct  the same through `syscall`
 *   bad-hypercall          hypercall number 63 (-ENOSYS path)
 *   evtchn-roundtrip       send on a loopback port -> upcall -> demux -> iret, back in caller
 *   trap-bounce-int3       int3 -> bounce -> C handler -> iret hypercall
 * Each figure is the median over `batches` (default 15) batches of `iters` (default 500)
 * operations.  Used by bench/hypercall.sh under our hypervisor and under Xen 4.17.
 * `only=<figure>` measures that figure alone (bench/tcg-trace.sh: a long steady loop of one
 * operation, announced by "INFO: measuring <figure>", for counting its translated blocks).
 * The BENCH lines are figures, not tests; the tests are that every measured operation did what
 * it stands for (each call's result, one upcall per send, one bounce per int3).
 */
#include "guest.h"
#include "hypercall.h"

const char test_name[] = "bench-hypercall";

#define MAX_BATCHES 64
static unsigned long iters, batches;
static char only[32];
static evtchn_port_t port_a, port_b;
static volatile unsigned long got;

static void on_b(evtchn_port_t port, void *arg) { got++; }

static long op_null_page(void)   { return hypercall_page_call(__HYPERVISOR_xen_version, 0, 0, 0, 0, 0); }
static long op_null_direct(void) { return hypercall_syscall(__HYPERVISOR_xen_version, 0, 0, 0, 0, 0); }
static long op_bad(void)         { return hypercall(63, 0, 0, 0, 0, 0); }
static long op_evtchn(void)      { return evtchn_send(port_a); }
static long op_int3(void)        { asm volatile("int3" ::: "memory"); return 0; }

static bool wanted(const char *figure)
{
    return !only[0] || !strcmp(only, figure);
}

/* Prints the figure; returns how many calls (warm-up included) did not return `want`. */
static unsigned long measure(const char *figure, long (*op)(void), long want)
{
    uint64_t per[MAX_BATCHES];
    unsigned long wrong = 0;

    info("measuring %s", figure);
    for (unsigned long i = 0; i < 20; i++)     /* warm up */
        wrong += op() != want;
    for (unsigned long b = 0; b < batches; b++) {
        uint64_t t0 = rdtsc();

        for (unsigned long i = 0; i < iters; i++)
            wrong += op() != want;
        per[b] = (rdtsc() - t0) / iters;
    }
    sort_u64(per, batches);
    printf("BENCH: %s %lu\n", figure, per[batches / 2]);
    return wrong;
}

static void check_all(unsigned long wrong, const char *what)
{
    check(!wrong, what, "%lu of %lu calls did not", wrong, batches * iters + 20);
}

void test_main(void)
{
    unsigned long before;
    long version;

    cmdline_str("only", only, sizeof(only));
    iters = (unsigned long)cmdline_int("iters", 500);
    batches = (unsigned long)cmdline_int("batches", 15);
    if (batches > MAX_BATCHES)
        batches = MAX_BATCHES;
    if (!batches)
        batches = 1;
    if (!iters)
        iters = 1;
    events_enable();
    version = hc_xen_version(XENVER_version, NULL);
    if (!check(version >> 16 >= 3, "xen_version(version) before measuring", "%#lx", version))
        return;
    if (wanted("null-hypercall-page"))
        check_all(measure("null-hypercall-page", op_null_page, version),
                  "null-hypercall-page: every call returned the version");
    if (wanted("null-hypercall-direct"))
        check_all(measure("null-hypercall-direct", op_null_direct, version),
                  "null-hypercall-direct: every call returned the version");
    if (wanted("bad-hypercall"))
        check_all(measure("bad-hypercall", op_bad, -ENOSYS),
                  "bad-hypercall: every call returned -ENOSYS");
    if (!check_eq(evtchn_alloc_unbound(DOMID_SELF, &port_a), 0, "alloc_unbound(self)") ||
        !check_eq(evtchn_bind_interdomain(DOMID_SELF, port_a, &port_b), 0, "bind_interdomain(self)"))
        return;
    evtchn_set_handler(port_b, on_b, NULL);
    before = got;
    if (wanted("evtchn-roundtrip")) {
        check_all(measure("evtchn-roundtrip", op_evtchn, 0), "evtchn-roundtrip: every send returned 0");
        check(got - before == (batches * iters + 20), "every send produced one upcall", "%lu upcalls",
              got - before);
    }
    before = last_trap.count;
    if (wanted("trap-bounce-int3")) {
        measure("trap-bounce-int3", op_int3, 0);
        check(last_trap.count - before == batches * iters + 20, "every int3 bounced", "%lu",
              last_trap.count - before);
    }
}

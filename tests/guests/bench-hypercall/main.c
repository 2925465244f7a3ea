/*
 * bench-hypercall: rdtsc cycles per operation, printed as "BENCH: <figure> <cycles>":
 *   null-hypercall-page    xen_version(XENVER_version) through the hypercall page
 *   null-hypercall-direct  the same through `syscall`
 *   bad-hypercall          hypercall number 63 (-ENOSYS path)
 *   evtchn-roundtrip       send on a loopback port -> upcall -> demux -> iret, back in caller
 *   trap-bounce-int3       int3 -> bounce -> C handler -> iret hypercall
 * Each figure is the median over `batches` (default 15) batches of `iters` (default 500)
 * operations.  Used by bench/hypercall.sh under our hypervisor and under Xen 4.17.
 */
#include "guest.h"
#include "hypercall.h"

const char test_name[] = "bench-hypercall";

#define MAX_BATCHES 64
static unsigned long iters, batches;
static evtchn_port_t port_a, port_b;
static volatile unsigned long got;

static void on_b(evtchn_port_t port, void *arg) { got++; }

static void op_null_page(void)   { hypercall_page_call(__HYPERVISOR_xen_version, 0, 0, 0, 0, 0); }
static void op_null_direct(void) { hypercall_syscall(__HYPERVISOR_xen_version, 0, 0, 0, 0, 0); }
static void op_bad(void)         { hypercall(63, 0, 0, 0, 0, 0); }
static void op_evtchn(void)      { evtchn_send(port_a); }
static void op_int3(void)        { asm volatile("int3" ::: "memory"); }

static void sort(uint64_t *v, unsigned long n)
{
    for (unsigned long i = 1; i < n; i++) {
        for (unsigned long j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    }
}

static void measure(const char *figure, void (*op)(void))
{
    uint64_t per[MAX_BATCHES];

    for (unsigned long i = 0; i < 20; i++)     /* warm up */
        op();
    for (unsigned long b = 0; b < batches; b++) {
        uint64_t t0 = rdtsc();

        for (unsigned long i = 0; i < iters; i++)
            op();
        per[b] = (rdtsc() - t0) / iters;
    }
    sort(per, batches);
    printf("BENCH: %s %lu\n", figure, per[batches / 2]);
    pass(figure);
}

void test_main(void)
{
    unsigned long before;

    iters = (unsigned long)cmdline_int("iters", 500);
    batches = (unsigned long)cmdline_int("batches", 15);
    if (batches > MAX_BATCHES)
        batches = MAX_BATCHES;
    events_enable();
    measure("null-hypercall-page", op_null_page);
    measure("null-hypercall-direct", op_null_direct);
    measure("bad-hypercall", op_bad);
    if (!check_eq(evtchn_alloc_unbound(DOMID_SELF, &port_a), 0, "alloc_unbound(self)") ||
        !check_eq(evtchn_bind_interdomain(DOMID_SELF, port_a, &port_b), 0, "bind_interdomain(self)"))
        return;
    evtchn_set_handler(port_b, on_b, NULL);
    before = got;
    measure("evtchn-roundtrip", op_evtchn);
    check(got - before == (batches * iters + 20), "every send produced one upcall", "%lu upcalls",
          got - before);
    before = last_trap.count;
    measure("trap-bounce-int3", op_int3);
    check(last_trap.count - before == batches * iters + 20, "every int3 bounced", "%lu",
          last_trap.count - before);
}

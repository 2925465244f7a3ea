/*
 * common/event_fifo.c: the FIFO event-channel ABI (queues, priorities,
 * LINKED/BUSY, the event array, the guest frames it holds), and the
 * sysctl/domctl refusals of common/sysctl_domctl.c.
 */
#define __XEN_TOOLS__ 1
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/event.h>
#include <hv/frame.h>
#include <hv/hypercall.h>
#include <asm/page_type.h>
#include <xen/domctl.h>
#include <xen/sysctl.h>

#include "harness.h"
#include <pthread.h>
#include <time.h>

#define W_PENDING (1u << EVTCHN_FIFO_PENDING)
#define W_MASKED  (1u << EVTCHN_FIFO_MASKED)
#define W_LINKED  (1u << EVTCHN_FIFO_LINKED)
#define W_BUSY    (1u << EVTCHN_FIFO_BUSY)

static struct domain *d1, *d2;
static mfn_t cb_mfn, arr_mfn;

/* A zeroed frame owned by d, as the guest's own RAM. */
static mfn_t dom_frame(struct domain *d)
{
    mfn_t m = frame_alloc(&hv_frames, 1, 1, d->id);

    CU_ASSERT_FATAL(m != INVALID_MFN);
    memset(hv_mfn_to_virt(m), 0, PAGE_SIZE);
    return m;
}

static struct evtchn_fifo_control_block *cb_of(mfn_t m)
{
    return hv_mfn_to_virt(m);
}

static event_word_t *word(mfn_t array, evtchn_port_t port)
{
    return (event_word_t *)hv_mfn_to_virt(array) + port % 1024;
}

static int init_control(struct domain *d, mfn_t m, u32 offset, u32 vcpu)
{
    struct evtchn_init_control ic = { .control_gfn = m, .offset = offset, .vcpu = vcpu };
    int rc = evtchn_fifo_init_control(d, &ic);

    if (!rc)
        EXPECT_EQ(ic.link_bits, EVTCHN_FIFO_LINK_BITS);
    return rc;
}

static int expand(struct domain *d, mfn_t m)
{
    struct evtchn_expand_array ea = { .array_gfn = m };

    return evtchn_fifo_expand_array(d, &ea);
}

/* d1 (2 vCPUs) on FIFO: control block for vCPU 0, one event-array page. */
static void fifo_domain(void)
{
    d1 = harness_domain(1, 2, false);
    d2 = harness_domain(2, 1, false);
    cb_mfn = dom_frame(d1);
    arr_mfn = dom_frame(d1);
    CU_ASSERT_EQUAL_FATAL(init_control(d1, cb_mfn, 0, 0), 0);
    CU_ASSERT_EQUAL_FATAL(expand(d1, arr_mfn), 0);
}

static evtchn_port_t ipi(struct domain *d, u32 vcpu)
{
    struct evtchn_bind_ipi bi = { .vcpu = vcpu };

    CU_ASSERT_EQUAL_FATAL(evtchn_bind_ipi(d, &bi), 0);
    return bi.port;
}

static int set_prio(struct domain *d, evtchn_port_t port, u32 prio)
{
    struct evtchn_set_priority sp = { .port = port, .priority = prio };

    return evtchn_set_priority(d, &sp);
}

static void test_init_control_refusals(void)
{
    struct domain *d;
    mfn_t good, l1, foreign;

    d1 = harness_domain(1, 1, false);
    d2 = harness_domain(2, 1, false);
    good = dom_frame(d1);
    l1 = dom_frame(d1);
    foreign = dom_frame(d2);
    CU_ASSERT_EQUAL_FATAL(page_get_type(l1, PGT_l1, d1), 0);    /* one of its page tables */
    d = d1;
    EXPECT_EQ(init_control(d, good, 0, 1), -ENOENT);           /* no vCPU 1 */
    EXPECT_EQ(init_control(d, good, 0, 0xffffffffu), -ENOENT);
    EXPECT_EQ(init_control(d, good, PAGE_SIZE - sizeof(struct evtchn_fifo_control_block) + 8, 0),
              -EINVAL);                                        /* crosses the page end */
    EXPECT_EQ(init_control(d, good, 0xfffffff8u, 0), -EINVAL);
    EXPECT_EQ(init_control(d, good, 4, 0), -EINVAL);           /* misaligned */
    EXPECT_EQ(init_control(d, hv_frames.nr_frames, 0, 0), -EINVAL);
    EXPECT_EQ(init_control(d, ~0ULL, 0, 0), -EINVAL);
    EXPECT_EQ(init_control(d, foreign, 0, 0), -EINVAL);        /* another domain's frame */
    EXPECT_EQ(init_control(d, l1, 0, 0), -EINVAL);             /* a page table */
    EXPECT_EQ(init_control(d, d2->shared_info_mfn, 0, 0), -EINVAL);
    EXPECT_EQ(init_control(d, hv_virt_to_mfn(d1->evtchn), 0, 0), -EINVAL); /* hypervisor's */
    /* Nothing changed: still 2-level, no reference left behind. */
    CU_ASSERT_PTR_EQUAL(d->evtchn_ops, &evtchn_port_ops_2l);
    CU_ASSERT_PTR_NULL(d->evtchn_fifo);
    EXPECT_EQ(hv_frames.info[good].count, 0);
    EXPECT_EQ(hv_frames.info[foreign].count, 0);
    EXPECT_EQ(hv_frames.info[l1].type_count, 1);
    EXPECT_EQ(expand(d, good), -EOPNOTSUPP);
    page_put_type(l1);
}

static void test_init_control_holds_frame(void)
{
    fifo_domain();
    EXPECT_EQ(hv_frames.info[cb_mfn].count, 1);
    EXPECT_EQ(hv_frames.info[cb_mfn].type, PGT_writable);
    EXPECT_EQ(hv_frames.info[cb_mfn].type_count, 1);
    EXPECT_EQ(hv_frames.info[arr_mfn].type_count, 1);
    CU_ASSERT_PTR_EQUAL(d1->evtchn_ops, &evtchn_port_ops_fifo);
    EXPECT_EQ(init_control(d1, cb_mfn, 0, 0), -EINVAL);        /* once per vCPU */
    EXPECT_EQ(init_control(d1, cb_mfn, 64, 1), 0);             /* vCPU 1, same page */
    EXPECT_EQ(hv_frames.info[cb_mfn].type_count, 2);
    /* The guest cannot turn a held frame into a page table. */
    EXPECT_EQ(page_get_type(cb_mfn, PGT_l1, d1), -EINVAL);
    EXPECT_EQ(page_get_type(arr_mfn, PGT_l1, d1), -EINVAL);
    domain_shutdown(d1, SHUTDOWN_poweroff);                   /* teardown gives them back */
    EXPECT_EQ(hv_frames.info[cb_mfn].count, 0);
    EXPECT_EQ(hv_frames.info[cb_mfn].type_count, 0);
    EXPECT_EQ(hv_frames.info[arr_mfn].count, 0);
}

/* Priority order, FIFO order inside a priority, READY, HEAD, LINK, one upcall. */
static void test_queues_and_priorities(void)
{
    struct evtchn_fifo_control_block *cb;
    evtchn_port_t a, b, c;

    fifo_domain();
    cb = cb_of(cb_mfn);
    a = ipi(d1, 0), b = ipi(d1, 0), c = ipi(d1, 0);
    EXPECT_EQ(set_prio(d1, a, 10), 0);
    EXPECT_EQ(set_prio(d1, b, 3), 0);
    EXPECT_EQ(set_prio(d1, c, 3), 0);
    d1->vcpus[0]->vcpu_info->evtchn_upcall_pending = 0;
    CU_ASSERT_EQUAL(evtchn_send(d1, a), 0);
    CU_ASSERT_EQUAL(evtchn_send(d1, b), 0);
    CU_ASSERT_EQUAL(evtchn_send(d1, c), 0);
    EXPECT_EQ(cb->ready, (1u << 3) | (1u << 10));
    EXPECT_EQ(cb->head[10], a);
    EXPECT_EQ(cb->head[3], b);
    EXPECT_EQ(*word(arr_mfn, b), W_PENDING | W_LINKED | c);   /* b -> c */
    EXPECT_EQ(*word(arr_mfn, c), W_PENDING | W_LINKED);        /* tail */
    EXPECT_EQ(*word(arr_mfn, a), W_PENDING | W_LINKED);
    EXPECT_EQ(d1->vcpus[0]->vcpu_info->evtchn_upcall_pending, 1);
    CU_ASSERT(evtchn_is_pending(d1, c));
    /* Raising a LINKED port again changes nothing in the queue. */
    *word(arr_mfn, b) &= ~W_PENDING;
    CU_ASSERT_EQUAL(evtchn_send(d1, b), 0);
    EXPECT_EQ(*word(arr_mfn, b), W_PENDING | W_LINKED | c);
    EXPECT_EQ(*word(arr_mfn, c), W_PENDING | W_LINKED);
    /* Priorities: 16 and past are refused; a bad port first. */
    EXPECT_EQ(set_prio(d1, a, 16), -EINVAL);
    EXPECT_EQ(set_prio(d1, a, 0xffffffffu), -EINVAL);
    EXPECT_EQ(set_prio(d1, d1->evtchn_valid, 0), -EINVAL);
    EXPECT_EQ(set_prio(d1, 0xffffffffu, 0), -EINVAL);
    EXPECT_EQ(set_prio(d2, 1, 0), -ENOSYS);                    /* d2 is 2-level */
}

/* The guest consumed the queue (unlinked the tail): the next event is a new head. */
static void test_consumed_tail_and_busy(void)
{
    struct evtchn_fifo_control_block *cb;
    evtchn_port_t a, b, c;

    fifo_domain();
    cb = cb_of(cb_mfn);
    a = ipi(d1, 0), b = ipi(d1, 0), c = ipi(d1, 0);
    evtchn_send(d1, a);
    *word(arr_mfn, a) = 0;                                     /* consumed and acked */
    cb->ready = 0;
    cb->head[7] = 0;
    evtchn_send(d1, b);
    EXPECT_EQ(cb->head[7], b);                                 /* not linked to a */
    EXPECT_EQ(cb->ready, 1u << 7);
    EXPECT_EQ(*word(arr_mfn, a), 0);
    /* BUSY on a LINKED tail: the link is made and BUSY cleared with it. */
    *word(arr_mfn, b) |= W_BUSY | W_MASKED;
    evtchn_send(d1, c);
    EXPECT_EQ(*word(arr_mfn, b), W_PENDING | W_LINKED | W_MASKED | c);
}

static void test_masked_then_unmask(void)
{
    struct evtchn_fifo_control_block *cb;
    evtchn_port_t a;

    fifo_domain();
    cb = cb_of(cb_mfn);
    a = ipi(d1, 0);
    *word(arr_mfn, a) = W_MASKED;
    evtchn_send(d1, a);
    EXPECT_EQ(*word(arr_mfn, a), W_PENDING | W_MASKED);         /* pending, not queued */
    EXPECT_EQ(cb->ready, 0);
    CU_ASSERT_EQUAL(evtchn_unmask(d1, a), 0);
    EXPECT_EQ(*word(arr_mfn, a), W_PENDING | W_LINKED);
    EXPECT_EQ(cb->head[EVTCHN_FIFO_PRIORITY_DEFAULT], a);
    EXPECT_EQ(cb->ready, 1u << EVTCHN_FIFO_PRIORITY_DEFAULT);
    CU_ASSERT_EQUAL(evtchn_close(d1, a), 0);                   /* close clears PENDING */
    EXPECT_EQ(*word(arr_mfn, a), W_LINKED);
    CU_ASSERT_EQUAL(evtchn_unmask(d1, d1->evtchn_valid), -EINVAL);
}

/* A vCPU without a control block: the event stays pending, nothing is queued. */
static void test_no_control_block(void)
{
    evtchn_port_t p;

    fifo_domain();
    p = ipi(d1, 1);
    evtchn_send(d1, p);
    EXPECT_EQ(*word(arr_mfn, p), W_PENDING);
    EXPECT_EQ(d1->vcpus[1]->vcpu_info->evtchn_upcall_pending, 0);
}

/* Ports past the event array: kept, raised when their page arrives. Past 4096. */
static void test_ports_past_the_array(void)
{
    evtchn_port_t p = 0, last = 0;
    mfn_t pages[5];

    fifo_domain();
    while (last < EVTCHN_MAX + 5)
        last = ipi(d1, 0);
    p = 1030;
    CU_ASSERT_EQUAL(evtchn_send(d1, p), 0);
    CU_ASSERT_EQUAL(evtchn_send(d1, last), 0);
    CU_ASSERT(!evtchn_is_pending(d1, p));
    for (int i = 0; i < 5; i++) {
        pages[i] = dom_frame(d1);
        CU_ASSERT_EQUAL(expand(d1, pages[i]), 0);
    }
    /* Re-raised in port order as their pages came: p first (page 1), then last (page 4). */
    EXPECT_EQ(*word(pages[0], p), W_PENDING | W_LINKED | last);
    EXPECT_EQ(*word(pages[3], last), W_PENDING | W_LINKED);
    CU_ASSERT(evtchn_is_pending(d1, last));
    EXPECT_EQ(cb_of(cb_mfn)->head[EVTCHN_FIFO_PRIORITY_DEFAULT], p);
    /* A 2-level domain stops at 4096. */
    for (evtchn_port_t i = 0; i < EVTCHN_MAX; i++) {
        struct evtchn_bind_ipi bi = { .vcpu = 0 };

        if (evtchn_bind_ipi(d2, &bi)) {
            EXPECT_EQ(bi.port, 0);
            break;
        }
    }
    struct evtchn_bind_ipi bi = { .vcpu = 0 };
    EXPECT_EQ(evtchn_bind_ipi(d2, &bi), -ENOSPC);
}

/* 128 pages cover 2^17 ports; a 129th is refused; every page comes back. */
static void test_too_many_pages(void)
{
    fifo_domain();
    for (unsigned int i = 1; i < EVTCHN_FIFO_NR_CHANNELS / 1024; i++)
        CU_ASSERT_EQUAL(expand(d1, arr_mfn), 0);              /* the same page again */
    EXPECT_EQ(expand(d1, arr_mfn), -ENOSPC);
    EXPECT_EQ(hv_frames.info[arr_mfn].type_count, 128);
    EXPECT_EQ(expand(d1, ~0ULL), -ENOSPC);
    domain_shutdown(d1, SHUTDOWN_poweroff);
    EXPECT_EQ(hv_frames.info[arr_mfn].count, 0);
    EXPECT_EQ(hv_frames.info[arr_mfn].type_count, 0);
}

static void test_expand_refusals(void)
{
    mfn_t l1;

    fifo_domain();
    l1 = dom_frame(d1);
    CU_ASSERT_EQUAL_FATAL(page_get_type(l1, PGT_l1, d1), 0);
    EXPECT_EQ(expand(d1, l1), -EINVAL);
    EXPECT_EQ(expand(d1, dom_frame(d2)), -EINVAL);
    EXPECT_EQ(expand(d1, hv_frames.nr_frames + 5), -EINVAL);
    EXPECT_EQ(hv_frames.info[l1].count, 0);
    page_put_type(l1);
    EXPECT_EQ(expand(d2, dom_frame(d2)), -EOPNOTSUPP);
}

/* Ports pending under 2-level stay pending across the switch. */
static void test_switch_keeps_pending(void)
{
    evtchn_port_t p;

    d1 = harness_domain(1, 1, false);
    p = ipi(d1, 0);
    evtchn_send(d1, p);
    CU_ASSERT(evtchn_is_pending(d1, p));
    cb_mfn = dom_frame(d1);
    arr_mfn = dom_frame(d1);
    CU_ASSERT_EQUAL(init_control(d1, cb_mfn, 0, 0), 0);
    CU_ASSERT(!evtchn_is_pending(d1, p));                     /* no array page yet */
    CU_ASSERT_EQUAL(expand(d1, arr_mfn), 0);
    EXPECT_EQ(*word(arr_mfn, p), W_PENDING | W_LINKED);
    EXPECT_EQ(cb_of(cb_mfn)->head[EVTCHN_FIFO_PRIORITY_DEFAULT], p);
}

/* Interdomain delivery and the hypercall edge (link_bits copied back). */
static void test_hypercall_edge(void)
{
    struct evtchn_init_control ic = { .vcpu = 0, .offset = 0 };
    struct evtchn_expand_array ea;
    struct evtchn_set_priority sp = { .port = 1, .priority = 99 };
    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 1 };
    struct evtchn_bind_interdomain bi = { .remote_dom = 2 };

    d1 = harness_domain(1, 1, false);
    d2 = harness_domain(2, 1, false);
    harness_set_current(d1);
    ic.control_gfn = cb_mfn = dom_frame(d1);
    ea.array_gfn = arr_mfn = dom_frame(d1);
    EXPECT_EQ(do_event_channel_op(EVTCHNOP_expand_array, HANDLE(&ea)), -EOPNOTSUPP);
    CU_ASSERT_EQUAL(do_event_channel_op(EVTCHNOP_init_control, HANDLE(&ic)), 0);
    EXPECT_EQ(ic.link_bits, EVTCHN_FIFO_LINK_BITS);
    CU_ASSERT_EQUAL(do_event_channel_op(EVTCHNOP_expand_array, HANDLE(&ea)), 0);
    CU_ASSERT_EQUAL(evtchn_alloc_unbound(d2, &au), 0);
    bi.remote_port = au.port;
    CU_ASSERT_EQUAL(evtchn_bind_interdomain(d1, &bi), 0);  /* the binder gets an event */
    EXPECT_EQ(*word(arr_mfn, bi.local_port), W_PENDING | W_LINKED);
    *word(arr_mfn, bi.local_port) = 0;
    cb_of(cb_mfn)->ready = 0;
    CU_ASSERT_EQUAL(evtchn_send(d2, au.port), 0);
    EXPECT_EQ(*word(arr_mfn, bi.local_port), W_PENDING | W_LINKED);
    EXPECT_EQ(cb_of(cb_mfn)->ready, 1u << EVTCHN_FIFO_PRIORITY_DEFAULT);
    sp.port = bi.local_port;
    EXPECT_EQ(do_event_channel_op(EVTCHNOP_set_priority, HANDLE(&sp)), -EINVAL);
    sp.priority = 0;
    EXPECT_EQ(do_event_channel_op(EVTCHNOP_set_priority, HANDLE(&sp)), 0);
    harness_fault_range(&ic, sizeof(ic), FAULT_READ);
    EXPECT_EQ(do_event_channel_op(EVTCHNOP_init_control, HANDLE(&ic)), -EFAULT);
    harness_fault_clear();
}

/* --- sysctl / domctl: Xen's order of checks --- */

/* Through the dispatcher, which checks the privilege (hv/hypercall-defs). */
static long ctl(unsigned long nr, void *op)
{
    return hypercall_dispatch(nr, (unsigned long[5]){ (unsigned long)op }, false);
}

static void test_sysctl_domctl(void)
{
    struct xen_sysctl sc = { .cmd = XEN_SYSCTL_physinfo,
                             .interface_version = XEN_SYSCTL_INTERFACE_VERSION };
    struct xen_domctl dc = { .cmd = XEN_DOMCTL_getdomaininfo, .domain = 1,
                             .interface_version = XEN_DOMCTL_INTERFACE_VERSION };
    struct domain *d0 = harness_domain(0, 1, true);

    d1 = harness_domain(1, 1, false);
    harness_set_current(d1);
    EXPECT_EQ(ctl(__HYPERVISOR_sysctl, &sc), -EPERM);
    EXPECT_EQ(ctl(__HYPERVISOR_domctl, &dc), -EPERM);
    dc.domain = 0;
    EXPECT_EQ(ctl(__HYPERVISOR_domctl, &dc), -EPERM);          /* another domain */
    dc.domain = 33;
    EXPECT_EQ(ctl(__HYPERVISOR_domctl, &dc), -EPERM);          /* getdomaininfo: looked up later */
    dc.cmd = XEN_DOMCTL_pausedomain;
    EXPECT_EQ(ctl(__HYPERVISOR_domctl, &dc), -ESRCH);          /* others: looked up first */
    dc.domain = DOMID_SELF;
    EXPECT_EQ(ctl(__HYPERVISOR_domctl, &dc), -ESRCH);          /* by id only */
    dc.domain = 1;
    EXPECT_EQ(ctl(__HYPERVISOR_domctl, &dc), -EPERM);
    dc.cmd = XEN_DOMCTL_createdomain;
    EXPECT_EQ(ctl(__HYPERVISOR_domctl, &dc), -EPERM);          /* names no domain */
    dc.interface_version = 0;
    EXPECT_EQ(ctl(__HYPERVISOR_domctl, &dc), -EACCES);         /* version before privilege */
    sc.interface_version = XEN_SYSCTL_INTERFACE_VERSION + 1;
    EXPECT_EQ(ctl(__HYPERVISOR_sysctl, &sc), -EACCES);
    harness_fault_range((char *)&sc + sizeof(sc) - 1, 1, FAULT_READ);
    EXPECT_EQ(ctl(__HYPERVISOR_sysctl, &sc), -EFAULT);         /* the whole struct is read */
    harness_fault_clear();
    /* Privileged: past the checks, a sub-op not offered (test_domctl.c: the rest). */
    harness_set_current(d0);
    sc.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    EXPECT_EQ(ctl(__HYPERVISOR_sysctl, &sc), 0);
    CU_ASSERT(sc.u.physinfo.hw_cap[0] & 1);                    /* the host's CPUID.1:EDX (FPU) */
    CU_ASSERT(sc.u.physinfo.nr_cpus >= 1);
    /* debug keys (common/keyhandler.c): read whole before any runs; unknown keys are reported */
    static const char keys[] = "hqZ";
    unsigned int dumps = harness_vcpu_dumps;
    sc.cmd = XEN_SYSCTL_debug_keys;
    set_xen_guest_handle(sc.u.debug_keys.keys, keys);
    sc.u.debug_keys.nr_keys = 3;
    EXPECT_EQ(ctl(__HYPERVISOR_sysctl, &sc), 0);
    EXPECT_EQ(harness_vcpu_dumps, dumps + 2);                  /* 'q': d0's and d1's vCPU */
    sc.u.debug_keys.nr_keys = 65;
    EXPECT_EQ(ctl(__HYPERVISOR_sysctl, &sc), -E2BIG);
    sc.u.debug_keys.nr_keys = 3;
    harness_fault_range(keys + 2, 1, FAULT_READ);
    EXPECT_EQ(ctl(__HYPERVISOR_sysctl, &sc), -EFAULT);
    EXPECT_EQ(harness_vcpu_dumps, dumps + 2);                  /* nothing ran */
    harness_fault_clear();
    dc = (struct xen_domctl){ .cmd = XEN_DOMCTL_setdebugging, .domain = 1,
                              .interface_version = XEN_DOMCTL_INTERFACE_VERSION };
    EXPECT_EQ(ctl(__HYPERVISOR_domctl, &dc), -ENOSYS);
}

/*
 * Two ports raised at once from two CPUs onto one queue while the guest
 * consumes it as Linux's consume_one_event does. Each sender waits for its
 * event to be taken before the next; an event never taken is lost (a word
 * left LINKED on no queue, or two words linked in a ring).
 */
#define FIFO_RACE_ROUNDS 20000
static volatile unsigned long race_taken[8];
static volatile bool race_stop;
static volatile unsigned int race_lost;

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Linux's consume_one_event on queue 7: unlink the head, take it if pending and unmasked. */
static evtchn_port_t race_consume_one(struct evtchn_fifo_control_block *cb, evtchn_port_t head,
                                      uint32_t *ready)
{
    evtchn_port_t port = head ? head : __atomic_load_n(&cb->head[7], __ATOMIC_SEQ_CST);
    event_word_t *w = word(arr_mfn, port), old = __atomic_load_n(w, __ATOMIC_SEQ_CST);

    while (!__atomic_compare_exchange_n(w, &old, old & ~(W_LINKED | EVTCHN_FIFO_LINK_MASK), false,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        ;
    if (!(old & EVTCHN_FIFO_LINK_MASK))
        *ready &= ~(1u << 7);
    if ((old & (W_PENDING | W_MASKED)) == W_PENDING) {
        __atomic_fetch_and(w, ~W_PENDING, __ATOMIC_SEQ_CST);
        __atomic_fetch_add(&race_taken[port % 8], 1, __ATOMIC_SEQ_CST);
    }
    return old & EVTCHN_FIFO_LINK_MASK;
}

static void *race_guest(void *arg)
{
    struct evtchn_fifo_control_block *cb = cb_of(cb_mfn);
    evtchn_port_t head = 0;

    while (!race_stop) {
        uint32_t ready = __atomic_exchange_n(&cb->ready, 0u, __ATOMIC_SEQ_CST);

        while (ready) {
            head = race_consume_one(cb, head, &ready);
            ready |= __atomic_exchange_n(&cb->ready, 0u, __ATOMIC_SEQ_CST);
        }
    }
    return arg;
}

static void *race_send(void *arg)
{
    evtchn_port_t port = (evtchn_port_t)(unsigned long)arg;

    host_test_pcpu.id = port;                        /* a CPU of its own for the lock checks */
    for (unsigned int i = 0; i < FIFO_RACE_ROUNDS && !race_lost; i++) {
        unsigned long want = race_taken[port % 8] + 1;
        double give_up = now_s() + 2;

        evtchn_send(d1, port);
        while (race_taken[port % 8] < want)
            if (now_s() > give_up) {
                __atomic_fetch_add(&race_lost, 1, __ATOMIC_SEQ_CST);
                break;
            }
    }
    return arg;
}

static void test_race_two_senders_one_queue(void)
{
    pthread_t g, s[2];
    evtchn_port_t a, b;

    fifo_domain();
    a = ipi(d1, 0), b = ipi(d1, 0);
    CU_ASSERT_FATAL(a % 8 != b % 8);
    race_stop = false, race_lost = 0;
    race_taken[a % 8] = race_taken[b % 8] = 0;
    CU_ASSERT_FATAL(pthread_create(&g, NULL, race_guest, NULL) == 0);
    CU_ASSERT_FATAL(pthread_create(&s[0], NULL, race_send, (void *)(unsigned long)a) == 0);
    CU_ASSERT_FATAL(pthread_create(&s[1], NULL, race_send, (void *)(unsigned long)b) == 0);
    pthread_join(s[0], NULL);
    pthread_join(s[1], NULL);
    race_stop = true;
    pthread_join(g, NULL);
    EXPECT_EQ(race_lost, 0);
}

static const struct unit_test tests[] = {
    { "init_control_refusals", test_init_control_refusals },
    { "init_control_holds_frame", test_init_control_holds_frame },
    { "queues_and_priorities", test_queues_and_priorities },
    { "consumed_tail_and_busy", test_consumed_tail_and_busy },
    { "masked_then_unmask", test_masked_then_unmask },
    { "no_control_block", test_no_control_block },
    { "ports_past_the_array", test_ports_past_the_array },
    { "too_many_pages", test_too_many_pages },
    { "expand_refusals", test_expand_refusals },
    { "switch_keeps_pending", test_switch_keeps_pending },
    { "hypercall_edge", test_hypercall_edge },
    { "sysctl_domctl", test_sysctl_domctl },
    { "race_two_senders_one_queue", test_race_two_senders_one_queue },
};

void suite_evtchn_fifo(void)
{
    ADD_SUITE("evtchn_fifo", tests);
}

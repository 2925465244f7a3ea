/*
 * evtchn-fifo: the FIFO event-channel ABI (init_control, expand_array,
 * set_priority) as Linux uses it, with hostile attempts at each step; the
 * 2-level ABI before it; alloc_unbound to a domain that does not exist yet;
 * sysctl/domctl refused in Xen's order of checks. Runs on ours (an
 * unprivileged domU) and on Xen 4.17 (as dom0).
 */
#include "guest.h"
#include "hypercall.h"
#include "mm.h"

const char test_name[] = "evtchn-fifo";

#define NR_ARRAY_PAGES 5                       /* ports up to 5119: past the 2-level 4096 */
#define CB_OFFSET      8
#define FAR_PORT       (EVTCHN_2L_NR_CHANNELS + 4)
#define W_PENDING (1u << EVTCHN_FIFO_PENDING)
#define W_MASKED  (1u << EVTCHN_FIFO_MASKED)
#define W_LINKED  (1u << EVTCHN_FIFO_LINKED)

static uint8_t cb_page[PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t array_pages[NR_ARRAY_PAGES][PAGE_SIZE] __aligned(PAGE_SIZE);
static uint8_t spare_page[PAGE_SIZE] __aligned(PAGE_SIZE);

static volatile unsigned long hits[256];
static evtchn_port_t order[8];
static volatile unsigned int nr_order;
static volatile evtchn_port_t last_far_port;
static volatile unsigned long far_hits;

static void on_event(evtchn_port_t port, void *arg)
{
    hits[port]++;
    if (nr_order < ARRAY_SIZE(order))
        order[nr_order++] = port;
}

static void on_far_event(evtchn_port_t port, void *arg)
{
    last_far_port = port;
    far_hits++;
}

static long ec_op(int cmd, void *arg) { return hc_event_channel_op(cmd, arg); }

static long set_priority(evtchn_port_t port, uint32_t prio)
{
    struct evtchn_set_priority sp = { .port = port, .priority = prio };

    return ec_op(EVTCHNOP_set_priority, &sp);
}

static long init_control_raw(uint64_t gfn, uint32_t offset, uint32_t vcpu)
{
    struct evtchn_init_control ic = { .control_gfn = gfn, .offset = offset, .vcpu = vcpu };

    return ec_op(EVTCHNOP_init_control, &ic);
}

static long expand_raw(uint64_t gfn)
{
    struct evtchn_expand_array ea = { .array_gfn = gfn };

    return ec_op(EVTCHNOP_expand_array, &ea);
}

static long bind_ipi(evtchn_port_t *port)
{
    struct evtchn_bind_ipi bi = { .vcpu = 0 };
    long rc = ec_op(EVTCHNOP_bind_ipi, &bi);

    *port = bi.port;
    return rc;
}

static domid_t domid_from_unbound(void)
{
    evtchn_port_t p;
    evtchn_status_t st;

    if (evtchn_alloc_unbound(DOMID_SELF, &p))
        return DOMID_INVALID;
    evtchn_status(DOMID_SELF, p, &st);
    evtchn_close(p);
    return st.u.unbound.dom;
}

/* --- sysctl / domctl: copy, interface version (-EACCES), domain (-ESRCH), privilege --- */

struct ctl_op {                                 /* the common head of xen_sysctl / xen_domctl */
    uint32_t cmd, interface_version;
    uint16_t domain, pad[3];
    uint8_t u[256];
};

#define SYSCTL_VERSION 0x15                     /* Xen 4.17's XEN_{SYS,DOM}CTL_INTERFACE_VERSION */
#define DOMCTL_VERSION 0x15
#define SYSCTL_physinfo 3
#define DOMCTL_createdomain 1
#define DOMCTL_pausedomain 3
#define DOMCTL_getdomaininfo 5

static long ctl(unsigned int nr, uint32_t cmd, uint32_t version, uint16_t dom)
{
    static struct ctl_op op;

    memset(&op, 0, sizeof(op));
    op.cmd = cmd;
    op.interface_version = version;
    op.domain = dom;
    return HC1(nr, &op);
}

static void test_sysctl_domctl(domid_t self)
{
    bool priv = start_info->flags & SIF_PRIVILEGED;

    check_eq(ctl(__HYPERVISOR_sysctl, SYSCTL_physinfo, 0, 0), -EACCES,
             "sysctl with a wrong interface version = -EACCES (checked before privilege)");
    check_eq(ctl(__HYPERVISOR_domctl, DOMCTL_getdomaininfo, 0, self), -EACCES,
             "domctl with a wrong interface version = -EACCES");
    check_eq(ctl(__HYPERVISOR_domctl, DOMCTL_pausedomain, DOMCTL_VERSION, DOMID_SELF), -ESRCH,
             "domctl(pausedomain, DOMID_SELF) = -ESRCH (by id, looked up before privilege)");
    check_eq(ctl(__HYPERVISOR_domctl, DOMCTL_pausedomain, DOMCTL_VERSION, 0x7f00), -ESRCH,
             "domctl(pausedomain) on a domain that does not exist = -ESRCH");
    if (priv) {
        info("privileged (dom0 on Xen): the -EPERM checks are for unprivileged domains");
        return;
    }
    check_eq(ctl(__HYPERVISOR_sysctl, SYSCTL_physinfo, SYSCTL_VERSION, 0), -EPERM,
             "sysctl(physinfo) from an unprivileged domain = -EPERM");
    check_eq(ctl(__HYPERVISOR_domctl, DOMCTL_getdomaininfo, DOMCTL_VERSION, self), -EPERM,
             "domctl(getdomaininfo, self) from an unprivileged domain = -EPERM");
    check_eq(ctl(__HYPERVISOR_domctl, DOMCTL_getdomaininfo, DOMCTL_VERSION, DOMID_SELF), -EPERM,
             "domctl(getdomaininfo, DOMID_SELF): -EPERM (this one is looked up after privilege)");
    check_eq(ctl(__HYPERVISOR_domctl, DOMCTL_pausedomain, DOMCTL_VERSION, self), -EPERM,
             "domctl(pausedomain, self) from an unprivileged domain = -EPERM");
    check_eq(ctl(__HYPERVISOR_domctl, DOMCTL_createdomain, DOMCTL_VERSION, 0), -EPERM,
             "domctl(createdomain) from an unprivileged domain = -EPERM");
}

/* --- alloc_unbound: the remote domain need not exist; the local one must --- */

static void test_alloc_unbound_future(void)
{
    static const domid_t remotes[] = { 1000, DOMID_FIRST_RESERVED - 1 };
    struct evtchn_alloc_unbound au;
    evtchn_status_t st;

    for (unsigned int i = 0; i < ARRAY_SIZE(remotes); i++) {
        au = (struct evtchn_alloc_unbound){ .dom = DOMID_SELF, .remote_dom = remotes[i] };
        long rc = ec_op(EVTCHNOP_alloc_unbound, &au);

        if (!check(rc == 0, "alloc_unbound for a remote domain not created yet", "remote %u rc %ld",
                   remotes[i], rc))
            continue;
        rc = evtchn_status(DOMID_SELF, au.port, &st);
        check(rc == 0 && st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == remotes[i],
              "status: unbound, offered to that domain", "rc %ld status %u dom %u", rc,
              st.status, st.u.unbound.dom);
        evtchn_close(au.port);
    }
    au = (struct evtchn_alloc_unbound){ .dom = 1000, .remote_dom = DOMID_SELF };
    check_eq(ec_op(EVTCHNOP_alloc_unbound, &au), -ESRCH,
             "alloc_unbound in a local domain that does not exist = -ESRCH");
}

/* --- before FIFO: the hostile init_control attempts leave the domain 2-level --- */

static void test_refusals_before_fifo(evtchn_port_t a, evtchn_port_t b)
{
    unsigned long l4_mfn = virt_to_mfn((void *)start_info->pt_base);
    unsigned long cb_mfn = virt_to_mfn(cb_page);

    check_eq(expand_raw(virt_to_mfn(array_pages[0])), -EOPNOTSUPP,
             "expand_array before init_control = -EOPNOTSUPP");
    check_eq(set_priority(a, 3), -ENOSYS, "set_priority under 2-level = -ENOSYS");
    check_eq(set_priority(200000, 3), -EINVAL, "set_priority on a port past the range = -EINVAL");
    check_eq(init_control_raw(cb_mfn, 0, 99), -ENOENT, "init_control for vCPU 99 = -ENOENT");
    check_eq(init_control_raw(cb_mfn, 4032, 0), -EINVAL,
             "init_control with a control block crossing the page end = -EINVAL");
    check_eq(init_control_raw(cb_mfn, 4, 0), -EINVAL, "init_control at a misaligned offset = -EINVAL");
    check_eq(init_control_raw(cb_mfn, 0xfffffff8u, 0), -EINVAL, "init_control offset 2^32-8 = -EINVAL");
    check_eq(init_control_raw(0xfffffffffUL, 0, 0), -EINVAL, "init_control on a frame past RAM = -EINVAL");
    check_eq(init_control_raw(~0UL, 0, 0), -EINVAL, "init_control on frame ~0 = -EINVAL");
    check_eq(init_control_raw(l4_mfn, 0, 0), -EINVAL,
             "init_control on our own L4 page table = -EINVAL");
    check_eq(init_control_raw(0, 0, 0), -EINVAL, "init_control on frame 0 (not ours) = -EINVAL");
    check_eq(expand_raw(virt_to_mfn(array_pages[0])), -EOPNOTSUPP,
             "after the refusals: still 2-level (expand_array = -EOPNOTSUPP)");
    unsigned long h = hits[b];
    evtchn_send(a);
    check(hits[b] == h + 1 && fifo_cb == NULL, "after the refusals: 2-level delivery works",
          "hits %lu -> %lu", h, hits[b]);
}

/* --- FIFO set-up, and what the hypervisor now holds --- */

static bool test_setup_fifo(void)
{
    unsigned long l4_mfn = virt_to_mfn((void *)start_info->pt_base);
    long rc = events_fifo_init(cb_page, CB_OFFSET);

    if (!check(rc == 0, "init_control(vCPU 0) = 0, link_bits 17", "rc %ld", rc))
        return false;
    check_eq(init_control_raw(virt_to_mfn(cb_page), CB_OFFSET, 0), -EINVAL,
             "init_control for vCPU 0 again = -EINVAL");
    check_eq(expand_raw(0xfffffffffUL), -EINVAL, "expand_array with a frame past RAM = -EINVAL");
    check_eq(expand_raw(l4_mfn), -EINVAL, "expand_array with our L4 page table = -EINVAL");
    check_eq(expand_raw(0), -EINVAL, "expand_array with frame 0 (not ours) = -EINVAL");
    rc = events_fifo_expand(array_pages[0]);
    if (!check(rc == 0, "expand_array(first page) = 0", "rc %ld", rc))
        return false;
    /* The hypervisor holds the control block writable: we cannot make it a page table,
     * even with our own writable mapping gone. */
    if (check_eq(make_ro(cb_page), 0, "remap the control-block page read-only")) {
        rc = mmuext1(MMUEXT_PIN_L1_TABLE, virt_to_mfn(cb_page));
        check(rc < 0, "pin the held control-block frame as an L1 table: refused", "rc %ld", rc);
        if (rc == 0)
            mmuext1(MMUEXT_UNPIN_TABLE, virt_to_mfn(cb_page));
        check_eq(make_rw(cb_page), 0, "remap it writable again");
    }
    return true;
}

/* --- FIFO delivery --- */

static void test_fifo_delivery(evtchn_port_t a, evtchn_port_t b)
{
    volatile event_word_t *wb = fifo_word(b);
    unsigned long h = hits[b], u = upcalls;

    evtchn_send(a);
    check(hits[b] == h + 1 && upcalls > u && *wb == 0,
          "send(a): b delivered through its queue, word back to 0",
          "hits %lu->%lu word %#x", h, hits[b], *wb);
    evtchn_mask(b);
    evtchn_send(a);
    check(hits[b] == h + 1 && *wb == (W_PENDING | W_MASKED),
          "send to a MASKED port: PENDING, not LINKED, not delivered", "word %#x", *wb);
    check_eq(evtchn_unmask_hc(b), 0, "EVTCHNOP_unmask");
    check(hits[b] == h + 2 && *wb == 0, "unmask of a pending port links and delivers it",
          "hits %lu word %#x", hits[b], *wb);
    evtchn_mask(b);
    evtchn_send(a);
    evtchn_unmask_local(b);
    check(hits[b] == h + 3 && *wb == 0, "guest-side unmask (Linux style) delivers",
          "hits %lu word %#x", hits[b], *wb);

    events_disable();
    evtchn_send(a);
    check(*wb == (W_PENDING | W_LINKED) && fifo_cb->head[EVTCHN_FIFO_PRIORITY_DEFAULT] == b &&
          (fifo_cb->ready & (1u << EVTCHN_FIFO_PRIORITY_DEFAULT)) && vcpu0->evtchn_upcall_pending,
          "upcall masked: PENDING|LINKED, HEAD, READY and upcall_pending set",
          "word %#x head %u ready %#x", *wb, fifo_cb->head[EVTCHN_FIFO_PRIORITY_DEFAULT],
          fifo_cb->ready);
    /* A LINKED port raised again is not linked twice. */
    evtchn_clear(b);
    evtchn_send(a);
    check(*wb == (W_PENDING | W_LINKED), "raising a LINKED port again: PENDING, still one link",
          "word %#x", *wb);
    events_enable();
    check(hits[b] == h + 4 && *wb == 0, "unmasking upcalls delivers it once",
          "hits %lu->%lu word %#x", h, hits[b], *wb);
}

static void test_priorities(void)
{
    evtchn_port_t p[3];

    for (int i = 0; i < 3; i++)
        if (!check_eq(bind_ipi(&p[i]), 0, "bind_ipi") || p[i] >= ARRAY_SIZE(hits))
            return;
    for (int i = 0; i < 3; i++)
        evtchn_set_handler(p[i], on_event, NULL);
    check_eq(set_priority(p[0], 10), 0, "set_priority(10)");
    check_eq(set_priority(p[1], 3), 0, "set_priority(3)");
    check_eq(set_priority(p[2], 3), 0, "set_priority(3) on another port");
    check_eq(set_priority(p[0], EVTCHN_FIFO_PRIORITY_MIN + 1), -EINVAL, "set_priority(16) = -EINVAL");
    check_eq(set_priority(p[0], 0xffffffffu), -EINVAL, "set_priority(2^32-1) = -EINVAL");
    check_eq(set_priority(300000, 0), -EINVAL, "set_priority on a port past the range = -EINVAL");
    events_disable();
    fifo_cb->ready = 0;
    for (int i = 0; i < 3; i++)
        evtchn_send(p[i]);
    check(fifo_cb->ready == ((1u << 3) | (1u << 10)) && fifo_cb->head[3] == p[1] &&
          fifo_cb->head[10] == p[0] && (*fifo_word(p[1]) & EVTCHN_FIFO_LINK_MASK) == p[2],
          "queues: READY bits 3 and 10, HEAD[3] -> p1 -> p2, HEAD[10] = p0",
          "ready %#x head3 %u head10 %u link %#x", fifo_cb->ready, fifo_cb->head[3],
          fifo_cb->head[10], *fifo_word(p[1]));
    nr_order = 0;
    events_enable();
    check(nr_order == 3 && order[0] == p[1] && order[1] == p[2] && order[2] == p[0],
          "delivered by priority, then in FIFO order", "n %u: %u %u %u (want %u %u %u)",
          nr_order, order[0], order[1], order[2], p[1], p[2], p[0]);
    for (int i = 0; i < 3; i++)
        evtchn_close(p[i]);
}

/* Ports past the event array are kept pending until their page arrives; then past 4096. */
static void test_ports_past_the_array(void)
{
    evtchn_port_t p = 0, page1_port = 0;
    unsigned int bound = 0;
    long rc = 0;

    default_handler = on_far_event;
    while (p < FAR_PORT && !(rc = bind_ipi(&p))) {
        bound++;
        if (p >= 1030 && !page1_port) {
            page1_port = p;
            check_eq(evtchn_send(p), 0, "send on a port past the event array = 0");
            check(!evtchn_pending(p) && far_hits == 0, "...nothing delivered yet", "hits %lu",
                  far_hits);
        }
    }
    if (!check(rc == 0 && p >= FAR_PORT, "FIFO: bind IPIs past port 4096", "rc %ld port %u", rc, p))
        goto out;
    rc = events_fifo_expand(array_pages[1]);
    check(rc == 0 && far_hits == 1 && last_far_port == page1_port,
          "expand_array raises the event kept for a port it now covers",
          "rc %ld hits %lu port %u", rc, far_hits, last_far_port);
    for (int i = 2; i < NR_ARRAY_PAGES; i++)
        check_eq(events_fifo_expand(array_pages[i]), 0, "expand_array(next page)");
    rc = evtchn_send(p);
    check(rc == 0 && far_hits == 2 && last_far_port == p, "a port past 4096 delivers",
          "rc %ld hits %lu port %u", rc, far_hits, last_far_port);
    evtchn_status_t st;
    rc = evtchn_status(DOMID_SELF, p, &st);
    check(rc == 0 && st.status == EVTCHNSTAT_ipi, "status of a port past 4096 = ipi", "rc %ld", rc);
out:
    info("bound %u IPIs, last port %u", bound, p);
    for (evtchn_port_t q = p; q > 0 && bound > 0; q--)
        if (!evtchn_close(q))
            bound--;
    default_handler = NULL;
}

/* 128 pages cover 2^17 ports: a 129th is refused (the same page repeated counts). */
static void test_too_many_pages(void)
{
    unsigned int added = 0;
    long rc;

    while (added < 200 && !(rc = expand_raw(virt_to_mfn(spare_page))))
        added++;
    check(rc == -ENOSPC && added == EVTCHN_FIFO_NR_CHANNELS / 1024 - NR_ARRAY_PAGES,
          "expand_array past 128 pages = -ENOSPC", "rc %ld after %u more pages", rc, added);
}

void test_main(void)
{
    evtchn_port_t a, b;
    domid_t self = domid_from_unbound();

    info("domain %u", self);
    events_enable();
    test_sysctl_domctl(self);
    test_alloc_unbound_future();
    if (!check_eq(evtchn_alloc_unbound(DOMID_SELF, &a), 0, "alloc_unbound(self)") ||
        !check_eq(evtchn_bind_interdomain(DOMID_SELF, a, &b), 0, "bind_interdomain(self, a)") ||
        !check(b < ARRAY_SIZE(hits), "loopback ports in the handler table", "b %u", b))
        return;
    evtchn_set_handler(b, on_event, NULL);
    test_refusals_before_fifo(a, b);
    if (!test_setup_fifo())
        return;
    test_fifo_delivery(a, b);
    test_priorities();
    test_ports_past_the_array();
    test_too_many_pages();
}

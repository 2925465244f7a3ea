/*
 * ioreq servers: an HVM domain's accesses that a device model in another
 * domain emulates (Xen's ioreq ABI; docs/hvm.md, "The ioreq flow").
 *
 * A server belongs to its target domain and is driven by the domain that
 * created it (its device model, dm_op.c). It has
 *  - two hypervisor pages shared with the target's owner id (xenheap frames
 *    of the target, as shared_info): frame 0 the buffered ring (never
 *    written here: every request is synchronous), frame 1 one ioreq_t per
 *    vCPU. The device model maps them by XENMEM_acquire_resource; a mapping
 *    holds its own reference, so a destroyed server's pages are freed at
 *    the last unmap (arch_release_frame orphans them until then);
 *  - one unbound port per vCPU in the target, for the device model to bind;
 *    its sends wake the vCPU (the port is the hypervisor's, hv_consumer);
 *  - port and MMIO ranges (ioreq_range.c).
 *
 * A request: the vCPU's ioreq_t is filled, its state set to IOREQ_READY
 * last, the vCPU blocks and its port is raised. The device model answers
 * with IORESP_READY (data first) and an event. Nothing else of the page is
 * trusted: only the state byte and, once answered, the data are read.
 *
 * Locks: d->ioreq->lock (rank IOREQ, interrupts off) over the server table
 * and the vCPUs' waits; ports are bound and closed outside it.
 */
#include <hv/arch.h>
#include <hv/bug.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/event.h>
#include <hv/frame.h>
#include <hv/grant.h>
#include <hv/ioreq.h>
#include <hv/lib.h>
#include <hv/sched.h>
#include <hv/spinlock.h>

/* ioreq_t's state is a 4-bit field in byte 30, beside dir and data_is_ptr. */
#define IOREQ_STATE_BYTE 30
_Static_assert(sizeof(ioreq_t) == 32, "ioreq_t layout");
_Static_assert(HV_MAX_VCPUS <= IOREQ_MAX_VCPUS, "one ioreq page holds every vCPU");

struct ioreq_server {
    u16 id;
    domid_t dm;                                   /* the device model's domain */
    bool enabled;
    u8 handle_bufioreq;
    shared_iopage_t *iopage;                      /* frame 1 */
    void *bufpage;                                /* frame 0 */
    evtchn_port_t port[HV_MAX_VCPUS];             /* in the target, one per vCPU */
    evtchn_port_t bufport;
    struct ioreq_ranges ranges[IOREQ_RANGE_KINDS];
};

/* A server and its ranges: QEMU-xen claims some 60 port and MMIO ranges for its PC. */
#define SERVER_PAGES (ALIGN_UP(sizeof(struct ioreq_server), PAGE_SIZE) / PAGE_SIZE)

struct ioreq_wait {
    bool outstanding;
    u16 server;
};

struct ioreq_domain {
    spinlock_t lock;
    bool dying;                                   /* the domain shut down: no new server */
    struct ioreq_server *servers[IOREQ_MAX_SERVERS];
    struct ioreq_wait wait[HV_MAX_VCPUS];
};

static unsigned long io_lock(struct ioreq_domain *io) { return spin_lock_irqsave(&io->lock); }
static void io_unlock(struct ioreq_domain *io, unsigned long f) { spin_unlock_irqrestore(&io->lock, f); }

static u8 *state_byte(ioreq_t *p)
{
    return (u8 *)p + IOREQ_STATE_BYTE;
}

static unsigned int state_read(ioreq_t *p)
{
    return __atomic_load_n(state_byte(p), __ATOMIC_ACQUIRE) & 0xf;
}

/* The state's 4 bits only; a release store: everything before is visible first. */
static void state_write(ioreq_t *p, unsigned int state)
{
    u8 old = __atomic_load_n(state_byte(p), __ATOMIC_RELAXED);

    __atomic_store_n(state_byte(p), (u8)((old & 0xf0) | state), __ATOMIC_RELEASE);
}

/* The domain's ioreq state, made at the first server (NULL: no memory). */
static struct ioreq_domain *ioreq_of(struct domain *d)
{
    struct ioreq_domain *io = __atomic_load_n(&d->ioreq, __ATOMIC_ACQUIRE), *none = NULL;

    if (io)
        return io;
    _Static_assert(sizeof(*io) <= PAGE_SIZE, "one page");
    io = hv_alloc_pages(1);
    if (!io)
        return NULL;
    memset(io, 0, sizeof(*io));
    spin_lock_init_keyed(&io->lock, LOCK_RANK_IOREQ, "ioreq_lock", d->id);
    if (!__atomic_compare_exchange_n(&d->ioreq, &none, io, false, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE)) {
        hv_free_pages(io, 1);                     /* another dm_op made it first */
        return none;
    }
    return io;
}

/* Under io->lock: the server `id` driven by dm (NULL: none, or not dm's). */
static struct ioreq_server *server_get(struct ioreq_domain *io, u16 id, const struct domain *dm)
{
    struct ioreq_server *s = id < IOREQ_MAX_SERVERS ? io->servers[id] : NULL;

    return s && (!dm || s->dm == dm->id) ? s : NULL;
}

/* --- a server's pages and ports --- */

static void server_free(struct domain *d, struct ioreq_server *s)
{
    for (unsigned int i = 0; i < HV_MAX_VCPUS; i++)
        if (s->port[i])
            evtchn_close(d, s->port[i]);          /* the device model's end becomes unbound */
    if (s->bufport)
        evtchn_close(d, s->bufport);
    if (s->iopage)
        arch_release_frame(hv_virt_to_mfn(s->iopage));   /* at the last unmap if mapped */
    if (s->bufpage)
        arch_release_frame(hv_virt_to_mfn(s->bufpage));
    hv_free_pages(s, SERVER_PAGES);
}

static int server_ports(struct domain *d, struct domain *dm, struct ioreq_server *s)
{
    struct evtchn c = { .state = ECS_UNBOUND, .remote_dom = dm->id, .hv_consumer = true };
    int port;

    for (unsigned int i = 0; i < d->nr_vcpus && i < HV_MAX_VCPUS; i++) {
        c.notify_vcpu = (u8)i;
        if ((port = evtchn_bind_new(d, c)) < 0)
            return port;
        s->port[i] = (evtchn_port_t)port;
        s->iopage->vcpu_ioreq[i].vp_eport = (u32)port;
    }
    if (s->handle_bufioreq == IOREQ_BUFIOREQ_OFF)
        return 0;
    c.notify_vcpu = 0;
    if ((port = evtchn_bind_new(d, c)) < 0)
        return port;
    s->bufport = (evtchn_port_t)port;
    return 0;
}

static struct ioreq_server *server_new(struct domain *d, struct domain *dm, u8 bufioreq)
{
    struct ioreq_server *s = hv_alloc_pages(SERVER_PAGES);

    if (!s)
        return NULL;
    memset(s, 0, sizeof(*s));
    s->dm = dm->id;
    s->handle_bufioreq = bufioreq;
    s->iopage = grant_alloc_shared_page(d);       /* xenheap frames owned by d */
    s->bufpage = grant_alloc_shared_page(d);
    if (s->iopage)
        memset(s->iopage, 0, PAGE_SIZE);
    if (s->bufpage)
        memset(s->bufpage, 0, PAGE_SIZE);
    if (!s->iopage || !s->bufpage || server_ports(d, dm, s)) {
        server_free(d, s);
        return NULL;
    }
    return s;
}

/* --- dm_op's workers --- */

int ioreq_server_create(struct domain *d, struct domain *dm, u8 handle_bufioreq, u16 *id)
{
    struct ioreq_domain *io = ioreq_of(d);
    struct ioreq_server *s;
    unsigned long f;

    if (handle_bufioreq > IOREQ_BUFIOREQ_ATOMIC)
        return -EINVAL;
    if (!io || !(s = server_new(d, dm, handle_bufioreq)))
        return -ENOMEM;
    f = io_lock(io);
    for (u16 i = 0; i < IOREQ_MAX_SERVERS && !io->dying; i++) {
        if (io->servers[i])
            continue;
        s->id = i;
        io->servers[i] = s;
        io_unlock(io, f);
        *id = i;
        return 0;
    }
    io_unlock(io, f);
    server_free(d, s);
    return io->dying ? -ESRCH : -ENOSPC;
}

int ioreq_server_info(struct domain *d, struct domain *dm, u16 id, evtchn_port_t *bufioreq_port)
{
    struct ioreq_domain *io = __atomic_load_n(&d->ioreq, __ATOMIC_ACQUIRE);
    struct ioreq_server *s;
    unsigned long f;

    if (!io)
        return -ENOENT;
    f = io_lock(io);
    s = server_get(io, id, NULL);
    if (s && s->dm == dm->id)
        *bufioreq_port = s->bufport;
    io_unlock(io, f);
    return !s ? -ENOENT : s->dm != dm->id ? -EPERM : 0;
}

/* The server for a change by dm under the lock: -ENOENT none, -EPERM another's. */
static int server_for_change(struct domain *d, struct domain *dm, u16 id,
                             struct ioreq_domain **io, struct ioreq_server **s, unsigned long *f)
{
    *io = __atomic_load_n(&d->ioreq, __ATOMIC_ACQUIRE);
    if (!*io)
        return -ENOENT;
    *f = io_lock(*io);
    *s = server_get(*io, id, NULL);
    if (*s && (*s)->dm == dm->id)
        return 0;
    io_unlock(*io, *f);
    return *s ? -EPERM : -ENOENT;
}

int ioreq_server_range(struct domain *d, struct domain *dm, u16 id, enum ioreq_range_kind kind,
                       u64 start, u64 end, bool map)
{
    struct ioreq_domain *io;
    struct ioreq_server *s;
    unsigned long f;
    int rc = server_for_change(d, dm, id, &io, &s, &f);

    if (rc)
        return rc;
    rc = map ? ioreq_ranges_add(&s->ranges[kind], start, end)
             : ioreq_ranges_remove(&s->ranges[kind], start, end);
    io_unlock(io, f);
    return rc;
}

int ioreq_server_set_state(struct domain *d, struct domain *dm, u16 id, bool enabled)
{
    struct ioreq_domain *io;
    struct ioreq_server *s;
    unsigned long f;
    int rc = server_for_change(d, dm, id, &io, &s, &f);

    if (rc)
        return rc;
    s->enabled = enabled;
    io_unlock(io, f);
    return 0;
}

/* Under io->lock: vCPUs waiting on s are woken; ioreq_wait answers them all ones. */
static void wake_waiters(struct domain *d, struct ioreq_domain *io, u16 id)
{
    for (unsigned int i = 0; i < HV_MAX_VCPUS; i++)
        if (io->wait[i].outstanding && io->wait[i].server == id && d->vcpus[i])
            sched_wake(d->vcpus[i]);
}

int ioreq_server_destroy(struct domain *d, struct domain *dm, u16 id)
{
    struct ioreq_domain *io;
    struct ioreq_server *s;
    unsigned long f;
    int rc = server_for_change(d, dm, id, &io, &s, &f);

    if (rc)
        return rc;
    io->servers[id] = NULL;
    wake_waiters(d, io, id);
    io_unlock(io, f);
    server_free(d, s);
    return 0;
}

int ioreq_server_frames(struct domain *d, struct domain *dm, u16 id, u64 frame, unsigned int nr,
                        mfn_t *mfns)
{
    struct ioreq_domain *io;
    struct ioreq_server *s;
    unsigned long f;
    int rc;

    if (frame >= IOREQ_FRAMES || nr > IOREQ_FRAMES - frame)
        return -EINVAL;
    rc = server_for_change(d, dm, id, &io, &s, &f);
    if (rc)
        return rc;
    for (unsigned int i = 0; i < nr; i++)
        mfns[i] = hv_virt_to_mfn(frame + i == 0 ? s->bufpage : (void *)s->iopage);
    io_unlock(io, f);
    return 0;
}

void ioreq_domain_destroy(struct domain *d)
{
    struct ioreq_domain *io = __atomic_load_n(&d->ioreq, __ATOMIC_ACQUIRE);
    struct ioreq_server *s;
    unsigned long f;

    if (!io)
        return;
    for (unsigned int i = 0; i < IOREQ_MAX_SERVERS; i++) {
        f = io_lock(io);
        io->dying = true;
        s = io->servers[i];
        io->servers[i] = NULL;
        io_unlock(io, f);
        if (s)
            server_free(d, s);
    }
}

/* At domain_free: nothing can reach the table any more. */
void ioreq_domain_free(struct domain *d)
{
    if (d->ioreq)
        hv_free_pages(d->ioreq, 1);
    d->ioreq = NULL;
}

/* --- the exit side --- */

static struct ioreq_server *claiming(struct ioreq_domain *io, const struct ioreq_access *a)
{
    bool pci = a->kind == IOREQ_RANGE_PCI;            /* a device claims its whole config space */
    u64 key = pci ? a->addr >> 32 : a->addr;

    for (unsigned int i = 0; i < IOREQ_MAX_SERVERS; i++) {
        struct ioreq_server *s = io->servers[i];

        if (s && s->enabled && ioreq_ranges_claim(&s->ranges[a->kind], key, pci ? 1 : a->size))
            return s;
    }
    return NULL;
}

static const u8 request_type[IOREQ_RANGE_KINDS] = {
    [IOREQ_RANGE_PORT] = IOREQ_TYPE_PIO,
    [IOREQ_RANGE_MMIO] = IOREQ_TYPE_COPY,
    [IOREQ_RANGE_PCI]  = IOREQ_TYPE_PCI_CONFIG,
};

static void fill_request(ioreq_t *p, const struct ioreq_access *a)
{
    p->addr = a->addr;
    p->data = a->read ? 0 : a->data;
    p->count = 1;
    p->size = a->size;
    p->type = request_type[a->kind];
    *state_byte(p) = a->read ? 0x20 : 0;          /* dir (bit 5) = read; df, data_is_ptr 0 */
}

bool ioreq_claims(struct domain *d, const struct ioreq_access *a)
{
    struct ioreq_domain *io = __atomic_load_n(&d->ioreq, __ATOMIC_ACQUIRE);
    unsigned long f;
    bool yes;

    if (!io)
        return false;
    f = io_lock(io);
    yes = claiming(io, a) != NULL;
    io_unlock(io, f);
    return yes;
}

/*
 * The device model closed its end of this vCPU's port (it died, or exited
 * without destroying its server) while a request waits or as one is sent:
 * nobody will answer. Xen's vCPU would wait for ever; this one's domain is
 * crashed, alone, with the reason.
 */
static void device_model_gone(struct vcpu *v, u16 server)
{
    hv_warn("d%u v%u: ioreq server %u's device model closed its event channel\n",
            v->domain->id, v->id, server);
    domain_crash(v->domain, "its device model is gone");
}

int ioreq_send(struct vcpu *v, const struct ioreq_access *a)
{
    struct ioreq_domain *io = __atomic_load_n(&v->domain->ioreq, __ATOMIC_ACQUIRE);
    struct ioreq_server *s;
    evtchn_port_t port;
    unsigned long f;
    u16 id;

    if (!io || v->id >= HV_MAX_VCPUS || !a->size || a->size > 8)
        return -ENOENT;
    f = io_lock(io);
    if (!(s = claiming(io, a))) {
        io_unlock(io, f);
        return -ENOENT;
    }
    fill_request(&s->iopage->vcpu_ioreq[v->id], a);
    state_write(&s->iopage->vcpu_ioreq[v->id], STATE_IOREQ_READY);
    io->wait[v->id] = (struct ioreq_wait){ true, s->id };
    port = s->port[v->id];
    id = s->id;
    sched_block(v);                               /* before the event: the answer's wake finds it */
    io_unlock(io, f);
    evtchn_send(v->domain, port);
    if (evtchn_peer_gone(v->domain, port))
        device_model_gone(v, id);
    return 0;
}

bool ioreq_outstanding(const struct vcpu *v)
{
    const struct ioreq_domain *io = __atomic_load_n(&v->domain->ioreq, __ATOMIC_ACQUIRE);

    return io && v->id < HV_MAX_VCPUS && io->wait[v->id].outstanding;
}

/* Under io->lock: the answer's state. 0 answered, -EAGAIN waiting, -EIO garbage. */
static int take_answer(struct vcpu *v, struct ioreq_server *s, u64 *data)
{
    ioreq_t *p = &s->iopage->vcpu_ioreq[v->id];
    unsigned int state = state_read(p);

    if (state == STATE_IORESP_READY) {
        *data = __atomic_load_n(&p->data, __ATOMIC_RELAXED);
        state_write(p, STATE_IOREQ_NONE);
        return 0;
    }
    if (state != STATE_IOREQ_READY && state != STATE_IOREQ_INPROCESS) {
        hv_warn("d%u v%u: ioreq server %u answered with state %u\n", v->domain->id, v->id,
                s->id, state);
        return -EIO;
    }
    sched_block(v);
    if (state_read(p) == STATE_IORESP_READY)
        sched_wake(v);                            /* answered meanwhile (sched_block's rule) */
    return -EAGAIN;
}

int ioreq_wait(struct vcpu *v, u64 *data)
{
    struct ioreq_domain *io = __atomic_load_n(&v->domain->ioreq, __ATOMIC_ACQUIRE);
    struct ioreq_server *s = NULL;
    evtchn_port_t port = 0;
    unsigned long f;
    int rc = 0;

    *data = ~0ULL;                                /* a server gone meanwhile: all ones */
    if (!io || v->id >= HV_MAX_VCPUS)
        return 0;
    f = io_lock(io);
    if (io->wait[v->id].outstanding && (s = server_get(io, io->wait[v->id].server, NULL))) {
        rc = take_answer(v, s, data);
        port = s->port[v->id];
    }
    if (rc != -EAGAIN)
        io->wait[v->id].outstanding = false;
    io_unlock(io, f);
    if (rc == -EIO)
        domain_crash(v->domain, "garbage ioreq state from its device model");
    if (rc == -EAGAIN && evtchn_peer_gone(v->domain, port))
        device_model_gone(v, io->wait[v->id].server);
    return rc;
}

/* Under the port's lock (event_channel.c): nothing but a wake-up. */
void ioreq_port_notified(struct domain *d, unsigned int vcpu_id)
{
    if (vcpu_id < HV_MAX_VCPUS && d->vcpus[vcpu_id])
        sched_wake(d->vcpus[vcpu_id]);
}

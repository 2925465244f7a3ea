/*
 * The FIFO event-channel ABI (Xen's, as Linux's events_fifo.c uses it).
 *
 * Each port has a 32-bit event word in an event-array page the guest gave us
 * (EVTCHNOP_expand_array): PENDING, MASKED, LINKED, BUSY and a 17-bit LINK to
 * the next port. Each vCPU has a control block in a guest page
 * (EVTCHNOP_init_control) with a READY bit and a HEAD port per priority; the
 * hypervisor keeps each queue's TAIL. Raising an unmasked port that is not
 * yet LINKED appends it: the old tail's LINK (if the tail is still LINKED),
 * else HEAD, then READY and the upcall. The guest consumes from HEAD,
 * clearing LINKED as it goes; BUSY keeps it from unmasking a tail while we
 * relink it. Every guest page stays held (arch_guest_frame_hold) until the
 * domain's event channels are torn down.
 *
 * Locks: raising and unmasking run under a port lock (event_channel.c);
 * a vCPU's queue tails and a port's last queue change under the vCPU's
 * evtchn_queue_lock (the old and the new queue's, lower vCPU id first).
 * Set-up (init_control, expand_array) runs under d->event_lock.
 */
#include <hv/event.h>
#include <hv/arch.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/errno.h>

#define WORDS_PER_PAGE   (PAGE_SIZE / sizeof(event_word_t))
#define MAX_ARRAY_PAGES  (EVTCHN_FIFO_NR_CHANNELS / WORDS_PER_PAGE)
#define LINK_RETRIES     4      /* the guest can change a BUSY word at most this often */

struct evtchn_fifo_domain {
    event_word_t *array[MAX_ARRAY_PAGES];  /* held guest pages, nr_pages of them */
    unsigned int nr_pages;
};
_Static_assert(sizeof(struct evtchn_fifo_domain) <= PAGE_SIZE, "one page");

/* Pages are only appended (under event_lock): nr_pages is published after its page. */
static event_word_t *word_of(const struct domain *d, evtchn_port_t port)
{
    const struct evtchn_fifo_domain *f = __atomic_load_n(&d->evtchn_fifo, __ATOMIC_ACQUIRE);

    if (!f || port >= __atomic_load_n(&f->nr_pages, __ATOMIC_ACQUIRE) * WORDS_PER_PAGE)
        return NULL;
    return &f->array[port / WORDS_PER_PAGE][port % WORDS_PER_PAGE];
}

/* The guest writes these words concurrently: every access is atomic. */
static bool word_test(event_word_t *w, unsigned int bit)
{
    return __atomic_load_n(w, __ATOMIC_SEQ_CST) & (1u << bit);
}

static bool word_test_and_set(event_word_t *w, unsigned int bit)
{
    return __atomic_fetch_or(w, 1u << bit, __ATOMIC_SEQ_CST) & (1u << bit);
}

static void word_clear(event_word_t *w, unsigned int bit)
{
    __atomic_fetch_and(w, ~(1u << bit), __ATOMIC_SEQ_CST);
}

/* 1: LINK now points at port; 0: the word is not LINKED (its queue emptied); -1: raced. */
static int try_link(event_word_t *w, event_word_t *seen, evtchn_port_t port)
{
    event_word_t next;

    if (!(*seen & (1u << EVTCHN_FIFO_LINKED)))
        return 0;
    next = (*seen & ~((1u << EVTCHN_FIFO_BUSY) | EVTCHN_FIFO_LINK_MASK)) | port;
    if (__atomic_compare_exchange_n(w, seen, next, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
        return 1;
    return -1;
}

/*
 * Links the tail word to port iff the tail is still LINKED. The guest may
 * only set/clear MASKED, clear PENDING or unlink meanwhile; BUSY stops its
 * unmasking, so a few retries suffice. Giving up counts as linked, as in Xen.
 */
static bool set_link(event_word_t *tail, evtchn_port_t port)
{
    event_word_t seen = __atomic_load_n(tail, __ATOMIC_SEQ_CST);
    int rc = try_link(tail, &seen, port);

    if (rc >= 0)
        return rc;
    word_test_and_set(tail, EVTCHN_FIFO_BUSY);
    seen = __atomic_load_n(tail, __ATOMIC_SEQ_CST);
    for (unsigned int i = 0; i < LINK_RETRIES; i++) {
        rc = try_link(tail, &seen, port);
        if (rc == 0)
            word_clear(tail, EVTCHN_FIFO_BUSY);
        if (rc >= 0)
            return rc;
    }
    word_clear(tail, EVTCHN_FIFO_BUSY);
    return true;
}

/*
 * Takes the queue locks of the port's last queue and of v (one lock when
 * they are v's); returns the last queue's vCPU, stable while they are held.
 */
static struct vcpu *lock_queues(struct domain *d, struct vcpu *v, struct evtchn *c)
{
    for (;;) {
        u8 last = __atomic_load_n(&c->last_vcpu, __ATOMIC_ACQUIRE);
        struct vcpu *old_v = d->vcpus[last % HV_MAX_VCPUS];
        spinlock_t *old_l = old_v ? &old_v->evtchn_queue_lock : &v->evtchn_queue_lock;

        spin_lock_pair(old_l, &v->evtchn_queue_lock);
        if (__atomic_load_n(&c->last_vcpu, __ATOMIC_ACQUIRE) == last)
            return old_v;
        spin_unlock_pair(old_l, &v->evtchn_queue_lock);  /* moved meanwhile: again */
    }
}

/*
 * Under the queue locks (lock_queues): appends a port just marked LINKED to
 * v's queue of its priority; whether it went behind a LINKED tail (false:
 * it is the new HEAD, and the caller sets READY).
 */
static bool link_event_locked(struct domain *d, struct vcpu *v, struct vcpu *old_v,
                              struct evtchn *c, evtchn_port_t port, unsigned int prio)
{
    struct evtchn_fifo_vcpu *f = &v->evtchn_fifo;
    event_word_t *tail_word;
    bool linked = false;

    /* It was the tail of its last queue: that queue is empty now (the guest
     * consumed it), so a later append there must not link to this port. */
    if (old_v && old_v->evtchn_fifo.tail[c->last_priority] == port)
        old_v->evtchn_fifo.tail[c->last_priority] = 0;
    c->last_vcpu = (u8)v->id;
    c->last_priority = (u8)prio;
    if (f->tail[prio] && (tail_word = word_of(d, f->tail[prio])))
        linked = set_link(tail_word, port);
    if (!linked)
        __atomic_store_n(&f->control_block->head[prio], port, __ATOMIC_SEQ_CST);
    f->tail[prio] = port;
    return linked;
}

/*
 * PENDING and LINKED are set with the queue locks held, as Xen does: set
 * outside them, another port's append could find this word LINKED while
 * it is on no queue yet, link behind it and skip READY; then this one
 * links behind that one, the two form a ring and neither is ever
 * delivered again (every later raise finds them LINKED).
 */
static void fifo_set_pending(struct domain *d, evtchn_port_t port)
{
    struct evtchn *c = evtchn_from_port(d, port);
    struct vcpu *v = d->vcpus[c->notify_vcpu], *old_v;
    event_word_t *w = word_of(d, port);
    bool was_pending, linked = true;
    unsigned int prio;

    if (!w) {
        __atomic_store_n(&c->fifo_pending, true, __ATOMIC_RELAXED);   /* raised again when its page arrives */
        return;
    }
    /* No control block: the guest may not unmask before it has one; only PENDING. */
    if (!v || !v->evtchn_fifo.control_block) {
        if (!word_test_and_set(w, EVTCHN_FIFO_PENDING))
            evtchn_wake_pollers(d, port);
        return;
    }
    old_v = lock_queues(d, v, c);
    prio = __atomic_load_n(&c->priority, __ATOMIC_RELAXED);
    was_pending = word_test_and_set(w, EVTCHN_FIFO_PENDING);
    if (!word_test(w, EVTCHN_FIFO_MASKED) && !word_test_and_set(w, EVTCHN_FIFO_LINKED))
        linked = link_event_locked(d, v, old_v, c, port, prio);
    spin_unlock_pair(old_v ? &old_v->evtchn_queue_lock : &v->evtchn_queue_lock,
                     &v->evtchn_queue_lock);
    if (!linked && !word_test_and_set(&v->evtchn_fifo.control_block->ready, prio))
        evtchn_mark_upcall(v);
    if (!was_pending)
        evtchn_wake_pollers(d, port);
}

/* Only PENDING: a LINKED word stays queued and the guest skips it. */
static void fifo_clear_pending(struct domain *d, evtchn_port_t port)
{
    event_word_t *w = word_of(d, port);

    if (w)
        word_clear(w, EVTCHN_FIFO_PENDING);
}

static void fifo_unmask(struct domain *d, evtchn_port_t port)
{
    event_word_t *w = word_of(d, port);

    if (!w)
        return;
    word_clear(w, EVTCHN_FIFO_MASKED);
    if (word_test(w, EVTCHN_FIFO_PENDING))
        fifo_set_pending(d, port);                   /* link it now */
}

static bool fifo_is_pending(struct domain *d, evtchn_port_t port)
{
    event_word_t *w = word_of(d, port);

    return w && word_test(w, EVTCHN_FIFO_PENDING);
}

/* Only later events use the new queue; one already linked stays where it is. */
static int fifo_set_priority(struct domain *d, evtchn_port_t port, unsigned int priority)
{
    if (priority > EVTCHN_FIFO_PRIORITY_MIN)
        return -EINVAL;
    evtchn_from_port(d, port)->priority = (u8)priority;
    return 0;
}

static void fifo_init(struct domain *d, evtchn_port_t port)
{
    evtchn_from_port(d, port)->priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
}

const struct evtchn_port_ops evtchn_port_ops_fifo = {
    .init = fifo_init,
    .set_pending = fifo_set_pending,
    .clear_pending = fifo_clear_pending,
    .unmask = fifo_unmask,
    .is_pending = fifo_is_pending,
    .set_priority = fifo_set_priority,
    .max_ports = EVTCHN_FIFO_NR_CHANNELS,
};

/* --- set-up and teardown --- */

static int map_control_block(struct vcpu *v, u64 gfn, unsigned int offset)
{
    u8 *page;

    if (v->evtchn_fifo.control_block)
        return -EINVAL;                              /* once per vCPU */
    page = arch_guest_frame_hold(v->domain, gfn);
    if (!page)
        return -EINVAL;
    v->evtchn_fifo = (struct evtchn_fifo_vcpu){
        .control_block = (struct evtchn_fifo_control_block *)(page + offset) };
    return 0;
}

/*
 * 2-level -> FIFO: pending ports are kept (raised when their array page
 * arrives, there is none yet), every port gets the default priority. The
 * ABI switches first; once every sender that still used 2-level is done
 * (quiesce), its pending bits are final. A FIFO raise meanwhile only sets
 * fifo_pending (no array page yet), which is never cleared here.
 */
static void switch_ports(struct domain *d)
{
    __atomic_store_n(&d->evtchn_ops, &evtchn_port_ops_fifo, __ATOMIC_RELEASE);
    evtchn_quiesce_ports(d);
    for (evtchn_port_t p = 1; p < d->evtchn_valid; p++) {
        struct evtchn *c = evtchn_from_port(d, p);

        if (evtchn_port_ops_2l.is_pending(d, p))
            __atomic_store_n(&c->fifo_pending, true, __ATOMIC_RELAXED);
        c->priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
    }
}

int evtchn_fifo_init_control(struct domain *d, struct evtchn_init_control *op)
{
    struct vcpu *v;
    int rc;

    op->link_bits = EVTCHN_FIFO_LINK_BITS;
    if (op->vcpu >= HV_MAX_VCPUS || !(v = d->vcpus[op->vcpu]))
        return -ENOENT;
    if (op->offset > PAGE_SIZE - sizeof(struct evtchn_fifo_control_block) || (op->offset & 7))
        return -EINVAL;
    if (d->evtchn_fifo)
        return map_control_block(v, op->control_gfn, op->offset);
    struct evtchn_fifo_domain *f = hv_alloc_pages(1);

    if (!f)
        return -ENOMEM;
    rc = map_control_block(v, op->control_gfn, op->offset);
    if (rc) {
        hv_free_pages(f, 1);                         /* still 2-level, as before the call */
        return rc;
    }
    __atomic_store_n(&d->evtchn_fifo, f, __ATOMIC_RELEASE);
    switch_ports(d);
    hv_info("d%u: FIFO event channels\n", d->id);
    return 0;
}

/* Ports the new page covers that were raised while it was missing. */
static void reraise_ports(struct domain *d, evtchn_port_t first)
{
    for (evtchn_port_t p = first; p < first + WORDS_PER_PAGE && evtchn_port_valid(d, p); p++) {
        struct evtchn *c = evtchn_from_port(d, p);
        unsigned long flags = evtchn_lock_port(d, p);

        if (c->fifo_pending) {
            c->fifo_pending = false;
            fifo_set_pending(d, p);
        }
        evtchn_unlock_port(d, p, flags);
    }
}

int evtchn_fifo_expand_array(struct domain *d, const struct evtchn_expand_array *op)
{
    struct evtchn_fifo_domain *f = d->evtchn_fifo;
    event_word_t *page;

    if (!f)
        return -EOPNOTSUPP;
    if (f->nr_pages >= MAX_ARRAY_PAGES)
        return -ENOSPC;
    page = arch_guest_frame_hold(d, op->array_gfn);
    if (!page)
        return -EINVAL;
    f->array[f->nr_pages] = page;
    __atomic_store_n(&f->nr_pages, f->nr_pages + 1, __ATOMIC_RELEASE);
    reraise_ports(d, (f->nr_pages - 1) * WORDS_PER_PAGE);
    return 0;
}

void evtchn_fifo_destroy(struct domain *d)
{
    struct evtchn_fifo_domain *f = d->evtchn_fifo;

    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];

        if (v && v->evtchn_fifo.control_block)
            arch_guest_frame_release(hv_virt_to_mfn(v->evtchn_fifo.control_block));
        if (v)
            v->evtchn_fifo = (struct evtchn_fifo_vcpu){ 0 };
    }
    if (f) {
        for (unsigned int i = 0; i < f->nr_pages; i++)
            arch_guest_frame_release(hv_virt_to_mfn(f->array[i]));
        hv_free_pages(f, 1);
    }
    d->evtchn_fifo = NULL;
    d->evtchn_ops = &evtchn_port_ops_2l;
}

/*
 * Domain and vCPU life cycle: create, shut down with a reason (reported on
 * the console), crash, and reap. Reaping frees the vCPU stacks, so it runs
 * from the idle context, never on a stack it frees.
 */
#include <hv/bug.h>
#include <hv/errno.h>
#include <hv/domain.h>
#include <hv/arch.h>
#include <hv/console.h>
#include <hv/event.h>
#include <hv/irq.h>
#include <hv/frame.h>
#include <hv/grant.h>
#include <hv/hypercall.h>
#include <hv/ioreq.h>
#include <hv/lib.h>
#include <hv/sched.h>
#include <hv/time.h>
#include <hv/spinlock.h>

struct domain *hv_domains[HV_MAX_DOMAINS];
/* The domain list and id allocation (docs/smp.md rank 1). Lookups read
 * under it and take a reference there; the reaper frees a domain only once
 * it has claimed it with no reference held (reap_claim), so a looked-up
 * domain stays valid until its put_domain. */
static rwlock_t domlist_lock = RWLOCK_INIT(LOCK_RANK_DOMLIST, "domlist_lock");

static const char *const shutdown_names[] = {
    [SHUTDOWN_poweroff] = "poweroff", [SHUTDOWN_reboot] = "reboot",
    [SHUTDOWN_suspend] = "suspend", [SHUTDOWN_crash] = "crash",
    [SHUTDOWN_watchdog] = "watchdog", [SHUTDOWN_soft_reset] = "soft_reset",
};

const char *domain_shutdown_reason_name(unsigned int reason)
{
    if (reason < ARRAY_SIZE(shutdown_names) && shutdown_names[reason])
        return shutdown_names[reason];
    return "unknown";
}

/* Refused once the reaper set DOMAIN_DESTROYED (it did so with none held). */
bool get_domain(struct domain *d)
{
    u32 old = arch_load_acquire(&d->refcnt);

    do {
        if (old & DOMAIN_DESTROYED)
            return false;
    } while (!arch_cmpxchg(&d->refcnt, &old, old + 1));
    return true;
}

void put_domain(struct domain *d)
{
    u32 old = arch_fetch_add(&d->refcnt, -1u);

    BUG_ON(!(old & ~DOMAIN_DESTROYED));              /* a put without its get */
}

struct domain *domain_lookup(domid_t id)
{
    struct domain *d;

    if (id >= HV_MAX_DOMAINS)
        return NULL;
    read_lock(&domlist_lock);
    d = hv_domains[id];
    if (d && (d->state != DOM_ACTIVE || !get_domain(d)))
        d = NULL;
    read_unlock(&domlist_lock);
    return d;
}

struct domain *domain_lookup_any(domid_t id)
{
    struct domain *d;

    if (id >= HV_MAX_DOMAINS)
        return NULL;
    read_lock(&domlist_lock);
    d = hv_domains[id];
    if (d && !get_domain(d))
        d = NULL;
    read_unlock(&domlist_lock);
    return d;
}

/*
 * fn on every domain in the table not yet claimed by the reaper, under
 * domlist_lock for reading and with a reference held across the call (the
 * reaper frees a domain's vCPUs before it takes the lock for writing: the
 * reference is what keeps them). fn takes no lock of rank 1 itself. The
 * credit refill's walk.
 */
void domain_for_each(void (*fn)(struct domain *d, void *arg), void *arg)
{
    read_lock(&domlist_lock);
    for (unsigned int id = 0; id < HV_MAX_DOMAINS; id++) {
        struct domain *d = hv_domains[id];

        if (d && get_domain(d)) {
            fn(d, arg);
            put_domain(d);
        }
    }
    read_unlock(&domlist_lock);
}

/* Whether the id is taken, in any state (no reference: the answer may go stale). */
bool domain_exists(domid_t id)
{
    bool taken;

    if (id >= HV_MAX_DOMAINS)
        return false;
    read_lock(&domlist_lock);
    taken = hv_domains[id] != NULL;
    read_unlock(&domlist_lock);
    return taken;
}

struct domain *domain_lookup_by_caller(domid_t id, struct domain *caller)
{
    if (id != DOMID_SELF)
        return domain_lookup(id);
    return get_domain(caller) ? caller : NULL;
}

_Static_assert(HV_MAX_DOMAINS <= FRAME_SPAN_OWNERS, "a span per domain id");

static struct domain *create_locked(domid_t id, bool privileged)
{
    struct domain *d;

    if (id >= HV_MAX_DOMAINS || hv_domains[id])
        return NULL;
    frame_span_reset(&hv_frames, id);                /* an earlier domain of this id is gone */
    d = hv_alloc_pages(ALIGN_UP(sizeof(*d), PAGE_SIZE) / PAGE_SIZE);
    if (!d)
        return NULL;
    d->id = id;
    d->privileged = privileged;
    d->sched_weight = CREDIT_WEIGHT_DEFAULT;
    spin_lock_init_keyed(&d->domain_lock, LOCK_RANK_DOMAIN, "domain_lock", id);
    spin_lock_init_keyed(&d->page_alloc_lock, LOCK_RANK_PAGE_ALLOC, "page_alloc_lock", id);
    rspin_lock_init(&d->page_type_lock, LOCK_RANK_PAGE_TYPE, "page_type_lock");
    spin_lock_init_keyed(&d->event_lock, LOCK_RANK_EVENT, "event_lock", id);
    for (unsigned int i = 0; i < EVTCHN_PORT_LOCKS; i++)
        spin_lock_init_keyed(&d->evtchn_port_lock[i], LOCK_RANK_EVTCHN_PORT, "evtchn_port_lock",
                             id * EVTCHN_PORT_LOCKS + i);
    d->state = DOM_ACTIVE;
    d->shared_info = hv_alloc_pages(1);
    if (!d->shared_info || evtchn_domain_init(d) || grant_table_init(d)) {
        grant_table_destroy(d);
        evtchn_domain_destroy(d);
        hv_free_pages(d->shared_info, 1);
        hv_free_pages(d, ALIGN_UP(sizeof(*d), PAGE_SIZE) / PAGE_SIZE);
        return NULL;
    }
    d->shared_info_mfn = hv_virt_to_mfn(d->shared_info);
    frame_share_with(&hv_frames, d->shared_info_mfn, id);
    for (unsigned int i = 0; i < ARRAY_SIZE(d->shared_info->vcpu_info); i++)
        d->shared_info->vcpu_info[i].evtchn_upcall_mask = 1;
    hv_domains[id] = d;
    return d;
}

/* Under the write lock throughout: the id is checked and taken at once. */
struct domain *domain_create(domid_t id, bool privileged)
{
    struct domain *d;

    write_lock(&domlist_lock);
    d = create_locked(id, privileged);
    write_unlock(&domlist_lock);
    return d;
}

static void vcpu_singleshot_fire(void *data)
{
    struct vcpu *v = data;

    evtchn_send_virq(v, VIRQ_TIMER);
}

/* The next tick is a period after this one; ticks already missed are not replayed. */
static void vcpu_periodic_fire(void *data)
{
    struct vcpu *v = data;
    u64 now = hv_now(), next;

    evtchn_send_virq(v, VIRQ_TIMER);
    if (!v->periodic_period)
        return;
    next = deadline_after(v->periodic_timer.expires, v->periodic_period);
    if (next <= now)
        next = deadline_after(now, v->periodic_period);
    timer_set(&v->periodic_timer, next);
}

static void vcpu_poll_timeout(void *data)
{
    struct vcpu *v = data;

    if (v->polling)
        sched_wake(v);
}

struct vcpu *vcpu_create(struct domain *d, unsigned int id)
{
    struct vcpu *v;

    if (id >= HV_MAX_VCPUS || d->vcpus[id])
        return NULL;
    v = hv_alloc_pages(ALIGN_UP(sizeof(*v), PAGE_SIZE) / PAGE_SIZE);
    if (!v)
        return NULL;
    v->domain = d;
    v->id = id;
    v->state = VCPU_DOWN;
    v->hard_affinity = v->soft_affinity = cpumask_first_n(HV_NR_CPUS);   /* anywhere */
    v->vcpu_info = &d->shared_info->vcpu_info[id];
    spin_lock_init_keyed(&v->evtchn_queue_lock, LOCK_RANK_EVTCHN_QUEUE, "evtchn_queue_lock", id);
    v->runstate.state = RUNSTATE_offline;            /* down; running once first switched in */
    v->runstate.state_entry_time = hv_now();
    timer_init(&v->singleshot_timer, vcpu_singleshot_fire, v);
    timer_init(&v->periodic_timer, vcpu_periodic_fire, v);
    timer_init(&v->poll_timer, vcpu_poll_timeout, v);
    if (arch_vcpu_init(v)) {
        hv_free_pages(v, ALIGN_UP(sizeof(*v), PAGE_SIZE) / PAGE_SIZE);
        return NULL;
    }
    d->vcpus[id] = v;
    d->nr_vcpus = MAX(d->nr_vcpus, id + 1);
    return v;
}

static void domain_stop_vcpus(struct domain *d)
{
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        struct vcpu *v = d->vcpus[i];

        if (!v)
            continue;
        timer_stop(&v->singleshot_timer);
        timer_stop(&v->periodic_timer);
        timer_stop(&v->poll_timer);
        sched_stop(v);                               /* off its CPU before its domain goes */
        sched_report_placement(v);
    }
    if (current && current->domain == d)
        sched_set_need_resched();
}

void domain_shutdown(struct domain *d, unsigned int reason)
{
    if (d->state != DOM_ACTIVE)
        return;
    hv_console_guest_flush(d);
    d->shutdown_reason = reason;
    d->state = DOM_SHUTDOWN;
    hv_info("d%u shutdown: %s\n", d->id, domain_shutdown_reason_name(reason));
    domain_stop_vcpus(d);
    console_ring_detach(d);
    ioreq_domain_destroy(d);                         /* its servers' ports and pages */
    evtchn_domain_destroy(d);
    pirq_domain_destroy(d);                          /* its lines masked, unmapped */
    grant_table_release(d);
    domain_notify_controller();
    arch_send_reschedule(0);                         /* CPU 0 reaps (or powers off): wake it */
}

void domain_crash(struct domain *d, const char *why)
{
    if (d->state != DOM_ACTIVE)
        return;
    hv_warn("d%u crashed: %s\n", d->id, why);
    if (current && current->domain == d)
        arch_dump_registers();
    domain_shutdown(d, SHUTDOWN_crash);
}

/* After arch_domain_relinquish: every frame and table of the domain is back. */
static void domain_free(struct domain *d)
{
    /* Unpublished first: the reaper looks only at published domains, under the read lock. */
    write_lock(&domlist_lock);
    hv_domains[d->id] = NULL;
    write_unlock(&domlist_lock);
    for (unsigned int i = 0; i < d->nr_vcpus; i++) {
        if (!d->vcpus[i])
            continue;
        /* A handler that ran on another CPU as the domain stopped may have re-armed. */
        timer_kill(&d->vcpus[i]->singleshot_timer);
        timer_kill(&d->vcpus[i]->periodic_timer);
        timer_kill(&d->vcpus[i]->poll_timer);
        arch_vcpu_destroy(d->vcpus[i]);
        hypercall_fold_counts(d->vcpus[i]);
        hv_free_pages(d->vcpus[i], ALIGN_UP(sizeof(struct vcpu), PAGE_SIZE) / PAGE_SIZE);
    }
    arch_domain_destroy(d);
    grant_table_destroy(d);
    arch_release_frame(d->shared_info_mfn);          /* later if a grantee still maps it */
    ioreq_domain_free(d);
    hv_free_pages(d, ALIGN_UP(sizeof(*d), PAGE_SIZE) / PAGE_SIZE);
    domain_notify_controller();
}


static struct domain *controller(void)
{
    for (unsigned int i = 0; i < HV_MAX_DOMAINS; i++)
        if (hv_domains[i] && hv_domains[i]->privileged && hv_domains[i]->state == DOM_ACTIVE)
            return hv_domains[i];
    return NULL;
}

void domain_notify_controller(void)
{
    struct domain *c = controller();

    if (c && c->vcpus[0])
        evtchn_send_virq(c->vcpus[0], VIRQ_DOM_EXC);
}

/* A domain the toolstack made is its to destroy, unless the toolstack is gone. */
static bool reap_now(const struct domain *d)
{
    if (!d || d->state != DOM_SHUTDOWN || (current && current->domain == d))
        return false;
    if (d->relinquished)
        return true;                                 /* destroyed; its last reference is gone or going */
    return !d->controlled || !controller();
}

/*
 * A reference lives for one hypercall at most: one still held long after
 * shutdown is a missed put_domain. Debug builds (and the unit tests) panic
 * on it; a release build says so once and leaves the domain unfreed.
 */
struct missed_put {                    /* what reap_wait found, said once domlist_lock is dropped */
    bool due;
    domid_t id;
    u32 refs;
    unsigned long ms;
};

static bool reap_wait(struct domain *d, struct missed_put *m)
{
    u64 now = hv_now();

    if (d->reap_reported)
        return false;                                /* given up on: do not spin on it */
    if (!d->reap_wait_since) {
        d->reap_wait_since = now ? now : 1;
        return true;
    }
    if (now < d->reap_wait_since + DOMAIN_REF_WAIT_NS)
        return true;
    d->reap_reported = true;
    *m = (struct missed_put){ .due = true, .id = d->id, .refs = arch_load_acquire(&d->refcnt),
                              .ms = (unsigned long)((now - d->reap_wait_since) / 1000000) };
    return false;
}

static void report_missed_put(const struct missed_put *m)
{
#if defined(HV_DEBUG) || defined(HV_HOST_TEST)
    hv_panic("d%u: %u domain reference(s) still held %lu ms after shutdown (a missed put_domain)\n",
             m->id, m->refs, m->ms);
#else
    hv_warn("d%u: %u domain reference(s) still held %lu ms after shutdown (a missed put_domain); "
            "not freed\n", m->id, m->refs, m->ms);
#endif
}

/*
 * One bounded step of giving d's frames back, under d->page_alloc_lock:
 * its frames change owner and tot_pages drops, which is what the lock
 * guards (nothing else can reach d now: claimed, no reference is left,
 * but the rule holds for every owner change). heap_lock nests inside.
 */
static int relinquish_step(struct domain *d)
{
    int rc;

    spin_lock(&d->page_alloc_lock);
    rc = arch_domain_relinquish(d);
    spin_unlock(&d->page_alloc_lock);
    return rc;
}

/*
 * One bounded step of destroydomain's release, with the caller's reference
 * held: the frames go back as Xen's domain_relinquish_resources gives them
 * (other CPUs may still hold references; those keep the struct, not the
 * memory). The struct goes with the last reference: domain_put_destroyed.
 */
int domain_destroy_step(struct domain *d)
{
    if (relinquish_step(d) == -ERESTART)
        return -ERESTART;
    d->relinquished = true;
    return 0;
}

/*
 * Drops the destroyer's reference on a relinquished domain and frees it
 * at once if that was the last one (refcnt 1 -> claimed), so destroydomain
 * returns with the domain gone; otherwise the reaper frees it once the
 * other holders have put theirs. The destroyer runs on any CPU, the reaper
 * on CPU 0 at the same time: exactly one of them claims d (reap_check), and
 * domain_free unpublishes d before it frees anything.
 */
void domain_put_destroyed(struct domain *d)
{
    u32 one = 1;

    if (arch_cmpxchg(&d->refcnt, &one, DOMAIN_DESTROYED)) {
        domain_free(d);
        return;
    }
    put_domain(d);
}

/* Its vCPUs' contexts are saved (one that stopped itself on another CPU
 * may still be switching out there). */
static bool vcpus_off_cpus(const struct domain *d)
{
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        if (d->vcpus[i] && __atomic_load_n(&d->vcpus[i]->is_running, __ATOMIC_ACQUIRE))
            return false;
    return true;
}

enum reap_step { REAP_SKIP, REAP_LATER, REAP_CLAIMED };

/*
 * Under domlist_lock (read), so d stays valid: whether d is the reaper's
 * to free now. It claims d only with no reference held (refcnt 0 ->
 * DESTROYED; then no new one is given). DESTROYED without its own claim
 * is domain_put_destroyed's, on another CPU: that one frees d. Taking it
 * for an earlier claim of the reaper's freed domains twice (a heap panic
 * of make test-run on 2 CPUs, 2026-12-08).
 */
static enum reap_step reap_check(struct domain *d, struct missed_put *m)
{
    u32 none = 0;

    if (!reap_now(d))
        return REAP_SKIP;
    if (!vcpus_off_cpus(d))
        return REAP_LATER;                           /* a moment: no sleep, look again */
    if (d->reap_claimed)
        return REAP_CLAIMED;                         /* claimed on an earlier pass */
    if (arch_cmpxchg(&d->refcnt, &none, DOMAIN_DESTROYED)) {
        d->reap_claimed = true;
        return REAP_CLAIMED;
    }
    if (arch_load_acquire(&d->refcnt) == DOMAIN_DESTROYED)
        return REAP_SKIP;                            /* the destroyer's claim */
    return reap_wait(d, m) ? REAP_LATER : REAP_SKIP; /* references held: come back */
}

bool domain_reap(void)
{
    bool unfinished = false;

    for (unsigned int i = 0; i < HV_MAX_DOMAINS; i++) {
        struct missed_put missed = { .due = false };
        struct domain *d;
        enum reap_step step;

        read_lock(&domlist_lock);
        d = hv_domains[i];
        step = reap_check(d, &missed);
        read_unlock(&domlist_lock);
        if (missed.due)
            report_missed_put(&missed);              /* a panic in debug builds: not under the lock */
        if (step == REAP_LATER)
            unfinished = true;
        if (step != REAP_CLAIMED)
            continue;
        if (relinquish_step(d) == -ERESTART)
            return true;                             /* the rest after the guests and timers due */
        domain_free(d);
    }
    return unfinished;
}

unsigned int domain_count_alive(void)
{
    unsigned int n = 0;

    for (unsigned int i = 0; i < HV_MAX_DOMAINS; i++)
        n += hv_domains[i] && __atomic_load_n(&hv_domains[i]->state, __ATOMIC_ACQUIRE) == DOM_ACTIVE;
    return n;
}

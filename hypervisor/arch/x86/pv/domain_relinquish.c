/*
 * Domain destruction in bounded steps, as Xen's domain_relinquish_resources
 * returning -ERESTART. A dead domain's frames can be hundreds of thousands,
 * and releasing its page-table trees thousands of tables: done in one go
 * from the idle loop, that held the CPU for tens of milliseconds while other
 * guests' timers were due. So each call does a bounded amount of work and
 * records where it stands in the domain (relinquish_stage, _cursor):
 *
 *   VCPUS    each vCPU's descriptor pages and page-table base pointers;
 *   UNPIN    every pinned table (releasing the trees below them);
 *   PARTIAL  every table a release left partial (see page_type.c);
 *   FRAMES   every frame given back (freed, or orphaned while another
 *            domain's grant mapping still holds it).
 *
 * The three frame stages walk the domain's span, the range the allocator
 * handed its frames from, not every machine frame.
 *
 * A tree release is itself preemptible: it leaves the table partial, and
 * the PARTIAL stage carries it on. The caller (domain_reap, from the idle
 * loop) returns to the scheduler between steps whenever a guest is runnable
 * or a timer is due, and calls again later. Meanwhile the domain stays in
 * hv_domains (DOM_SHUTDOWN: no lookup finds it, no vCPU of it runs) and
 * owns its frames until each is freed, so none is handed out before that
 * and every one comes back.
 */
#include <hv/arch.h>
#include <hv/bug.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/frame.h>
#include <hv/hypercall.h>
#include <asm/desc.h>
#include <asm/page_type.h>

enum relinquish_stage { RELQ_VCPUS, RELQ_UNPIN, RELQ_PARTIAL, RELQ_FRAMES, RELQ_DONE };

/*
 * Work between two preemption checks: a frame looked at costs 1, a frame
 * released or unpinned RELQ_ACTION_COST (a tree below an unpinned table
 * stops on its own, between table entries). Every call makes at least this
 * much progress, so destruction ends even while guests keep the CPU busy.
 */
#define RELQ_BUDGET        1024
#define RELQ_ACTION_COST   16

struct relinquish_work {
    unsigned int spent;
};

/* True: stop here, after at least a budget's worth of work. */
static bool relinquish_should_yield(struct relinquish_work *w, unsigned int cost)
{
    w->spent += cost;
    if (w->spent < RELQ_BUDGET)
        return false;
    w->spent = 0;
    return hypercall_preempt_check();
}

/*
 * Read without page_type_lock: owner, ORPHAN, PINNED and XENHEAP of a dead
 * domain's frame change only through that domain's own calls (none left)
 * or this walk; other domains change only counts and types, and every
 * release below takes the lock and looks again.
 */
static bool frame_is_domains(const struct frame_info *f, const struct domain *d)
{
    return f->owner == d->id && !(f->flags & FRAME_F_ORPHAN);
}

/* A base pointer is cleared before its reference goes: a resumed step never drops it twice. */
static int drop_base_pointer(mfn_t *slot)
{
    mfn_t mfn = *slot;

    *slot = 0;
    return mfn ? page_put_and_type_relinquish(mfn) : 0;
}

static int relinquish_vcpus(struct domain *d, struct relinquish_work *w)
{
    while (d->relinquish_cursor < d->nr_vcpus) {
        struct vcpu *v = d->vcpus[d->relinquish_cursor];

        if (v) {
            arch_vcpu_drop_lazy(v);                  /* no idle CPU on its tables any more */
            pv_gdt_free(v);                          /* at most 16 frames each: bounded */
            pv_ldt_free(v);
            if (drop_base_pointer(&v->arch.cr3_kernel) == -ERESTART ||
                drop_base_pointer(&v->arch.cr3_user) == -ERESTART)
                return -ERESTART;                    /* the tree is partial: the PARTIAL stage */
            v->arch.pt_release_pending = 0;          /* a partial table: the PARTIAL stage too */
        }
        d->relinquish_cursor++;
        if (relinquish_should_yield(w, RELQ_ACTION_COST))
            return -ERESTART;
    }
    return 0;
}

/* What one frame of a frame-scanning stage asks for. */
enum relinquish_next { RELQ_GO_ON, RELQ_YIELD, RELQ_YIELD_HERE };
typedef enum relinquish_next (*relinquish_frame_fn)(mfn_t mfn, struct relinquish_work *w);

static enum relinquish_next unpin_frame(mfn_t mfn, struct relinquish_work *w)
{
    if (!(hv_frames.info[mfn].flags & FRAME_F_PINNED))
        return RELQ_GO_ON;
    if (page_unpin_relinquish(mfn) == -ERESTART)
        return RELQ_YIELD;                           /* unpinned; its tree is partial now */
    return relinquish_should_yield(w, RELQ_ACTION_COST) ? RELQ_YIELD : RELQ_GO_ON;
}

static enum relinquish_next release_partial_frame(mfn_t mfn, struct relinquish_work *w)
{
    return page_partial_release(mfn) ? RELQ_YIELD_HERE : RELQ_GO_ON;
}

static enum relinquish_next free_frame(mfn_t mfn, struct relinquish_work *w)
{
    if (hv_frames.info[mfn].flags & FRAME_F_XENHEAP)
        return RELQ_GO_ON;                           /* shared_info: domain_free gives it back */
    if (page_partial_release(mfn))
        return RELQ_YIELD_HERE;                      /* a table too deep for its parent's release */
    arch_release_frame_uncharged(mfn);
    return relinquish_should_yield(w, RELQ_ACTION_COST) ? RELQ_YIELD : RELQ_GO_ON;
}

/* Runs fn on every frame of d from the cursor on: those in its span (hv/frame.h). */
static int relinquish_frames(struct domain *d, relinquish_frame_fn fn, struct relinquish_work *w)
{
    mfn_t lo, hi;

    frame_span_get(&hv_frames, d->id, &lo, &hi);
    d->relinquish_cursor = MAX(d->relinquish_cursor, lo);
    while (d->relinquish_cursor < hi) {
        mfn_t mfn = d->relinquish_cursor;
        enum relinquish_next next = frame_is_domains(&hv_frames.info[mfn], d) ? fn(mfn, w) : RELQ_GO_ON;

        if (next == RELQ_YIELD_HERE)
            return -ERESTART;                        /* resumed at this frame */
        d->relinquish_cursor++;
        if (next == RELQ_YIELD || relinquish_should_yield(w, 1))
            return -ERESTART;
    }
    return 0;
}

static int relinquish_stage_run(struct domain *d, struct relinquish_work *w)
{
    switch (d->relinquish_stage) {
    case RELQ_VCPUS:
        return relinquish_vcpus(d, w);
    case RELQ_UNPIN:
        return relinquish_frames(d, unpin_frame, w);
    case RELQ_PARTIAL:
        return relinquish_frames(d, release_partial_frame, w);
    case RELQ_FRAMES:
        return relinquish_frames(d, free_frame, w);
    default:
        return 0;
    }
}

int arch_domain_relinquish(struct domain *d)
{
    struct relinquish_work w = { 0 };

    ASSERT(d->state == DOM_SHUTDOWN);
    while (d->relinquish_stage != RELQ_DONE) {
        int rc = relinquish_stage_run(d, &w);

        if (rc)
            return rc;
        d->relinquish_stage++;
        d->relinquish_cursor = 0;
    }
    return 0;
}

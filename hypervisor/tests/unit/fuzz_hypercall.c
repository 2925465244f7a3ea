/*
 * libFuzzer target: sequences of hypercalls through the real table and the
 * common/ handlers (event channels, grant tables, memory, scheduling and
 * timers, console, multicall, version, vCPU ops), from two domains at once
 * (d1 with two vCPUs, d2 with one), on the host harness. The arch/x86/pv
 * handlers are the harness's stubs; page_type.c and grant_map.c are real, and
 * each domain has one real L1 table (HARNESS_VA_BASE..+2 MiB) for grant maps.
 *
 * Input: a count byte, then fixed-size ops, then bytes that fill the guest
 * buffer. Each argument of an op is, by its kind byte, a raw value, a pointer
 * into the guest buffer, a small number, a domain id, an address in the
 * hypervisor hole or a non-canonical one. Guest memory is the guest buffer
 * only: any other guest address faults, as an unmapped one would. A special
 * op writes a grant entry, as a guest writes its shared grant frames.
 *
 * After each input every domain is shut down and reaped: a frame or a grant
 * mapping not returned aborts, like any sanitizer report.
 */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <hv/console.h>
#include <hv/domain.h>
#include <hv/frame.h>
#include <hv/grant.h>
#include <hv/hypercall.h>
#include <hv/sched.h>                          /* current */
#include <hv/timer.h>

#include "harness.h"

#define MAX_OPS 48
#define GUEST_BUF 8192
#define OP_GRANT_WRITE 0xff

struct op {
    u8 nr;                             /* hypercall number (mod 64), or OP_GRANT_WRITE */
    u8 who;                            /* which vCPU calls: d1 v0, d1 v1, d2 v0 */
    u8 kind[5];
    u8 pad;
    u64 v[5];
};

static unsigned char guest[GUEST_BUF] __attribute__((aligned(64)));
static struct domain *doms[2];

static unsigned long arg_of(u8 kind, u64 v)
{
    static const domid_t ids[] = { 0, 1, 2, DOMID_SELF, DOMID_INVALID, 7 };

    switch (kind % 6) {
    case 1: return (unsigned long)guest + v % GUEST_BUF;
    case 2: return v % 64;
    case 3: return ids[v % ARRAY_SIZE(ids)];
    case 4: return 0xffff800000000000UL + (v & 0xffffff);   /* hypervisor hole */
    case 5: return 0x8000000000000000UL | v;                /* non-canonical */
    default: return v;
    }
}

static struct vcpu *caller(u8 who)
{
    struct domain *d = doms[who % 3 == 2];
    struct vcpu *v = d->vcpus[who % 3 == 1];

    return d->state == DOM_ACTIVE ? v : NULL;
}

/* What a guest does to its own shared grant frames: any entry, any value. */
static void grant_write(struct domain *d, const struct op *o)
{
    struct grant_table *gt = d->grant_table;
    grant_entry_v1_t *e;

    if (!gt || !gt->nr_frames)
        return;
    e = &gt->shared[(o->v[0] >> 9) % gt->nr_frames][o->v[0] % GNTTAB_ENTRIES_PER_FRAME];
    e->flags = (u16)o->v[1];
    e->domid = (domid_t)arg_of(3, o->v[2]);
    switch (o->kind[0] % 4) {
    case 0: e->frame = (u32)d->shared_info_mfn; break;
    case 1: e->frame = (u32)doms[d == doms[0]]->shared_info_mfn; break;
    case 2: e->frame = (u32)(o->v[3] % HARNESS_ARENA_PAGES); break;
    default: e->frame = (u32)o->v[3]; break;
    }
}

static void run_op(const struct op *o)
{
    struct vcpu *v = caller(o->who);
    unsigned long args[5];

    if (!v)
        return;
    current = v;
    if (o->nr == OP_GRANT_WRITE) {
        grant_write(v->domain, o);
        return;
    }
    for (int i = 0; i < 5; i++)
        args[i] = arg_of(o->kind[i], o->v[i]);
    harness_hypercall(o->nr % 64, args);
}

/* Everything back: domains gone, no frame, grant mapping or timer left. */
static void teardown(mfn_t baseline)
{
    harness_reap_all();
    for (unsigned int i = 0; i < HV_MAX_DOMAINS; i++)
        if (hv_domains[i])
            abort();
    if (hv_frames.nr_free != baseline || harness_bad_frees() ||
        timer_next_deadline() != ~0ULL)
        abort();
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
    static bool ready;
    static jmp_buf stop;
    const size_t n = size ? MIN(MIN((size_t)data[0], (size - 1) / sizeof(struct op)),
                                (size_t)MAX_OPS) : 0;
    volatile size_t i = 0;
    mfn_t baseline;

    if (!ready) {
        if (harness_init())
            abort();
        hv_loglvl = LOG_ERR;
        ready = true;
    }
    harness_setup();
    hv_loglvl = LOG_ERR;                               /* the console is not the point */
    harness_guest_window(guest, sizeof(guest));
    memset(guest, 0, sizeof(guest));
    if (size > 1 + n * sizeof(struct op))
        memcpy(guest, data + 1 + n * sizeof(struct op),
               MIN(sizeof(guest), size - 1 - n * sizeof(struct op)));
    baseline = hv_frames.nr_free;
    doms[0] = domain_create(1, false);
    doms[1] = domain_create(2, false);
    if (!doms[0] || !doms[1] || !vcpu_create(doms[0], 0) || !vcpu_create(doms[0], 1) ||
        !vcpu_create(doms[1], 0))
        abort();
    /* A real L1 for each: grant host maps at HARNESS_VA_BASE.. go through grant_map.c. */
    if (harness_try_give_l1(doms[0], 0) == INVALID_MFN || harness_try_give_l1(doms[1], 0) == INVALID_MFN)
        abort();
    harness_stop_jmp = &stop;
    if (!setjmp(stop))                                 /* poweroff/halt: the input ends */
        for (; i < n; i++) {
            struct op o;

            memcpy(&o, data + 1 + i * sizeof(o), sizeof(o));
            run_op(&o);
        }
    harness_stop_jmp = NULL;
    teardown(baseline);
    harness_guest_window(NULL, 0);
    return 0;
}

/*
 * vcpu-race: a hostile guest races its two vCPUs (on two CPUs) against each
 * other on every structure they share (issue 12, docs/smp.md "Guest vCPUs"),
 * `ms` milliseconds each:
 *  - page types: vCPU 0 pins and unpins frame X as an L1 while vCPU 1 maps
 *    X writable at a window of its own and drops it (each refused while
 *    the other holds X);
 *  - descriptor tables: vCPU 1 loads frames G and H in turn as its GDT
 *    while vCPU 0 maps G writable and drops it, and writes descriptors into
 *    G with update_descriptor;
 *  - grant entries: vCPU 0 maps and unmaps its own grant ref R (granted to
 *    itself) while vCPU 1 rewrites R's entry: flags, frame (ours, another
 *    of ours, not ours), domid;
 *  - event ports: vCPU 0 allocates, binds (IPI to vCPU 1) and closes ports
 *    while vCPU 1 sends to, unmasks, rebinds, queries and closes ports
 *    2..PORTS-1 (it must find one of vCPU 0's open).
 * Each race must have gone both ways (each side succeeded, and was refused,
 * at least once where refusal is possible). Afterwards every structure is
 * whole again: X pins and maps writable in turn, G takes a writable mapping
 * once H is the GDT, R maps once restored, every port closes and a new one
 * allocates; the runner's final state checks that every frame came back.
 * Arguments: pvhv.vcpus=2 on ours (dom0_max_vcpus=2 on Xen), ms=<N>.
 */
#include "grant.h"
#include "smp.h"

const char test_name[] = "vcpu-race";

#define REF    9
#define PORTS  24
#define DATA_DESC 0x00cf93000000ffffUL           /* flat 4 GiB data segment, DPL 0 */

static uint64_t page_x[512] __aligned(PAGE_SIZE);
static uint64_t page_g[512] __aligned(PAGE_SIZE);
static uint64_t page_h[512] __aligned(PAGE_SIZE);
static uint64_t page_y[512] __aligned(PAGE_SIZE);   /* granted */
static uint64_t page_z[512] __aligned(PAGE_SIZE);   /* the other frame vCPU 1 names */
static uint64_t win0[512] __aligned(PAGE_SIZE);     /* vCPU 0's window */
static uint64_t win1[512] __aligned(PAGE_SIZE);     /* vCPU 1's window */
static uint8_t gt_va[PAGE_SIZE] __aligned(PAGE_SIZE);
static volatile grant_entry_v1_t *gt;
static uint8_t v1_stack[16384] __aligned(16);
static struct vcpu_guest_context ctx;
static domid_t self;

enum race { IDLE, PAGES, GDT, GRANTS, PORTS_RACE, STOP };
static volatile enum race race;                     /* set by vCPU 0 */
static volatile enum race v1_in;                    /* the race vCPU 1 is in */
/* [0]: vCPU 0's, [1]: vCPU 1's successes and refusals in the current race. */
static volatile unsigned long ok[2], refused[2];

static long set_window(void *win, uint64_t val)
{
    return mmu_req(virt_to_maddr(l1e_of(win)) | MMU_NORMAL_PT_UPDATE, val, DOMID_SELF);
}

static void count(unsigned int who, bool success)
{
    if (success)
        ok[who]++;
    else
        refused[who]++;
}

/* ---- vCPU 1's halves ---- */

static void v1_pages(void)
{
    bool mapped = !set_window(win1, virt_to_maddr(page_x) | PTE_RW_ACC);

    count(1, mapped);
    if (mapped)
        set_window(win1, 0);
}

static void v1_gdt(unsigned long n)
{
    unsigned long frame = virt_to_mfn(n & 1 ? page_h : page_g);

    count(1, !hc_set_gdt(&frame, 16));
}

static void v1_grants(unsigned long n)
{
    static const uint16_t flags[] = { GTF_permit_access, GTF_permit_access | GTF_readonly, 0,
                                      GTF_permit_access | GTF_sub_page, 0xffff };
    uint32_t frames[] = { (uint32_t)virt_to_mfn(page_y), (uint32_t)virt_to_mfn(page_z), 1, ~0U };

    gt[REF].frame = frames[n % 4];
    gt[REF].domid = n % 7 == 6 ? (domid_t)(self + 1) : self;
    gt[REF].flags = flags[n % 5];
    count(1, true);
}

static void v1_ports(unsigned long n)
{
    evtchn_port_t p = 2 + n % (PORTS - 2);
    struct evtchn_bind_vcpu bv = { .port = p, .vcpu = n & 1 };
    evtchn_status_t st;

    evtchn_send(p);
    evtchn_unmask_hc(p);
    count(1, !evtchn_status(DOMID_SELF, p, &st) && st.status != EVTCHNSTAT_closed);
    hc_event_channel_op(EVTCHNOP_bind_vcpu, &bv);
    if (n % 3 == 0)
        evtchn_close(p);
}

static void v1_main(void)
{
    for (unsigned long n = 0;; n++) {
        enum race r = race;

        v1_in = r;
        if (r == PAGES)
            v1_pages();
        else if (r == GDT)
            v1_gdt(n);
        else if (r == GRANTS)
            v1_grants(n);
        else if (r == PORTS_RACE)
            v1_ports(n);
        else if (r == STOP) {
            unsigned long h = virt_to_mfn(page_h);

            if (!hc_set_gdt(&h, 16))                /* G is nobody's GDT now */
                hc_vcpu_op(VCPUOP_down, 1, NULL);
        }
    }
}

/* ---- vCPU 0's halves ---- */

static void v0_pages(void)
{
    bool pinned = !mmuext1(MMUEXT_PIN_L1_TABLE, virt_to_mfn(page_x));

    count(0, pinned);
    if (pinned)
        mmuext1(MMUEXT_UNPIN_TABLE, virt_to_mfn(page_x));
}

static void v0_gdt(unsigned long n)
{
    bool mapped = !set_window(win0, virt_to_maddr(page_g) | PTE_RW_ACC);

    count(0, mapped);
    if (mapped)
        set_window(win0, 0);
    hc_update_descriptor(virt_to_maddr(page_g) + 8 * (1 + n % 15), DATA_DESC);
}

static void v0_grants(void)
{
    grant_handle_t h = 0;
    bool mapped = gnt_map(self, REF, (uint64_t)win0, GNTMAP_host_map, &h, NULL) == GNTST_okay;

    count(0, mapped);
    if (mapped) {
        win0[1] = 0x1234;                           /* writable: the frame is one of ours */
        gnt_unmap((uint64_t)win0, 0, h);
    }
}

static void v0_ports(void)
{
    evtchn_port_t p = 0, q = 0;
    bool got = !evtchn_alloc_unbound(self, &p) && !evtchn_bind_ipi(1, &q);

    count(0, got);
    if (p)
        evtchn_close(p);
    if (q)
        evtchn_close(q);
}

/* Runs race r for ms milliseconds on both vCPUs. Each must succeed at least
 * once; refuse: bit n, vCPU n must also have been refused at least once. */
static bool run_race(enum race r, const char *name, uint64_t ms, unsigned int refuse)
{
    uint64_t end;
    unsigned long n = 0;

    ok[0] = ok[1] = refused[0] = refused[1] = 0;
    race = r;
    for (end = pvclock_ns() + 2000000000UL; v1_in != r && pvclock_ns() < end;)
        barrier();
    if (!check(v1_in == r, name, "vCPU 1 never joined"))
        return false;
    for (end = pvclock_ns() + ms * 1000000UL; pvclock_ns() < end; n++) {
        if (r == PAGES)
            v0_pages();
        else if (r == GDT)
            v0_gdt(n);
        else if (r == GRANTS)
            v0_grants();
        else
            v0_ports();
    }
    race = IDLE;
    for (end = pvclock_ns() + 2000000000UL; v1_in != IDLE && pvclock_ns() < end;)
        barrier();
    info("%s: vCPU 0 %lu ok / %lu refused, vCPU 1 %lu ok / %lu refused", name, ok[0], refused[0],
         ok[1], refused[1]);
    return check(v1_in == IDLE && ok[0] && ok[1] && (!(refuse & 1) || refused[0]) &&
                 (!(refuse & 2) || refused[1]),
                 name, "vCPU 0 %lu/%lu, vCPU 1 %lu/%lu", ok[0], refused[0], ok[1], refused[1]);
}

/* ---- afterwards: every structure whole ---- */

static void pages_whole(void)
{
    check_eq(mmuext1(MMUEXT_PIN_L1_TABLE, virt_to_mfn(page_x)), 0, "X pins as an L1 (no writable ref left)");
    check_eq(mmuext1(MMUEXT_UNPIN_TABLE, virt_to_mfn(page_x)), 0, "X unpins");
    check_eq(set_window(win0, virt_to_maddr(page_x) | PTE_RW_ACC), 0, "X maps writable (no type left)");
    check_eq(set_window(win0, 0), 0, "and unmaps");
}

static void gdt_whole(void)
{
    race = STOP;                                    /* vCPU 1 loads H and downs itself */
    for (uint64_t end = pvclock_ns() + 2000000000UL;
         hc_vcpu_op(VCPUOP_is_up, 1, NULL) != 0 && pvclock_ns() < end;)
        sched_yield();
    check_eq(hc_vcpu_op(VCPUOP_is_up, 1, NULL), 0, "vCPU 1 loaded H and is down");
    check_eq(set_window(win0, virt_to_maddr(page_g) | PTE_RW_ACC), 0,
             "G maps writable again (no descriptor type left)");
    check_eq(set_window(win0, 0), 0, "and unmaps");
    check_eq(set_window(win0, virt_to_maddr(page_h) | PTE_RW_ACC), -EBUSY,
             "H, vCPU 1's GDT: no writable mapping (-EBUSY, as Xen)");
}

static void grants_whole(void)
{
    grant_handle_t h = 0;

    gt[REF].frame = (uint32_t)virt_to_mfn(page_y);
    gt[REF].domid = self;
    gt[REF].flags = GTF_permit_access;
    check_eq(gt[REF].flags & (GTF_reading | GTF_writing), 0, "R not in use after the race");
    check_eq(gnt_map(self, REF, (uint64_t)win0, GNTMAP_host_map, &h, NULL), GNTST_okay,
             "R maps once restored");
    check_eq(gnt_unmap((uint64_t)win0, 0, h), GNTST_okay, "and unmaps");
}

static void ports_whole(void)
{
    evtchn_status_t st;
    evtchn_port_t p = 0;
    unsigned int open = 0;
    long rc;

    for (evtchn_port_t q = 2; q < PORTS + 4; q++) {
        if (!evtchn_status(DOMID_SELF, q, &st) && st.status != EVTCHNSTAT_closed) {
            open++;
            evtchn_close(q);
        }
    }
    info("ports left open by the race: %u, closed", open);
    rc = evtchn_alloc_unbound(self, &p);
    check(!rc && p >= 1 && p < PORTS + 4, "a new port allocates", "rc %ld port %u", rc, p);
    check_eq(evtchn_close(p), 0, "and closes");
}

void test_main(void)
{
    uint64_t ms = (uint64_t)cmdline_int("ms", 1000);

    self = (domid_t)own_domid();
    if (!check(gnt_setup_frame0(gt_va) != 0, "grant table frame 0 mapped", "setup failed"))
        return;
    gt = (volatile grant_entry_v1_t *)gt_va;
    check_eq(make_ro(page_x), 0, "X read-only in our image (pinnable)");
    check_eq(make_ro(page_g), 0, "G read-only");
    check_eq(make_ro(page_h), 0, "H read-only");
    vcpu_context_at(&ctx, v1_main, v1_stack, sizeof(v1_stack));
    if (!check_eq(hc_vcpu_op(VCPUOP_initialise, 1, &ctx), 0, "initialise vCPU 1") ||
        !check_eq(hc_vcpu_op(VCPUOP_up, 1, NULL), 0, "up vCPU 1"))
        return;
    run_race(PAGES, "page types: pin/unpin X vs writable maps of X", ms, 3);
    pages_whole();
    run_race(PORTS_RACE, "event ports: alloc/bind/close vs send/unmask/bind_vcpu/close", ms, 0);
    ports_whole();
    run_race(GRANTS, "grant entries: map/unmap R vs rewriting R", ms, 1);
    grants_whole();
    run_race(GDT, "descriptor tables: set_gdt G/H vs writable maps and update_descriptor of G", ms, 3);
    gdt_whole();
}

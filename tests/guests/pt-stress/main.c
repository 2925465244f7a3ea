/*
 * pt-stress: build, pin, switch to (NEW_BASEPTR), unpin and free many address spaces.
 *   iters=N   (default 200) iterations; each builds a 4-level table set (L4 shares the
 *             kernel L3 of the bootstrap L4 in slot 511, plus a private L3/L2/L1 chain at
 *             PRIV_VA mapping NDATA data pages), pins it (alternately L4 only, or L1 first and
 *             then L4), switches to it, checks and writes the private mapping, rewires the
 *             private L1 with mmu_update and a plain store (writable page tables) while it is
 *             live, sets it as user base pointer and back to 0, switches back, unpins and
 *             makes the pages writable again.  Every 8th iteration keeps NSPACE address spaces
 *             pinned at once (the shared L3 then has NSPACE type references) and switches
 *             among them.
 * At the end: current_reservation unchanged, every table page writable (type back to
 * writable), data pages hold what was written through the private mappings.
 */
#include "mm.h"

const char test_name[] = "pt-stress";

#define NSPACE   4
#define NDATA    8
#define PRIV_VA  0x0000010000000000UL           /* L4 slot 2 */

struct space { uint64_t l4[512], l3[512], l2[512], l1[512]; };
static struct space sp[NSPACE] __aligned(PAGE_SIZE);
static uint64_t datap[NDATA][512] __aligned(PAGE_SIZE);
static unsigned long errors;

static void err(const char *what, long rc, unsigned long it)
{
    if (errors++ < 5)
        fail(what, "iteration %lu: rc %ld", it, rc);
}

#define TRY(expr, what, it) do { long _rc = (expr); if (_rc) { err(what, _rc, it); return false; } } while (0)

static bool build(struct space *s, unsigned long it)
{
    uint64_t *bl4 = boot_l4();

    memset(s, 0, sizeof(*s));
    for (unsigned int i = 0; i < NDATA; i++)
        s->l1[i] = virt_to_maddr(datap[i]) | PTE_RW_ACC;
    s->l2[0] = virt_to_maddr(s->l1) | PTE_RW_ACC;
    s->l3[0] = virt_to_maddr(s->l2) | PTE_RW_ACC;
    s->l4[l4_idx(PRIV_VA)] = virt_to_maddr(s->l3) | PTE_RW_ACC;
    s->l4[511] = bl4[511];
    TRY(make_ro(s->l1), "make L1 read-only", it);
    TRY(make_ro(s->l2), "make L2 read-only", it);
    TRY(make_ro(s->l3), "make L3 read-only", it);
    TRY(make_ro(s->l4), "make L4 read-only", it);
    return true;
}

static bool release(struct space *s, unsigned long it)
{
    TRY(make_rw(s->l4), "L4 writable again", it);
    TRY(make_rw(s->l3), "L3 writable again", it);
    TRY(make_rw(s->l2), "L2 writable again", it);
    TRY(make_rw(s->l1), "L1 writable again", it);
    return true;
}

static bool use(struct space *s, unsigned long it, bool rewire)
{
    volatile uint64_t *priv = (uint64_t *)PRIV_VA;
    unsigned int k = it % NDATA;

    TRY(mmuext1(MMUEXT_NEW_BASEPTR, virt_to_mfn(s->l4)), "NEW_BASEPTR(new L4)", it);
    if (priv[k * 512 + 1] != datap[k][1])
        err("read through the private mapping", (long)priv[k * 512 + 1], it);
    priv[k * 512 + 2] = it;                               /* write through it */
    if (M2P[virt_to_mfn(s->l4)] != ((unsigned long)s->l4 - VIRT_BASE) >> 12)
        err("M2P readable under the new base pointer", -1, it);
    if (rewire) {
        /* Live L1: slot NDATA via mmu_update, slot NDATA+1 via a plain store (ptwr). */
        TRY(mmu_set(&s->l1[NDATA], virt_to_maddr(datap[0]) | PTE_RO), "mmu_update live L1", it);
        s->l1[NDATA + 1] = virt_to_maddr(datap[1]) | PTE_RO;
        mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0);
        if (priv[NDATA * 512 + 3] != datap[0][3] || priv[(NDATA + 1) * 512 + 3] != datap[1][3])
            err("new entries of the live L1", -1, it);
        TRY(mmu_set(&s->l1[NDATA], 0), "clear live L1 entry", it);
        s->l1[NDATA + 1] = 0;
        TRY(mmuext1(MMUEXT_NEW_USER_BASEPTR, virt_to_mfn(s->l4)), "NEW_USER_BASEPTR(new L4)", it);
        TRY(mmuext1(MMUEXT_NEW_USER_BASEPTR, 0), "NEW_USER_BASEPTR(0)", it);
    }
    TRY(mmuext1(MMUEXT_NEW_BASEPTR, virt_to_mfn(boot_l4())), "NEW_BASEPTR(boot L4)", it);
    return datap[k][2] == it || (err("write through the private mapping", (long)datap[k][2], it), false);
}

static bool one(unsigned long it)
{
    struct space *s = &sp[it % NSPACE];
    bool l1_first = it & 1;

    if (!build(s, it))
        return false;
    if (l1_first)
        TRY(mmuext1(MMUEXT_PIN_L1_TABLE, virt_to_mfn(s->l1)), "pin L1", it);
    TRY(mmuext1(MMUEXT_PIN_L4_TABLE, virt_to_mfn(s->l4)), "pin L4", it);
    if (!use(s, it, it % 3 == 0))
        return false;
    TRY(mmuext1(MMUEXT_UNPIN_TABLE, virt_to_mfn(s->l4)), "unpin L4", it);
    if (l1_first)
        TRY(mmuext1(MMUEXT_UNPIN_TABLE, virt_to_mfn(s->l1)), "unpin L1", it);
    return release(s, it);
}

/* NSPACE address spaces pinned at once, switched round-robin. */
static bool many(unsigned long it)
{
    unsigned int n;

    for (n = 0; n < NSPACE; n++) {
        if (!build(&sp[n], it))
            break;
        if (mmuext1(MMUEXT_PIN_L4_TABLE, virt_to_mfn(sp[n].l4))) {
            err("pin L4 (several live)", -1, it);
            release(&sp[n], it);
            break;
        }
    }
    for (unsigned int r = 0; r < 2 * n; r++)
        use(&sp[r % n], it, false);
    while (n--) {
        TRY(mmuext1(MMUEXT_UNPIN_TABLE, virt_to_mfn(sp[n].l4)), "unpin L4 (several live)", it);
        if (!release(&sp[n], it))
            return false;
    }
    return true;
}

void test_main(void)
{
    unsigned long iters = (unsigned long)cmdline_int("iters", 200), it;
    long cur = reservation(XENMEM_current_reservation);
    uint64_t t0 = pvclock_ns();
    bool ok = true;

    for (unsigned int i = 0; i < NDATA; i++)
        for (unsigned int j = 0; j < 512; j++)
            datap[i][j] = 0xd0d0000000000000UL | ((uint64_t)i << 16) | j;
    for (it = 0; it < iters && ok; it++)
        ok = (it % 8 == 7) ? many(it) : one(it);
    check(ok && errors == 0, "address-space iterations", "stopped at %lu of %lu, %lu errors",
          it, iters, errors);
    info("%lu iterations in %lu ms", it, (unsigned long)((pvclock_ns() - t0) / 1000000));
    check_eq(reservation(XENMEM_current_reservation), cur, "current_reservation unchanged");
    ok = true;
    for (unsigned int n = 0; n < NSPACE; n++) {
        struct space *s = &sp[n];

        ok &= !make_rw(s->l4) && !make_rw(s->l3) && !make_rw(s->l2) && !make_rw(s->l1);
        s->l4[0] = s->l3[0] = s->l2[0] = s->l1[0] = 0x1234;      /* writable for real */
        ok &= s->l1[0] == 0x1234;
    }
    check(ok, "every former page-table page is writable again", "-");
    check_eq(mmuext1(MMUEXT_PIN_L1_TABLE, virt_to_mfn(sp[0].l1)), -EINVAL,
             "a writable former L1 cannot be pinned (type is writable)");
    ok = true;
    for (unsigned int i = 0; i < NDATA; i++)
        ok &= datap[i][1] == (0xd0d0000000000000UL | ((uint64_t)i << 16) | 1);
    check(ok, "data pages intact", "-");
    check(boot_l4()[511] != 0, "still on the bootstrap L4", "-");
}

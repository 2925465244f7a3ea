/*
 * arch/x86/pv/iomem.c with page_type.c: the privileged domain may map
 * frames that are not RAM, with cache attributes and without references,
 * except the hypervisor's MMIO; everybody else keeps -EPERM / -EINVAL.
 */
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/frame.h>
#include <asm/iomem.h>
#include <asm/layout.h>
#include <asm/page.h>
#include <asm/page_type.h>

#include "harness.h"

#define DOM0  0
#define DOMU  5
#define CACHE (_PAGE_PWT | _PAGE_PCD | _PAGE_PSE)    /* PSE is PAT in an L1 entry */
#define RW    (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER)

static struct frame_info *fi(mfn_t m) { return &hv_frames.info[m]; }
static u64 pte(mfn_t m, u64 flags) { return ((u64)m << PAGE_SHIFT) | flags; }

static mfn_t frame_of(domid_t owner)
{
    mfn_t m = frame_alloc(&hv_frames, 1, 1, owner);

    CU_ASSERT_FATAL(m != INVALID_MFN);
    memset(hv_mfn_to_virt(m), 0, PAGE_SIZE);
    return m;
}

/* A hole in the RAM map, as mm_init marks it. */
static mfn_t io_frame(void)
{
    mfn_t m = frame_of(FRAME_OWNER_RESERVED);

    fi(m)->flags |= FRAME_F_IO;
    return m;
}

static void io_frame_free(mfn_t m)
{
    fi(m)->flags = 0;
    fi(m)->owner = FRAME_OWNER_HV;                   /* frame_free refuses reserved frames */
    CU_ASSERT(frame_free(&hv_frames, m, 1) == 0);
}

static mfn_t l1_of(struct domain *d)
{
    mfn_t l1 = frame_of(d->id);

    CU_ASSERT_FATAL(page_get_and_type(l1, PGT_l1, d) == 0);
    return l1;
}

/* Maps `target` with `flags` at slot 3 of a fresh L1 of d: the result, the slot cleared after. */
static long try_map(struct domain *d, mfn_t target, u64 flags)
{
    mfn_t l1 = l1_of(d);
    long rc = pt_mod_entry(l1, 3, pte(target, flags), 1, d, false);

    page_put_and_type(l1);                           /* releases whatever the entry held */
    return rc;
}

static void test_dom0_maps_io_frames(void)
{
    struct domain *d0 = harness_domain(DOM0, 1, true);
    mfn_t io = io_frame(), l1 = l1_of(d0);

    EXPECT_EQ(pt_mod_entry(l1, 3, pte(io, RW | CACHE), 1, d0, false), 0);
    EXPECT_EQ(fi(io)->count, 0);                     /* an I/O frame takes no reference */
    EXPECT_EQ(fi(io)->type_count, 0);
    EXPECT_EQ(pt_mod_entry(l1, 4, pte(HARNESS_ARENA_PAGES + 7, RW), 1, d0, false), 0);
    EXPECT_EQ(pt_mod_entry(l1, 3, 0, 1, d0, false), 0);
    EXPECT_EQ(fi(io)->count, 0);
    page_put_and_type(l1);                           /* slot 4 (past the frame table) goes too */
    EXPECT_EQ(fi(l1)->count, 0);
    io_frame_free(io);
}

static void test_dom0_refused_hv_mmio(void)
{
    struct domain *d0 = harness_domain(DOM0, 1, true);

    EXPECT_EQ(try_map(d0, IOMEM_LAPIC_MFN, RW), -EPERM);
    EXPECT_EQ(try_map(d0, IOMEM_IOAPIC_MFN, _PAGE_PRESENT), -EPERM);
    EXPECT_EQ(iomem_map_permitted(d0, HV_TRAMPOLINE_PHYS >> PAGE_SHIFT), -EPERM);
    EXPECT_EQ(try_map(d0, PTE_ADDR_MASK >> PAGE_SHIFT, RW), -EINVAL);   /* the all-ones mfn */
}

static void test_dom0_refused_others_ram(void)
{
    struct domain *d0 = harness_domain(DOM0, 1, true);
    struct domain *du = harness_domain(DOMU, 1, false);   /* first: its frames come after */
    mfn_t other = frame_of(du->id), hv_owned = frame_of(FRAME_OWNER_HV);

    EXPECT_EQ(try_map(d0, other, RW), -EBUSY);       /* RAM of another domain: grants only */
    fi(hv_owned)->flags |= FRAME_F_IO;               /* a low frame the hypervisor allocated */
    EXPECT_EQ(try_map(d0, hv_owned, RW), -EPERM);
    fi(hv_owned)->flags &= ~FRAME_F_IO;
    frame_free(&hv_frames, hv_owned, 1);
}

static void test_domu_refused(void)
{
    struct domain *du = harness_domain(DOMU, 1, false);
    mfn_t io = io_frame(), own = frame_of(DOMU);

    EXPECT_EQ(try_map(du, io, _PAGE_PRESENT), -EPERM);
    EXPECT_EQ(try_map(du, own, RW | _PAGE_PCD), -EINVAL);
    EXPECT_EQ(try_map(du, own, RW | _PAGE_PWT), -EINVAL);
    EXPECT_EQ(try_map(du, own, RW | _PAGE_PSE), -EINVAL);
    EXPECT_EQ(try_map(du, own, RW), 0);
    EXPECT_EQ(fi(own)->count, 0);
    io_frame_free(io);
}

/*
 * Dom0 naming a domU as the page owner (privcmd's foreign mappings): the
 * domU's own frame maps, with a reference on it; an I/O frame needs the
 * domU's I/O rights (-EPERM, as Xen), RAM the domU does not own is -EBUSY.
 */
static void test_dom0_foreign_owner(void)
{
    struct domain *d0 = harness_domain(DOM0, 1, true);
    mfn_t io = io_frame(), theirs = frame_of(DOMU), mine = frame_of(DOM0), l1;

    harness_domain(DOMU, 1, false);
    l1 = l1_of(d0);
    EXPECT_EQ(pt_mod_entry_foreign(l1, 3, pte(io, _PAGE_PRESENT), 1, d0, DOMU, false), -EPERM);
    EXPECT_EQ(pt_mod_entry_foreign(l1, 3, pte(mine, _PAGE_PRESENT), 1, d0, DOMU, false), -EBUSY);
    EXPECT_EQ(pt_mod_entry_foreign(l1, 3, pte(theirs, RW), 1, d0, DOMU, false), 0);
    EXPECT_EQ(fi(theirs)->count, 1);
    EXPECT_EQ(fi(theirs)->type_count, 1);
    EXPECT_EQ(pt_mod_entry(l1, 3, 0, 1, d0, false), 0);   /* the reference on the domU's page goes */
    EXPECT_EQ(fi(theirs)->count, 0);
    EXPECT_EQ(fi(theirs)->type_count, 0);
    EXPECT_EQ(pt_mod_entry_foreign(l1, 3, pte(io, _PAGE_PRESENT), 1, d0, DOM0, false), 0);
    page_put_and_type(l1);
    frame_free(&hv_frames, theirs, 1);
    frame_free(&hv_frames, mine, 1);
    io_frame_free(io);
}

void suite_iomem(void)
{
    static const struct unit_test tests[] = {
        { "dom0_maps_io_frames", test_dom0_maps_io_frames },
        { "dom0_refused_hv_mmio", test_dom0_refused_hv_mmio },
        { "dom0_refused_others_ram", test_dom0_refused_others_ram },
        { "domu_refused", test_domu_refused },
        { "dom0_foreign_owner", test_dom0_foreign_owner },
    };

    ADD_SUITE("iomem", tests);
}

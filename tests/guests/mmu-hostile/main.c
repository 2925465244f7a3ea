/*
 * mmu-hostile: escape attempts through the PV MMU, descriptor-table, memory and grant
 * interfaces.  Each attempt is one check and must fail with the exact code real Xen 4.17
 * returns (or raise a fault the guest catches); at the end the guest checks it is intact.
 *
 * Command line (all optional):
 *   domid=<n>        own domain id when unprivileged (default 1); dom0 (SIF_PRIVILEGED) = 0
 *   victim=<domid>   a bystander domain (mmu-bystander): foreign-domain checks, and a final
 *                    notification on its event-channel port 1 (bind_interdomain, retried)
 *   victim_mfn=<mfn> a frame of the bystander (decimal or 0x-hex): targeted mapping checks
 *   sweep=1          try to map (read-only) every frame below maximum_ram_page that is not
 *                    ours; for an unprivileged domain none may succeed
 * Where dom0 and a domU differ in Xen, the expectation depends on SIF_PRIVILEGED and the
 * check name says both ("dom0 X, domU Y"); the domU value then comes from Xen's code.
 */
#include "mm.h"
#include <xen/grant_table.h>

const char test_name[] = "mmu-hostile";

#define HV_PTR    0xffff800000001000UL
#define NONCANON  0x8000000000000000UL
#define JUNK      0x0000000deadbe000UL

static uint8_t window[PAGE_SIZE] __aligned(PAGE_SIZE);     /* scratch VA for mappings */
static uint64_t pool[6][512] __aligned(PAGE_SIZE);          /* page-table candidates */
static uint64_t data[512] __aligned(PAGE_SIZE);             /* pattern page */
static uint8_t edge[2][PAGE_SIZE] __aligned(PAGE_SIZE);     /* edge[1] made not-present */
static uint64_t *l4, *l3, *l2, *l1;                         /* bootstrap chain of `window` */
static unsigned long l4_mfn, l3_mfn, l2_mfn, l1_mfn;
static unsigned long hv_mfn, m2p_mfn, victim_mfn;
static unsigned int self_id, victim;
static bool priv;
static unsigned int l2_free = 512;                          /* free bootstrap L2 slot */

static void expect(const char *what, long got, long want)
{
    check(got == want, what, "rc %ld, want %ld", got, want);
}

static uint64_t mfn_pte(unsigned long mfn, uint64_t flags)
{
    return ((uint64_t)mfn << 12) | flags;
}

/* update_va_mapping of the window; restores the window's own writable mapping on success. */
static long uvm_window(uint64_t pte)
{
    long rc = hc_update_va_mapping((unsigned long)window, pte, UVMF_INVLPG | UVMF_LOCAL);

    if (rc == 0 && make_rw(window))
        panic("cannot restore the window mapping");
    return rc;
}

/* The same through mmu_update on the window's L1 entry. */
static long mmu_window(uint64_t pte, unsigned int fdom)
{
    long rc = mmu_req(virt_to_maddr(&l1[l1_idx((unsigned long)window)]), pte, fdom);

    if (rc == 0 && make_rw(window))
        panic("cannot restore the window mapping");
    return rc;
}

static void setup(void)
{
    struct xen_machphys_mfn_list ml;
    xen_pfn_t m2p[2] = { 0 };
    unsigned long va = (unsigned long)window;

    priv = is_priv();
    self_id = own_domid();
    victim = (unsigned int)cmdline_ulong("victim", 0);
    victim_mfn = cmdline_ulong("victim_mfn", 0);
    l4 = boot_l4();
    l3 = table_va(l4[l4_idx(va)]);
    l2 = table_va(l3[l3_idx(va)]);
    l1 = table_va(l2[l2_idx(va)]);
    l4_mfn = virt_to_mfn(l4);
    l3_mfn = l4[l4_idx(va)] >> 12 & 0xffffffffffUL;
    l2_mfn = l3[l3_idx(va)] >> 12 & 0xffffffffffUL;
    l1_mfn = l2[l2_idx(va)] >> 12 & 0xffffffffffUL;
    for (unsigned int i = l2_idx(va); i < 511; i++) {
        if (!(l2[i] & PTE_P)) {
            l2_free = i;
            break;
        }
    }
    hv_mfn = (l4[256] & PTE_P) ? (l4[256] & PTE_ADDR) >> 12 : 0;
    ml.max_extents = 2;
    set_xen_guest_handle(ml.extent_start, m2p);
    if (hc_memory_op(XENMEM_machphys_mfn_list, &ml) >= 0 && ml.max_extents > 0)
        m2p_mfn = m2p[0];
    for (unsigned int i = 0; i < 512; i++)
        data[i] = 0x5a5a000000000000UL | i;
    check(hv_mfn != 0, "L4 slot 256 (M2P) present in the guest L4", "slot 256 = %#lx", l4[256]);
    check(m2p_mfn != 0, "XENMEM_machphys_mfn_list gives an M2P frame", "-");
    check(l2_free < 511, "free bootstrap L2 slot", "none");
    info("priv=%d self=%u victim=%u victim_mfn=%#lx l4=%#lx l3=%#lx l2=%#lx l1=%#lx hv=%#lx m2p=%#lx",
         priv, self_id, victim, victim_mfn, l4_mfn, l3_mfn, l2_mfn, l1_mfn, hv_mfn, m2p_mfn);
}

/* A: writable mappings of our own page tables. */
static void own_tables(void)
{
    expect("mmu_update: writable mapping of own L1 = -EBUSY",
           mmu_window(mfn_pte(l1_mfn, PTE_RW_ACC), DOMID_SELF), -EBUSY);
    expect("update_va_mapping: writable mapping of own L1 = -EBUSY",
           uvm_window(mfn_pte(l1_mfn, PTE_RW_ACC)), -EBUSY);
    expect("update_va_mapping: writable mapping of own L2 = -EBUSY",
           uvm_window(mfn_pte(l2_mfn, PTE_RW_ACC)), -EBUSY);
    expect("mmu_update: writable mapping of own L3 = -EBUSY",
           mmu_window(mfn_pte(l3_mfn, PTE_RW_ACC), DOMID_SELF), -EBUSY);
    expect("update_va_mapping: writable mapping of own L4 (cr3) = -EBUSY",
           uvm_window(mfn_pte(l4_mfn, PTE_RW_ACC)), -EBUSY);
    expect("mmu_update PRESERVE_AD: writable mapping of own L4 = -EBUSY",
           mmu_req(virt_to_maddr(&l1[l1_idx((unsigned long)window)]) | MMU_PT_UPDATE_PRESERVE_AD,
                   mfn_pte(l4_mfn, PTE_RW_ACC), DOMID_SELF), -EBUSY);
    /* Positive control: a read-only alias of the L4 is fine and shows the L4. */
    if (check_eq(hc_update_va_mapping((unsigned long)window, mfn_pte(l4_mfn, PTE_RO),
                                      UVMF_INVLPG | UVMF_LOCAL), 0,
                 "read-only alias of own L4 = 0 (control)")) {
        check(((uint64_t *)window)[511] == l4[511], "read-only alias reads the L4", "-");
        check_eq(make_rw(window), 0, "window writable again");
    }
}

/* B: reserved / forbidden PTE bits. */
static void bad_bits(void)
{
    uint64_t data_pte = virt_to_maddr(data) | PTE_RW_ACC;

    expect("XSA-148: L2 superpage entry (PSE) = -EINVAL",
           mmu_set(&l2[l2_free], (virt_to_maddr(data) & ~0x1fffffUL) | PTE_RW_ACC | PTE_PSE),
           -EINVAL);
    expect("L3 1GiB superpage entry (PSE) = -EINVAL",
           mmu_set(&l3[100], PTE_RW_ACC | PTE_PSE), -EINVAL);
    expect("L4 entry with PSE (reserved bit) = -EINVAL",
           mmu_set(&l4[300], virt_to_maddr(pool[0]) | PTE_RW_ACC | PTE_PSE), -EINVAL);
    expect("L2 entry with the global bit = -EINVAL",
           mmu_set(&l2[l2_free], virt_to_maddr(pool[0]) | PTE_RW_ACC | PTE_G), -EINVAL);
    /* Debug Xen builds reserve bit 62 for grant mappings; release builds (4.17.7) accept it. */
    expect("L1 entry with bit 62 (an available bit in release Xen) = 0",
           uvm_window(data_pte | (1UL << 62)), 0);
    expect(priv ? "L1 entry with PCD|PWT on own RAM (dom0 0, domU -EINVAL): 0"
                : "L1 entry with PCD|PWT on own RAM (dom0 0, domU -EINVAL): -EINVAL",
           uvm_window(virt_to_maddr(window) | PTE_RW_ACC | PTE_PCD | PTE_PWT), priv ? 0 : -EINVAL);
}

/* C: level confusion and linear (recursive) page tables. */
static void linear(void)
{
    long rc;

    expect("L2 entry pointing at a writable data page = -EINVAL",
           mmu_set(&l2[l2_free], virt_to_maddr(data) | PTE_RW_ACC), -EINVAL);
    expect("L3 entry pointing at the L4 (level confusion) = -EINVAL",
           mmu_set(&l3[100], mfn_pte(l4_mfn, PTE_RO)), -EINVAL);
    expect("L2 entry pointing at the L3 (level confusion) = -EINVAL",
           mmu_set(&l2[l2_free], mfn_pte(l3_mfn, PTE_RO)), -EINVAL);
    expect("XSA-240: writable linear L2 self-map = -EINVAL",
           mmu_set(&l2[l2_free], mfn_pte(l2_mfn, PTE_RW_ACC)), -EINVAL);
    /* XSA-182: a read-only self-map (Xen allows linear page tables) must not become writable
     * through the "only A/D/RW changed" fast path. */
    rc = mmu_set(&l4[300], mfn_pte(l4_mfn, PTE_RO));
    info("read-only L4 self-map (linear page table) = %ld (Xen 4.17: 0)", rc);
    expect("XSA-182: fast-path L4 update making a writable self-map = -EINVAL",
           mmu_set(&l4[300], mfn_pte(l4_mfn, PTE_RW_ACC)), -EINVAL);
    if (rc == 0) {
        uint64_t v = 0;
        volatile uint64_t *self = (uint64_t *)(0xffff000000000000UL | (300UL << 39) |
                                               (300UL << 30) | (300UL << 21) | (300UL << 12));

        check(try_read64(&self[511], &v) && v == l4[511],
              "read-only self-map reads the L4 through itself", "v %#lx", v);
        check(!try_write64(&self[300], 0), "store through the read-only self-map faults", "-");
        check(l4[300] == (mfn_pte(l4_mfn, PTE_RO) | (l4[300] & (PTE_US | PTE_A))),
              "L4 slot 300 still the read-only self-map", "%#lx", l4[300]);
    }
    expect("clear L4 slot 300 = 0", mmu_set(&l4[300], 0), 0);
}

/* D: the hypervisor's L4 slots 256-271. */
static void xen_slots(void)
{
    uint64_t *n = pool[5];
    bool ok = true;

    expect("L4 slot 256 (Xen M2P) overwrite = -EINVAL",
           mmu_set(&l4[256], virt_to_maddr(pool[0]) | PTE_RW_ACC), -EINVAL);
    expect("L4 slot 271 (last Xen slot) clear = -EINVAL", mmu_set(&l4[271], 0), -EINVAL);
    expect("L4 slot 260 point at own L3 = -EINVAL",
           mmu_set(&l4[260], mfn_pte(l3_mfn, PTE_RW_ACC)), -EINVAL);
    /* Junk in the Xen slots of a new L4 is ignored: pinning replaces it. */
    memset(n, 0, PAGE_SIZE);
    n[511] = l4[511];
    for (unsigned int i = 256; i < 272; i++)
        n[i] = JUNK | PTE_RW_ACC;
    make_ro(n);
    if (check_eq(mmuext1(MMUEXT_PIN_L4_TABLE, virt_to_mfn(n)), 0,
                 "pin an L4 with junk in slots 256-271 = 0")) {
        for (unsigned int i = 256; i < 272; i++)
            ok &= (n[i] & PTE_ADDR) != JUNK;
        check(ok, "junk in Xen slots replaced on pin", "-");
        /* Xen 4.17 leaves the RO M2P slot empty until the L4 becomes a kernel base pointer. */
        info("pinned L4 slot 256 = %#lx (Xen 4.17: 0), boot L4 slot 256 = %#lx", n[256], l4[256]);
        check_eq(mmuext1(MMUEXT_UNPIN_TABLE, virt_to_mfn(n)), 0, "unpin it");
    }
    check_eq(make_rw(n), 0, "its page writable again");
}

/* E: frames that are not ours. */
static void foreign_frames(void)
{
    if (hv_mfn) {
        expect("map a hypervisor page-table frame (L4 slot 256) read-only = -EBUSY",
               uvm_window(mfn_pte(hv_mfn, PTE_RO)), -EBUSY);
        expect("MACHPHYS_UPDATE of a hypervisor frame = -EINVAL",
               mmu_req(((uint64_t)hv_mfn << 12) | MMU_MACHPHYS_UPDATE, 0, DOMID_SELF), -EINVAL);
        expect("mmu_update with ptr in a hypervisor frame = -EINVAL",
               mmu_req((uint64_t)hv_mfn << 12, 0, DOMID_SELF), -EINVAL);
        expect("pin a hypervisor frame as L4 = -EINVAL",
               mmuext1(MMUEXT_PIN_L4_TABLE, hv_mfn), -EINVAL);
        expect("unpin a hypervisor frame = -EINVAL", mmuext1(MMUEXT_UNPIN_TABLE, hv_mfn), -EINVAL);
        expect("NEW_BASEPTR to a hypervisor frame = -EINVAL",
               mmuext1(MMUEXT_NEW_BASEPTR, hv_mfn), -EINVAL);
        expect("COPY_PAGE from a hypervisor frame = -EINVAL",
               mmuext2(MMUEXT_COPY_PAGE, virt_to_mfn(window), hv_mfn), -EINVAL);
        expect("update_descriptor into a hypervisor frame = -EINVAL",
               hc_update_descriptor((uint64_t)hv_mfn << 12, 0), -EINVAL);
    }
    if (m2p_mfn) {
        expect("map an M2P frame writable = -EBUSY", uvm_window(mfn_pte(m2p_mfn, PTE_RW_ACC)),
               -EBUSY);
        expect("map an M2P frame read-only (without DOMID_XEN) = -EBUSY",
               mmu_window(mfn_pte(m2p_mfn, PTE_RO), DOMID_SELF), -EBUSY);
    }
    expect("map the local APIC MMIO frame 0xfee00 = -EPERM",
           uvm_window(mfn_pte(0xfee00, PTE_RW_ACC)), -EPERM);
    expect("map an mfn beyond the physical address width = -EPERM",
           uvm_window(mfn_pte(0xfffffffffeUL, PTE_RO)), -EPERM);
    expect("map mfn 0xffffffffff (INVALID_MFN) = -EINVAL",
           uvm_window(mfn_pte(0xffffffffffUL, PTE_RO)), -EINVAL);
    expect(priv ? "map frame 0 (low 1MiB, DOMID_IO) (dom0 0, domU -EPERM): 0"
                : "map frame 0 (low 1MiB, DOMID_IO) (dom0 0, domU -EPERM): -EPERM",
           uvm_window(mfn_pte(0, PTE_RO)), priv ? 0 : -EPERM);
    if (victim_mfn) {
        expect("map the bystander's frame writable = -EBUSY",
               uvm_window(mfn_pte(victim_mfn, PTE_RW_ACC)), -EBUSY);
        expect("map the bystander's frame read-only = -EBUSY",
               mmu_window(mfn_pte(victim_mfn, PTE_RO), DOMID_SELF), -EBUSY);
        expect("MACHPHYS_UPDATE of the bystander's frame = -EINVAL",
               mmu_req(((uint64_t)victim_mfn << 12) | MMU_MACHPHYS_UPDATE, 0, DOMID_SELF), -EINVAL);
        expect("mmu_update with ptr in the bystander's frame = -EINVAL",
               mmu_req((uint64_t)victim_mfn << 12, 0, DOMID_SELF), -EINVAL);
        expect("pin the bystander's frame as L1 = -EINVAL",
               mmuext1(MMUEXT_PIN_L1_TABLE, victim_mfn), -EINVAL);
        expect("CLEAR_PAGE of the bystander's frame = -EINVAL",
               mmuext1(MMUEXT_CLEAR_PAGE, victim_mfn), -EINVAL);
    } else {
        info("no victim_mfn= given: bystander frame checks skipped");
    }
}

/* F: foreign domain ids. */
static void foreign_ids(void)
{
    uint64_t ptr = virt_to_maddr(&l1[l1_idx((unsigned long)window)]);
    /* Not the window's own frame: an unchanged entry would take Xen's no-revalidation path. */
    uint64_t own = virt_to_maddr(data) | PTE_RW_ACC;

    expect("mmu_update foreigndom = own domid = -ESRCH", mmu_req(ptr, own, self_id), -ESRCH);
    expect("mmu_update foreigndom = no such domain = -ESRCH", mmu_req(ptr, own, 0x3000), -ESRCH);
    expect("mmu_update page-table owner = no such domain = -ESRCH",
           mmu_req(ptr, own, (0x3001u << 16) | DOMID_SELF), -ESRCH);
    expect(priv ? "XSA-109: mmu_update foreigndom = DOMID_XEN (dom0 -EBUSY, domU -EPERM): -EBUSY"
                : "XSA-109: mmu_update foreigndom = DOMID_XEN (dom0 -EBUSY, domU -EPERM): -EPERM",
           mmu_window(own, DOMID_XEN), priv ? -EBUSY : -EPERM);
    expect("mmu_update foreigndom = DOMID_IO mapping own RAM = -EBUSY",
           mmu_window(own, DOMID_IO), -EBUSY);
    expect("mmuext_op foreigndom = own domid = -ESRCH",
           mmuext_dom(MMUEXT_TLB_FLUSH_LOCAL, 0, 0, self_id), -ESRCH);
    expect("mmuext_op foreigndom = no such domain = -ESRCH",
           mmuext_dom(MMUEXT_TLB_FLUSH_LOCAL, 0, 0, 0x3000), -ESRCH);
    expect("update_va_mapping_otherdomain(no such domain) = -ESRCH",
           HC4(__HYPERVISOR_update_va_mapping_otherdomain, window, own, UVMF_INVLPG, 0x3000),
           -ESRCH);
    expect("update_va_mapping_otherdomain(own domid) = -ESRCH",
           HC4(__HYPERVISOR_update_va_mapping_otherdomain, window, own, UVMF_INVLPG, self_id),
           -ESRCH);
    if (victim && !priv) {
        expect("mmu_update foreigndom = bystander (unprivileged) = -EPERM",
               mmu_req(ptr, own, victim), -EPERM);
        expect("mmu_update page-table owner = bystander = -EPERM",
               mmu_req(ptr, own, ((victim + 1) << 16) | DOMID_SELF), -EPERM);
        expect("mmuext_op foreigndom = bystander = -EPERM",
               mmuext_dom(MMUEXT_PIN_L1_TABLE, victim_mfn, 0, victim), -EPERM);
        expect("update_va_mapping_otherdomain(bystander) = -EPERM",
               HC4(__HYPERVISOR_update_va_mapping_otherdomain, window, own, UVMF_INVLPG, victim),
               -EPERM);
        expect("MACHPHYS_UPDATE with page-table owner = bystander = -EPERM",
               mmu_req(virt_to_maddr(window) | MMU_MACHPHYS_UPDATE, 0, ((victim + 1) << 16) | DOMID_SELF),
               -EPERM);
    }
}

/* G: malformed requests. */
static void malformed(void)
{
    struct mmu_update *u = (void *)(edge[1] - sizeof(*u));
    unsigned int done = 99;
    uint64_t ptr = virt_to_maddr(&l1[l1_idx((unsigned long)window)]);

    expect("mmu_update command 5 (ptr & 7) = -ENOSYS", mmu_req(ptr | 5, 0, DOMID_SELF), -ENOSYS);
    expect("mmu_update command 7 = -ENOSYS", mmu_req(ptr | 7, 0, DOMID_SELF), -ENOSYS);
    u->ptr = ptr | MMU_NORMAL_PT_UPDATE;
    u->val = virt_to_maddr(window) | PTE_RW_ACC;
    expect("mmu_update with the 2nd request on an unmapped page = -EFAULT",
           hc_mmu_update(u, 2, &done, DOMID_SELF), -EFAULT);
    check(done == 1, "... and done = 1", "done %u", done);
    expect("mmu_update(requests in the hypervisor, done pointer in the hypervisor) = -EFAULT",
           hc_mmu_update((void *)HV_PTR, 1, (void *)HV_PTR, DOMID_SELF), -EFAULT);
    expect("mmuext_op unknown cmd 99 = -ENOSYS", mmuext1(99, 0), -ENOSYS);
    expect("XSA-167: MMUEXT_MARK_SUPER = -EOPNOTSUPP",
           mmuext1(MMUEXT_MARK_SUPER, virt_to_mfn(data)), -EOPNOTSUPP);
    expect("MMUEXT_UNMARK_SUPER = -EOPNOTSUPP",
           mmuext1(MMUEXT_UNMARK_SUPER, virt_to_mfn(data)), -EOPNOTSUPP);
    expect("TLB_FLUSH_MULTI with a hypervisor vcpumask pointer = -EINVAL",
           mmuext2(MMUEXT_TLB_FLUSH_MULTI, 0, HV_PTR), -EINVAL);
    expect("update_va_mapping at a non-canonical address = -EINVAL",
           hc_update_va_mapping(NONCANON, 0, UVMF_INVLPG), -EINVAL);
    expect("update_va_mapping where no L1 exists = -EINVAL",
           hc_update_va_mapping(0x0000400000000000UL, virt_to_maddr(data) | PTE_RW_ACC, 0), -EINVAL);
    expect("update_va_mapping with a hypervisor vcpumask pointer = -EFAULT (entry written)",
           hc_update_va_mapping((unsigned long)window, virt_to_maddr(window) | PTE_RW_ACC,
                                HV_PTR | UVMF_INVLPG), -EFAULT);
}

/* H: pinning, unpinning and base pointers. */
static void pinning(void)
{
    uint64_t *a = pool[0], *b = pool[1], *c = pool[2];

    expect("pin L2 of a writable-mapped page = -EINVAL",
           mmuext1(MMUEXT_PIN_L2_TABLE, virt_to_mfn(a)), -EINVAL);
    expect("NEW_BASEPTR to a writable data page = -EINVAL",
           mmuext1(MMUEXT_NEW_BASEPTR, virt_to_mfn(data)), -EINVAL);
    expect("NEW_USER_BASEPTR to a writable data page = -EINVAL",
           mmuext1(MMUEXT_NEW_USER_BASEPTR, virt_to_mfn(data)), -EINVAL);
    /* An L2 whose entry points at a writable page. */
    memset(b, 0, PAGE_SIZE);
    b[0] = virt_to_maddr(data) | PTE_RW_ACC;
    make_ro(b);
    expect("pin an L2 whose entry points at a writable page = -EINVAL",
           mmuext1(MMUEXT_PIN_L2_TABLE, virt_to_mfn(b)), -EINVAL);
    check_eq(make_rw(b), 0, "failed-validation page can be writable again");
    /* An L1 mapping a pinned L1 writable. */
    memset(a, 0, PAGE_SIZE);
    memset(b, 0, PAGE_SIZE);
    b[0] = virt_to_maddr(a) | PTE_RW_ACC;
    make_ro(a);
    make_ro(b);
    if (check_eq(mmuext1(MMUEXT_PIN_L1_TABLE, virt_to_mfn(a)), 0, "pin an empty L1 (control)")) {
        expect("pin an L1 mapping a pinned L1 writable = -EBUSY",
               mmuext1(MMUEXT_PIN_L1_TABLE, virt_to_mfn(b)), -EBUSY);
        expect("pin an already pinned table = -EINVAL",
               mmuext1(MMUEXT_PIN_L1_TABLE, virt_to_mfn(a)), -EINVAL);
        expect("pin a pinned L1 as L2 = -EINVAL", mmuext1(MMUEXT_PIN_L2_TABLE, virt_to_mfn(a)),
               -EINVAL);
        expect("NEW_BASEPTR to a pinned L1 = -EINVAL", mmuext1(MMUEXT_NEW_BASEPTR, virt_to_mfn(a)),
               -EINVAL);
        expect("CLEAR_PAGE of a page-table page = -EINVAL",
               mmuext1(MMUEXT_CLEAR_PAGE, virt_to_mfn(a)), -EINVAL);
        expect("COPY_PAGE into a page-table page = -EINVAL",
               mmuext2(MMUEXT_COPY_PAGE, virt_to_mfn(a), virt_to_mfn(data)), -EINVAL);
        expect("update_descriptor into a page-table page = -EINVAL",
               hc_update_descriptor(virt_to_maddr(a), 0), -EINVAL);
        expect("set_gdt with a page-table frame = -EINVAL",
               hc_set_gdt((unsigned long[]){ virt_to_mfn(a) }, 16), -EINVAL);
        check_eq(mmuext1(MMUEXT_UNPIN_TABLE, virt_to_mfn(a)), 0, "unpin it");
    }
    expect("unpin a table that is not pinned = -EINVAL",
           mmuext1(MMUEXT_UNPIN_TABLE, virt_to_mfn(a)), -EINVAL);
    expect("unpin a plain data page = -EINVAL", mmuext1(MMUEXT_UNPIN_TABLE, virt_to_mfn(data)),
           -EINVAL);
    check_eq(make_rw(a), 0, "unpinned page writable again");
    check_eq(make_rw(b), 0, "second page writable again");
    /* The L4 in use as cr3: unpinning only drops the pin, the table stays typed. */
    (void)c;
    if (check_eq(mmuext1(MMUEXT_UNPIN_TABLE, l4_mfn), 0, "unpin the L4 in use as cr3 = 0 (as Xen)")) {
        expect("... it still cannot be mapped writable = -EBUSY",
               uvm_window(mfn_pte(l4_mfn, PTE_RW_ACC)), -EBUSY);
        check_eq(mmuext1(MMUEXT_PIN_L4_TABLE, l4_mfn), 0, "... re-pin it = 0");
    }
}

/* I: descriptor tables. */
static void descriptors(void)
{
    uint64_t *g = pool[3];
    unsigned long frame = virt_to_mfn(g);
    uint64_t tss = 0x00008900000000ffUL;                 /* present 64-bit TSS, DPL0 */
    uint64_t gate = 0x0000ec000000e008UL | (0xe008UL << 16);   /* call gate to Xen's CS */

    expect("SET_LDT at a misaligned address = -EINVAL",
           mmuext2(MMUEXT_SET_LDT, (unsigned long)data + 8, 1), -EINVAL);
    expect("SET_LDT with 8193 entries = -EINVAL",
           mmuext2(MMUEXT_SET_LDT, (unsigned long)data, 8193), -EINVAL);
    expect("SET_LDT in the hypervisor hole = -EINVAL", mmuext2(MMUEXT_SET_LDT, HV_PTR, 16), -EINVAL);
    expect("SET_LDT at a non-canonical address = -EINVAL",
           mmuext2(MMUEXT_SET_LDT, NONCANON, 16), -EINVAL);
    memset(g, 0, PAGE_SIZE);
    expect("set_gdt with a writable-mapped frame = -EINVAL", hc_set_gdt(&frame, 16), -EINVAL);
    expect("set_gdt with 14*512+1 entries (into Xen's) = -EINVAL", hc_set_gdt(&frame, 7169), -EINVAL);
    expect("set_gdt with a hypervisor frame list pointer = -EFAULT",
           hc_set_gdt((void *)HV_PTR, 16), -EFAULT);
    expect("update_descriptor: 64-bit TSS (system descriptor) = -EINVAL",
           hc_update_descriptor(virt_to_maddr(g) + 16, tss), -EINVAL);
    expect("update_descriptor: call gate to the hypervisor's CS = -EINVAL",
           hc_update_descriptor(virt_to_maddr(g) + 16, gate), -EINVAL);
    expect("update_descriptor: misaligned address = -EINVAL",
           hc_update_descriptor(virt_to_maddr(g) + 4, 0), -EINVAL);
    check(g[2] == 0 && g[0] == 0, "descriptor page untouched", "%#lx", g[2]);
}

/* K: writable-pagetable emulation and TLB. */
static void emulation(void)
{
    volatile uint64_t *e = &l1[l1_idx((unsigned long)window)];
    uint64_t before = *e, v = 0, r;
    uint64_t *t = pool[4];
    volatile uint64_t *va = (uint64_t *)(VIRT_BASE + ((uint64_t)l2_free << 21));

    check(!try_write64(e, mfn_pte(l1_mfn, PTE_RW_ACC)),
          "ptwr: store of a writable self-mapping into the RO L1 = #PF", "no fault");
    check(*e == before, "... the L1 entry is unchanged", "%#lx", *e);
    check(!try_write64(e, mfn_pte(0xfee00, PTE_RW_ACC)),
          "ptwr: store mapping the local APIC into the RO L1 = #PF", "no fault");
    r = mfn_pte(0xfee00, PTE_RW_ACC);
    check(!try_xchg64(e, &r), "ptwr: xchg mapping the local APIC into the RO L1 = #PF", "no fault");
    check(r == mfn_pte(0xfee00, PTE_RW_ACC), "... the refused xchg left its register alone",
          "r %#lx", r);
    check(*e == before, "... and the L1 entry", "%#lx", *e);
    check(!try_write64(&l2[l2_free], virt_to_maddr(data) | PTE_RW_ACC),
          "store into the read-only L2 = #PF (no emulation above L1)", "no fault");
    check(!try_write64(&l4[300], mfn_pte(l4_mfn, PTE_RW_ACC)),
          "store into the read-only L4 = #PF", "no fault");
    /* XSA-286 style: an L2 entry removed through mmu_update must not leave a usable TLB entry. */
    memset(t, 0, PAGE_SIZE);
    t[0] = virt_to_maddr(data) | PTE_RW_ACC;
    make_ro(t);
    if (check_eq(mmu_set(&l2[l2_free], virt_to_maddr(t) | PTE_RW_ACC), 0, "hook a new L1 (control)")) {
        check(try_read64(&va[3], &v) && v == data[3], "read through it", "v %#lx", v);
        check_eq(mmu_set(&l2[l2_free], 0), 0, "unhook it with mmu_update");
        check(!try_read64(&va[3], &v), "XSA-286: the old VA faults after the L2 entry is removed",
              "read %#lx", v);
    }
    check_eq(make_rw(t), 0, "unhooked L1 writable again");
}

/* Populate max - cur + 1 pages: only max - cur may come back; hand those back. */
static void populate_beyond_max(long cur, long max)
{
    static xen_pfn_t got[17];
    struct xen_memory_reservation r = { .extent_order = 0, .domid = DOMID_SELF };
    long n = max - cur + 1, rc;

    if (n < 1 || n > 16) {
        info("max - current = %ld: populate-beyond-max check skipped", n - 1);
        return;
    }
    for (long i = 0; i < n; i++)
        got[i] = start_info->nr_pages + i;            /* gpfns: ignored for PV */
    r.nr_extents = n;
    set_xen_guest_handle(r.extent_start, got);
    rc = hc_memory_op(XENMEM_populate_physmap, &r);
    expect("populate_physmap of max - current + 1 pages stops at max_pages", rc, n - 1);
    if (rc > 0) {
        r.nr_extents = rc;
        expect("... and the extra pages go back", hc_memory_op(XENMEM_decrease_reservation, &r), rc);
    }
}

/* L: memory_op. */
static void memory(void)
{
    xen_pfn_t frames[4] = { hv_mfn, victim_mfn ? victim_mfn : hv_mfn };
    struct xen_memory_reservation r = { .nr_extents = 1, .extent_order = 0, .domid = DOMID_SELF };
    struct xen_memory_exchange x;
    long cur = reservation(XENMEM_current_reservation), max = reservation(XENMEM_maximum_reservation);

    info("current_reservation %ld maximum_reservation %ld", cur, max);
    set_xen_guest_handle(r.extent_start, frames);
    if (hv_mfn)
        expect("decrease_reservation of a hypervisor frame = 0 extents",
               hc_memory_op(XENMEM_decrease_reservation, &r), 0);
    if (victim_mfn) {
        set_xen_guest_handle(r.extent_start, &frames[1]);
        expect("decrease_reservation of the bystander's frame = 0 extents",
               hc_memory_op(XENMEM_decrease_reservation, &r), 0);
    }
    r.domid = 0x3000;
    expect("decrease_reservation for no such domain = 0 extents",
           hc_memory_op(XENMEM_decrease_reservation, &r), 0);
    r.domid = DOMID_SELF;
    set_xen_guest_handle(r.extent_start, (xen_pfn_t *)HV_PTR);
    expect("populate_physmap with an extent array in the hypervisor = 0 extents",
           hc_memory_op(XENMEM_populate_physmap, &r), 0);
    populate_beyond_max(cur, max);
    memset(&x, 0, sizeof(x));
    x.in.nr_extents = 1;
    set_xen_guest_handle(x.in.extent_start, frames);
    x.out.nr_extents = 1;
    set_xen_guest_handle(x.out.extent_start, (xen_pfn_t *)HV_PTR);
    x.in.domid = x.out.domid = DOMID_SELF;
    expect("XSA-212: XENMEM_exchange with the output array in the hypervisor = -EFAULT",
           hc_memory_op(XENMEM_exchange, &x), -EFAULT);
    check(cur == reservation(XENMEM_current_reservation), "current_reservation unchanged", "-");
}

/* M: grant table. */
static void grants(void)
{
    struct gnttab_map_grant_ref m = { .host_addr = (unsigned long)window,
                                      .flags = GNTMAP_host_map, .ref = 100000, .dom = self_id };
    struct gnttab_copy cp;
    struct gnttab_setup_table st = { .dom = 0x3000, .nr_frames = 1 };
    xen_pfn_t f[1];

    expect("grant map: hypercall returns 0", hc_grant_table_op(GNTTABOP_map_grant_ref, &m, 1), 0);
    expect("grant map of ref 100000 (beyond the table) = GNTST_bad_gntref", m.status, GNTST_bad_gntref);
    m.ref = 8;
    m.dom = 0x3000;
    hc_grant_table_op(GNTTABOP_map_grant_ref, &m, 1);
    expect("grant map from a nonexistent domain = GNTST_bad_domain", m.status, GNTST_bad_domain);
    m.dom = self_id;
    m.ref = 8;
    hc_grant_table_op(GNTTABOP_map_grant_ref, &m, 1);
    expect("grant map of an unused own ref = GNTST_general_error", m.status, GNTST_general_error);
    expect("grant_table_op with a hypervisor pointer = -EFAULT",
           hc_grant_table_op(GNTTABOP_map_grant_ref, (void *)HV_PTR, 1), -EFAULT);
    memset(&cp, 0, sizeof(cp));
    cp.source.u.gmfn = hv_mfn;
    cp.source.domid = DOMID_SELF;
    cp.dest.u.gmfn = virt_to_mfn(window);
    cp.dest.domid = DOMID_SELF;
    cp.len = 8;
    hc_grant_table_op(GNTTABOP_copy, &cp, 1);
    expect("grant copy from a hypervisor frame = GNTST_bad_page", cp.status, GNTST_bad_page);
    cp.source.u.gmfn = virt_to_mfn(data);
    cp.dest.u.gmfn = l1_mfn;
    hc_grant_table_op(GNTTABOP_copy, &cp, 1);
    expect("grant copy into own L1 page-table page = GNTST_general_error", cp.status,
           GNTST_general_error);
    cp.dest.u.gmfn = virt_to_mfn(window);
    cp.dest.offset = 4092;
    hc_grant_table_op(GNTTABOP_copy, &cp, 1);
    expect("grant copy crossing a page boundary = GNTST_bad_copy_arg", cp.status, GNTST_bad_copy_arg);
    set_xen_guest_handle(st.frame_list, f);
    hc_grant_table_op(GNTTABOP_setup_table, &st, 1);
    expect("setup_table for a nonexistent domain = GNTST_bad_domain", st.status, GNTST_bad_domain);
}

static bool in_list(const xen_pfn_t *l, unsigned int n, unsigned long mfn)
{
    for (unsigned int i = 0; i < n; i++)
        if (l[i] == mfn)
            return true;
    return false;
}

static void sweep(void)
{
    long maxpage = hc_memory_op(XENMEM_maximum_ram_page, NULL);
    unsigned long si = start_info->shared_info >> 12, ok = 0, first = ~0UL;
    const unsigned long *p2m = (const unsigned long *)start_info->mfn_list;
    struct gnttab_query_size q = { .dom = DOMID_SELF };
    struct gnttab_setup_table st = { .dom = DOMID_SELF };
    static xen_pfn_t gnt[64];

    /* Our grant-table frames are ours too (shared by the hypervisor), outside the p2m. */
    if (hc_grant_table_op(GNTTABOP_query_size, &q, 1) == 0 && q.status == GNTST_okay) {
        st.nr_frames = q.nr_frames < 64 ? q.nr_frames : 64;
        set_xen_guest_handle(st.frame_list, gnt);
        if (hc_grant_table_op(GNTTABOP_setup_table, &st, 1) || st.status != GNTST_okay)
            st.nr_frames = 0;
    }

    if (!check(maxpage > 0, "maximum_ram_page", "rc %ld", maxpage))
        return;
    for (unsigned long mfn = 0; mfn < (unsigned long)maxpage; mfn++) {
        unsigned long pfn = M2P[mfn];

        if (mfn == si || (pfn < start_info->nr_pages && p2m[pfn] == mfn) ||
            in_list(gnt, st.nr_frames, mfn))
            continue;
        if (mmu_window(mfn_pte(mfn, PTE_RO), DOMID_SELF) == 0) {
            if (first == ~0UL)
                first = mfn;
            ok++;
        }
    }
    info("sweep of %ld frames: %lu not ours mapped (first %#lx)", maxpage, ok, first);
    if (!priv)
        check(ok == 0, "sweep: no frame outside our p2m can be mapped", "%lu mapped, first %#lx",
              ok, first);
}

static void notify_victim(void)
{
    evtchn_port_t p;
    /* port= (default 1): the bystander's offered port (on ours 1 is the domU's PV console). */
    evtchn_port_t vport = (evtchn_port_t)cmdline_ulong("port", 1);
    uint64_t end = pvclock_ns() + 20000000000ULL;
    long rc;

    do {
        rc = evtchn_bind_interdomain(victim, vport, &p);
        if (rc == 0)
            break;
        sched_yield();
    } while (pvclock_ns() < end);
    if (check_eq(rc, 0, "bind to the bystander's offered port"))
        check_eq(evtchn_send(p), 0, "notify the bystander");
}

void test_main(void)
{
    unsigned long faults;

    setup();
    check_eq(map_page_at(edge[1], 0, 0), 0, "unmap a page (setup)");
    own_tables();
    bad_bits();
    linear();
    xen_slots();
    foreign_frames();
    foreign_ids();
    malformed();
    pinning();
    descriptors();
    emulation();
    memory();
    grants();
    if (cmdline_ulong("sweep", 0))
        sweep();
    /* Still fine? */
    faults = last_trap.count;
    for (unsigned int i = 0; i < 512; i++) {
        if (data[i] != (0x5a5a000000000000UL | i)) {
            fail("pattern page intact", "data[%u] = %#lx", i, data[i]);
            break;
        }
    }
    window[0] = 1;
    check(window[0] == 1 && l4[511] != 0 && l4[300] == 0 && !(l2[l2_free] & PTE_P),
          "own page tables intact and the window writable", "-");
    check(last_trap.count == faults, "no unexpected faults", "-");
    check(reservation(XENMEM_current_reservation) > 0, "still running: memory_op works", "-");
    if (victim)
        notify_victim();
}

/*
 * foreign-map-hostile: a domU tries what dom0's privcmd does (foreign
 * mappings, XENMEM_acquire_resource) against dom0 and against another domU,
 * and gets Xen's refusals (XSM_TARGET defaults, get_page_from_l1e):
 *  - mmu_update naming dom0 / the other domU as page owner: -EPERM per
 *    request, *done = the requests before it; a batch (as privcmd's
 *    MMAPBATCH) stops at the first refusal;
 *  - update_va_mapping_otherdomain to dom0 / the other domU: -EPERM;
 *  - mmuext_op with dom0's / the other domU's id: -EPERM; DOMID_IO -EINVAL;
 *  - MMU_MACHPHYS_UPDATE for dom0: -EPERM;
 *  - DOMID_IO as page owner of an I/O frame (the VGA hole) or of the
 *    IO-APIC: -EPERM (no I/O rights);
 *  - XENMEM_acquire_resource: another domain -EPERM, itself -EPERM, no such
 *    domain -ESRCH, pad set -EINVAL;
 * and its own mapping stays as it was.
 * Arguments: domid=<own id> other=<a live domU> dom0=0|1 (whether domain 0
 * exists: without dom0 it is "no such domain", -ESRCH). Ours only.
 */
#include "guest.h"
#include "hypercall.h"
#include "mm.h"

const char test_name[] = "foreign-map-hostile";

static uint64_t window[512] __aligned(PAGE_SIZE);
static uint64_t data[512] __aligned(PAGE_SIZE);

static const char *err_name(long e)
{
    return e == -EPERM ? "-EPERM" : e == -ESRCH ? "-ESRCH" : e == -EINVAL ? "-EINVAL" : "?";
}

static long mmu_batch(struct mmu_update *u, unsigned int n, unsigned int *done, unsigned int fdom)
{
    return HC4(__HYPERVISOR_mmu_update, u, n, done, fdom);
}

/* The window's L1 entry set to `val`, with `fdom` as page owner. */
static long map_window(uint64_t val, unsigned int fdom)
{
    return mmu_req(virt_to_maddr(l1e_of(window)) | MMU_NORMAL_PT_UPDATE, val, fdom);
}

static void against(domid_t dom, const char *who, long want)
{
    uint64_t own = virt_to_maddr(data) | PTE_RW_ACC;
    uint64_t ptr = virt_to_maddr(l1e_of(window)) | MMU_NORMAL_PT_UPDATE;
    struct mmu_update batch[3] = { { ptr, own }, { ptr, own }, { ptr, own } };
    unsigned int done = 77;
    char what[120];

    snprintf(what, sizeof(what), "mmu_update page owner = %s = %s", who, err_name(want));
    check_eq(map_window(own, dom), want, what);
    snprintf(what, sizeof(what), "MMAPBATCH-style batch of 3 naming %s: %s, *done = 0", who, err_name(want));
    check(mmu_batch(batch, 3, &done, dom) == want && done == 0, what, "done %u", done);
    snprintf(what, sizeof(what), "update_va_mapping_otherdomain(%s) = %s", who, err_name(want));
    check_eq(HC4(__HYPERVISOR_update_va_mapping_otherdomain, window, own, UVMF_INVLPG, dom), want, what);
    snprintf(what, sizeof(what), "mmuext_op pin L1 with foreigndom = %s = %s", who, err_name(want));
    check_eq(mmuext_dom(MMUEXT_PIN_L1_TABLE, virt_to_mfn(data), 0, dom), want, what);
    snprintf(what, sizeof(what), "MMU_MACHPHYS_UPDATE with foreigndom = %s = %s", who, err_name(want));
    check_eq(mmu_req(virt_to_maddr(data) | MMU_MACHPHYS_UPDATE, 0, dom), want, what);
}

static void io_owner(void)
{
    check_eq(map_window(0xb8000UL | PTE_RO, DOMID_IO), -EPERM,
             "mmu_update page owner DOMID_IO, the VGA frame = -EPERM");
    check_eq(map_window(0xfec00000UL | PTE_RO, DOMID_IO), -EPERM,
             "mmu_update page owner DOMID_IO, the IO-APIC frame = -EPERM");
    check_eq(mmuext_dom(MMUEXT_PIN_L1_TABLE, virt_to_mfn(data), 0, DOMID_IO), -EINVAL,
             "mmuext_op with foreigndom = DOMID_IO = -EINVAL");
}

static long acquire(domid_t dom, uint32_t pad)
{
    xen_mem_acquire_resource_t x = { .domid = dom, .type = XENMEM_resource_grant_table, .pad = pad };

    return hc_memory_op(XENMEM_acquire_resource, &x);
}

static void acquire_resource(domid_t self, domid_t other, bool dom0)
{
    check_eq(acquire(other, 0), -EPERM, "acquire_resource(grant table of the other domU) = -EPERM");
    check_eq(acquire(0, 0), dom0 ? -EPERM : -ESRCH, dom0 ? "acquire_resource(dom0) = -EPERM"
                                                         : "acquire_resource(no dom0) = -ESRCH");
    check_eq(acquire(self, 0), -EPERM, "acquire_resource(itself) = -EPERM");
    check_eq(acquire(0x3000, 0), -ESRCH, "acquire_resource(no such domain) = -ESRCH");
    check_eq(acquire(other, 1), -EINVAL, "acquire_resource with pad set = -EINVAL first");
}

void test_main(void)
{
    domid_t self = (domid_t)own_domid(), other = (domid_t)cmdline_int("other", 2);
    bool dom0 = cmdline_int("dom0", 0);
    uint64_t before = *l1e_of(window);

    for (unsigned int i = 0; i < 512; i++)
        window[i] = 0x77770000UL + i;
    against(0, dom0 ? "dom0" : "absent dom0", dom0 ? -EPERM : -ESRCH);
    against(other, "another domU", -EPERM);
    io_owner();
    acquire_resource(self, other, dom0);
    check(*l1e_of(window) == before && window[5] == 0x77770005UL,
          "the window still maps the guest's own page", "entry %#lx word %#lx",
          (unsigned long)*l1e_of(window), (unsigned long)window[5]);
}

/*
 * pv_layout.c: the PV start-of-day layout's arithmetic (asm/pv_layout.h).
 * Pure C, built into the hypervisor and, unchanged, into dom0's pvctl.
 */
#include <asm/pv_layout.h>

#if __STDC_HOSTED__
#include <errno.h>                                   /* pvctl and its host tests */
#else
#include <hv/errno.h>
#endif

#define LAYOUT_ALIGN_UP(x, a)   (((x) + (a) - 1) & ~((uint64_t)(a) - 1))
#define LAYOUT_ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))
#define MB2 (1ULL << 21)

/* Page tables to map [v_start, v_end): L4 + L3 + L2 + one L1 per 2 MiB. */
static uint64_t pt_pages_for(uint64_t v_start, uint64_t v_end)
{
    return 3 + (LAYOUT_ALIGN_UP(v_end, MB2) - LAYOUT_ALIGN_DOWN(v_start, MB2)) / MB2;
}

int pv_layout_compute(uint64_t virt_base, uint64_t vend, uint64_t nr_pages, uint64_t initrd_len,
                      struct pv_layout *l)
{
    if (vend < virt_base || vend - virt_base > (1ULL << 30) || initrd_len > (1ULL << 30) ||
        nr_pages > (1ULL << 40))
        return -EINVAL;
    l->v_start = virt_base;
    l->kernel_end = LAYOUT_ALIGN_UP(vend - virt_base, PV_PAGE_SIZE) >> PV_PAGE_SHIFT;
    l->initrd = l->kernel_end;
    l->initrd_pages = LAYOUT_ALIGN_UP(initrd_len, PV_PAGE_SIZE) >> PV_PAGE_SHIFT;
    l->p2m = l->initrd + l->initrd_pages;
    l->p2m_pages = LAYOUT_ALIGN_UP(nr_pages * 8, PV_PAGE_SIZE) >> PV_PAGE_SHIFT;
    l->start_info = l->p2m + l->p2m_pages;
    l->xenstore = l->start_info + 1;
    l->console = l->xenstore + 1;
    l->pt = l->console + 1;
    l->nr_pt = 4;
    for (;;) {                                       /* the tables map themselves: iterate */
        uint64_t end = LAYOUT_ALIGN_UP(l->v_start + ((l->pt + l->nr_pt + 1) << PV_PAGE_SHIFT) + (512ULL << 10),
                                4ULL << 20);
        uint64_t need = pt_pages_for(l->v_start, end);

        l->v_end = end;
        if (need <= l->nr_pt)
            break;
        l->nr_pt = need;
    }
    l->stack = l->pt + l->nr_pt;
    if (pv_layout_pages(l) > nr_pages)
        return -ENOMEM;
    if ((l->v_start >> 30) != ((l->v_end - 1) >> 30))
        return -EINVAL;                              /* one L2 maps the region */
    return 0;
}

/*
 * asm/pv_layout.h: where a PV domain's start-of-day pieces go (xen/xen.h's
 * contract). One definition for both builders: the hypervisor's boot-time
 * one (pv/domain_build.c) and pvctl's in dom0 (dom0-tools/build.c), which
 * compiles pv/pv_layout.c as it is; so this header and that file use only
 * <stdint.h> and errno values. The layout: one
 * region at VIRT_BASE mapped 1:1 onto pfns from 0 holding the kernel, the
 * initrd, the p2m list, start_info, the xenstore and console pages, the
 * bootstrap page tables (mapped read-only) and a stack page, padded to a
 * 4 MiB boundary with at least 512 KiB to spare.
 */
#ifndef ASM_PV_LAYOUT_H
#define ASM_PV_LAYOUT_H
#include <stdint.h>

#define PV_PAGE_SHIFT 12
#define PV_PAGE_SIZE  (1ULL << PV_PAGE_SHIFT)

struct pv_layout {
    uint64_t v_start, v_end;          /* the bootstrap region */
    uint64_t kernel_end, initrd, initrd_pages, p2m, p2m_pages;   /* pfns and counts */
    uint64_t start_info, xenstore, console, pt, nr_pt, stack;
};

/*
 * vend: the kernel's end (virtual); 0, -ENOMEM (does not fit in nr_pages)
 * or -EINVAL (the region would cross a 1 GiB boundary: one L2 maps it).
 */
int pv_layout_compute(uint64_t virt_base, uint64_t vend, uint64_t nr_pages, uint64_t initrd_len,
                      struct pv_layout *l);
/* The region's pages, [0, this). */
static inline uint64_t pv_layout_pages(const struct pv_layout *l)
{
    return (l->v_end - l->v_start) >> PV_PAGE_SHIFT;
}
#endif

/*
 * The hypervisor heap: whole pages from the frame allocator, owned by the
 * hypervisor and reached through the arch's direct map. The same code runs
 * in the hypervisor and in the host unit tests; only the direct map and
 * arch_heap_pages_freed() differ.
 */
#include <hv/arch.h>
#include <hv/console.h>
#include <hv/frame.h>
#include <hv/lib.h>

/* Frees of pages the heap never handed out: a hypervisor bug, so the tests count them. */
unsigned int heap_bad_frees;

void *hv_alloc_pages(unsigned long count)
{
    mfn_t mfn = frame_alloc(&hv_frames, count, 1, FRAME_OWNER_HV);
    void *p;

    if (mfn == INVALID_MFN)
        return NULL;
    p = hv_mfn_to_virt(mfn);
    memset(p, 0, count * PAGE_SIZE);
    return p;
}

void hv_free_pages(void *p, unsigned long count)
{
    if (!p)
        return;
    if (frame_free(&hv_frames, hv_virt_to_mfn(p), count)) {
        heap_bad_frees++;
        hv_warn("heap: freeing pages that were not allocated at %p\n", p);
        return;
    }
    /* A stale pointer then reads a pattern, not data of the page's next owner. */
    memset(p, 0xa5, count * PAGE_SIZE);
    arch_heap_pages_freed(p, count);
}

/* exchange-dup: XENMEM_exchange with the same input frame twice in one chunk
 * must be refused (it used to give twice the output for one frame). */
#include "mm.h"

const char test_name[] = "exchange-dup";

void test_main(void)
{
    struct xen_memory_exchange x;
    xen_pfn_t f, in[2], out[1];
    unsigned int rounds = (unsigned int)cmdline_ulong("n", 64), extra = 0;
    long max = reservation(XENMEM_maximum_reservation);

    /* A free frame of ours to start with: give one back and take it again (unmapped). */
    info("start: current %ld max %ld", reservation(XENMEM_current_reservation), max);
    /* The p2m list page area is mapped; use a fresh frame instead: first make room. */
    for (unsigned int i = 0; i < rounds; i++) {
        memset(&x, 0, sizeof(x));
        /* need an owned, unmapped frame: populate needs room, so use the previous output */
        if (i == 0) {
            static uint8_t page[PAGE_SIZE] __aligned(PAGE_SIZE);
            /* unmap an image page of ours so it has no references */
            f = virt_to_mfn(page);
            check_eq(hc_update_va_mapping((unsigned long)page, 0, UVMF_INVLPG | UVMF_LOCAL), 0,
                     "unmap an image page");
        }
        in[0] = in[1] = f;
        x.in.nr_extents = 2;  x.in.extent_order = 0;  x.in.domid = DOMID_SELF;
        x.out.nr_extents = 1; x.out.extent_order = 1; x.out.domid = DOMID_SELF;
        set_xen_guest_handle(x.in.extent_start, in);
        set_xen_guest_handle(x.out.extent_start, out);
        long rc = hc_memory_op(XENMEM_exchange, &x);
        if (rc || x.nr_exchanged != 2) {
            info("round %u: rc %ld nr_exchanged %lu", i, rc, (unsigned long)x.nr_exchanged);
            break;
        }
        extra++;
        f = out[0] + 1;                               /* next round: give one of the two back, twice */
    }
    info("end: current %ld max %ld; frames gained beyond the reservation: %u",
         reservation(XENMEM_current_reservation), max, extra);
    check(extra == 0, "exchange never gives more than it takes", "gained %u frames", extra);
}

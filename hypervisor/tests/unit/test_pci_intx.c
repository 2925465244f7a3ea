/*
 * PCI INTx lines and PIIX3's links (arch/x86/hvm/pci_intx.c, pure), and
 * dm_op's set_pci_intx_level / set_pci_link_route argument checks: a link
 * fires its ISA IRQ when it goes high, again when one of several lines
 * drops, never for a line that was already high or low; routes and
 * arguments out of range are -EINVAL.
 */
#include <hv/errno.h>
#include <asm/hvm.h>

#include "harness.h"

static void test_lines_and_links(void)
{
    struct hvm_pci_intx p = { .asserted = { 0 } };

    /* device 3 INTA (link 3) and device 2 INTB (link 3) share a link; device 4 INTA is link 0 */
    EXPECT_EQ(pci_intx_set_level(&p, 3, 0, 1), 0);           /* link 3 routed nowhere yet */
    EXPECT_EQ(pci_intx_set_link_route(&p, 3, 11), 11);        /* high already: fires at once */
    EXPECT_EQ(pci_intx_set_level(&p, 3, 0, 1), 0);           /* already high: nothing */
    EXPECT_EQ(pci_intx_set_level(&p, 2, 1, 1), 0);           /* the link is high already */
    EXPECT_EQ(pci_intx_set_level(&p, 3, 0, 0), 11);          /* device 2 keeps it high: again */
    EXPECT_EQ(pci_intx_set_level(&p, 3, 0, 0), 0);           /* low already: nothing */
    EXPECT_EQ(pci_intx_set_level(&p, 2, 1, 0), 0);           /* the link goes low */
    EXPECT_EQ(p.link_high[3], 0);
    EXPECT_EQ(pci_intx_set_level(&p, 2, 1, 1), 11);          /* high again: an edge */
    EXPECT_EQ(pci_intx_set_link_route(&p, 0, 10), 0);        /* link 0 is low */
    EXPECT_EQ(pci_intx_set_level(&p, 4, 0, 1), 10);
    EXPECT_EQ(pci_intx_set_level(&p, 31, 3, 1), 0);          /* link (31 + 3) & 3 = 2: no route */
    EXPECT_EQ(p.asserted[3], 1u << 31);
    EXPECT_EQ(pci_intx_set_link_route(&p, 2, 0), 0);
    EXPECT_EQ(pci_intx_set_level(&p, 32, 0, 1), -EINVAL);
    EXPECT_EQ(pci_intx_set_level(&p, 0, 4, 1), -EINVAL);
    EXPECT_EQ(pci_intx_set_level(&p, 0, 0, 2), -EINVAL);
    EXPECT_EQ(pci_intx_set_link_route(&p, 4, 5), -EINVAL);
    EXPECT_EQ(pci_intx_set_link_route(&p, 0, 16), -EINVAL);
}

void suite_pci_intx(void)
{
    static const struct unit_test tests[] = {
        { "lines_and_links", test_lines_and_links },
    };

    ADD_SUITE("pci_intx", tests);
}

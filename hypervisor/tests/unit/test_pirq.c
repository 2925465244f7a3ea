/*
 * common/pirq.c and common/event_pirq.c: the GSI -> PIRQ -> port table, the
 * delivery and EOI rules, the storm rule and the errors; the I/O APIC RTE
 * encoding (asm/io_apic.h). The I/O APIC is the harness's fake.
 */
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/event.h>
#include <hv/frame.h>
#include <hv/irq.h>
#include <asm/io_apic.h>
#include <asm/msi.h>
#include <xen/physdev.h>

#include "harness.h"

static bool pending(struct domain *d, evtchn_port_t p)
{
    return d->shared_info->evtchn_pending[p / 64] & (1UL << (p % 64));
}

static void clear_pending(struct domain *d, evtchn_port_t p)
{
    d->shared_info->evtchn_pending[p / 64] &= ~(1UL << (p % 64));
}

static struct domain *dom0(void)
{
    return harness_domain(0, 1, true);
}

/* Maps gsi for d and binds it to a new port. */
static evtchn_port_t map_and_bind(struct domain *d, int gsi)
{
    struct evtchn_bind_pirq bp = { .pirq = (u32)gsi, .flags = BIND_PIRQ__WILL_SHARE };
    int pirq = -1;

    EXPECT_EQ(pirq_map_gsi(d, gsi, gsi, &pirq), 0);
    EXPECT_EQ(pirq, gsi);
    EXPECT_EQ(evtchn_bind_pirq(d, &bp), 0);
    CU_ASSERT_FATAL(bp.port != 0);
    return bp.port;
}

static void test_level_masked_until_eoi(void)
{
    struct domain *d = dom0();
    u32 flags = 0;
    evtchn_port_t port;

    port = map_and_bind(d, 16);
    EXPECT_EQ(pirq_status_query(d, 16, &flags), 0);
    EXPECT_EQ(flags, XENIRQSTAT_needs_eoi);
    CU_ASSERT_FALSE(harness_gsi[16].masked);          /* bound: armed */
    pirq_interrupt(16);
    CU_ASSERT_TRUE(harness_gsi[16].masked);           /* level: masked until the EOI */
    CU_ASSERT_TRUE(pending(d, port));
    clear_pending(d, port);
    EXPECT_EQ(pirq_eoi(d, 16), 0);
    CU_ASSERT_FALSE(harness_gsi[16].masked);
    pirq_interrupt(16);
    CU_ASSERT_TRUE(pending(d, port));
}

static void test_edge_storm_rule(void)
{
    struct domain *d = dom0();
    evtchn_port_t port;
    struct pirq_line_info info;

    EXPECT_EQ(pirq_setup_gsi(d, 5, false, false), 0);
    CU_ASSERT_FALSE(harness_gsi[5].level);
    port = map_and_bind(d, 5);
    for (unsigned int i = 1; i < PIRQ_STORM_LIMIT; i++)
        pirq_interrupt(5);
    CU_ASSERT_FALSE(harness_gsi[5].masked);           /* edge: coalesced, never masked... */
    CU_ASSERT_TRUE(pending(d, port));
    pirq_interrupt(5);
    CU_ASSERT_TRUE(harness_gsi[5].masked);            /* ...until the storm limit */
    CU_ASSERT_TRUE(strstr(harness_console(), "without an EOI") != NULL);
    EXPECT_EQ(pirq_eoi(d, 5), 0);
    CU_ASSERT_FALSE(harness_gsi[5].masked);
    CU_ASSERT_TRUE(pirq_line_info(5, &info));
    EXPECT_EQ(info.unacked, 0);
    EXPECT_EQ(info.count, PIRQ_STORM_LIMIT);
}

static void test_errors(void)
{
    struct domain *d = dom0(), *u = harness_domain(1, 1, false);
    struct evtchn_bind_pirq bp = { .pirq = 17 };
    int pirq = -1;
    u32 flags;

    EXPECT_EQ(pirq_map_gsi(d, HARNESS_RESERVED_GSI, -1, &pirq), -EPERM);
    EXPECT_EQ(pirq_map_gsi(d, HARNESS_NR_GSIS, -1, &pirq), -EINVAL);
    EXPECT_EQ(pirq_map_gsi(d, -1, -1, &pirq), -EINVAL);
    EXPECT_EQ(pirq_map_gsi(d, 17, 18, &pirq), -EINVAL);   /* PIRQ numbers are the GSIs */
    EXPECT_EQ(evtchn_bind_pirq(d, &bp), -EINVAL);          /* not mapped */
    EXPECT_EQ(evtchn_bind_pirq(u, &bp), -EPERM);           /* a domU has no lines */
    bp.pirq = 100000;
    EXPECT_EQ(evtchn_bind_pirq(d, &bp), -EINVAL);
    EXPECT_EQ(pirq_status_query(d, 17, &flags), -EINVAL);
    EXPECT_EQ(pirq_eoi(d, 17), -EINVAL);
    EXPECT_EQ(pirq_unmap(d, 17), -EINVAL);
    EXPECT_EQ(pirq_setup_gsi(d, HARNESS_NR_GSIS, true, true), -EINVAL);
    EXPECT_EQ(pirq_setup_gsi(d, HARNESS_RESERVED_GSI, true, true), -EPERM);

    map_and_bind(d, 17);
    bp.pirq = 17;
    EXPECT_EQ(evtchn_bind_pirq(d, &bp), -EEXIST);          /* bound already */
    EXPECT_EQ(pirq_map_gsi(u, 17, -1, &pirq), -EEXIST);    /* another domain's line */
    EXPECT_EQ(pirq_eoi(u, 17), -EINVAL);
    EXPECT_EQ(pirq_setup_gsi(d, 17, false, false), -EEXIST);   /* live */
    EXPECT_EQ(pirq_unmap(d, 17), -EBUSY);                   /* close the port first */
    EXPECT_EQ(pirq_map_gsi(d, 17, -1, &pirq), 0);           /* mapping again is harmless */
}

static void test_close_masks_and_unbinds(void)
{
    struct domain *d = dom0();
    evtchn_port_t port = map_and_bind(d, 20);
    struct evtchn_status st = { .dom = DOMID_SELF, .port = port };
    struct pirq_line_info info;

    EXPECT_EQ(evtchn_status(d, &st), 0);
    EXPECT_EQ(st.status, EVTCHNSTAT_pirq);
    EXPECT_EQ(st.u.pirq, 20);
    EXPECT_EQ(evtchn_close(d, port), 0);
    CU_ASSERT_TRUE(harness_gsi[20].masked);
    pirq_interrupt(20);                                  /* spurious: nobody is told */
    CU_ASSERT_FALSE(pending(d, port));
    CU_ASSERT_TRUE(pirq_line_info(20, &info));
    CU_ASSERT_FALSE(info.bound);
    EXPECT_EQ(pirq_unmap(d, 20), 0);
    CU_ASSERT_TRUE(pirq_line_info(20, &info));
    CU_ASSERT_FALSE(info.mapped);
}

static void test_domain_destroy_frees_lines(void)
{
    struct domain *d = dom0();
    struct pirq_line_info info;
    int pirq;

    map_and_bind(d, 21);
    domain_shutdown(d, SHUTDOWN_poweroff);
    CU_ASSERT_TRUE(harness_gsi[21].masked);
    CU_ASSERT_TRUE(pirq_line_info(21, &info));
    CU_ASSERT_FALSE(info.mapped);
    CU_ASSERT_FALSE(info.bound);
    d = harness_domain(1, 1, true);
    EXPECT_EQ(pirq_map_gsi(d, 21, -1, &pirq), 0);         /* free for the next owner */
}

/* PHYSDEVOP_pirq_eoi_gmfn_v2: bound lines' bits set, unbound ones clear; one page; held, then released. */
static void test_eoi_map(void)
{
    struct domain *d = dom0(), *u = harness_domain(1, 1, true);
    mfn_t m = frame_alloc(&hv_frames, 1, 1, d->id), theirs = frame_alloc(&hv_frames, 1, 1, u->id);
    u64 *map;
    evtchn_port_t port;

    CU_ASSERT_FATAL(m != INVALID_MFN && theirs != INVALID_MFN);
    map = hv_mfn_to_virt(m);
    memset(map, 0, PAGE_SIZE);
    map_and_bind(d, 18);
    EXPECT_EQ(pirq_set_eoi_map(d, theirs), -EINVAL);      /* not d's frame */
    EXPECT_EQ(pirq_set_eoi_map(d, m), 0);
    CU_ASSERT_TRUE(map[0] & (1ULL << 18));                /* bound before: set at registration */
    EXPECT_EQ(pirq_set_eoi_map(d, m), -EBUSY);
    port = map_and_bind(d, 19);
    CU_ASSERT_TRUE(map[0] & (1ULL << 19));
    EXPECT_EQ(evtchn_close(d, port), 0);
    CU_ASSERT_FALSE(map[0] & (1ULL << 19));
    CU_ASSERT_FALSE(map[0] & ~(1ULL << 18));
    domain_shutdown(d, SHUTDOWN_poweroff);               /* the page is given back */
    d = harness_domain(2, 1, true);
    m = frame_alloc(&hv_frames, 1, 1, d->id);
    EXPECT_EQ(pirq_set_eoi_map(d, m), 0);                 /* free for the next owner */
}

static void test_no_ioapic(void)
{
    struct domain *d = dom0();
    int pirq;

    harness_nr_gsis = 0;
    EXPECT_EQ(pirq_map_gsi(d, 0, -1, &pirq), -EINVAL);
    pirq_interrupt(0);                                   /* ignored */
}

static void test_rte_encoding(void)
{
    u64 rte = ioapic_rte(0x40, true, true, true, 3);

    EXPECT_EQ(rte & RTE_VECTOR_MASK, 0x40);
    CU_ASSERT_TRUE(rte & RTE_LEVEL);
    CU_ASSERT_TRUE(rte & RTE_ACTIVE_LOW);
    CU_ASSERT_TRUE(rte & RTE_MASKED);
    CU_ASSERT_FALSE(rte & RTE_DEST_LOGICAL);              /* physical destination */
    EXPECT_EQ((rte >> 8) & 7, 0);                         /* fixed delivery */
    EXPECT_EQ(rte >> 56, 3);
    EXPECT_EQ(ioapic_rte(0x31, false, false, false, 0), 0x31);
    /* MPS INTI flags: 0 = bus default, 1 = high/edge, 3 = low/level. */
    CU_ASSERT_TRUE(mps_level(0xf, false));                /* level, low: 0b1111 */
    CU_ASSERT_TRUE(mps_active_low(0xf, false));
    CU_ASSERT_FALSE(mps_active_low(0xd, true));           /* level, high: 0b1101 */
    CU_ASSERT_FALSE(mps_level(0x5, true));
    CU_ASSERT_FALSE(mps_active_low(0x5, true));
    CU_ASSERT_TRUE(mps_level(0, true));
    CU_ASSERT_FALSE(mps_active_low(0, false));
}

static evtchn_port_t bind(struct domain *d, int pirq)
{
    struct evtchn_bind_pirq bp = { .pirq = (u32)pirq };

    EXPECT_EQ(evtchn_bind_pirq(d, &bp), 0);
    return bp.port;
}

/* Slots are handed out lowest first, freed by unmap, and one message has one PIRQ. */
static void test_msi_slots(void)
{
    struct domain *d = dom0();
    struct msi_source ahci = { .sbdf = 0xfa }, nic0 = { .sbdf = 0x100, .msix = true, .entry = 0 };
    struct msi_source nic1 = nic0, nic_as_msi = { .sbdf = 0x100 };
    int p0 = -1, p1 = -1, p2 = -1;

    nic1.entry = 1;
    EXPECT_EQ(pirq_map_msi(d, &ahci, &p0), 0);
    EXPECT_EQ(p0, HV_MAX_GSIS);
    CU_ASSERT_TRUE(harness_msi[0].active && harness_msi[0].masked);
    EXPECT_EQ(pirq_map_msi(d, &nic0, &p1), 0);
    EXPECT_EQ(p1, HV_MAX_GSIS + 1);
    EXPECT_EQ(pirq_map_msi(d, &nic1, &p2), 0);
    EXPECT_EQ(p2, HV_MAX_GSIS + 2);
    EXPECT_EQ(harness_msi[2].src.entry, 1);
    EXPECT_EQ(pirq_map_msi(d, &nic1, &p2), -EEXIST);       /* that entry has its PIRQ */
    EXPECT_EQ(pirq_map_msi(d, &ahci, &p2), -EEXIST);
    EXPECT_EQ(pirq_map_msi(d, &nic_as_msi, &p2), -EBUSY);  /* the device uses MSI-X */
    EXPECT_EQ(pirq_unmap(d, p1), 0);
    CU_ASSERT_FALSE(harness_msi[1].active);
    EXPECT_EQ(pirq_map_msi(d, &nic0, &p1), 0);
    EXPECT_EQ(p1, HV_MAX_GSIS + 1);                        /* the lowest free slot again */
    harness_msi_setup_rc = -ENODEV;                        /* the arch finds no device */
    nic1.sbdf = 0x200;
    EXPECT_EQ(pirq_map_msi(d, &nic1, &p2), -ENODEV);
    harness_msi_setup_rc = 0;
    EXPECT_EQ(pirq_map_msi(d, &nic1, &p2), 0);
    EXPECT_EQ(p2, HV_MAX_GSIS + 3);                        /* the failed slot was not kept */
}

static void test_msi_full(void)
{
    struct domain *d = dom0();
    struct msi_source src = { .sbdf = 0x300, .msix = true };
    int pirq;

    for (unsigned int i = 0; i < HV_MAX_MSIS; i++) {
        src.entry = (u16)i;
        EXPECT_EQ(pirq_map_msi(d, &src, &pirq), 0);
    }
    src.entry = HV_MAX_MSIS;
    EXPECT_EQ(pirq_map_msi(d, &src, &pirq), -ENOSPC);
    pirq_domain_destroy(d);
    for (unsigned int i = 0; i < HV_MAX_MSIS; i++)
        CU_ASSERT_FALSE(harness_msi[i].active);
    EXPECT_EQ(pirq_map_msi(d, &src, &pirq), 0);
}

/* An MSI is an edge: delivered, masked only by the storm rule, unmasked at its EOI. */
static void test_msi_delivery(void)
{
    struct domain *d = dom0();
    struct msi_source src = { .sbdf = 0x100, .msix = true, .entry = 2 };
    u32 flags = 0;
    int pirq = -1;
    evtchn_port_t port;

    EXPECT_EQ(pirq_map_msi(d, &src, &pirq), 0);
    pirq_interrupt((unsigned int)pirq);                    /* before the bind: kept masked */
    CU_ASSERT_TRUE(harness_msi[0].masked);
    port = bind(d, pirq);
    CU_ASSERT_FALSE(harness_msi[0].masked);
    EXPECT_EQ(pirq_status_query(d, pirq, &flags), 0);
    EXPECT_EQ(flags, XENIRQSTAT_needs_eoi);
    pirq_interrupt((unsigned int)pirq);
    CU_ASSERT_TRUE(pending(d, port));
    CU_ASSERT_FALSE(harness_msi[0].masked);                /* an edge stays armed */
    for (unsigned int i = 1; i < PIRQ_STORM_LIMIT; i++)
        pirq_interrupt((unsigned int)pirq);
    CU_ASSERT_TRUE(harness_msi[0].masked);                 /* the storm rule */
    EXPECT_EQ(pirq_eoi(d, pirq), 0);
    CU_ASSERT_FALSE(harness_msi[0].masked);
    EXPECT_EQ(pirq_unmap(d, pirq), -EBUSY);                /* close the port first */
    EXPECT_EQ(evtchn_close(d, port), 0);
    CU_ASSERT_TRUE(harness_msi[0].masked);
    EXPECT_EQ(pirq_unmap(d, pirq), 0);
    EXPECT_EQ(pirq_unmap(d, pirq), -EINVAL);
    EXPECT_EQ(pirq_eoi(d, HV_MAX_PIRQS), -EINVAL);
    pirq_interrupt(HV_MAX_PIRQS);                          /* ignored */
}

static void test_msi_not_for_others(void)
{
    struct domain *d = dom0(), *u = harness_domain(1, 1, false);
    struct msi_source src = { .sbdf = 0x100 };
    struct evtchn_bind_pirq bp;
    int pirq = -1;

    EXPECT_EQ(pirq_map_msi(d, &src, &pirq), 0);
    bp = (struct evtchn_bind_pirq){ .pirq = (u32)pirq };
    EXPECT_EQ(evtchn_bind_pirq(u, &bp), -EPERM);
    EXPECT_EQ(pirq_unmap(u, pirq), -EINVAL);               /* not u's */
    EXPECT_EQ(pirq_eoi(u, pirq), -EINVAL);
}

/* The message the hypervisor writes, and the MSI registers it keeps from dom0. */
static void test_msi_encoding(void)
{
    EXPECT_EQ(msi_message_address(0), 0xfee00000u);
    EXPECT_EQ(msi_message_address(3), 0xfee03000u);        /* physical destination, no hint */
    EXPECT_EQ(msi_message_data(0x70), 0x4070u);            /* fixed, edge, asserted */
    EXPECT_EQ(msi_data_reg(0x80, 0), 0x88u);               /* 32-bit */
    EXPECT_EQ(msi_data_reg(0x80, MSI_CTRL_64BIT), 0x8cu);
    EXPECT_EQ(msi_owned_end(0x80, 0), 0x8au);
    EXPECT_EQ(msi_owned_end(0x80, MSI_CTRL_64BIT | MSI_CTRL_PER_VECTOR), 0x94u);
    CU_ASSERT_FALSE(conf_write_overlaps(0x82, 2, 0x84, 0x8a));   /* the control word: dom0's */
    CU_ASSERT_TRUE(conf_write_overlaps(0x84, 4, 0x84, 0x8a));
    CU_ASSERT_TRUE(conf_write_overlaps(0x80, 8, 0x84, 0x8a));
    CU_ASSERT_TRUE(conf_write_overlaps(0x89, 1, 0x84, 0x8a));
    CU_ASSERT_FALSE(conf_write_overlaps(0x8a, 2, 0x84, 0x8a));
    /* The control word at 0x82: multiple message enable (bits 4-6) stays 0. */
    EXPECT_EQ(msi_ctrl_write_sanitise(0x80, 0x82, 2, 0x00f1), 0x0081u);
    EXPECT_EQ(msi_ctrl_write_sanitise(0x80, 0x80, 4, 0x00f10005), 0x00810005u);
    EXPECT_EQ(msi_ctrl_write_sanitise(0x80, 0x82, 1, 0xf1), 0x81u);
    EXPECT_EQ(msi_ctrl_write_sanitise(0x80, 0x83, 1, 0x01), 0x01u);   /* the high byte: no field */
    EXPECT_EQ(msi_ctrl_write_sanitise(0x80, 0x84, 4, 0x70), 0x70u);
    EXPECT_EQ(msix_table_address(0xfebd1000, 0x12, 0x2001), 0xfebd3000ULL);      /* 32-bit BAR */
    EXPECT_EQ(msix_table_address(0xfe000004, 0x1, 0x3000), 0x1fe003000ULL);     /* 64-bit BAR */
}

static const struct unit_test tests[] = {
    { "level_masked_until_eoi", test_level_masked_until_eoi },
    { "edge_storm_rule", test_edge_storm_rule },
    { "errors", test_errors },
    { "close_masks_and_unbinds", test_close_masks_and_unbinds },
    { "domain_destroy_frees_lines", test_domain_destroy_frees_lines },
    { "eoi_map", test_eoi_map },
    { "no_ioapic", test_no_ioapic },
    { "rte_encoding", test_rte_encoding },
    { "msi_slots", test_msi_slots },
    { "msi_full", test_msi_full },
    { "msi_delivery", test_msi_delivery },
    { "msi_not_for_others", test_msi_not_for_others },
    { "msi_encoding", test_msi_encoding },
};

void suite_pirq(void)
{
    ADD_SUITE("pirq", tests);
}

/*
 * ioreq servers (common/ioreq.c, ioreq_range.c) and dm_op's argument
 * checks (common/dm_op.c), and XENMEM_acquire_resource's ioreq frames, as
 * dom0 (privileged) calls them on an HVM domain. The exit side is
 * arch/x86/hvm's and is tested by the hvm-ioreq guest (tests/run-hvm-ioreq.sh).
 */
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/event.h>
#include <hv/frame.h>
#include <hv/hypercall.h>
#include <hv/ioreq.h>
#include <xen/memory.h>

#include "harness.h"

extern unsigned int harness_isa_irq_raised;
extern unsigned int harness_pci_intx_calls;

static void test_ranges(void)
{
    struct ioreq_ranges rs = { .nr = 0 };

    EXPECT_EQ(ioreq_ranges_add(&rs, 0x100, 0x10f), 0);
    EXPECT_EQ(ioreq_ranges_add(&rs, 0x200, 0x200), 0);
    EXPECT_EQ(ioreq_ranges_add(&rs, 0x10f, 0x120), -EEXIST);   /* overlaps one end */
    EXPECT_EQ(ioreq_ranges_add(&rs, 0x50, 0x300), -EEXIST);    /* covers both */
    EXPECT_EQ(ioreq_ranges_add(&rs, 0x20, 0x10), -EINVAL);
    EXPECT_EQ(ioreq_ranges_claim(&rs, 0x100, 4), true);
    EXPECT_EQ(ioreq_ranges_claim(&rs, 0x10c, 4), true);
    EXPECT_EQ(ioreq_ranges_claim(&rs, 0x10d, 4), false);         /* runs past the end */
    EXPECT_EQ(ioreq_ranges_claim(&rs, 0xff, 2), false);          /* starts before */
    EXPECT_EQ(ioreq_ranges_claim(&rs, 0x200, 1), true);
    EXPECT_EQ(ioreq_ranges_claim(&rs, 0x200, 2), false);
    EXPECT_EQ(ioreq_ranges_claim(&rs, 0x150, 1), false);
    EXPECT_EQ(ioreq_ranges_claim(&rs, 0x100, 0), false);
    EXPECT_EQ(ioreq_ranges_claim(&rs, ~0ULL, 2), false);         /* wraps */
    EXPECT_EQ(ioreq_ranges_remove(&rs, 0x100, 0x10e), -ENOENT);  /* only exact ranges */
    EXPECT_EQ(ioreq_ranges_remove(&rs, 0x100, 0x10f), 0);
    EXPECT_EQ(ioreq_ranges_claim(&rs, 0x100, 1), false);
    EXPECT_EQ(ioreq_ranges_claim(&rs, 0x200, 1), true);
    for (unsigned int i = 1; i < IOREQ_MAX_RANGES; i++)
        EXPECT_EQ(ioreq_ranges_add(&rs, 0x1000 * i, 0x1000 * i + 1), 0);
    EXPECT_EQ(ioreq_ranges_add(&rs, 0x100000, 0x100001), -ENOSPC);
    EXPECT_EQ(ioreq_ranges_add(&rs, 0, ~0ULL), -EEXIST);
}

/* Ranges that touch are one, as Xen's rangesets: QEMU's 0xcf8 | 0xcf9 (PIIX3's reset) | 0xcfa-0xcfb. */
static void test_ranges_touching(void)
{
    struct ioreq_ranges rs = { .nr = 0 };

    EXPECT_EQ(ioreq_ranges_add(&rs, 0xcfa, 0xcfb), 0);
    EXPECT_EQ(ioreq_ranges_add(&rs, 0xcf8, 0xcf8), 0);
    EXPECT_EQ(ioreq_ranges_claim(&rs, 0xcf8, 4), false);        /* 0xcf9 not claimed yet */
    EXPECT_EQ(ioreq_ranges_add(&rs, 0xcf9, 0xcf9), 0);
    EXPECT_EQ(ioreq_ranges_claim(&rs, 0xcf8, 4), true);
    EXPECT_EQ(ioreq_ranges_claim(&rs, 0xcf9, 2), true);
    EXPECT_EQ(ioreq_ranges_claim(&rs, 0xcf8, 5), false);        /* 0xcfc is not */
    EXPECT_EQ(ioreq_ranges_claim(&rs, 0xcf7, 2), false);
    EXPECT_EQ(ioreq_ranges_add(&rs, ~0ULL - 1, ~0ULL), 0);
    EXPECT_EQ(ioreq_ranges_add(&rs, ~0ULL - 3, ~0ULL - 2), 0);
    EXPECT_EQ(ioreq_ranges_claim(&rs, ~0ULL - 3, 4), true);     /* up to the last address */
    EXPECT_EQ(ioreq_ranges_claim(&rs, ~0ULL - 3, 5), false);    /* wraps */
    EXPECT_EQ(ioreq_ranges_remove(&rs, 0xcf9, 0xcf9), 0);
    EXPECT_EQ(ioreq_ranges_claim(&rs, 0xcf8, 4), false);
}

static struct xen_dm_op op;
static struct xen_dm_op_buf bufs[3];
static int fake_hvm;                       /* d->hvm only says "an HVM domain" to common code */

static long dm_op(domid_t dom, unsigned int nr)
{
    unsigned long args[5] = { dom, nr, (unsigned long)bufs };

    set_xen_guest_handle(bufs[0].h, &op);
    bufs[0].size = sizeof(op);
    return harness_hypercall(__HYPERVISOR_dm_op, args);
}

static long acquire(domid_t dom, u32 id, u64 frame, u32 nr, xen_pfn_t *list, u32 *nr_out)
{
    struct xen_mem_acquire_resource x = { .domid = dom, .type = XENMEM_resource_ioreq_server,
                                          .id = id, .nr_frames = nr, .frame = frame };
    unsigned long args[5] = { XENMEM_acquire_resource, (unsigned long)&x };
    long rc;

    set_xen_guest_handle(x.frame_list, list);
    rc = harness_hypercall(__HYPERVISOR_memory_op, args);
    if (nr_out)
        *nr_out = x.nr_frames;
    return rc;
}

static struct domain *dom0, *hvm, *pv;

static void three_domains(void)
{
    dom0 = harness_domain(0, 1, true);
    hvm = harness_domain(1, 1, false);
    pv = harness_domain(2, 1, false);
    hvm->hvm = (struct hvm_domain *)&fake_hvm;
    harness_set_current(dom0);
}

static void create(u8 bufioreq, long want)
{
    memset(&op, 0, sizeof(op));
    op.op = XEN_DMOP_create_ioreq_server;
    op.u.create_ioreq_server.handle_bufioreq = bufioreq;
    EXPECT_EQ(dm_op(1, 1), want);
}

/* Xen's order: target, buffers, op; each sub-op its padding and values. */
static void test_dm_op_checks(void)
{
    three_domains();
    memset(&op, 0, sizeof(op));
    op.op = XEN_DMOP_create_ioreq_server;
    EXPECT_EQ(dm_op(9, 1), -ESRCH);
    EXPECT_EQ(dm_op(0, 1), -EPERM);                            /* itself */
    EXPECT_EQ(dm_op(2, 1), -EINVAL);                           /* a PV domain */
    EXPECT_EQ(dm_op(1, 3), -E2BIG);
    EXPECT_EQ(dm_op(1, 0), -EFAULT);
    {
        unsigned long args[5] = { 1, 1, (unsigned long)bufs };

        set_xen_guest_handle(bufs[0].h, &op);
        bufs[0].size = sizeof(op) - 1;
        EXPECT_EQ(harness_hypercall(__HYPERVISOR_dm_op, args), -EFAULT);
        harness_set_current(pv);
        bufs[0].size = sizeof(op);
        EXPECT_EQ(harness_hypercall(__HYPERVISOR_dm_op, args), -EPERM);   /* not privileged */
        harness_set_current(dom0);
    }
    op.pad = 1;
    EXPECT_EQ(dm_op(1, 1), -EINVAL);
    op.pad = 0;
    op.op = 99;
    EXPECT_EQ(dm_op(1, 1), -EOPNOTSUPP);
    op.op = XEN_DMOP_track_dirty_vram;
    EXPECT_EQ(dm_op(1, 1), -EOPNOTSUPP);
    create(3, -EINVAL);
    op.u.create_ioreq_server.handle_bufioreq = 0;
    op.u.create_ioreq_server.pad[1] = 1;
    EXPECT_EQ(dm_op(1, 1), -EINVAL);
    op.op = XEN_DMOP_set_isa_irq_level;
    op.u.set_isa_irq_level.isa_irq = 16;
    EXPECT_EQ(dm_op(1, 1), -EINVAL);
    op.u.set_isa_irq_level.isa_irq = 5;
    op.u.set_isa_irq_level.level = 2;
    EXPECT_EQ(dm_op(1, 1), -EINVAL);
    op.u.set_isa_irq_level.level = 1;
    EXPECT_EQ(dm_op(1, 1), 0);
    EXPECT_EQ(harness_isa_irq_raised, 5);
    /* PCI lines (bus 0 of segment 0, 32 devices, INTA-D) and PIIX3's four links */
    unsigned int calls = harness_pci_intx_calls;
    memset(&op, 0, sizeof(op));
    op.op = XEN_DMOP_set_pci_intx_level;
    op.u.set_pci_intx_level = (struct xen_dm_op_set_pci_intx_level){ .device = 3, .intx = 0, .level = 1 };
    EXPECT_EQ(dm_op(1, 1), 0);
    op.u.set_pci_intx_level.bus = 1;
    EXPECT_EQ(dm_op(1, 1), -EINVAL);
    op.u.set_pci_intx_level = (struct xen_dm_op_set_pci_intx_level){ .domain = 1 };
    EXPECT_EQ(dm_op(1, 1), -EINVAL);
    op.u.set_pci_intx_level = (struct xen_dm_op_set_pci_intx_level){ .device = 32 };
    EXPECT_EQ(dm_op(1, 1), -EINVAL);
    op.u.set_pci_intx_level = (struct xen_dm_op_set_pci_intx_level){ .intx = 4 };
    EXPECT_EQ(dm_op(1, 1), -EINVAL);
    op.u.set_pci_intx_level = (struct xen_dm_op_set_pci_intx_level){ .level = 2 };
    EXPECT_EQ(dm_op(1, 1), -EINVAL);
    memset(&op, 0, sizeof(op));
    op.op = XEN_DMOP_set_pci_link_route;
    op.u.set_pci_link_route = (struct xen_dm_op_set_pci_link_route){ .link = 3, .isa_irq = 11 };
    EXPECT_EQ(dm_op(1, 1), 0);
    op.u.set_pci_link_route.link = 4;
    EXPECT_EQ(dm_op(1, 1), -EINVAL);
    op.u.set_pci_link_route = (struct xen_dm_op_set_pci_link_route){ .link = 0, .isa_irq = 16 };
    EXPECT_EQ(dm_op(1, 1), -EINVAL);
    EXPECT_EQ(harness_pci_intx_calls, calls + 2);       /* only the good ones reached the arch */
    hvm->hvm = NULL;
}

static void range(u32 sub, u16 id, u32 type, u64 start, u64 end, long want)
{
    memset(&op, 0, sizeof(op));
    op.op = sub;
    op.u.map_io_range_to_ioreq_server = (struct xen_dm_op_ioreq_server_range){
        .id = id, .type = type, .start = start, .end = end };
    EXPECT_EQ(dm_op(1, 1), want);
}

/* A server's life: made, its ports and pages, ranges, state, info, destroyed. */
static void test_server_lifecycle(void)
{
    mfn_t free0;
    xen_pfn_t frames[2] = { 0, 0 };
    u32 nr;
    const struct evtchn *c;
    evtchn_port_t port;

    three_domains();
    free0 = hv_frames.nr_free;
    create(0, 0);
    EXPECT_EQ(op.u.create_ioreq_server.id, 0);
    create(2, 0);
    EXPECT_EQ(op.u.create_ioreq_server.id, 1);
    memset(&op, 0, sizeof(op));
    op.op = XEN_DMOP_get_ioreq_server_info;
    op.u.get_ioreq_server_info.id = 0;
    EXPECT_EQ(dm_op(1, 1), -EOPNOTSUPP);                       /* legacy gfns */
    op.u.get_ioreq_server_info.flags = 2;
    EXPECT_EQ(dm_op(1, 1), -EINVAL);
    op.u.get_ioreq_server_info.flags = XEN_DMOP_no_gfns;
    EXPECT_EQ(dm_op(1, 1), 0);
    EXPECT_EQ(op.u.get_ioreq_server_info.bufioreq_port, 0);    /* no buffering asked */
    op.u.get_ioreq_server_info.id = 1;
    EXPECT_EQ(dm_op(1, 1), 0);
    EXPECT_EQ(op.u.get_ioreq_server_info.bufioreq_port != 0, 1);
    op.u.get_ioreq_server_info.id = 5;
    EXPECT_EQ(dm_op(1, 1), -ENOENT);

    range(XEN_DMOP_map_io_range_to_ioreq_server, 0, XEN_DMOP_IO_RANGE_PORT, 0x100, 0x10f, 0);
    range(XEN_DMOP_map_io_range_to_ioreq_server, 0, XEN_DMOP_IO_RANGE_PORT, 0x108, 0x108, -EEXIST);
    range(XEN_DMOP_map_io_range_to_ioreq_server, 0, XEN_DMOP_IO_RANGE_PORT, 0xfff0, 0x10000, -EINVAL);
    range(XEN_DMOP_map_io_range_to_ioreq_server, 0, XEN_DMOP_IO_RANGE_PCI, 0x18, 0x18, 0);  /* 00:03.0 */
    range(XEN_DMOP_map_io_range_to_ioreq_server, 0, XEN_DMOP_IO_RANGE_PCI, 0x10, 0x1f, -EEXIST);
    range(XEN_DMOP_map_io_range_to_ioreq_server, 0, XEN_DMOP_IO_RANGE_PCI, 0x20, 0x1f, -EINVAL);
    range(XEN_DMOP_map_io_range_to_ioreq_server, 0, 7, 0, 0, -EINVAL);
    range(XEN_DMOP_map_io_range_to_ioreq_server, 0, XEN_DMOP_IO_RANGE_MEMORY, 0xe0000000,
          0xe0000fff, 0);
    range(XEN_DMOP_map_io_range_to_ioreq_server, 3, XEN_DMOP_IO_RANGE_MEMORY, 0, 0, -ENOENT);
    range(XEN_DMOP_unmap_io_range_from_ioreq_server, 0, XEN_DMOP_IO_RANGE_PORT, 0x100, 0x101, -ENOENT);
    range(XEN_DMOP_unmap_io_range_from_ioreq_server, 0, XEN_DMOP_IO_RANGE_PORT, 0x100, 0x10f, 0);

    /* The frames: size 2; MFNs of xenheap frames the HVM domain owns. */
    EXPECT_EQ(acquire(1, 0, 0, 0, NULL, &nr), 0);
    EXPECT_EQ(nr, 2);
    EXPECT_EQ(acquire(1, 0, 1, 2, frames, NULL), -EINVAL);     /* past frame 1 */
    EXPECT_EQ(acquire(1, 7, 0, 2, frames, NULL), -ENOENT);
    EXPECT_EQ(acquire(1, 0, 0, 2, frames, NULL), 0);
    EXPECT_EQ(frames[0] != frames[1], 1);
    for (int i = 0; i < 2; i++) {
        EXPECT_EQ(hv_frames.info[frames[i]].owner, 1);
        EXPECT_EQ(!!(hv_frames.info[frames[i]].flags & FRAME_F_XENHEAP), 1);
    }
    port = ((ioreq_t *)hv_mfn_to_virt(frames[1]))->vp_eport;   /* vCPU 0's port */
    c = evtchn_from_port(hvm, port);
    EXPECT_EQ(c->state, ECS_UNBOUND);
    EXPECT_EQ(c->remote_dom, 0);
    EXPECT_EQ(c->hv_consumer, true);
    harness_set_current(pv);
    EXPECT_EQ(acquire(1, 0, 0, 2, frames, NULL), -EPERM);      /* not privileged */
    harness_set_current(dom0);

    {   /* Its device model binds the port, then dies: the port says nobody will answer. */
        struct evtchn_bind_interdomain b = { .remote_dom = 1, .remote_port = port };

        EXPECT_EQ(evtchn_peer_gone(hvm, port), false);         /* never bound: not gone */
        EXPECT_EQ(evtchn_bind_interdomain(dom0, &b), 0);
        EXPECT_EQ(evtchn_peer_gone(hvm, port), false);
        EXPECT_EQ(evtchn_close(dom0, b.local_port), 0);
        EXPECT_EQ(evtchn_from_port(hvm, port)->state, ECS_UNBOUND);
        EXPECT_EQ(evtchn_peer_gone(hvm, port), true);
        EXPECT_EQ(evtchn_bind_interdomain(dom0, &b), 0);       /* a new device model binds it */
        EXPECT_EQ(evtchn_peer_gone(hvm, port), false);
        EXPECT_EQ(evtchn_close(dom0, b.local_port), 0);
    }
    memset(&op, 0, sizeof(op));
    op.op = XEN_DMOP_set_ioreq_server_state;
    op.u.set_ioreq_server_state.enabled = 1;
    EXPECT_EQ(dm_op(1, 1), 0);
    {   /* A PCI device is claimed by its SBDF: every register of it, no other device. */
        struct ioreq_access a = { IOREQ_RANGE_PCI, (0x18ULL << 32) | 0xfe, 2, true, 0 };

        EXPECT_EQ(ioreq_claims(hvm, &a), true);
        a.addr = 0x19ULL << 32;
        EXPECT_EQ(ioreq_claims(hvm, &a), false);
        a.kind = IOREQ_RANGE_PORT;                             /* nor a port of that number */
        a.addr = 0x18;
        EXPECT_EQ(ioreq_claims(hvm, &a), false);
    }
    memset(&op, 0, sizeof(op));
    op.op = XEN_DMOP_destroy_ioreq_server;
    op.u.destroy_ioreq_server.pad = 1;
    EXPECT_EQ(dm_op(1, 1), -EINVAL);
    op.u.destroy_ioreq_server.pad = 0;
    EXPECT_EQ(dm_op(1, 1), 0);
    EXPECT_EQ(dm_op(1, 1), -ENOENT);
    EXPECT_EQ(evtchn_from_port(hvm, port)->state, ECS_FREE);
    EXPECT_EQ(acquire(1, 0, 0, 2, frames, NULL), -ENOENT);
    op.u.destroy_ioreq_server.id = 1;
    EXPECT_EQ(dm_op(1, 1), 0);
    EXPECT_EQ(hv_frames.nr_free, free0 - 1);   /* every page back; the table stays until domain_free */
    hvm->hvm = NULL;
}

/* Servers left at the domain's end are torn down with it. */
static void test_servers_die_with_domain(void)
{
    mfn_t free0;

    three_domains();
    free0 = hv_frames.nr_free;
    for (int i = 0; i < IOREQ_MAX_SERVERS; i++)
        create(1, 0);
    create(1, -ENOSPC);
    EXPECT_EQ(hv_frames.nr_free < free0, 1);
    domain_shutdown(hvm, SHUTDOWN_poweroff);
    hvm->hvm = NULL;
    harness_reap();
    EXPECT_EQ(hv_frames.nr_free >= free0, 1);
}

void suite_ioreq(void)
{
    static const struct unit_test tests[] = {
        { "ranges", test_ranges },
        { "ranges_touching", test_ranges_touching },
        { "dm_op_checks", test_dm_op_checks },
        { "server_lifecycle", test_server_lifecycle },
        { "servers_die_with_domain", test_servers_die_with_domain },
    };

    ADD_SUITE("ioreq", tests);
}

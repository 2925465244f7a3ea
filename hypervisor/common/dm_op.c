/*
 * dm_op (hypercall 41): what a device model asks of the HVM domain it
 * serves (public/hvm/dm_op.h). The dispatcher lets only the privileged
 * domain in; here: the target must be another, HVM domain; buffer 0 holds a
 * whole struct xen_dm_op (copied in through the checked accessor, copied
 * back for the sub-ops with outputs); each sub-op checks its own padding.
 * The sub-ops are a table; the ioreq servers are common/ioreq.c's.
 * Implemented: the ioreq server sub-ops, set_isa_irq_level,
 * set_pci_intx_level and set_pci_link_route; the rest -EOPNOTSUPP
 * (docs/abi-coverage.md).
 */
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/ioreq.h>
#include <hv/lib.h>
#include <hv/sched.h>

#define DM_OP_MAX_BUFS 2                 /* as Xen: more is -E2BIG */

struct dm_op_ctx {
    struct domain *d;                    /* the target */
    struct domain *dm;                   /* the caller, its device model */
};

struct dm_subop {
    int (*fn)(const struct dm_op_ctx *c, struct xen_dm_op *op);
    bool copy_back;                      /* the sub-op has outputs */
};

static int create_server(const struct dm_op_ctx *c, struct xen_dm_op *op)
{
    struct xen_dm_op_create_ioreq_server *a = &op->u.create_ioreq_server;

    if (a->pad[0] || a->pad[1] || a->pad[2])
        return -EINVAL;
    return ioreq_server_create(c->d, c->dm, a->handle_bufioreq, &a->id);
}

/* Legacy gfns (the server's pages in the guest's physmap) are not offered. */
static int server_info(const struct dm_op_ctx *c, struct xen_dm_op *op)
{
    struct xen_dm_op_get_ioreq_server_info *a = &op->u.get_ioreq_server_info;

    if (a->flags & ~XEN_DMOP_no_gfns)
        return -EINVAL;
    if (!(a->flags & XEN_DMOP_no_gfns))
        return -EOPNOTSUPP;
    a->ioreq_gfn = a->bufioreq_gfn = 0;
    return ioreq_server_info(c->d, c->dm, a->id, &a->bufioreq_port);
}

static int io_range(const struct dm_op_ctx *c, const struct xen_dm_op_ioreq_server_range *a,
                    bool map)
{
    static const enum ioreq_range_kind kind_of[] = {
        [XEN_DMOP_IO_RANGE_PORT]   = IOREQ_RANGE_PORT,
        [XEN_DMOP_IO_RANGE_MEMORY] = IOREQ_RANGE_MMIO,
        [XEN_DMOP_IO_RANGE_PCI]    = IOREQ_RANGE_PCI,   /* SBDFs (map_pcidev_to_ioreq_server) */
    };

    if (a->pad || a->type >= ARRAY_SIZE(kind_of))
        return -EINVAL;
    if (a->type == XEN_DMOP_IO_RANGE_PORT && a->end > 0xffff)
        return -EINVAL;
    return ioreq_server_range(c->d, c->dm, a->id, kind_of[a->type], a->start, a->end, map);
}

static int map_range(const struct dm_op_ctx *c, struct xen_dm_op *op)
{
    return io_range(c, &op->u.map_io_range_to_ioreq_server, true);
}

static int unmap_range(const struct dm_op_ctx *c, struct xen_dm_op *op)
{
    return io_range(c, &op->u.unmap_io_range_from_ioreq_server, false);
}

static int set_state(const struct dm_op_ctx *c, struct xen_dm_op *op)
{
    const struct xen_dm_op_set_ioreq_server_state *a = &op->u.set_ioreq_server_state;

    if (a->pad)
        return -EINVAL;
    return ioreq_server_set_state(c->d, c->dm, a->id, a->enabled);
}

static int destroy_server(const struct dm_op_ctx *c, struct xen_dm_op *op)
{
    const struct xen_dm_op_destroy_ioreq_server *a = &op->u.destroy_ioreq_server;

    if (a->pad)
        return -EINVAL;
    return ioreq_server_destroy(c->d, c->dm, a->id);
}

static int isa_irq_level(const struct dm_op_ctx *c, struct xen_dm_op *op)
{
    const struct xen_dm_op_set_isa_irq_level *a = &op->u.set_isa_irq_level;

    if (a->isa_irq > 15 || a->level > 1)
        return -EINVAL;
    return arch_hvm_set_isa_irq_level(c->d, a->isa_irq, a->level);
}

/* Segment 0, bus 0: QEMU's xenfv machine has one PCI bus. */
static int pci_intx_level(const struct dm_op_ctx *c, struct xen_dm_op *op)
{
    const struct xen_dm_op_set_pci_intx_level *a = &op->u.set_pci_intx_level;

    if (a->domain || a->bus || a->device > 31 || a->intx > 3 || a->level > 1)
        return -EINVAL;
    return arch_hvm_set_pci_intx_level(c->d, a->device, a->intx, a->level);
}

static int pci_link_route(const struct dm_op_ctx *c, struct xen_dm_op *op)
{
    const struct xen_dm_op_set_pci_link_route *a = &op->u.set_pci_link_route;

    if (a->link > 3 || a->isa_irq > 15)
        return -EINVAL;
    return arch_hvm_set_pci_link_route(c->d, a->link, a->isa_irq);
}

static const struct dm_subop dm_subops[] = {
    [XEN_DMOP_create_ioreq_server]             = { create_server, true },
    [XEN_DMOP_get_ioreq_server_info]           = { server_info, true },
    [XEN_DMOP_map_io_range_to_ioreq_server]    = { map_range, false },
    [XEN_DMOP_unmap_io_range_from_ioreq_server] = { unmap_range, false },
    [XEN_DMOP_set_ioreq_server_state]          = { set_state, false },
    [XEN_DMOP_destroy_ioreq_server]            = { destroy_server, false },
    [XEN_DMOP_set_isa_irq_level]               = { isa_irq_level, false },
    [XEN_DMOP_set_pci_intx_level]              = { pci_intx_level, false },
    [XEN_DMOP_set_pci_link_route]              = { pci_link_route, false },
};

/* Buffer 0's descriptor and the op it points at: Xen's order of -E2BIG, -EFAULT. */
static int dm_op_read(unsigned int nr_bufs, guest_handle_t bufs, struct xen_dm_op_buf *buf,
                      struct xen_dm_op *op)
{
    if (nr_bufs > DM_OP_MAX_BUFS)
        return -E2BIG;
    if (!nr_bufs || copy_from_handle(buf, bufs, sizeof(*buf)))
        return -EFAULT;
    if (buf->size < sizeof(*op) ||
        copy_from_handle(op, guest_handle_from_field(buf->h), sizeof(*op)))
        return -EFAULT;
    return op->pad ? -EINVAL : 0;
}

static int dm_op_run(struct domain *d, unsigned int nr_bufs, guest_handle_t bufs)
{
    struct dm_op_ctx c = { d, current->domain };
    struct xen_dm_op_buf buf;
    struct xen_dm_op op;
    const struct dm_subop *s;
    int rc = dm_op_read(nr_bufs, bufs, &buf, &op);

    if (rc)
        return rc;
    s = op.op < ARRAY_SIZE(dm_subops) ? &dm_subops[op.op] : NULL;
    if (!s || !s->fn)
        return -EOPNOTSUPP;
    rc = s->fn(&c, &op);
    if (!rc && s->copy_back && copy_to_handle(guest_handle_from_field(buf.h), &op, sizeof(op)))
        rc = -EFAULT;
    return rc;
}

long do_dm_op(domid_t domid, unsigned int nr_bufs, guest_handle_t bufs)
{
    struct domain *d = domain_lookup(domid);
    long rc;

    if (!d)
        return -ESRCH;
    if (d == current->domain)
        rc = -EPERM;                             /* Xen: a remote domain only */
    else if (!d->hvm)
        rc = -EINVAL;                            /* Xen: an HVM domain only */
    else
        rc = dm_op_run(d, nr_bufs, bufs);
    put_domain(d);
    return rc;
}

/*
 * ioreq servers (common/ioreq.c): an HVM domain's port and MMIO accesses the
 * hypervisor does not emulate go to a device model in another domain, as
 * Xen's ioreq ABI (public/hvm/ioreq.h, dm_op.h) has them. A server owns two
 * hypervisor pages shared with its device model (XENMEM_acquire_resource:
 * frame 0 the buffered ring, never written here; frame 1 the synchronous
 * page, one ioreq_t per vCPU) and one event channel per vCPU. docs/hvm.md,
 * "The ioreq flow".
 */
#ifndef HV_IOREQ_H
#define HV_IOREQ_H

#include <hv/types.h>
#include <hv/xen.h>

#define IOREQ_MAX_SERVERS   8
#define IOREQ_MAX_RANGES    256         /* per server and kind, as Xen's MAX_NR_IO_RANGES */
#define IOREQ_MAX_VCPUS     (PAGE_SIZE / sizeof(ioreq_t))
#define IOREQ_FRAMES        2           /* acquire_resource: 0 buffered, 1 synchronous */
/* create_ioreq_server's handle_bufioreq (public/hvm/hvm_op.h, tools-only there). */
#define IOREQ_BUFIOREQ_OFF     0
#define IOREQ_BUFIOREQ_ATOMIC  2

/* What a server claims: ports, guest-physical MMIO, or PCI devices by SBDF
 * (segment << 16 | bus << 8 | device << 3 | function); a PCI access's addr
 * is (SBDF << 32) | the config register, as its ioreq_t's. */
enum ioreq_range_kind { IOREQ_RANGE_PORT, IOREQ_RANGE_MMIO, IOREQ_RANGE_PCI, IOREQ_RANGE_KINDS };

/* An inclusive range [start, end], as dm_op gives them. */
struct ioreq_range {
    u64 start, end;
};

struct ioreq_ranges {
    struct ioreq_range r[IOREQ_MAX_RANGES];
    unsigned int nr;
};

/* ioreq_range.c (pure): whether [addr, addr + size) lies inside one range. */
bool ioreq_ranges_claim(const struct ioreq_ranges *rs, u64 addr, unsigned int size);
/* Adds [start, end]: -EINVAL start > end, -EEXIST overlaps one, -ENOSPC full. */
int  ioreq_ranges_add(struct ioreq_ranges *rs, u64 start, u64 end);
/* Removes exactly [start, end]: -ENOENT if it is not one of the ranges. */
int  ioreq_ranges_remove(struct ioreq_ranges *rs, u64 start, u64 end);

struct domain;
struct vcpu;

/* What the exit side asks a server for (one access, at most 8 bytes). */
struct ioreq_access {
    enum ioreq_range_kind kind;
    u64 addr;
    unsigned int size;
    bool read;
    u64 data;                           /* a write's value */
};

/*
 * The exit side (arch/x86/hvm): -ENOENT when no enabled server claims the
 * access (the hypervisor's own behaviour stays); 0 when it went to a
 * server: the vCPU is blocked until ioreq_wait says it was answered.
 */
int  ioreq_send(struct vcpu *v, const struct ioreq_access *a);
/* Whether an enabled server of d claims the access (nothing sent). */
bool ioreq_claims(struct domain *d, const struct ioreq_access *a);
/* A request of v is outstanding. */
bool ioreq_outstanding(const struct vcpu *v);
/* 0: answered (*data: a read's value); -EAGAIN: not yet, v blocked again;
 * -EIO: the device model broke the protocol, the domain was crashed. */
int  ioreq_wait(struct vcpu *v, u64 *data);
/* An event on a vCPU's ioreq port from its device model (event_channel.c). */
void ioreq_port_notified(struct domain *d, unsigned int vcpu_id);

/* dm_op's workers (common/dm_op.c): dm is the caller, d the target. */
int ioreq_server_create(struct domain *d, struct domain *dm, u8 handle_bufioreq, u16 *id);
int ioreq_server_info(struct domain *d, struct domain *dm, u16 id, evtchn_port_t *bufioreq_port);
int ioreq_server_range(struct domain *d, struct domain *dm, u16 id, enum ioreq_range_kind kind,
                       u64 start, u64 end, bool map);
int ioreq_server_set_state(struct domain *d, struct domain *dm, u16 id, bool enabled);
int ioreq_server_destroy(struct domain *d, struct domain *dm, u16 id);
/* XENMEM_acquire_resource: the frames [frame, frame + nr) of server id. */
int ioreq_server_frames(struct domain *d, struct domain *dm, u16 id, u64 frame, unsigned int nr,
                        mfn_t *mfns);
/* Every server of d, at its shutdown: pages freed once nobody maps them. */
void ioreq_domain_destroy(struct domain *d);
/* At domain_free: the table itself. */
void ioreq_domain_free(struct domain *d);

#endif

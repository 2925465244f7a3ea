/*
 * device_vbd.h: a domain's virtual block devices, served by dom0's
 * xen-blkback (docs/io.md): the loop device over an image file, the
 * backend and frontend nodes in xenstore (as libxl writes them, plus the
 * `physical-device` of Xen's block hotplug script), the detach handshake,
 * and the clean-up of a dead domain's devices. Used by `pvctl create`
 * (disk=), block-attach/-detach/-list and destroy.
 */
#ifndef PVCTL_DEVICE_VBD_H
#define PVCTL_DEVICE_VBD_H
#include <stdint.h>
#include <stdio.h>
#include "config.h"

struct xs_handle;

/*
 * Gives domain `dom` the disk `d`: a loop device over a file (read-only for
 * a read-only disk) or the block device itself, then every node in one
 * transaction. Refuses an image attached anywhere if either attachment
 * would be writable, and a vdev the domain has. 0, or -1 with the reason
 * on stderr and nothing left behind.
 */
int vbd_attach(struct xs_handle *xs, uint16_t dom, const struct cfg_disk *d);
/*
 * Removes a device: the backend goes offline and Closing; without `force`
 * waits up to `timeout_s` for blkback to reach Closed (the guest closed
 * it). Then the nodes go and the loop device is freed. 0; -ETIMEDOUT if it
 * was removed without Closed; -ENOENT (no such device, message printed).
 */
int vbd_detach(struct xs_handle *xs, uint16_t dom, unsigned int devid, int force, int timeout_s);
/* A dead (or dying) domain's devices: the nodes go and the loop devices are freed, at once. */
void vbd_release_all(struct xs_handle *xs, uint16_t dom);
/* xl block-list's table for one domain (header when `header`). */
void vbd_list(struct xs_handle *xs, uint16_t dom, int header, FILE *out);
#endif

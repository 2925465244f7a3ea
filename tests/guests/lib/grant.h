/*
 * grant.h: grant-table helpers shared by the grant-* test guests (v2,
 * replace, dev, cache): thin wrappers returning the op's status (or the
 * hypercall's error when the call itself failed).
 */
#ifndef GUEST_GRANT_H
#define GUEST_GRANT_H
#include "mm.h"
#include <xen/grant_table.h>

/* setup_table for one frame of ours, mapped read-write at va; its mfn, or 0. */
unsigned long gnt_setup_frame0(void *va);
long gnt_set_version(unsigned int version, unsigned int *now);
long gnt_get_version(domid_t dom, unsigned int *version);
/* get_status_frames: the status (or the error), frames[] filled. */
long gnt_status_frames(domid_t dom, unsigned int nr, uint64_t *frames);
long gnt_map(domid_t dom, grant_ref_t ref, uint64_t addr, uint32_t flags, grant_handle_t *h,
             uint64_t *bus);
long gnt_unmap(uint64_t addr, uint64_t bus, grant_handle_t h);
long gnt_replace(uint64_t addr, uint64_t new_addr, grant_handle_t h);
long gnt_cache_flush(uint64_t bus, uint16_t offset, uint16_t len, uint32_t op);
#endif

/*
 * xs_domain.h: a domain's xenstore entries, as xl writes them (libxl's
 * domain_make and build_post): /local/domain/N (owned by dom0, readable by
 * N) with name, domid, vm, memory/, cpu/, console/, store/ and the
 * directories the guest writes (device, control, data, ...), and /vm/UUID.
 * All the writes a domain gets live here, so that disk= and vif= back ends
 * can add theirs next to them.
 */
#ifndef PVCTL_XS_DOMAIN_H
#define PVCTL_XS_DOMAIN_H
#include <stdint.h>

struct xs_handle;

struct xsd_domain {
    uint16_t dom;
    const char *name;
    char uuid[40];                    /* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" */
    uint64_t memory_kb;
    uint32_t vcpus;
    unsigned long console_mfn, store_mfn;
    unsigned int console_port, store_port;
    int hvm;                          /* no console ring or xenstore page (build_hvm.c) */
};

/* A fresh random uuid into d->uuid (xl's libxl_uuid_generate). */
void xsd_uuid(struct xsd_domain *d, uint8_t handle[16]);
/* Writes every entry in one transaction; 0 or -errno. */
int  xsd_write(struct xs_handle *xs, const struct xsd_domain *d);
/* XS_INTRODUCE of the domain's ring; 0 or -errno. */
int  xsd_introduce(struct xs_handle *xs, const struct xsd_domain *d);
/* XS_RELEASE, then removes /vm/UUID and /local/domain/N. */
void xsd_remove(struct xs_handle *xs, uint16_t dom);
#endif

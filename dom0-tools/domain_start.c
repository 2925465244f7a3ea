/*
 * domain_start.c: build, record and start a domain (domain_start.h). With
 * a xenstored, every entry is written by xs_domain.c and the domain is
 * introduced; without one, its name and console go to files (names.c).
 */
#include "domain_start.h"
#include "pvctl.h"
#include "device_vif.h"
#include "names.h"
#include "device_vbd.h"
#include "device_model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int domain_images_load(const struct pv_config *c, struct build_spec *s)
{
    int rc;

    if (c->hvm && c->firmware[0]) {                  /* the firmware, as it is (build_hvm.c) */
        rc = pvctl_read_file(c->firmware, &s->kernel);
        if (rc)
            fprintf(stderr, "pvctl: firmware %s: %s\n", c->firmware,
                    strerror(rc == -EINVAL ? ENODATA : -rc));
        return rc ? -1 : 0;
    }
    if (c->hvm) {                                    /* a bzImage, as it is (hvm_linux.c) */
        s->hvm_kernel_boot = 1;
        rc = pvctl_read_file(c->kernel, &s->kernel);
        if (rc) {
            fprintf(stderr, "pvctl: kernel %s: %s\n", c->kernel, strerror(rc == -EINVAL ? ENODATA : -rc));
            return -1;
        }
    } else if (pvctl_load_kernel(c->kernel, &s->kernel))
        return -1;
    if (!c->ramdisk[0])
        return 0;
    rc = pvctl_read_file(c->ramdisk, &s->initrd);
    if (rc) {
        fprintf(stderr, "pvctl: ramdisk %s: %s\n", c->ramdisk, strerror(rc == -EINVAL ? ENODATA : -rc));
        domain_images_free(s);
        return -1;
    }
    return 0;
}

void domain_images_free(struct build_spec *s)
{
    free(s->kernel.data);
    free(s->initrd.data);
    s->kernel = (struct pvctl_buf){ 0 };
    s->initrd = (struct pvctl_buf){ 0 };
}

static int record(const struct pv_config *c, const struct build_result *r, struct xsd_domain *xd)
{
    struct xs_handle *xs = names_xs();
    int rc;

    xd->dom = r->dom;
    xd->name = c->name;
    xd->memory_kb = (uint64_t)c->memory_mb << 10;
    xd->vcpus = c->vcpus;
    xd->console_mfn = r->console_mfn;
    xd->console_port = r->console_port;
    xd->store_mfn = r->store_mfn;
    xd->store_port = r->store_port;
    xd->hvm = c->hvm;
    if (!xs) {
        if ((rc = names_set(r->dom, c->name)) ||
            (r->console_port && (rc = names_set_console(r->dom, r->console_mfn, r->console_port))))
            fprintf(stderr, "pvctl: create: recording the name in %s: %s\n", names_where(), strerror(-rc));
        return rc;
    }
    if ((rc = xsd_write(xs, xd))) {
        fprintf(stderr, "pvctl: create: writing the xenstore entries: %s\n", strerror(-rc));
        return rc;
    }
    if (xd->hvm)
        return 0;                                    /* no xenstore page to introduce yet */
    if ((rc = xsd_introduce(xs, xd)))
        fprintf(stderr, "pvctl: create: xenstored refused the introduction: %s\n", strerror(-rc));
    return rc;
}

/* disk=: each disk attached before the domain runs (device_vbd.c); -1 at the first refused. */
static int attach_disks(const struct pv_config *c, domid_t dom)
{
    for (unsigned int i = 0; i < c->nr_disk; i++)
        if (vbd_attach(names_xs(), dom, &c->disks[i]))
            return -1;
    return 0;
}

void domain_destroy(domid_t dom)
{
    dm_stop(dom);                                    /* first: it maps the guest's memory */
    ctl_simple(XEN_DOMCTL_destroydomain, dom);
    vbd_release_all(names_xs(), dom);
    names_remove(dom);
}

/* The config's vifs, before the domain runs (its netfront then finds them at boot). */
static int attach_vifs(const struct pv_config *c, domid_t dom)
{
    if (!c->nr_vif)
        return 0;
    if (!names_have_xenstore()) {
        fprintf(stderr, "pvctl: create: vif needs a xenstored in dom0\n");
        return -1;
    }
    return vif_attach_config(c, dom);
}

int domain_start(const struct pv_config *c, struct build_spec *s, struct xsd_domain *xd, int paused)
{
    struct build_result r;
    int rc;

    s->cmdline = config_cmdline(c);
    s->memory_mb = c->memory_mb;
    s->vcpus = c->vcpus;
    s->xenstored = names_have_xenstore();
    if (c->hvm ? hvm_build(s, &r) : pv_build(s, &r))
        return -1;
    if (names_have_xenstore() && !r.grants_seeded && !c->hvm)
        fprintf(stderr, "pvctl: create: the back ends map the rings by their MFNs instead\n");
    if (record(c, &r, xd)) {
        domain_destroy(r.dom);
        return -1;
    }
    pvctl_step("xenstore entries, introduced");
    if (!c->hvm && (attach_disks(c, r.dom) || attach_vifs(c, r.dom))) {   /* HVM's: QEMU's */
        domain_destroy(r.dom);
        return -1;
    }
    pvctl_step("disks and vifs attached");
    if (config_has_device_model(c) && dm_start(c, r.dom)) {
        domain_destroy(r.dom);
        return -1;
    }
    if (!paused && (rc = ctl_simple(XEN_DOMCTL_unpausedomain, r.dom))) {
        fprintf(stderr, "pvctl: create: unpause: %s\n", strerror(-rc));
        domain_destroy(r.dom);
        return -1;
    }
    pvctl_step(paused ? "left paused" : "unpaused");
    return 0;
}

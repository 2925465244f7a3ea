/*
 * Domains: introduction, release, targets, per-domain accounting, and the
 * seam to the ring backend that maps a guest's xenstore page and binds its
 * event channel (files/in-memory today, grant tables + /dev/xen/evtchn in
 * the driver domain).
 */
#ifndef XS_DOMAIN_H
#define XS_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "xs_perms.h"

struct xs_conn;
struct xs_req;

struct xs_ring_backend {
	/* Map domid's page and bind port; returns the page or NULL. The
	 * backend reports guest notifications with xs_ring_kick(). */
	void *(*map)(void *ctx, unsigned domid, uint64_t mfn, unsigned port,
		     void **handle);
	void (*notify)(void *ctx, void *handle);
	void (*unmap)(void *ctx, void *handle, void *page);
	void *ctx;
};

void xs_domain_set_backend(const struct xs_ring_backend *b);
int xs_domain_init(void);
void xs_domain_fini(void);

unsigned xs_domain_nodes(unsigned domid);
void xs_domain_nodes_adjust(unsigned domid, int delta);
struct xs_perms *xs_domain_special_perms(const char *name);
int xs_domain_set_special_perms(const char *name, struct xs_perms *p);
/* The ring connection of an introduced domain (or dom0's own), or NULL. */
struct xs_conn *xs_domain_conn(unsigned domid);
/* Dom0's ring: the backend connects it at start, not INTRODUCE. */
void xs_domain_attach_conn(unsigned domid, struct xs_conn *c);
/* A domain's ring connection is going away. */
void xs_domain_conn_gone(struct xs_conn *c);

/* VIRQ_DOM_EXC: release every introduced domain that `gone` says has
 * died, as RELEASE does (ring unmapped, the nodes it owned removed);
 * then fires @releaseDomain once, released or not (a domain may just have
 * shut down). Returns how many were released. */
unsigned xs_domain_release_gone(bool (*gone)(unsigned domid));

int xs_do_introduce(struct xs_req *r);
int xs_do_release(struct xs_req *r);
int xs_do_is_introduced(struct xs_req *r);
int xs_do_resume(struct xs_req *r);
int xs_do_set_target(struct xs_req *r);
int xs_do_get_domain_path(struct xs_req *r);

#endif

/*
 * names.h: domain names. Kept in xenstore (/local/domain/N/name, as xl
 * does) when a xenstored answers on its Unix socket; otherwise in
 * /run/pvctl/names/N, one file a domain. Either way, a name counts only
 * while its domain exists (the caller checks with getdomaininfo).
 */
#ifndef PVCTL_NAMES_H
#define PVCTL_NAMES_H
#include <stddef.h>
#include <stdint.h>

void names_open(void);
void names_close(void);
const char *names_where(void);        /* "xenstore" or the directory */
int  names_have_xenstore(void);
int  names_get(uint16_t dom, char *buf, size_t len);   /* 0 or -ENOENT */
/* Without a xenstored: the name and console in files (with one, xs_domain.c writes them). */
int  names_set(uint16_t dom, const char *name);        /* 0 or -errno */
void names_remove(uint16_t dom);      /* with xenstore: XS_RELEASE and the nodes (xsd_remove) */
/* The console ring's frame and port, recorded at create (xenstore: console/ring-ref, port). */
int  names_set_console(uint16_t dom, unsigned long mfn, unsigned int port);
int  names_get_console(uint16_t dom, unsigned long *mfn, unsigned int *port);   /* 0 or -ENOENT */
/* The xenstore connection, or NULL without a xenstored. */
struct xs_handle *names_xs(void);
/* Writes /local/domain/N/control/shutdown (xl shutdown/reboot); -ENOTCONN without xenstore. */
int  names_control_shutdown(uint16_t dom, const char *how);
#endif

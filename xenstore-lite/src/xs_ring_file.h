/*
 * Host ring backend: a guest's "page" is the 4 KiB file DIR/ring-<domid>
 * (the layout the xenhv shim uses for the real xenstored) and, with no
 * event channels on a plain host, rings are polled every few ms.
 * The driver domain replaces this with grant-mapped pages and
 * /dev/xen/evtchn behind the same struct xs_ring_backend.
 */
#ifndef XS_RING_FILE_H
#define XS_RING_FILE_H

int xs_ring_file_init(const char *dir);
void xs_ring_file_fini(void);

#endif

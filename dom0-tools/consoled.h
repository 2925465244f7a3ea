/*
 * consoled.h: pvconsoled, the console daemon in dom0 (xenconsoled's part in
 * a Xen system; docs/toolstack.md, "The console daemon"). One process
 * serves the PV console ring of every guest that has console/ring-ref and
 * console/port in xenstore: it appends the guest's output to
 * /var/log/pvctl/guest-NAME.log and offers the console on a pty
 * (console/tty) for `pvctl console`.
 *   consoled.c         options, the pidfile, the event loop
 *   consoled_domain.c  which domains are served: attach, detach, scan
 *   consoled_io.c      one domain's ring to its log and pty, pty to ring, the rate limit
 *   consoled_log.c     the log files: append, timestamps, the size cap
 */
#ifndef PVCTL_CONSOLED_H
#define PVCTL_CONSOLED_H
#include "domctl.h"
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xen/io/console.h>

struct xs_handle;

struct consoled_opts {
    const char *log_dir;          /* -d, /var/log/pvctl */
    int timestamps;               /* -t: each line starts with the time, off by default */
    size_t log_max;               /* -s: a log past this is renamed .old and started again */
    size_t rate_bytes;            /* -r: bytes a guest may pass per window (RATE_WINDOW_MS) */
};
#define RATE_WINDOW_MS 100

struct clog {
    int fd;                       /* -1: none */
    char path[160];
    off_t size;
    int at_line_start;
};

struct cdom {
    domid_t dom;
    uint8_t handle[16];           /* tells this domain from a later one with its id */
    char name[64];
    struct xencons_interface *ring;   /* NULL: not served (shut down, or attach failed) */
    int local;                    /* our end of its console port, -1 none */
    int master, slave;            /* the pty (-1 none); the slave is held open, raw */
    struct clog log;
    size_t window_bytes;          /* passed in this rate window */
    int throttled;                /* the window's budget is spent: port left masked */
    int said_malformed;
    struct cdom *next;
};

struct consoled {
    struct consoled_opts o;
    struct xs_handle *xs;
    xenevtchn_handle *xe;
    xenforeignmemory_handle *fm;
    struct cdom *doms;
};

/* consoled_domain.c */
void consoled_scan(struct consoled *d);                 /* attach new guests, let go of dead ones */
void consoled_detach_all(struct consoled *d);
struct cdom *consoled_by_port(struct consoled *d, int local);
/* consoled_io.c */
void consoled_service(struct consoled *d, struct cdom *c);     /* ring -> log and pty, pty -> ring */
void consoled_charge_event(struct consoled *d, struct cdom *c);  /* an event's share of the allowance */
void consoled_new_window(struct consoled *d);                  /* the rate limit's next window */
int  consoled_open_pty(struct consoled *d, struct cdom *c);    /* 0, or -1 (the log still runs) */
void consoled_close_pty(struct cdom *c);
void consoled_linger_pty(struct cdom *c, long now_ms);        /* closed a little later */
void consoled_reap_ptys(long now_ms, int all);                /* closes the lingering ones due */
long consoled_now_ms(void);
/* consoled_log.c */
int  clog_open(struct clog *l, const char *dir, const char *name, domid_t dom);
void clog_write(struct clog *l, const struct consoled_opts *o, const char *buf, size_t n);
void clog_note(struct clog *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void clog_close(struct clog *l);
/* consoled.c: a line to the daemon's own log (stderr) */
void consoled_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#endif

/* Serial console and log levels (common/console.c). */
#ifndef HV_CONSOLE_H
#define HV_CONSOLE_H

#include <hv/types.h>

enum hv_loglvl { LOG_ERR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

extern enum hv_loglvl hv_loglvl;

void hv_log(enum hv_loglvl lvl, const char *fmt, ...) __printf(2, 3);
void hv_vlog(enum hv_loglvl lvl, const char *fmt, va_list ap);
void hv_puts_raw(const char *s, size_t len);
/* Ends another writer's partial line before `owner` (a domid, or -2 for whole lines) writes. */
/* console_lock (common/console.c): around a group of hv_puts_raw and the line-owner calls. */
void hv_console_lock(void);
void hv_console_unlock(void);
void hv_console_claim_line(int owner);
void hv_console_set_line_owner(int owner);

#define hv_err(...)   hv_log(LOG_ERR, __VA_ARGS__)
#define hv_warn(...)  hv_log(LOG_WARN, __VA_ARGS__)
#define hv_info(...)  hv_log(LOG_INFO, __VA_ARGS__)
#define hv_debug(...) hv_log(LOG_DEBUG, __VA_ARGS__)

/* Buffers a domain's console_io output and prints whole lines as "(dN) text". */
struct domain;
char hv_console_guest_char(char c);            /* filtered for the terminal; 0: dropped */
void hv_console_guest_write(struct domain *d, const char *buf, size_t len);
void hv_console_guest_flush(struct domain *d);

/*
 * The PV console backend (common/console_ring.c): the hypervisor serves
 * each domU's console ring on the serial line, "(dN) " at each line start,
 * and feeds serial input to the first domain that has a ring.
 */
int  console_ring_attach(struct domain *d);  /* binds the port; returns it or -errno */
int  console_ring_map(struct domain *d, mfn_t ring);   /* serves the ring in frame `ring` */
void console_ring_detach(struct domain *d);

/*
 * Serial input for the privileged domain's console_io (common/console_input.c):
 * polled, VIRQ_CONSOLE when there is some, handed over by CONSOLEIO_read.
 */
void console_input_start(struct domain *d);
bool console_input_active(void);             /* a privileged domain takes the serial input */
/* console_input_read(count, buf), CONSOLEIO_read's work, is in hv/hypercall.h. */

/*
 * The hypervisor's console history (common/console_history.c), read by
 * sysctl readconsole. Free-running indexes; `filled` bytes are held, at
 * most `size` (a power of two); `cons` is where a non-incremental read
 * starts (moved by a read with `clear`).
 */
struct console_history {
    char *buf;
    u32 size, prod, cons, filled;
};
void console_history_put(struct console_history *r, const char *s, size_t len);
size_t console_history_take(const struct console_history *r, u32 *from, char *out, size_t max);
void console_history_record(const char *s, size_t len);   /* console_lock held */
struct xen_sysctl_readconsole;
long console_history_read(struct xen_sysctl_readconsole *op);

/* Sets the level from "err", "warning", "info", "debug" or "all". */
int hv_console_set_loglvl(const char *name);

__noreturn void hv_panic(const char *fmt, ...) __printf(1, 2);

#endif

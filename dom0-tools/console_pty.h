/*
 * console_pty.h: `pvctl console` through the console daemon. When
 * pvconsoled serves a domain it holds the ring and its port, and offers the
 * console on a pty whose path it writes to /local/domain/N/console/tty, as
 * xenconsoled does; `pvctl console` then opens that pty (xl console does the
 * same).
 */
#ifndef PVCTL_CONSOLE_PTY_H
#define PVCTL_CONSOLE_PTY_H
#include <stddef.h>
#include "domctl.h"

#define CONSOLE_DETACH_KEY 0x1d                     /* Ctrl-] */
#define CONSOLED_PIDFILE "/run/pvconsoled.pid"

/* Whether the domain exists and has not shut down. */
int console_domain_running(domid_t dom);
/*
 * 0 and the pty's path when pvconsoled runs and serves `dom` (waiting a
 * little for it to attach to a domain just created); -ENOENT otherwise.
 */
int console_daemon_tty(domid_t dom, char *path, size_t len);
/*
 * Relays the pty to stdout, and stdin to it when `interactive` (raw
 * terminal; Ctrl-] detaches; at the end of its input the output goes on).
 * Ends when the domain has shut down or is
 * gone, or the daemon lets the pty go; `unpause`: the domain is unpaused
 * once the pty is open. Returns 0, or 1 with a message.
 */
int console_pty_attach(const char *tty, domid_t dom, int interactive, int unpause);
/* Unpauses the domain once the console is attached (`create -c`), saying why not. */
void console_unpause(domid_t dom);
/*
 * `pvctl console` of a domain: through pvconsoled's pty if it serves it,
 * else the ring served here; `unpause` unpauses the domain once attached
 * (create -c: no output is missed). Returns 0 or 1.
 */
int console_run(domid_t dom, int logging, int unpause);
#endif

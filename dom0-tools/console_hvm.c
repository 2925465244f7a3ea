/*
 * console_hvm.c: `pvctl console` of an HVM guest before it has a device
 * model. Its console is then the debug port 0xe9, whose lines the
 * hypervisor keeps in its console history as "(dN) ..." (docs/hvm.md);
 * this follows that history through sysctl readconsole, as `xl dmesg`
 * reads it, and prints the guest's own lines without the prefix, until the
 * guest has shut down. Output only: the debug port takes no input. When
 * QEMU serves the guest, `pvctl console` opens its serial port's pty
 * instead (console_hvm_serial_tty).
 */
#include "console_hvm.h"
#include "console_pty.h"
#include "pvctl.h"

#include "names.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenstore.h>

#define POLL_US 100000

struct follower {
    char prefix[16];
    size_t prefix_len;
    char line[1024];
    size_t len;
};

static void line_done(struct follower *f)
{
    if (f->len > f->prefix_len && !memcmp(f->line, f->prefix, f->prefix_len))
        fwrite(f->line + f->prefix_len, 1, f->len - f->prefix_len, stdout);
    f->len = 0;
}

/* History bytes to lines; a line longer than the buffer is cut where it is full. */
static void feed(struct follower *f, const char *buf, long n)
{
    for (long i = 0; i < n; i++) {
        if (f->len < sizeof(f->line))
            f->line[f->len++] = buf[i];
        if (buf[i] == '\n' || f->len == sizeof(f->line))
            line_done(f);
    }
    fflush(stdout);
}

/* Everything new in the history; 0, or -errno of readconsole. */
static long read_new(struct follower *f, uint32_t *index)
{
    char buf[4096];
    long n;

    while ((n = ctl_readconsole(buf, sizeof(buf), index, 0)) > 0)
        feed(f, buf, n);
    return n;
}

int console_hvm_run(domid_t dom, int unpause)
{
    struct follower f = { .len = 0 };
    uint32_t index = 0;
    long rc;

    f.prefix_len = (size_t)snprintf(f.prefix, sizeof(f.prefix), "(d%u) ", dom);
    fprintf(stderr, "pvctl: console: d%u is an HVM guest: its debug port (0xe9), from the "
            "hypervisor's console history\n", dom);
    if (unpause)
        console_unpause(dom);
    for (;;) {
        int running = console_domain_running(dom);

        if ((rc = read_new(&f, &index)) < 0) {
            fprintf(stderr, "pvctl: console: readconsole: %s\n", strerror((int)-rc));
            return 1;
        }
        if (!running)
            return 0;                                /* its last lines were in this read */
        usleep(POLL_US);
    }
}

int console_hvm_serial_tty(domid_t dom, char *tty, size_t len)
{
    struct xs_handle *xs = names_xs();
    char path[64], *v;
    unsigned int n;

    if (!xs)
        return -ENOENT;
    snprintf(path, sizeof(path), "/local/domain/%u/serial/0/tty", dom);
    v = xs_read(xs, XBT_NULL, path, &n);
    if (!v)
        return -ENOENT;
    snprintf(tty, len, "%s", v);
    free(v);
    return 0;
}

/*
 * The hypervisor's console history: its own "(HV)" lines, kept in a ring
 * for sysctl readconsole, which `pvctl dmesg` (and `xl dmesg` on Xen)
 * reads. As Xen's conring, guests' console output is not kept (Xen keeps
 * it only with console_to_ring), but an HVM guest's debug-port lines are,
 * "(dN) ..." (Xen's guest_printk of port 0xe9, with guest_loglvl=all): they
 * are its console until a device model serves it. The indexes are free-running: `prod` is
 * where the next byte goes, `cons` the oldest byte still to be read by a
 * non-incremental reader; a reader continues from the `index` it was given.
 */
#define __XEN_TOOLS__ 1                              /* sysctl.h is tools-only */
#include <hv/console.h>
#include <hv/errno.h>
#include <hv/guest_access.h>
#include <hv/lib.h>
#include <xen/sysctl.h>

#define HISTORY_SIZE  16384u                         /* a power of two */
#define HISTORY_CHUNK 256u                           /* copied out with no lock held */

static char history[HISTORY_SIZE];
static struct console_history ring = { .buf = history, .size = HISTORY_SIZE };

void console_history_put(struct console_history *r, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        r->buf[r->prod++ & (r->size - 1)] = s[i];
    r->filled = (u32)MIN((size_t)r->filled + len, (size_t)r->size);
    if (r->prod - r->cons > r->filled)
        r->cons = r->prod - r->filled;               /* the oldest bytes were overwritten */
}

/* The oldest byte the ring still holds. */
static u32 oldest(const struct console_history *r)
{
    return r->prod - r->filled;
}

/*
 * Up to `max` bytes from index *from on, into out; *from moves past them.
 * An index older than what the ring still holds starts at its oldest byte.
 */
size_t console_history_take(const struct console_history *r, u32 *from, char *out, size_t max)
{
    u32 c = *from;
    size_t n = 0;

    if (r->prod - c > r->filled)
        c = oldest(r);                               /* overwritten since (or never written) */
    while (c != r->prod && n < max)
        out[n++] = r->buf[c++ & (r->size - 1)];
    *from = c;
    return n;
}

/* Called with console_lock held (console.c), for each "(HV)" line. */
void console_history_record(const char *s, size_t len)
{
    console_history_put(&ring, s, len);
}

/*
 * XEN_SYSCTL_readconsole, as Xen's read_console_ring: from `index` when
 * incremental, else from the oldest byte not cleared; `count` bytes at
 * most. Out: `count` written, `index` where the next read starts. `clear`
 * makes a later non-incremental read start after what was read. The bytes
 * go out in chunks, copied under console_lock and written with none held.
 */
long console_history_read(struct xen_sysctl_readconsole *op)
{
    guest_handle_t buf = guest_handle_from_field(op->buffer);
    char chunk[HISTORY_CHUNK];
    u32 c, written = 0;

    hv_console_lock();
    c = op->incremental ? op->index : ring.cons;
    hv_console_unlock();
    while (written < op->count) {
        size_t n;

        hv_console_lock();
        n = console_history_take(&ring, &c, chunk, MIN(op->count - written, HISTORY_CHUNK));
        hv_console_unlock();
        if (!n)
            break;
        if (copy_to_handle(guest_handle_add_offset(buf, written), chunk, n))
            return -EFAULT;
        written += (u32)n;
    }
    if (op->clear) {
        hv_console_lock();
        ring.cons = ring.prod - c > ring.filled ? oldest(&ring) : c;
        hv_console_unlock();
    }
    op->count = written;
    op->index = c;
    return 0;
}

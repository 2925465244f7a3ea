/*
 * console_ring.c: reading a guest's `out` ring and filling its `in` ring
 * (console_ring.h), as xenconsoled's buffer_append and handle_tty_read do,
 * with every guest index masked.
 */
#include "console_ring.h"

static XENCONS_RING_IDX load(const XENCONS_RING_IDX *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store(XENCONS_RING_IDX *p, XENCONS_RING_IDX v)
{
    __atomic_store_n(p, v, __ATOMIC_RELEASE);
}

size_t cring_read_out(struct xencons_interface *r, char *buf, size_t cap, int *malformed)
{
    XENCONS_RING_IDX cons = load(&r->out_cons), prod = load(&r->out_prod);
    size_t avail = (XENCONS_RING_IDX)(prod - cons), n = 0;

    if (avail > sizeof(r->out)) {                   /* more than a ring: the indices lie */
        *malformed = 1;                              /* left alone, as xenconsoled does */
        return 0;
    }
    if (cap > sizeof(r->out))
        cap = sizeof(r->out);
    for (; n < avail && n < cap; n++, cons++)
        buf[n] = r->out[MASK_XENCONS_IDX(cons, r->out)];
    if (n)
        store(&r->out_cons, cons);
    return n;
}

size_t cring_in_space(const struct xencons_interface *r)
{
    XENCONS_RING_IDX used = load(&r->in_prod) - load(&r->in_cons);

    return used > sizeof(r->in) ? 0 : sizeof(r->in) - used;
}

size_t cring_write_in(struct xencons_interface *r, const char *buf, size_t n)
{
    XENCONS_RING_IDX prod = r->in_prod;
    size_t space = cring_in_space(r), i;

    for (i = 0; i < n && i < space; i++, prod++)
        r->in[MASK_XENCONS_IDX(prod, r->in)] = buf[i];
    if (i)
        store(&r->in_prod, prod);
    return i;
}

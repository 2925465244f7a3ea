/*
 * console_ring.h: the two halves of a PV console ring (xen/io/console.h)
 * that a back end moves, shared by `pvctl console` (cmd_console.c) and the
 * console daemon (consoled*.c). The indices come from the guest: every
 * access is masked, and one call moves at most one ring's worth, so a
 * hostile producer index can neither overrun a buffer nor keep the caller
 * busy. Neither function notifies the guest; the caller does.
 */
#ifndef PVCTL_CONSOLE_RING_H
#define PVCTL_CONSOLE_RING_H
#include <stddef.h>
#include <stdint.h>
#include <xen/io/console.h>

/*
 * Copies what the guest wrote to its `out` ring into buf (at most cap
 * bytes and at most one ring) and consumes it. When the guest's indices
 * claim more than a ring holds, *malformed is set and nothing is read or
 * consumed (the guest may repair its indices). Returns the bytes copied.
 */
size_t cring_read_out(struct xencons_interface *r, char *buf, size_t cap, int *malformed);
/* Free bytes in the guest's `in` ring (0 when its indices are nonsense). */
size_t cring_in_space(const struct xencons_interface *r);
/* Puts up to n bytes into the `in` ring; returns how many fitted. */
size_t cring_write_in(struct xencons_interface *r, const char *buf, size_t n);
#endif

/*
 * Generations without a per-node field. A global clock ticks on every
 * committed change; a bounded log remembers the clock of the last change
 * of each recently changed path (keyed by a keyed 64-bit path hash). For
 * a path no longer in the log, xs_gen_of() answers the floor: the newest
 * clock ever dropped from it. So xs_gen_of() is exact for changes newer
 * than the floor and an upper bound otherwise; it never decreases.
 *
 * Transactions record the clock at first access of a path and conflict
 * if xs_gen_of(path) is newer at commit (Xen's rule, transaction.c).
 * They pin the log: entries newer than the oldest open transaction's
 * start are kept while fewer than 3/4 * XS_GEN_MAX_KEEP distinct paths
 * changed since; past that the oldest open transactions may see a
 * spurious EAGAIN (always a legal answer). A hash collision can likewise
 * only cause a spurious conflict.
 */
#ifndef XS_GEN_H
#define XS_GEN_H

#include <stddef.h>
#include <stdint.h>

#define XS_GEN_MIN_KEEP 4096u
#define XS_GEN_MAX_KEEP (1u << 18)

/* An open transaction's hold on the log (intrusive list, start order). */
struct xs_gen_pin {
	struct xs_gen_pin *prev, *next;
	uint64_t start;
};

int xs_gen_init(void);
void xs_gen_fini(void);

uint64_t xs_gen_now(void);
/* Tick the clock without a change (a fresh, never-used value). */
uint64_t xs_gen_next(void);
/* Record a change of path; returns its new generation. */
uint64_t xs_gen_bump(const char *path, size_t len);
uint64_t xs_gen_of(const char *path, size_t len);

void xs_gen_pin(struct xs_gen_pin *p);
void xs_gen_unpin(struct xs_gen_pin *p);

/* Entries held (for tests and CONTROL). */
size_t xs_gen_logged(void);

#endif

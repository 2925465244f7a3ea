/* Change log behind node generations (see xs_gen.h): a FIFO ring of
 * (keyed path hash, generation) and an open-addressed index of the newest
 * entry per hash. A superseded entry stays in the ring until it reaches
 * the head, where it is dropped without moving the floor. The hash is
 * keyed (xs_hash.h): guests choose paths, and must not be able to pile
 * them into one probe run or collide with another domain's path. */
#include "xs_gen.h"
#include "xs_hash.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct entry {
	uint64_t key;
	uint64_t gen;
};

static struct entry *ring;
static uint32_t *slots;		/* ring position + 1; 0 = empty */
static uint64_t head, tail;	/* absolute sequence numbers */
static uint32_t cap;		/* ring size; the index has 2 * cap slots */
static uint32_t nlive;		/* entries not superseded (= used slots) */
static uint64_t clock_now, floor_gen;
static struct xs_gen_pin *pins, *pins_tail;

static uint32_t imask(void)
{
	return 2 * cap - 1;
}

/* Index slot of key, or of the empty slot where it would go. */
static uint32_t slot_find(uint64_t key)
{
	uint32_t i = (uint32_t)key & imask();

	while (slots[i] && ring[slots[i] - 1].key != key)
		i = (i + 1) & imask();
	return i;
}

/* Linear-probing delete by backward shift: no tombstones to clean. */
static void slot_del(uint32_t i)
{
	for (uint32_t j = (i + 1) & imask(); slots[j]; j = (j + 1) & imask()) {
		uint32_t home = (uint32_t)ring[slots[j] - 1].key & imask();
		bool stays = i <= j ? (home > i && home <= j)
				    : (home > i || home <= j);
		if (!stays) {
			slots[i] = slots[j];
			i = j;
		}
	}
	slots[i] = 0;
	nlive--;
}

static int tables_alloc(uint32_t n, struct entry **r, uint32_t **s)
{
	*r = malloc(n * sizeof(**r));
	*s = calloc(2 * (size_t)n, sizeof(**s));
	if (*r && *s)
		return 0;
	free(*r);
	free(*s);
	*r = NULL;
	*s = NULL;
	return ENOMEM;
}

/* Copy the live entries, oldest first, into tables of n entries. */
static int resize(uint32_t n)
{
	struct entry *nr;
	uint32_t *ns, count = 0;

	if (tables_alloc(n, &nr, &ns))
		return ENOMEM;
	for (uint64_t s = head; s < tail; s++) {
		struct entry *e = &ring[s & (cap - 1)];
		if (slots[slot_find(e->key)] == (s & (cap - 1)) + 1)
			nr[count++] = *e;
	}
	free(ring);
	free(slots);
	ring = nr;
	slots = ns;
	cap = n;
	head = 0;
	tail = count;
	nlive = count;
	for (uint32_t k = 0; k < count; k++)
		slots[slot_find(ring[k].key)] = k + 1;
	return 0;
}

static void drop_head(void)
{
	uint32_t pos = head & (cap - 1);
	uint32_t i = slot_find(ring[pos].key);

	if (slots[i] == pos + 1) {
		if (ring[pos].gen > floor_gen)
			floor_gen = ring[pos].gen;
		slot_del(i);
	}
	head++;
}

static uint64_t pinned_from(void)
{
	return pins ? pins->start : UINT64_MAX;
}

/* Make room for one entry: drop what no open transaction needs; when
 * full of what one may need, squeeze out superseded entries (a hot path
 * rewritten in a loop) if that frees a quarter of the ring (so squeezing
 * stays O(1) per change on average), else grow, and at the cap give up
 * the oldest. */
static void make_room(void)
{
	while (tail - head >= XS_GEN_MIN_KEEP &&
	       ring[head & (cap - 1)].gen <= pinned_from())
		drop_head();
	if (tail - head < cap)
		return;
	if (nlive <= cap / 4 * 3 && !resize(cap))
		return;
	if (cap < XS_GEN_MAX_KEEP && !resize(cap * 2))
		return;
	drop_head();
}

static void maybe_shrink(void)
{
	if (cap > XS_GEN_MIN_KEEP && tail - head <= cap / 4)
		resize(cap / 2);	/* failing to shrink is harmless */
}

uint64_t xs_gen_bump(const char *path, size_t len)
{
	uint64_t key = xs_hash64(path, len);
	uint32_t pos, i;

	make_room();
	pos = tail & (cap - 1);
	ring[pos].key = key;
	ring[pos].gen = ++clock_now;
	tail++;
	i = slot_find(key);
	nlive += !slots[i];
	slots[i] = pos + 1;	/* supersedes any older entry of the key */
	maybe_shrink();
	return clock_now;
}

uint64_t xs_gen_of(const char *path, size_t len)
{
	uint32_t i = slot_find(xs_hash64(path, len));

	return slots[i] ? ring[slots[i] - 1].gen : floor_gen;
}

uint64_t xs_gen_now(void)
{
	return clock_now;
}

uint64_t xs_gen_next(void)
{
	return ++clock_now;
}

void xs_gen_pin(struct xs_gen_pin *p)
{
	p->start = clock_now;
	p->next = NULL;
	p->prev = pins_tail;
	if (pins_tail)
		pins_tail->next = p;
	else
		pins = p;
	pins_tail = p;
}

void xs_gen_unpin(struct xs_gen_pin *p)
{
	if (p->prev)
		p->prev->next = p->next;
	else
		pins = p->next;
	if (p->next)
		p->next->prev = p->prev;
	else
		pins_tail = p->prev;
	p->prev = p->next = NULL;
}

size_t xs_gen_logged(void)
{
	return (size_t)(tail - head);
}

int xs_gen_init(void)
{
	cap = XS_GEN_MIN_KEEP;
	head = tail = clock_now = floor_gen = 0;
	nlive = 0;
	pins = pins_tail = NULL;
	if (tables_alloc(cap, &ring, &slots))
		return ENOMEM;
	/* Touch the ring now: its pages are a fixed cost, not per node. */
	memset(ring, 0, cap * sizeof(*ring));
	return 0;
}

void xs_gen_fini(void)
{
	free(ring);
	free(slots);
	ring = NULL;
	slots = NULL;
	cap = 0;
}

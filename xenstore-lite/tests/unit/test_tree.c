/* The node store (xs_tree.c) and the change log behind generations
 * (xs_gen.c), driven directly and against simple models. */
#include "unit.h"

#include <stdio.h>
#include <stdlib.h>

#include "../../src/xs_gen.h"
#include "../../src/xs_path.h"
#include "../../src/xs_tree.h"

static struct xs_perms *perms0(void)
{
	return xs_perms_simple(0, XS_PERM_NONE);
}

static int add(const char *path)
{
	return xs_tree_add(path, strlen(path), perms0());
}

static const struct xs_node *get(const char *path)
{
	return xs_tree_lookup(path, strlen(path), NULL);
}

static int set(const char *path, const char *v, uint32_t len)
{
	return xs_tree_set_value(path, strlen(path), v, len);
}

struct list {
	char buf[8192];
	size_t len;
	unsigned n;
};

static int collect(const char *name, size_t nlen, void *arg)
{
	struct list *l = arg;

	if (l->len + nlen + 2 > sizeof(l->buf))
		return E2BIG;
	memcpy(l->buf + l->len, name, nlen);
	l->len += nlen;
	l->buf[l->len++] = ',';
	l->buf[l->len] = '\0';
	l->n++;
	return 0;
}

static const char *kids_of(const char *path)
{
	static struct list l;
	const struct xs_node *n = get(path);

	memset(&l, 0, sizeof(l));
	if (n)
		CU_ASSERT_EQUAL(xs_tree_children(n, collect, &l), 0);
	return l.buf;
}

/* ---- tree ---- */

static void t_sorted_children(void)
{
	static const char *const names[] = { "m", "b", "zz", "a", "ba", "z", "a0" };

	CU_ASSERT_EQUAL(add("/t"), 0);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char p[16];
		snprintf(p, sizeof(p), "/t/%s", names[i]);
		CU_ASSERT_EQUAL(add(p), 0);
	}
	CU_ASSERT_STRING_EQUAL(kids_of("/t"), "a,a0,b,ba,m,z,zz,");
	CU_ASSERT_EQUAL(add("/t/m"), EEXIST);
	CU_ASSERT_EQUAL(add("/nope/x"), ENOENT);
	CU_ASSERT_STRING_EQUAL(kids_of("/t/m"), "");
}

/* Values across size classes move the record; a node that gains a
 * child-array field moves too. Everything stays reachable. */
static void t_records_move(void)
{
	char big[4096];
	const struct xs_node *n;

	memset(big, 'v', sizeof(big));
	CU_ASSERT_EQUAL(add("/mv"), 0);
	for (uint32_t len = 0; len <= sizeof(big); len += 97) {
		CU_ASSERT_EQUAL(set("/mv", big, len), 0);
		CU_ASSERT_EQUAL(add(len % 2 ? "/mv/odd" : "/mv/even"), len < 97 * 2 ? 0 : EEXIST);
		n = get("/mv");
		CU_ASSERT_EQUAL_FATAL(n != NULL, 1);
		CU_ASSERT_EQUAL(xs_node_vlen(n), len);
		CU_ASSERT(len == 0 || !memcmp(xs_node_value(n), big, len));
	}
	CU_ASSERT_STRING_EQUAL(kids_of("/mv"), "even,odd,");
	CU_ASSERT_EQUAL(set("/", "root", 4), 0);	/* the root moves too */
	CU_ASSERT_EQUAL(xs_node_vlen(get("/")), 4);
	CU_ASSERT_PTR_NOT_NULL(get("/mv/odd"));
	CU_ASSERT_EQUAL(set("/mv", big, 8192), ENOSPC);
	CU_ASSERT_EQUAL(set("/absent", "x", 1), ENOENT);
}

struct visit {
	char order[256];
	unsigned n;
	bool parents_ok;
};

static void visit(const struct xs_node *n, const struct xs_node *parent,
		  const char *path, size_t len, bool top, void *arg)
{
	struct visit *v = arg;
	size_t pl = xs_path_parent_len(path, len);

	(void)top;
	v->n++;
	strncat(v->order, path, sizeof(v->order) - strlen(v->order) - 2);
	strcat(v->order, ",");
	/* The parent passed is the node at the parent path. */
	v->parents_ok &= parent == xs_tree_lookup(path, pl, NULL) && n == xs_tree_lookup(path, len, NULL);
}

static void t_remove_subtree(void)
{
	char buf[XS_PATH_BUF] = "/r/a";
	struct visit v = { .parents_ok = true };
	size_t before;

	CU_ASSERT_EQUAL(add("/r"), 0);
	CU_ASSERT_EQUAL(add("/r/a"), 0);
	CU_ASSERT_EQUAL(add("/r/a/y"), 0);
	CU_ASSERT_EQUAL(add("/r/a/x"), 0);
	CU_ASSERT_EQUAL(add("/r/a/x/1"), 0);
	CU_ASSERT_EQUAL(add("/r/b"), 0);
	before = xs_tree_count();
	CU_ASSERT_EQUAL(xs_tree_remove(buf, 4, visit, &v), 0);
	CU_ASSERT_STRING_EQUAL(v.order, "/r/a/x/1,/r/a/x,/r/a/y,/r/a,");
	CU_ASSERT(v.parents_ok);
	CU_ASSERT_EQUAL(xs_tree_count(), before - 4);
	CU_ASSERT_STRING_EQUAL(kids_of("/r"), "b,");
	CU_ASSERT_PTR_NULL(get("/r/a/x"));
	strcpy(buf, "/");
	CU_ASSERT_EQUAL(xs_tree_remove(buf, 1, NULL, NULL), EINVAL);
	strcpy(buf, "/r/zz");
	CU_ASSERT_EQUAL(xs_tree_remove(buf, 5, NULL, NULL), ENOENT);
}

/* The child-list generation moves with the list, not with values. */
static void t_kids_gen(void)
{
	uint64_t g0, g1, other;

	CU_ASSERT_EQUAL(add("/g"), 0);
	CU_ASSERT_EQUAL(xs_node_kids_gen(get("/g")), 0);
	CU_ASSERT_EQUAL(add("/g/a"), 0);
	g0 = xs_node_kids_gen(get("/g"));
	CU_ASSERT_NOT_EQUAL(g0, 0);
	CU_ASSERT_EQUAL(set("/g", "value", 5), 0);
	CU_ASSERT_EQUAL(xs_node_kids_gen(get("/g")), g0);
	CU_ASSERT_EQUAL(add("/g/b"), 0);
	g1 = xs_node_kids_gen(get("/g"));
	CU_ASSERT(g1 > g0);
	CU_ASSERT_EQUAL(add("/h"), 0);
	CU_ASSERT_EQUAL(add("/h/a"), 0);
	other = xs_node_kids_gen(get("/h"));
	CU_ASSERT(other != g1 && other != g0);
}

/* Random adds, removes and values on a small name space, checked
 * against a flat model of which of the paths exist. */
#define MODEL_DIRS 8
#define MODEL_LEAVES 64

static void model_path(char *p, size_t sz, int d, int l)
{
	if (l < 0)
		snprintf(p, sz, "/m/d%d", d);
	else
		snprintf(p, sz, "/m/d%d/n%02d", d, l);
}

static void t_random_model(void)
{
	bool dir[MODEL_DIRS] = { 0 }, leaf[MODEL_DIRS][MODEL_LEAVES] = { { 0 } };
	uint32_t vlen[MODEL_DIRS][MODEL_LEAVES] = { { 0 } };
	char p[64], val[300];
	unsigned seed = 12345;
	int bad = 0;

	memset(val, 'q', sizeof(val));
	CU_ASSERT_EQUAL(add("/m"), 0);
	for (int i = 0; i < 20000; i++) {
		int d = rand_r(&seed) % MODEL_DIRS, l = rand_r(&seed) % MODEL_LEAVES;
		int op = rand_r(&seed) % 10;
		if (op == 0) {		/* remove a directory */
			model_path(p, sizeof(p), d, -1);
			char buf[XS_PATH_BUF];
			strcpy(buf, p);
			bad += xs_tree_remove(buf, strlen(buf), NULL, NULL) != (dir[d] ? 0 : ENOENT);
			dir[d] = false;
			memset(leaf[d], 0, sizeof(leaf[d]));
			memset(vlen[d], 0, sizeof(vlen[d]));
		} else if (op < 5) {	/* add */
			model_path(p, sizeof(p), d, -1);
			if (!dir[d])
				bad += add(p) != 0;
			dir[d] = true;
			model_path(p, sizeof(p), d, l);
			bad += add(p) != (leaf[d][l] ? EEXIST : 0);
			leaf[d][l] = true;
		} else if (op < 8) {	/* set a value */
			uint32_t len = (uint32_t)rand_r(&seed) % sizeof(val);
			model_path(p, sizeof(p), d, l);
			bad += set(p, val, len) != (leaf[d][l] ? 0 : ENOENT);
			if (leaf[d][l])
				vlen[d][l] = len;
		} else {		/* remove a leaf */
			model_path(p, sizeof(p), d, l);
			char buf[XS_PATH_BUF];
			strcpy(buf, p);
			bad += xs_tree_remove(buf, strlen(buf), NULL, NULL) != (leaf[d][l] ? 0 : ENOENT);
			leaf[d][l] = false;
		}
		if (leaf[d][l] == false)
			vlen[d][l] = 0;
	}
	for (int d = 0; d < MODEL_DIRS; d++) {
		unsigned want = 0;
		for (int l = 0; l < MODEL_LEAVES; l++) {
			const struct xs_node *n;
			model_path(p, sizeof(p), d, l);
			n = get(p);
			bad += (n != NULL) != leaf[d][l];
			bad += n && xs_node_vlen(n) != vlen[d][l];
			want += leaf[d][l];
		}
		model_path(p, sizeof(p), d, -1);
		bad += (get(p) != NULL) != dir[d];
		if (dir[d]) {
			struct list l = { .len = 0 };
			xs_tree_children(get(p), collect, &l);
			bad += l.n != want;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
}

/* ---- change log ---- */

static void t_gen_exact(void)
{
	uint64_t a = xs_gen_bump("/a", 2), b = xs_gen_bump("/b", 2);

	CU_ASSERT(b > a);
	CU_ASSERT_EQUAL(xs_gen_of("/a", 2), a);
	CU_ASSERT_EQUAL(xs_gen_of("/b", 2), b);
	a = xs_gen_bump("/a", 2);	/* supersedes the first entry */
	CU_ASSERT(a > b);
	CU_ASSERT_EQUAL(xs_gen_of("/a", 2), a);
	CU_ASSERT(xs_gen_of("/never", 6) < b);
	CU_ASSERT(xs_gen_next() > xs_gen_now() - 1);
}

/* Unpinned, the log keeps XS_GEN_MIN_KEEP entries; an evicted path
 * answers the floor, which is >= its real generation and never falls. */
static void t_gen_floor(void)
{
	char p[32];
	uint64_t first = xs_gen_bump("/first", 6), last = 0, g;
	int bad = 0;

	for (unsigned i = 0; i < 3 * XS_GEN_MIN_KEEP; i++) {
		snprintf(p, sizeof(p), "/p%u", i);
		xs_gen_bump(p, strlen(p));
		g = xs_gen_of("/first", 6);
		bad += g < first || g < last;
		last = g;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT(xs_gen_of("/first", 6) > first);	/* evicted: the floor */
	CU_ASSERT(xs_gen_logged() <= XS_GEN_MIN_KEEP);
}

/* A pinned start keeps every later change exact, then lets go. */
static void t_gen_pin(void)
{
	struct xs_gen_pin pin;
	char p[32];
	uint64_t a;

	xs_gen_pin(&pin);
	a = xs_gen_bump("/a", 2);
	for (unsigned i = 0; i < 5 * XS_GEN_MIN_KEEP; i++) {
		snprintf(p, sizeof(p), "/p%u", i);
		xs_gen_bump(p, strlen(p));
	}
	CU_ASSERT_EQUAL(xs_gen_of("/a", 2), a);
	CU_ASSERT(xs_gen_of("/untouched", 10) <= pin.start);
	CU_ASSERT(xs_gen_logged() > 5 * XS_GEN_MIN_KEEP);
	xs_gen_unpin(&pin);
	for (unsigned i = 0; i < 8; i++)
		xs_gen_bump("/x", 2);
	CU_ASSERT(xs_gen_logged() <= XS_GEN_MIN_KEEP);
}

/* A path rewritten in a loop under a pin does not fill the log. */
static void t_gen_hot_key(void)
{
	struct xs_gen_pin pin;
	uint64_t g = 0;

	xs_gen_pin(&pin);
	for (unsigned i = 0; i < 10 * XS_GEN_MIN_KEEP; i++)
		g = xs_gen_bump("/hot", 4);
	CU_ASSERT(xs_gen_logged() <= XS_GEN_MIN_KEEP);
	CU_ASSERT_EQUAL(xs_gen_of("/hot", 4), g);
	xs_gen_unpin(&pin);
}

/* Past XS_GEN_MAX_KEEP the oldest pin loses exactness (a spurious
 * conflict, never a missed one): the floor passes its start. */
static void t_gen_max_keep(void)
{
	struct xs_gen_pin pin;
	char p[32];

	xs_gen_pin(&pin);
	for (unsigned i = 0; i < XS_GEN_MAX_KEEP + 100; i++) {
		snprintf(p, sizeof(p), "/p%u", i);
		xs_gen_bump(p, strlen(p));
	}
	CU_ASSERT(xs_gen_logged() <= XS_GEN_MAX_KEEP);
	CU_ASSERT(xs_gen_of("/untouched", 10) > pin.start);
	xs_gen_unpin(&pin);
}

/* Against a model of true last-change generations: never below the
 * truth, exact for anything changed after the oldest pin's start. */
static void t_gen_model(void)
{
	enum { NPATH = 6000 };
	static uint64_t truth[NPATH];
	struct xs_gen_pin pins[3];
	bool pinned[3] = { false };
	unsigned seed = 777;
	char p[32];
	int bad = 0;

	memset(truth, 0, sizeof(truth));
	for (int i = 0; i < 60000; i++) {
		int k = rand_r(&seed) % NPATH, w = rand_r(&seed) % 3;
		if (rand_r(&seed) % 500 == 0) {
			if (pinned[w])
				xs_gen_unpin(&pins[w]);
			else
				xs_gen_pin(&pins[w]);
			pinned[w] = !pinned[w];
		}
		snprintf(p, sizeof(p), "/k%d", k);
		truth[k] = xs_gen_bump(p, strlen(p));
		k = rand_r(&seed) % NPATH;
		snprintf(p, sizeof(p), "/k%d", k);
		uint64_t g = xs_gen_of(p, strlen(p)), oldest = UINT64_MAX;
		for (int j = 0; j < 3; j++)
			if (pinned[j] && pins[j].start < oldest)
				oldest = pins[j].start;
		bad += g < truth[k];
		bad += truth[k] > oldest && g != truth[k];
	}
	for (int j = 0; j < 3; j++)
		if (pinned[j])
			xs_gen_unpin(&pins[j]);
	CU_ASSERT_EQUAL(bad, 0);
}

void suite_tree(void)
{
	static const struct unit_test tests[] = {
		{ "sorted_children", t_sorted_children },
		{ "records_move", t_records_move },
		{ "remove_subtree", t_remove_subtree },
		{ "kids_gen", t_kids_gen },
		{ "random_model", t_random_model },
		{ "gen_exact", t_gen_exact },
		{ "gen_floor", t_gen_floor },
		{ "gen_pin", t_gen_pin },
		{ "gen_hot_key", t_gen_hot_key },
		{ "gen_max_keep", t_gen_max_keep },
		{ "gen_model", t_gen_model },
	};
	ADD_SUITE("tree", tests);
}

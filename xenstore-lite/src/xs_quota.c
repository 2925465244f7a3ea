/* Quota table: names follow xenstored's -Q option where one exists. */
#include "xs_quota.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs_wire.h"

struct xs_quota xs_quota = { 1000, 2048, 128, 10, 1024, 5, XENSTORE_REL_PATH_MAX, 20, 1024, 4096 };

static const struct {
	const char *name;
	unsigned *val;
	unsigned def;
} table[] = {
	{ "nodes", &xs_quota.nodes, 1000 },
	{ "node-size", &xs_quota.node_size, 2048 },
	{ "watches", &xs_quota.watches, 128 },
	{ "transactions", &xs_quota.transactions, 10 },
	{ "transaction-nodes", &xs_quota.txn_nodes, 1024 },
	{ "node-permissions", &xs_quota.perms, 5 },
	{ "path-length", &xs_quota.path_length, XENSTORE_REL_PATH_MAX },
	{ "outstanding", &xs_quota.outstanding, 20 },
	{ "watch-events", &xs_quota.watch_events, 1024 },
	{ "connections", &xs_quota.connections, 4096 },
};

void xs_quota_defaults(void)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		*table[i].val = table[i].def;
}

int xs_quota_set(const char *spec)
{
	const char *eq = strchr(spec, '=');
	char *end;
	unsigned long v;

	if (!eq || eq[1] < '0' || eq[1] > '9')
		return EINVAL;
	v = strtoul(eq + 1, &end, 10);
	if (*end || v == 0 || v > 0x7fffffff)
		return EINVAL;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (strlen(table[i].name) == (size_t)(eq - spec) &&
		    !strncmp(table[i].name, spec, (size_t)(eq - spec))) {
			*table[i].val = (unsigned)v;
			return 0;
		}
	}
	return EINVAL;
}

int xs_quota_format(char *out, unsigned sz)
{
	unsigned off = 0;

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		int l = snprintf(out + off, sz - off, "%-18s %u\n",
				 table[i].name, *table[i].val);
		if (l < 0 || (unsigned)l >= sz - off)
			break;
		off += (unsigned)l;
	}
	return (int)off;
}

/* XS_CONTROL: help, log levels, print, quota, memreport, check. */
#include "xs_control.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xs_conn.h"
#include "xs_dispatch.h"
#include "xs_log.h"
#include "xs_quota.h"
#include "xs_tree.h"

static int c_help(struct xs_req *r, const char **a, unsigned n);

static int c_log(struct xs_req *r, const char **a, unsigned n)
{
	int lvl;

	if (n != 2)
		return EINVAL;
	if (!strcmp(a[1], "on") || !strcmp(a[1], "off"))
		lvl = a[1][1] == 'n' ? XS_LOG_INFO : XS_LOG_ERR;
	else if ((lvl = xs_log_parse_level(a[1])) < 0)
		return EINVAL;
	xs_log_level = lvl;
	return xs_ack(r);
}

static int c_print(struct xs_req *r, const char **a, unsigned n)
{
	if (n != 2)
		return EINVAL;
	xs_log(XS_LOG_ERR, "control: %s", a[1]);
	return xs_ack(r);
}

static int c_quota(struct xs_req *r, const char **a, unsigned n)
{
	char out[1024];
	int len;

	if (n == 2)
		return xs_quota_set(a[1]) ? EINVAL : xs_ack(r);
	if (n != 1)
		return EINVAL;
	len = xs_quota_format(out, sizeof(out));
	return xs_reply(r, out, (uint32_t)len + 1);
}

static int c_memreport(struct xs_req *r, const char **a, unsigned n)
{
	char out[128];

	(void)a;
	(void)n;
	snprintf(out, sizeof(out), "nodes %zu\nconnections %u\n",
		 xs_tree_count(), xs_conn_count());
	return xs_reply_str(r, out);
}

static int c_check(struct xs_req *r, const char **a, unsigned n)
{
	(void)a;
	(void)n;
	return xs_ack(r);
}

static const struct {
	const char *name;
	int (*fn)(struct xs_req *r, const char **a, unsigned n);
	const char *args;
} cmds[] = {
	{ "check", c_check, "" },
	{ "help", c_help, "" },
	{ "log", c_log, "on|off|error|warn|info|debug" },
	{ "memreport", c_memreport, "" },
	{ "print", c_print, "<string>" },
	{ "quota", c_quota, "[<name>=<value>]" },
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static int c_help(struct xs_req *r, const char **a, unsigned n)
{
	char out[512];
	size_t off = 0;

	(void)a;
	(void)n;
	for (size_t i = 0; i < NCMDS; i++)
		off += (size_t)snprintf(out + off, sizeof(out) - off, "%-10s%s\n",
					cmds[i].name, cmds[i].args);
	return xs_reply_str(r, out);
}

int xs_do_control(struct xs_req *r)
{
	const char *a[4];
	unsigned n = xs_get_strings(r, a, 4);

	if (n < 1 || n > 4)
		return EINVAL;
	for (size_t i = 0; i < NCMDS; i++)
		if (!strcmp(a[0], cmds[i].name))
			return cmds[i].fn(r, a, n);
	return EINVAL;
}

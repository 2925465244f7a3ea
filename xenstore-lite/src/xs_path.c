/* Node path syntax rules of docs/misc/xenstore.txt. */
#include "xs_path.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Letters, digits and -/_@ (every request path goes through here, so no
 * strspn: it builds a table per call). */
static bool char_ok(unsigned char c)
{
	return (unsigned)((c | 0x20) - 'a') < 26u || (unsigned)(c - '0') < 10u ||
	       c == '-' || c == '/' || c == '_' || c == '@';
}

/* Length of p, or SIZE_MAX at the first character not allowed. */
static size_t checked_len(const char *p)
{
	size_t n = 0;

	for (; p[n]; n++)
		if (!char_ok((unsigned char)p[n]))
			return SIZE_MAX;
	return n;
}

bool xs_path_chars_ok(const char *p)
{
	return checked_len(p) != SIZE_MAX;
}

/* Offset of the part below /local/domain/<n>/, the part quotas measure. */
static size_t local_offset(const char *name)
{
	static const char pfx[] = "/local/domain/";
	const char *p = name + sizeof(pfx) - 1;
	size_t digits = 0;

	if (strncmp(name, pfx, sizeof(pfx) - 1))
		return 0;
	while (p[digits] >= '0' && p[digits] <= '9' && digits < 5)
		digits++;
	if (!digits || p[digits] != '/')
		return 0;
	return (size_t)(p + digits + 1 - name);
}

static bool shape_ok(const char *name, size_t len)
{
	if (name[0] == '@')
		return true;
	if (len > 1 && name[len - 1] == '/')
		return false;
	return strstr(name, "//") == NULL;
}

int xs_path_canon(const char *in, unsigned domid, bool allow_special,
		  size_t max_len, char *out, bool *relative)
{
	size_t len = in ? checked_len(in) : SIZE_MAX;

	*relative = false;
	if (len == 0 || len == SIZE_MAX)
		return EINVAL;
	if (in[0] == '@' && !allow_special)
		return EINVAL;
	if (in[0] != '/' && in[0] != '@') {
		*relative = true;
		len = (size_t)snprintf(out, XS_PATH_BUF, "/local/domain/%u/%s",
				       domid, in);
	} else if (len < XS_PATH_BUF) {
		memcpy(out, in, len + 1);
	}
	if (len > XENSTORE_ABS_PATH_MAX || !shape_ok(out, len))
		return EINVAL;
	if (max_len && len - local_offset(out) > max_len)
		return EINVAL;
	return 0;
}

bool xs_path_is_child(const char *child, const char *parent)
{
	size_t len = strlen(parent);

	if (parent[0] == '/' && parent[1] == '\0')
		return child[0] == '/';
	if (strncmp(child, parent, len))
		return false;
	return child[len] == '/' || child[len] == '\0';
}

size_t xs_path_parent_len(const char *path, size_t len)
{
	size_t i = len;

	if (len <= 1)
		return 0;
	while (i > 0 && path[i - 1] != '/')
		i--;
	/* "/a" has parent "/" (length 1); "/a/b" has "/a" (length 2). */
	return i <= 1 ? 1 : i - 1;
}

unsigned xs_path_depth(const char *path)
{
	unsigned d = 0;

	if (path[0] == '/' && path[1] == '\0')
		return 0;
	for (; *path; path++)
		d += *path == '/';
	return d;
}

int xs_domain_path(unsigned domid, char *out, size_t sz)
{
	return snprintf(out, sz, "/local/domain/%u", domid);
}

bool xs_parse_domid(const char *s, unsigned *domid)
{
	char *end;
	unsigned long v;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 65535)
		return false;
	*domid = (unsigned)v;
	return true;
}

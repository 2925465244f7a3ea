/* Path syntax: canonical form, invalid shapes and characters, relations. */
#include "unit.h"

#include "../../src/xs_path.h"

static int canon(const char *in, unsigned dom, bool special, size_t max,
		 char *out)
{
	bool rel;

	return xs_path_canon(in, dom, special, max, out, &rel);
}

static void t_valid(void)
{
	char out[XS_PATH_BUF];

	CU_ASSERT_EQUAL(canon("/", 0, false, 0, out), 0);
	CU_ASSERT_STRING_EQUAL(out, "/");
	CU_ASSERT_EQUAL(canon("/a/b-c_d@e", 0, false, 0, out), 0);
	CU_ASSERT_EQUAL(canon("device/vif/0", 7, false, 0, out), 0);
	CU_ASSERT_STRING_EQUAL(out, "/local/domain/7/device/vif/0");
	CU_ASSERT_EQUAL(canon("@releaseDomain", 0, true, 0, out), 0);
}

static void t_invalid(void)
{
	char out[XS_PATH_BUF];

	CU_ASSERT_EQUAL(canon("", 0, false, 0, out), EINVAL);
	CU_ASSERT_EQUAL(canon(NULL, 0, false, 0, out), EINVAL);
	CU_ASSERT_EQUAL(canon("/a/", 0, false, 0, out), EINVAL);
	CU_ASSERT_EQUAL(canon("/a//b", 0, false, 0, out), EINVAL);
	CU_ASSERT_EQUAL(canon("/a b", 0, false, 0, out), EINVAL);
	CU_ASSERT_EQUAL(canon("/a.b", 0, false, 0, out), EINVAL);
	CU_ASSERT_EQUAL(canon("@releaseDomain", 0, false, 0, out), EINVAL);
	CU_ASSERT_EQUAL(canon("a/", 3, false, 0, out), EINVAL);
}

static void t_length(void)
{
	char out[XS_PATH_BUF], in[5000];

	memset(in, 'x', sizeof(in));
	in[0] = '/';
	in[4999] = '\0';
	/* Longer than any payload can carry. */
	CU_ASSERT_EQUAL(canon(in, 0, false, 0, out), EINVAL);
	in[2000] = '\0';
	CU_ASSERT_EQUAL(canon(in, 0, false, 0, out), 0);
	CU_ASSERT_EQUAL(canon(in, 0, false, 1000, out), EINVAL);
	/* The quota only counts the part below /local/domain/<id>/. */
	CU_ASSERT_EQUAL(canon(in + 1000, 4, false, 1000, out), 0);
	CU_ASSERT_EQUAL(canon(in + 999, 4, false, 1000, out), EINVAL);
}

/* xs_wire.h's limits, at the edges, as the C xenstored applies them. */
static void t_protocol_limits(void)
{
	char out[XS_PATH_BUF], in[5000];
	const size_t rel = XENSTORE_REL_PATH_MAX, q = rel;

	memset(in, 'x', sizeof(in));
	in[0] = '/';
	in[rel] = '\0'; /* "/" + 2047 */
	CU_ASSERT_EQUAL(canon(in, 0, false, q, out), 0);
	in[rel] = 'x', in[rel + 1] = '\0';
	CU_ASSERT_EQUAL(canon(in, 0, false, q, out), EINVAL);
	/* Relative: counted below /local/domain/<id>/ once made absolute. */
	CU_ASSERT_EQUAL(canon(in + 1, 7, false, q, out), 0);
	in[rel + 1] = 'x', in[rel + 2] = '\0';
	CU_ASSERT_EQUAL(canon(in + 1, 7, false, q, out), EINVAL);
	/* Special paths are not below a domain: the whole name counts. */
	in[0] = '@', in[rel] = '\0';
	CU_ASSERT_EQUAL(canon(in, 0, true, q, out), 0);
	in[rel] = 'x';
	CU_ASSERT_EQUAL(canon(in, 0, true, q, out), EINVAL);
	/* With the quota raised (xenstored -M), the absolute limit remains. */
	memset(in, 'x', sizeof(in));
	memcpy(in, "/local/domain/1/", 16);
	in[XENSTORE_ABS_PATH_MAX] = '\0';
	CU_ASSERT_EQUAL(canon(in, 0, false, 4000, out), 0);
	in[XENSTORE_ABS_PATH_MAX] = 'x', in[XENSTORE_ABS_PATH_MAX + 1] = '\0';
	CU_ASSERT_EQUAL(canon(in, 0, false, 4000, out), EINVAL);
}

static void t_relations(void)
{
	CU_ASSERT_TRUE(xs_path_is_child("/a/b", "/a"));
	CU_ASSERT_TRUE(xs_path_is_child("/a", "/a"));
	CU_ASSERT_TRUE(xs_path_is_child("/a", "/"));
	CU_ASSERT_FALSE(xs_path_is_child("/ab", "/a"));
	CU_ASSERT_FALSE(xs_path_is_child("/a", "/a/b"));
	CU_ASSERT_EQUAL(xs_path_parent_len("/a/b", 4), 2);
	CU_ASSERT_EQUAL(xs_path_parent_len("/a", 2), 1);
	CU_ASSERT_EQUAL(xs_path_parent_len("/", 1), 0);
	CU_ASSERT_EQUAL(xs_path_depth("/"), 0);
	CU_ASSERT_EQUAL(xs_path_depth("/a/b/c"), 3);
}

static void t_domid(void)
{
	unsigned d;

	CU_ASSERT_TRUE(xs_parse_domid("0", &d) && d == 0);
	CU_ASSERT_TRUE(xs_parse_domid("65535", &d) && d == 65535);
	CU_ASSERT_FALSE(xs_parse_domid("65536", &d));
	CU_ASSERT_FALSE(xs_parse_domid("-1", &d));
	CU_ASSERT_FALSE(xs_parse_domid("1x", &d));
	CU_ASSERT_FALSE(xs_parse_domid("", &d));
}

void suite_path(void)
{
	static const struct unit_test tests[] = {
		{ "valid", t_valid }, { "invalid", t_invalid },
		{ "length", t_length }, { "protocol_limits", t_protocol_limits },
		{ "relations", t_relations },
		{ "domid", t_domid },
	};
	ADD_SUITE("path", tests);
}

/* Permissions: parsing, the owner/ACL/default rule, privilege, targets,
 * and how the store applies them (EACCES hiding, inherited ownership). */
#include "unit.h"

#include "../../src/xs_perms.h"

static void t_parse_format(void)
{
	const char in[] = "n5\0r7\0w8\0b9";
	char out[64];
	int err;
	struct xs_perms *p = xs_perms_parse(in, sizeof(in), 4, &err);

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL(xs_perms_format(p, out, sizeof(out)), sizeof(in));
	CU_ASSERT_EQUAL(memcmp(out, in, sizeof(in)), 0);
	xs_perms_put(p);
	CU_ASSERT_PTR_NULL(xs_perms_parse("x5", 3, 1, &err));
	CU_ASSERT_EQUAL(err, EINVAL);
	CU_ASSERT_PTR_NULL(xs_perms_parse("r", 2, 1, &err));
	CU_ASSERT_PTR_NULL(xs_perms_parse("r70000", 7, 1, &err));
	CU_ASSERT_PTR_NULL(xs_perms_parse("r1", 2, 1, &err)); /* no NUL */
}

static void t_rule(void)
{
	const char in[] = "r5\0w7\0n9";
	int err;
	struct xs_perms *p = xs_perms_parse(in, sizeof(in), 3, &err);
	struct xs_who owner = { 5, false, XS_NO_TARGET };
	struct xs_who d7 = { 7, false, XS_NO_TARGET };
	struct xs_who d9 = { 9, false, XS_NO_TARGET };
	struct xs_who other = { 3, false, XS_NO_TARGET };
	struct xs_who dom0 = { 0, true, XS_NO_TARGET };
	struct xs_who stub = { 11, false, 7 }; /* targets dom7 */

	CU_ASSERT_EQUAL(xs_perms_for(p, &owner), 7u);
	CU_ASSERT_EQUAL(xs_perms_for(p, &dom0), 7u);
	CU_ASSERT_EQUAL(xs_perms_for(p, &d7), XS_PERM_WRITE);
	CU_ASSERT_EQUAL(xs_perms_for(p, &d9), XS_PERM_NONE);
	CU_ASSERT_EQUAL(xs_perms_for(p, &other), XS_PERM_READ);
	CU_ASSERT_EQUAL(xs_perms_for(p, &stub), XS_PERM_WRITE);
	xs_perms_put(p);
}

/* dom0 makes /local/domain/5 owned by 5, readable by nobody else. */
static struct memconn *home(unsigned dom)
{
	struct memconn *d0 = mc_new(0, true);
	char buf[64];

	snprintf(buf, sizeof(buf), "/local/domain/%u|", dom);
	OK(mc_op(d0, XS_MKDIR, 0, buf));
	snprintf(buf, sizeof(buf), "/local/domain/%u|n%u|", dom, dom);
	OK(mc_op(d0, XS_SET_PERMS, 0, buf));
	return d0;
}

static void t_store_access(void)
{
	struct memconn *d0 = home(5), *d5 = mc_new(5, false),
		       *d6 = mc_new(6, false);

	OK(mc_op(d5, XS_WRITE, 0, "data|x"));
	BODY(mc_op(d5, XS_READ, 0, "/local/domain/5/data|"), "x");
	/* Created by dom5: owned by dom5 even though the parent says so. */
	BODY(mc_op(d0, XS_GET_PERMS, 0, "/local/domain/5/data|"), "n5");
	ERR(mc_op(d6, XS_READ, 0, "/local/domain/5/data|"), "EACCES");
	/* Don't leak existence: missing node under unreadable parent. */
	ERR(mc_op(d6, XS_READ, 0, "/local/domain/5/nothere|"), "EACCES");
	ERR(mc_op(d6, XS_WRITE, 0, "/local/domain/5/data|y"), "EACCES");
	ERR(mc_op(d5, XS_WRITE, 0, "/tool/x|y"), "EACCES");
	OK(mc_op(d0, XS_SET_PERMS, 0, "/local/domain/5/data|n5|r6|"));
	BODY(mc_op(d6, XS_READ, 0, "/local/domain/5/data|"), "x");
	ERR(mc_op(d6, XS_WRITE, 0, "/local/domain/5/data|y"), "EACCES");
	ERR(mc_op(d6, XS_READ, 0, "/local/domain/5/data/no|"), "ENOENT");
	mc_free(d0), mc_free(d5), mc_free(d6);
}

static void t_set_perms_rules(void)
{
	struct memconn *d0 = home(5), *d5 = mc_new(5, false);

	OK(mc_op(d5, XS_WRITE, 0, "k|v"));
	/* An owner may change the ACL but not give the node away. */
	OK(mc_op(d5, XS_SET_PERMS, 0, "k|n5|r6|"));
	ERR(mc_op(d5, XS_SET_PERMS, 0, "k|n6|"), "EPERM");
	ERR(mc_op(d5, XS_SET_PERMS, 0, "/tool|n5|"), "EACCES");
	ERR(mc_op(d5, XS_SET_PERMS, 0, "k|"), "EINVAL");
	ERR(mc_op(d5, XS_SET_PERMS, 0, "k|q5|"), "EINVAL");
	ERR(mc_op(d0, XS_GET_PERMS, 0, "@introduceDomain|"), "EINVAL");
	OK(mc_op(d0, XS_SET_PERMS, 0, "@introduceDomain|n0|r5|"));
	ERR(mc_op(d5, XS_SET_PERMS, 0, "@introduceDomain|n0|"), "EACCES");
	mc_free(d0), mc_free(d5);
}

static void t_target(void)
{
	struct memconn *d0 = home(5);

	OK(mc_op(d0, XS_INTRODUCE, 0, "5|1234|3|"));
	OK(mc_op(d0, XS_INTRODUCE, 0, "9|1235|3|"));
	ERR(mc_op(d0, XS_SET_TARGET, 0, "9|44|"), "ENOENT");
	OK(mc_op(d0, XS_SET_TARGET, 0, "9|5|"));
	mc_free(d0);
}

void suite_perms(void)
{
	static const struct unit_test tests[] = {
		{ "parse_format", t_parse_format }, { "rule", t_rule },
		{ "store_access", t_store_access },
		{ "set_perms_rules", t_set_perms_rules },
		{ "target", t_target },
	};
	ADD_SUITE("perms", tests);
}

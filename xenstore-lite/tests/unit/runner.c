/* CUnit runner printing the project's "PASS: xenstore/..." lines. */
#include <CUnit/CUnit.h>
#include <CUnit/TestRun.h>
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"

int unit_setup(void)
{
	return 0;
}

int unit_teardown(void)
{
	return 0;
}

static unsigned leaks, perms_base;

/* Each test starts from a fresh store and default quotas. */
void unit_fresh(void)
{
	perms_base = xs_perms_live();
	xs_quota_defaults();
	if (xs_core_init())
		abort();
}

/* Every permission set must be gone with the state that held it. */
void unit_end(void)
{
	xs_core_fini();
	if (xs_perms_live() != perms_base) {
		printf("FAIL: xenstore/unit/%s/%s/perms_leak: %u sets more after teardown\n",
		       CU_get_current_suite()->pName, CU_get_current_test()->pName,
		       xs_perms_live() - perms_base);
		leaks++;
	}
}

static void on_complete(const CU_pTest t, const CU_pSuite s,
			const CU_pFailureRecord f)
{
	if (!f) {
		printf("PASS: xenstore/unit/%s/%s\n", s->pName, t->pName);
		return;
	}
	printf("FAIL: xenstore/unit/%s/%s: %s:%u: %s\n", s->pName, t->pName,
	       f->strFileName, f->uiLineNumber, f->strCondition);
}

int main(void)
{
	unsigned failed;

	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	suite_path();
	suite_perms();
	suite_txn();
	suite_quota();
	suite_ring();
	suite_ring_xen();
	suite_proto();
	suite_tree();
	CU_set_test_complete_handler(on_complete);
	CU_run_all_tests();
	failed = CU_get_number_of_tests_failed();
	printf("unit: %u tests, %u failed, %u assertions\n",
	       CU_get_number_of_tests_run(), failed,
	       CU_get_number_of_asserts());
	CU_cleanup_registry();
	return failed || leaks ? 1 : 0;
}

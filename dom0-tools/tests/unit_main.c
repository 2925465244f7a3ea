/*
 * unit_main.c: the CUnit runner of pvctl's host unit tests (make -C dom0-tools
 * test, in make test-unit), printing "PASS: unit/pvctl-<suite>/<test>" lines.
 */
#include <CUnit/CUnit.h>
#include <CUnit/TestRun.h>
#include <stdio.h>

void register_config_tests(void);
void register_layout_tests(void);
void register_ring_tests(void);
void register_vif_spec_tests(void);
void register_hvm_image_tests(void);
void register_hvm_linux_tests(void);

static void on_complete(const CU_pTest t, const CU_pSuite s, const CU_pFailureRecord f)
{
    printf("%s: unit/pvctl-%s/%s\n", f ? "FAIL" : "PASS", s->pName, t->pName);
    for (CU_pFailureRecord r = f; r; r = r->pNext)
        printf("  %s:%u: %s\n", r->strFileName, r->uiLineNumber, r->strCondition);
}

int main(void)
{
    unsigned int failed;

    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    register_config_tests();
    register_layout_tests();
    register_ring_tests();
    register_vif_spec_tests();
    register_hvm_image_tests();
    register_hvm_linux_tests();
    CU_set_test_complete_handler(on_complete);
    CU_run_all_tests();
    failed = CU_get_number_of_tests_failed() + CU_get_number_of_suites_failed();
    CU_cleanup_registry();
    return failed ? 1 : 0;
}

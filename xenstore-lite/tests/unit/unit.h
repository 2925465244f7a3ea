/* Shared helpers for the CUnit suites. */
#ifndef UNIT_H
#define UNIT_H

#include <CUnit/CUnit.h>
#include <string.h>

#include "../memconn.h"
#include "../../src/xs_core.h"
#include "../../src/xs_quota.h"

#define OK(r) CU_ASSERT_STRING_EQUAL((r)->body, "OK")
#define ERR(r, e)                                                              \
	do {                                                                   \
		struct reply *r_ = (r);                                        \
		CU_ASSERT_EQUAL(r_->hdr.type, XS_ERROR);                       \
		CU_ASSERT_STRING_EQUAL(r_->body, e);                           \
	} while (0)
#define BODY(r, s) CU_ASSERT_STRING_EQUAL((r)->body, s)

/* Fresh daemon state around every test. */
int unit_setup(void);
int unit_teardown(void);
void unit_fresh(void);
void unit_end(void);

/* Suites register themselves. */
void suite_path(void);
void suite_perms(void);
void suite_txn(void);
void suite_quota(void);
void suite_ring(void);
void suite_ring_xen(void);
void suite_proto(void);
void suite_tree(void);

#define ADD_SUITE(sname_, list_)                                                 \
	do {                                                                   \
		CU_pSuite s_ = CU_add_suite_with_setup_and_teardown(         \
			sname_, NULL, NULL, unit_fresh, unit_end);               \
		for (size_t i_ = 0; i_ < sizeof(list_) / sizeof(list_[0]); i_++) \
			CU_add_test(s_, list_[i_].name, list_[i_].fn);         \
	} while (0)

struct unit_test {
	const char *name;
	void (*fn)(void);
};

#endif

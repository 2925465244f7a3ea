/* test_ring.c: the console ring's two halves (console_ring.c), with hostile indices. */
#include <CUnit/CUnit.h>
#include <string.h>
#include "console_ring.h"

static struct xencons_interface r;

static void put_out(const char *s)
{
    for (size_t i = 0; s[i]; i++)
        r.out[MASK_XENCONS_IDX(r.out_prod++, r.out)] = s[i];
}

static void test_reads_and_consumes(void)
{
    char buf[sizeof(r.out)];
    int bad = 0;

    memset(&r, 0, sizeof(r));
    r.out_cons = r.out_prod = 0xfffffffa;            /* wraps the 32-bit index */
    put_out("hello, ring\n");
    CU_ASSERT_EQUAL(cring_read_out(&r, buf, sizeof(buf), &bad), 12);
    CU_ASSERT(!memcmp(buf, "hello, ring\n", 12));
    CU_ASSERT_EQUAL(r.out_cons, r.out_prod);
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(cring_read_out(&r, buf, sizeof(buf), &bad), 0);
}

static void test_cap_and_one_ring_at_most(void)
{
    char buf[sizeof(r.out)];
    int bad = 0;

    memset(&r, 0, sizeof(r));
    r.out_prod = sizeof(r.out);                      /* a full ring */
    CU_ASSERT_EQUAL(cring_read_out(&r, buf, 100, &bad), 100);
    CU_ASSERT_EQUAL(r.out_cons, 100);
    CU_ASSERT_EQUAL(cring_read_out(&r, buf, 1u << 20, &bad), sizeof(r.out) - 100);
    CU_ASSERT_EQUAL(bad, 0);
}

static void test_hostile_out_indices_left_alone(void)
{
    char buf[sizeof(r.out)];
    int bad = 0;

    memset(&r, 0, sizeof(r));
    r.out_cons = 5;
    r.out_prod = 5 + sizeof(r.out) + 1;              /* one more than a ring */
    CU_ASSERT_EQUAL(cring_read_out(&r, buf, sizeof(buf), &bad), 0);
    CU_ASSERT_EQUAL(bad, 1);
    CU_ASSERT_EQUAL(r.out_cons, 5);                  /* nothing consumed */
    r.out_prod = 5 - 1;                              /* behind the consumer */
    bad = 0;
    CU_ASSERT_EQUAL(cring_read_out(&r, buf, sizeof(buf), &bad), 0);
    CU_ASSERT_EQUAL(bad, 1);
}

static void test_in_ring_room(void)
{
    char big[sizeof(r.in) + 10];

    memset(&r, 0, sizeof(r));
    memset(big, 'x', sizeof(big));
    CU_ASSERT_EQUAL(cring_in_space(&r), sizeof(r.in));
    CU_ASSERT_EQUAL(cring_write_in(&r, big, sizeof(big)), sizeof(r.in));   /* the rest dropped */
    CU_ASSERT_EQUAL(r.in_prod, sizeof(r.in));
    CU_ASSERT_EQUAL(cring_write_in(&r, "y", 1), 0);
    r.in_cons = 3;
    CU_ASSERT_EQUAL(cring_write_in(&r, "abcd", 4), 3);
    CU_ASSERT_EQUAL(r.in[MASK_XENCONS_IDX(sizeof(r.in), r.in)], 'a');
    r.in_cons = r.in_prod + 0x40000000u;             /* hostile: no room, nothing written */
    CU_ASSERT_EQUAL(cring_in_space(&r), 0);
    CU_ASSERT_EQUAL(cring_write_in(&r, "z", 1), 0);
}

void register_ring_tests(void)
{
    CU_pSuite s = CU_add_suite("ring", NULL, NULL);

    CU_add_test(s, "reads_and_consumes", test_reads_and_consumes);
    CU_add_test(s, "cap_and_one_ring_at_most", test_cap_and_one_ring_at_most);
    CU_add_test(s, "hostile_out_indices_left_alone", test_hostile_out_indices_left_alone);
    CU_add_test(s, "in_ring_room", test_in_ring_room);
}

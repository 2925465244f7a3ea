/* test_vif_spec.c: the vif = [ 'mac=...,bridge=...' ] syntax (vif_spec.c). */
#include <CUnit/CUnit.h>
#include <string.h>
#include "vif_spec.h"

static struct vif_spec v;
static char err[200];

static void test_defaults(void)
{
    CU_ASSERT_EQUAL(vif_spec_parse("", &v, err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(v.bridge, "pvbr0");
    CU_ASSERT_STRING_EQUAL(v.mac, "");
    vif_spec_default_mac(&v, 0x1203, 2);
    CU_ASSERT_STRING_EQUAL(v.mac, "00:16:3e:12:03:02");
}

static void test_mac_and_bridge(void)
{
    CU_ASSERT_EQUAL(vif_spec_parse(" mac=00:16:3E:aa:bb:01 , bridge=xenbr1", &v, err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(v.mac, "00:16:3E:aa:bb:01");
    CU_ASSERT_STRING_EQUAL(v.bridge, "xenbr1");
    vif_spec_default_mac(&v, 7, 0);                       /* a given MAC stays */
    CU_ASSERT_STRING_EQUAL(v.mac, "00:16:3E:aa:bb:01");
    CU_ASSERT_EQUAL(vif_spec_parse("bridge=br0,,", &v, err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(v.bridge, "br0");
    CU_ASSERT_STRING_EQUAL(v.model, "");                  /* e1000 for an HVM guest */
    CU_ASSERT_EQUAL(vif_spec_parse("model=rtl8139,bridge=br0", &v, err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(v.model, "rtl8139");
    CU_ASSERT_EQUAL(vif_spec_parse("model=e1000", &v, err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(v.model, "e1000");
}

static void test_refusals(void)
{
    static const char *const bad[] = {
        "mac=00:16:3e:00:00", "mac=00:16:3e:00:00:0g", "mac=00-16-3e-00-00-01",
        "mac=01:16:3e:00:00:01",                          /* multicast */
        "mac=00:16:3e:00:00:011", "bridge=", "bridge=a/b", "bridge=0123456789abcdef",
        "ip=10.0.0.1", "script=vif-nat", "mac", "bridge=br0,model=ne2k_pci", "model=",
    };

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = 0;
        CU_ASSERT_EQUAL(vif_spec_parse(bad[i], &v, err, sizeof(err)), -22);
        CU_ASSERT(err[0] != 0);
    }
}

void register_vif_spec_tests(void)
{
    CU_pSuite s = CU_add_suite("vif-spec", NULL, NULL);

    CU_add_test(s, "defaults", test_defaults);
    CU_add_test(s, "mac_and_bridge", test_mac_and_bridge);
    CU_add_test(s, "refusals", test_refusals);
}

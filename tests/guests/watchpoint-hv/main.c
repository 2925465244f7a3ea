/*
 * watchpoint-hv: a guest data watchpoint on a buffer the hypervisor itself
 * writes (xen_version's output) fires in ring 0. The hypervisor must carry
 * on and ignore it, as Xen 4.17 does (the guest's DR6 stays clear). It used
 * to panic.
 */
#include "guest.h"
#include "hypercall.h"

const char test_name[] = "watchpoint-hv";

static uint64_t buf[4] __aligned(64);

void test_main(void)
{
    long rc;

    check_eq(HC2(__HYPERVISOR_set_debugreg, 6, 0xffff0ff0UL), 0, "set_debugreg(6, clear)");
    check_eq(HC2(__HYPERVISOR_set_debugreg, 0, (unsigned long)buf), 0, "set_debugreg(0, &buf)");
    /* L0, R/W0 = 01 (data write), LEN0 = 11 (8 bytes) */
    check_eq(HC2(__HYPERVISOR_set_debugreg, 7, 0x1UL | (1UL << 16) | (3UL << 18)), 0,
             "set_debugreg(7, write watchpoint on buf)");
    rc = hc_xen_version(XENVER_extraversion, buf);
    check_eq(rc, 0, "xen_version(extraversion) into the watched buffer");
    check(buf[0] != 0, "the hypervisor's write landed", "buf still zero");
    check(!(HC1(__HYPERVISOR_get_debugreg, 6) & 0xf), "DR6 untouched (as Xen: ignored)",
          "dr6 %#lx", (unsigned long)HC1(__HYPERVISOR_get_debugreg, 6));
    check_eq(HC2(__HYPERVISOR_set_debugreg, 7, 0), 0, "set_debugreg(7, off)");
}

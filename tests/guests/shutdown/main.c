/*
 * shutdown: shut the domain down with the reason named on the command line
 * (reason=poweroff|reboot|crash|watchdog; default poweroff).  The runner checks the
 * hypervisor's report of it; the guest itself can only check that the call does not return.
 */
#include "guest.h"
#include "hypercall.h"

const char test_name[] = "shutdown";

static const struct { const char *name; unsigned int code; } reasons[] = {
    { "poweroff", SHUTDOWN_poweroff }, { "reboot", SHUTDOWN_reboot },
    { "crash", SHUTDOWN_crash }, { "watchdog", SHUTDOWN_watchdog },
};

void test_main(void)
{
    char want[16] = "poweroff";

    /* NB: real Xen does not reject unknown reasons (255 shuts the domain down too). */
    cmdline_str("reason", want, sizeof(want));
    for (size_t i = 0; i < ARRAY_SIZE(reasons); i++) {
        if (strcmp(want, reasons[i].name))
            continue;
        pass("reason parsed");
        printf("DONE: %s: %u passed, %u failed\n", test_name, tests_passed, tests_failed);
        shutdown(reasons[i].code);
    }
    fail("reason parsed", "unknown reason '%s'", want);
}

/*
 * shutdown: shut the domain down with the reason named on the command line
 * (reason=poweroff|reboot|crash|watchdog; default poweroff).  The runner checks the
 * hypervisor's report of it.  The guest checks what it can see itself: shutdown requests whose
 * argument cannot be read (in the hypervisor hole, not canonical, not mapped) are refused with
 * -EFAULT and leave it running, and the real one does not return (lib.c's shutdown() prints a
 * FAIL line if it does).
 */
#include "guest.h"
#include "hypercall.h"

const char test_name[] = "shutdown";

#define HV_PTR    0xffff800000001000UL     /* inside the hypervisor hole */
#define NONCANON  0x8000000000000000UL
#define LOW_PTR   0x1000UL                 /* user half, nothing mapped there */

static const struct { const char *name; unsigned int code; } reasons[] = {
    { "poweroff", SHUTDOWN_poweroff }, { "reboot", SHUTDOWN_reboot },
    { "crash", SHUTDOWN_crash }, { "watchdog", SHUTDOWN_watchdog },
};

static void refused_requests(void)
{
    static const struct { const char *what; unsigned long arg; } bad[] = {
        { "sched_op(shutdown, hypervisor pointer) = -EFAULT", HV_PTR },
        { "sched_op(shutdown, non-canonical pointer) = -EFAULT", NONCANON },
        { "sched_op(shutdown, unmapped pointer) = -EFAULT", LOW_PTR },
    };

    /* Had one of them shut the domain down, no DONE line would follow: the runner fails that. */
    for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
        check_eq(hc_sched_op(SCHEDOP_shutdown, (void *)bad[i].arg), -EFAULT, bad[i].what);
}

void test_main(void)
{
    char want[16] = "poweroff";

    /* NB: real Xen does not reject unknown reasons (255 shuts the domain down too). */
    cmdline_str("reason", want, sizeof(want));
    for (size_t i = 0; i < ARRAY_SIZE(reasons); i++) {
        if (strcmp(want, reasons[i].name))
            continue;
        info("shutting down with reason %s (%u)", want, reasons[i].code);
        refused_requests();
        printf("DONE: %s: %u passed, %u failed\n", test_name, tests_passed, tests_failed);
        shutdown(reasons[i].code);
    }
    fail("reason parsed", "unknown reason '%s'", want);
}

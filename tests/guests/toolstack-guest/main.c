/*
 * toolstack-guest: the domain `pvctl create` builds in tests/run-toolstack.sh
 * (it is not booted by the hypervisor, so it is not in tests.conf). It checks
 * what the dom0 builder gave it: start_info's magic, nr_pages = expect_mb=
 * MiB, the xenstore page (its port is 0 without a xenstored, else dom0's), the console
 * page and port, the initrd (it starts with
 * "PVCTL-RAMDISK" when ramdisk= is given) and the command line. Then, by
 * mode=:
 *   poweroff  prints its DONE line and powers off (the default);
 *   crash     powers off with SHUTDOWN_crash;
 *   reboot    shuts down with SHUTDOWN_reboot (pvctl's on_reboot applies);
 *   spin      prints a marker and spins forever, so that its CPU time shows
 *             whether it runs (pause/unpause) until it is destroyed;
 *   ring      writes lines into its PV console ring and waits (10 s at most)
 *             for the back end (`pvctl console`) to consume them, then powers
 *             off;
 *   flood     writes 200 numbered lines (16 KiB, 8 rings) into the ring, each
 *             waiting (10 s at most) for room, then FLOOD-END: the console
 *             daemon must keep consuming with nobody attached;
 *   hostile   gives the ring nonsense indices and notifies many times, then
 *             writes HOSTILE-AFTER properly: the daemon must survive and go on.
 */
#include "guest.h"
#include "hypercall.h"
#include "mm.h"
#include <xen/io/console.h>

const char test_name[] = "toolstack-guest";

/*
 * The port only when a xenstored serves the ring (docs/toolstack.md); then it
 * is dom0's: unbound for it, or already bound by xenstored at XS_INTRODUCE.
 */
static void check_store(void)
{
    evtchn_status_t st;
    long rc;

    if (!start_info->store_evtchn) {
        check(start_info->store_mfn != 0, "xenstore page, no port without xenstored", "mfn %#lx",
              start_info->store_mfn);
        return;
    }
    rc = evtchn_status(DOMID_SELF, start_info->store_evtchn, &st);
    check(start_info->store_mfn && !rc &&
          ((st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 0) ||
           (st.status == EVTCHNSTAT_interdomain && st.u.interdomain.dom == 0)),
          "xenstore page and a port for dom0's xenstored", "mfn %#lx port %u rc %ld status %u",
          start_info->store_mfn, start_info->store_evtchn, rc, st.status);
}

static void check_start_info(void)
{
    long mb = cmdline_int("expect_mb", 0);
    char want[32];

    check(!memcmp(start_info->magic, "xen-3.0-x86_64", 15), "start_info magic", "'%.32s'",
          start_info->magic);
    check(!mb || start_info->nr_pages == (unsigned long)mb * 256, "nr_pages = memory=",
          "nr_pages %lu, memory %ld MiB", start_info->nr_pages, mb);
    check_store();
    check(start_info->console.domU.mfn && start_info->console.domU.evtchn &&
          start_info->console.domU.evtchn != start_info->store_evtchn, "console page and port",
          "mfn %#lx port %u", start_info->console.domU.mfn, start_info->console.domU.evtchn);
    check(!(start_info->flags & SIF_PRIVILEGED), "not privileged", "flags %#x", start_info->flags);
    if (cmdline_str("ramdisk", want, sizeof(want)))
        check(start_info->mod_start && start_info->mod_len >= 13 &&
              !memcmp((const void *)start_info->mod_start, "PVCTL-RAMDISK", 13),
              "the initrd is loaded", "mod_start %#lx len %lu", start_info->mod_start,
              start_info->mod_len);
}

/* Lines into the console ring (the page pvctl gave, mapped in the bootstrap region). */
static void ring_test(const char *name)
{
    struct xencons_interface *r =
        (struct xencons_interface *)(VIRT_BASE + M2P[start_info->console.domU.mfn] * PAGE_SIZE);
    evtchn_port_t port = start_info->console.domU.evtchn;
    char line[64];
    unsigned int waited = 0;

    for (int i = 1; i <= 3; i++) {
        int n = snprintf(line, sizeof(line), "RING: line %d from %s\n", i, name);
        XENCONS_RING_IDX prod = r->out_prod;

        for (int k = 0; k < n; k++)
            r->out[MASK_XENCONS_IDX(prod++, r->out)] = line[k];
        barrier();
        r->out_prod = prod;
        evtchn_send(port);
    }
    while (r->out_cons != r->out_prod && waited++ < 1000)
        udelay_spin(10000);
    check(r->out_cons == r->out_prod, "the console back end consumed the ring",
          "cons %u prod %u after 10 s", r->out_cons, r->out_prod);
}

static struct xencons_interface *console_ring(void)
{
    return (struct xencons_interface *)(VIRT_BASE + M2P[start_info->console.domU.mfn] * PAGE_SIZE);
}

/* One line into the ring, waiting up to 10 s for room; 0 or -1. */
static int ring_put(struct xencons_interface *r, evtchn_port_t port, const char *line, int n)
{
    XENCONS_RING_IDX prod = r->out_prod;
    unsigned int waited = 0;

    while (prod - r->out_cons + n > sizeof(r->out)) {
        if (waited++ >= 1000)
            return -1;
        evtchn_send(port);
        udelay_spin(10000);
    }
    for (int k = 0; k < n; k++)
        r->out[MASK_XENCONS_IDX(prod++, r->out)] = line[k];
    barrier();
    r->out_prod = prod;
    evtchn_send(port);
    return 0;
}

static void flood_test(const char *name)
{
    struct xencons_interface *r = console_ring();
    evtchn_port_t port = start_info->console.domU.evtchn;
    char line[96];
    int i, ok = 1;

    for (i = 1; i <= 200 && ok; i++) {
        int n = snprintf(line, sizeof(line), "FLOOD %03d from %s: %s\n", i, name,
                         "0123456789012345678901234567890123456789012345678901234");
        ok = !ring_put(r, port, line, n);
    }
    check(ok, "the console daemon kept consuming a flood", "stuck at line %d", i - 1);
    snprintf(line, sizeof(line), "FLOOD-END: %d lines from %s\n", i - 1, name);
    check(!ring_put(r, port, line, (int)strlen(line)), "FLOOD-END written", "ring full");
}

static void hostile_test(const char *name)
{
    struct xencons_interface *r = console_ring();
    evtchn_port_t port = start_info->console.domU.evtchn;
    XENCONS_RING_IDX good = r->out_prod;
    char line[64];

    for (int i = 0; i < 200; i++) {              /* indices a ring cannot hold */
        r->out_prod = r->out_cons + 0x7fff0000u + (XENCONS_RING_IDX)i * 4099u;
        r->in_cons = r->in_prod + 0x40000000u;
        evtchn_send(port);
        udelay_spin(1000);
    }
    udelay_spin(500000);
    r->out_prod = good;
    r->out_cons = good;
    snprintf(line, sizeof(line), "HOSTILE-AFTER from %s\n", name);
    check(!ring_put(r, port, line, (int)strlen(line)), "HOSTILE-AFTER written", "ring full");
}

void test_main(void)
{
    char mode[16] = "poweroff", name[32] = "?";

    cmdline_str("mode", mode, sizeof(mode));
    cmdline_str("name", name, sizeof(name));
    printf("TOOLSTACK-GUEST: %s built by a toolstack in dom0, mode %s\n", name, mode);
    check_start_info();
    if (!strcmp(mode, "crash")) {
        printf("DONE: %s: %u passed, %u failed (crashing on purpose)\n", test_name, tests_passed,
               tests_failed);
        shutdown(SHUTDOWN_crash);
    }
    if (!strcmp(mode, "reboot")) {
        printf("DONE: %s: %u passed, %u failed (rebooting)\n", test_name, tests_passed, tests_failed);
        shutdown(SHUTDOWN_reboot);
    }
    if (!strcmp(mode, "ring"))
        ring_test(name);
    if (!strcmp(mode, "flood"))
        flood_test(name);
    if (!strcmp(mode, "hostile"))
        hostile_test(name);
    if (!strcmp(mode, "spin")) {
        printf("TOOLSTACK-GUEST: %s spinning\n", name);
        for (volatile unsigned long n = 0;; n++)
            ;
    }
}

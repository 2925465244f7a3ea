/*
 * xs-hostile: a boot-time domU that breaks the xenstore ring protocol
 * towards dom0's xenstored (ours only; dom0 introduces it at boot, see
 * tests/run-dom0.sh). After one good request it floods the ring:
 *   mode=len  a header announcing 2 GiB, then garbage to fill the ring
 *             (the daemon must answer XENSTORE_ERROR_PROTO and drop us);
 *   mode=idx  a request producer index 64 KiB past the consumer
 *             (XENSTORE_ERROR_RINGIDX, dropped).
 * Dom0 checks that it kept serving itself and the other guests.
 */
#include "xsring.h"

const char test_name[] = "xs-hostile";

#define WAIT_MS 150000

static char reply[XENSTORE_PAYLOAD_MAX + 1];
static char garbage[XENSTORE_RING_SIZE];

static bool wait_error(uint32_t want, uint64_t timeout_ms)
{
    uint64_t end = pvclock_ns() + timeout_ms * 1000000;

    while (xs_intf->error != want && pvclock_ns() < end) {
        evtchn_send(start_info->store_evtchn);
        sched_yield();
    }
    return xs_intf->error == want;
}

static void flood_length(void)
{
    struct xsd_sockmsg m = { .type = XS_WRITE, .req_id = 7, .len = 0x7fffffff };

    memset(garbage, 0xa5, sizeof(garbage));
    memcpy(garbage, &m, sizeof(m));
    check(xs_put(garbage, sizeof(garbage), 10000), "a ring full of garbage went out", "no room");
    check(wait_error(XENSTORE_ERROR_PROTO, 30000), "the daemon set XENSTORE_ERROR_PROTO",
          "error field %u", xs_intf->error);
}

static void flood_index(void)
{
    XENSTORE_RING_IDX cons = xs_intf->req_cons;

    xs_intf->req_prod = cons + 0x10000;
    evtchn_send(start_info->store_evtchn);
    check(wait_error(XENSTORE_ERROR_RINGIDX, 30000), "the daemon set XENSTORE_ERROR_RINGIDX",
          "error field %u", xs_intf->error);
}

void test_main(void)
{
    char mode[8] = "len";
    int t;

    cmdline_str("mode", mode, sizeof(mode));
    if (!check(xs_ring_setup(), "start_info names our xenstore page and port", "port %u",
               start_info->store_evtchn) ||
        !check(xs_wait_introduced(WAIT_MS), "dom0's xenstored attached to our ring", "no server_features"))
        return;
    t = xs_request(XS_READ, "name", 5, reply, sizeof(reply), 20000);
    check(t == XS_READ, "one good request answered first", "type %d '%s'", t, reply);
    info("flooding the ring (mode=%s)", mode);
    if (!strcmp(mode, "idx"))
        flood_index();
    else
        flood_length();
}

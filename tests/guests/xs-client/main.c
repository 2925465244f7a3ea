/*
 * xs-client: a boot-time domU served by dom0's xenstored (xenstore-lite)
 * on the ring the hypervisor set up in its start_info (store_mfn, and
 * store_evtchn unbound for dom0). Ours only: it needs dom0, which
 * introduces it at boot (xs-boot-introduce, tests/run-dom0.sh). Over the
 * ring it writes data/xs-client, reads it and its name back, is refused
 * dom0's nodes, and leaves the value for dom0's xenstore-read to check;
 * it ends once dom0 acknowledged (dom0 then sees it released).
 */
#include "xsring.h"

const char test_name[] = "xs-client";

#define WAIT_MS 150000                                /* dom0 boots its kernel first */
#define REPLY_MS 20000

static char reply[XENSTORE_PAYLOAD_MAX + 1];

static int req(uint32_t type, const char *a, const char *b)
{
    char msg[256];
    uint32_t la = strlen(a) + 1, lb = b ? strlen(b) : 0;

    memcpy(msg, a, la);
    if (b)
        memcpy(msg + la, b, lb);
    return xs_request(type, msg, la + lb, reply, sizeof(reply), REPLY_MS);
}

static void expect(uint32_t type, const char *a, const char *b, int want_type, const char *want,
                   const char *what)
{
    int t = req(type, a, b);

    check(t == want_type && !strcmp(reply, want), what, "reply type %d '%s'", t, reply);
}

/* Dom0 checks our value, then writes data/dom0-ack; we end after that
 * (our end is what dom0's xenstored must notice next). */
static bool wait_ack(void)
{
    uint64_t end = pvclock_ns() + WAIT_MS * 1000000ull;

    while (pvclock_ns() < end) {
        if (req(XS_READ, "data/dom0-ack", NULL) == XS_READ)
            return !strcmp(reply, "1");
        for (uint64_t t = pvclock_ns() + 50000000; pvclock_ns() < t;)
            sched_yield();
    }
    return false;
}

void test_main(void)
{
    char value[32], home[40];
    unsigned int id;

    if (!check(xs_ring_setup(), "start_info names our xenstore page and port", "store_mfn %#lx port %u",
               (unsigned long)start_info->store_mfn, start_info->store_evtchn))
        return;
    if (!check(xs_wait_introduced(WAIT_MS), "dom0's xenstored attached to our ring", "no server_features"))
        return;
    if (!check(req(XS_READ, "domid", NULL) == XS_READ, "READ domid (relative), written by dom0",
               "'%s'", reply))
        return;
    id = 0;
    for (const char *p = reply; *p >= '0' && *p <= '9'; p++)
        id = id * 10 + (unsigned int)(*p - '0');
    snprintf(home, sizeof(home), "/local/domain/%u", id);
    snprintf(value, sizeof(value), "hello-from-d%u", id);
    expect(XS_GET_DOMAIN_PATH, reply, NULL, XS_GET_DOMAIN_PATH, home, "GET_DOMAIN_PATH of our id");
    info("xenstore ring: page mfn %#lx, port %u, server features %#x", (unsigned long)start_info->store_mfn,
         start_info->store_evtchn, xs_intf->server_features);
    expect(XS_READ, "name", NULL, XS_READ, value + 11, "READ name (relative): d<id>, written by dom0");
    expect(XS_WRITE, "data/xs-client", value, XS_WRITE, "OK", "WRITE data/xs-client over the ring");
    expect(XS_READ, "data/xs-client", NULL, XS_READ, value, "READ it back");
    expect(XS_WRITE, "/local/domain/0/xs-client", "no", XS_ERROR, "EACCES", "WRITE in dom0's home: EACCES");
    expect(XS_READ, "/local/domain/0/no-such-node", NULL, XS_ERROR, "EACCES",
           "READ below dom0's home: EACCES (existence not leaked)");
    expect(XS_WRITE, "data/xs-client-done", "1", XS_WRITE, "OK", "WRITE data/xs-client-done");
    check(wait_ack(), "dom0 read our value and acknowledged in data/dom0-ack", "'%s'", reply);
}

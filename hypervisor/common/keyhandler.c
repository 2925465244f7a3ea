/*
 * Debug keys (XEN_SYSCTL_debug_keys, `pvctl debug-keys KEYS` as `xl
 * debug-keys`): each key a line of the table below, each printing to the
 * hypervisor's console, which `pvctl dmesg` reads back. Keys Xen knows and
 * we do not are reported, not an error: scripts written for Xen run.
 *   h   this list
 *   q   every domain's counters (hv/counters.h): per vCPU its hypercalls by
 *       name, its grant ops and event sends, an HVM vCPU's exits by kind;
 *       per domain the events raised on its ports
 */
#define __XEN_TOOLS__ 1                              /* sysctl.h is tools-only */
#include <hv/arch.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/guest_access.h>
#include <hv/hypercall.h>
#include <hv/lib.h>
#include <hv/keyhandler.h>
#include <xen/domctl.h>
#include <xen/sysctl.h>

#define DEBUG_KEYS_MAX 64                  /* keys one call runs; Xen's xl sends a few */

struct keyhandler {
    char key;
    void (*fn)(void);
    const char *desc;
};

static void dump_help(void);
static void dump_counters(void);

static const struct keyhandler keys[] = {
    { 'h', dump_help, "this list" },
    { 'q', dump_counters, "each domain's counters: hypercalls, grant ops, events, HVM exits" },
};

static void dump_help(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
        hv_info("debug key '%c': %s\n", keys[i].key, keys[i].desc);
}

/* One vCPU's totals, then its hypercalls by name, eight a line (a console line is 512 bytes). */
static void dump_vcpu(const struct vcpu *v)
{
    const struct vcpu_counters *c = &v->counters;
    unsigned int d = v->domain->id, shown = 0;
    char buf[400];
    size_t n = 0;
    u64 total = 0;

    for (unsigned int i = 0; i < HC_NR_SLOTS; i++)
        total += c->hypercalls[i];
    hv_info("d%u v%u: %lu hypercalls, grant maps %lu unmaps %lu copies %lu, events sent %lu\n",
            d, v->id, total, c->grant_maps, c->grant_unmaps, c->grant_copies, c->events_sent);
    for (unsigned int i = 0; i < HC_NR_SLOTS; i++) {
        if (!c->hypercalls[i])
            continue;
        n += hv_snprintf(buf + n, sizeof(buf) - n, " %s %lu", hypercall_name(i), c->hypercalls[i]);
        if (++shown % 8 == 0) {
            hv_info("d%u v%u hypercalls:%s\n", d, v->id, buf);
            n = 0;
        }
    }
    if (n)
        hv_info("d%u v%u hypercalls:%s\n", d, v->id, buf);
    arch_vcpu_dump_counters(v);
}

static void dump_domain(struct domain *d, void *arg)
{
    (void)arg;
    hv_info("d%u: events raised %lu\n", d->id,
            __atomic_load_n(&d->counters.events_raised, __ATOMIC_RELAXED));
    for (unsigned int i = 0; i < d->nr_vcpus; i++)
        if (d->vcpus[i])
            dump_vcpu(d->vcpus[i]);
}

static void dump_counters(void)
{
    hv_info("debug key 'q': counters since each domain was created\n");
    domain_for_each(dump_domain, NULL);
    hv_info("debug key 'q': end\n");
}

static void run_key(char k)
{
    for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
        if (keys[i].key == k) {
            keys[i].fn();
            return;
        }
    hv_info("debug key '%c' (0x%02x): not offered here ('h' lists the keys)\n",
            k >= 0x20 && k < 0x7f ? k : '?', (unsigned char)k);
}

/* The keys are read whole before any runs: a bad handle does nothing. */
long sysctl_debug_keys(const struct xen_sysctl_debug_keys *op)
{
    char k[DEBUG_KEYS_MAX];

    if (op->nr_keys > DEBUG_KEYS_MAX)
        return -E2BIG;
    if (copy_from_handle(k, guest_handle_from_field(op->keys), op->nr_keys))
        return -EFAULT;
    for (u32 i = 0; i < op->nr_keys; i++)
        run_key(k[i]);
    return 0;
}

/* store.c: pvfront's xenstore accesses and grants (front.h). */
#include "front.h"

unsigned int my_domid;
static char reply[XENSTORE_PAYLOAD_MAX + 1];
static uint8_t gt_page[PAGE_SIZE] __aligned(PAGE_SIZE);
static volatile grant_entry_v1_t *gt;
static grant_ref_t next_ref = GNTTAB_NR_RESERVED_ENTRIES;

void yield_ms(uint64_t ms)
{
    for (uint64_t end = pvclock_ns() + ms * 1000000; pvclock_ns() < end;)
        sched_yield();
}

bool store_init(void)
{
    if (!xs_ring_setup() || !xs_wait_introduced(XS_MS))
        return false;
    if (xs_request(XS_READ, "domid", 6, reply, sizeof(reply), XS_MS) != XS_READ)
        return false;
    for (const char *p = reply; *p >= '0' && *p <= '9'; p++)
        my_domid = my_domid * 10 + (unsigned int)(*p - '0');
    if (!gnt_setup_frame0(gt_page))
        return false;
    gt = (volatile grant_entry_v1_t *)gt_page;
    return my_domid != 0;
}

int store_read(const char *path, char *buf, unsigned int size)
{
    unsigned int n;

    if (xs_request(XS_READ, path, strlen(path) + 1, reply, sizeof(reply), XS_MS) != XS_READ)
        return -1;
    n = strlen(reply);
    if (n >= size)
        n = size - 1;
    memcpy(buf, reply, n);
    buf[n] = 0;
    return (int)n;
}

long store_read_long(const char *path, long dflt)
{
    char v[24];
    long n = 0;

    if (store_read(path, v, sizeof(v)) <= 0)
        return dflt;
    for (const char *p = v; *p; p++) {
        if (*p < '0' || *p > '9')
            return dflt;
        n = n * 10 + (*p - '0');
    }
    return n;
}

bool store_write(const char *path, const char *value)
{
    char msg[256];
    unsigned int lp = strlen(path) + 1, lv = strlen(value);

    if (lp + lv > sizeof(msg))
        return false;
    memcpy(msg, path, lp);
    memcpy(msg + lp, value, lv);
    return xs_request(XS_WRITE, msg, lp + lv, reply, sizeof(reply), XS_MS) == XS_WRITE;
}

bool store_write_long(const char *path, long value)
{
    char v[24];

    snprintf(v, sizeof(v), "%ld", value);
    return store_write(path, v);
}

bool store_write_key(const char *dir, const char *key, long value)
{
    char p[128];

    snprintf(p, sizeof(p), "%s/%s", dir, key);
    return store_write_long(p, value);
}

bool store_wait_long(const char *path, long want, uint64_t ms)
{
    uint64_t end = pvclock_ns() + ms * 1000000;

    while (store_read_long(path, -1) != want)
        if (pvclock_ns() > end)
            return false;
        else
            yield_ms(20);
    return true;
}

bool front_find(const char *type, unsigned int id, char *fe, unsigned int fe_size, char *be,
                unsigned int be_size, domid_t *be_id)
{
    char p[128];

    snprintf(fe, fe_size, "/local/domain/%u/device/%s/%u", my_domid, type, id);
    snprintf(p, sizeof(p), "%s/backend", fe);
    if (store_read(p, be, be_size) <= 0)
        return false;
    snprintf(p, sizeof(p), "%s/backend-id", fe);
    *be_id = (domid_t)store_read_long(p, 0);
    return true;
}

grant_ref_t grant_page(domid_t to, const void *page)
{
    grant_ref_t ref = next_ref;

    if (ref >= PAGE_SIZE / sizeof(grant_entry_v1_t))
        return 0;
    next_ref++;
    gt[ref].domid = to;
    gt[ref].frame = (uint32_t)virt_to_mfn(page);
    barrier();                                 /* domid and frame before the permission */
    gt[ref].flags = GTF_permit_access;
    return ref;
}

void grant_end(grant_ref_t ref)
{
    gt[ref].flags = 0;
}

uint16_t grant_flags(grant_ref_t ref)
{
    return gt[ref].flags;
}

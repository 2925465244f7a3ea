/* vif_spec.c: the vif = [ 'mac=...,bridge=...,model=...' ] syntax (vif_spec.h). Pure: unit-tested. */
#include "vif_spec.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Six hex pairs separated by ':', unicast (bit 0 of the first byte clear). */
static int check_mac(const char *s, char *err, size_t errlen)
{
    unsigned int first;

    if (strlen(s) != 17)
        goto bad;
    for (int i = 0; i < 17; i++)
        if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
            goto bad;
    sscanf(s, "%2x", &first);
    if (first & 1) {
        snprintf(err, errlen, "mac=%s is a multicast address", s);
        return -EINVAL;
    }
    return 0;
bad:
    snprintf(err, errlen, "mac=%.40s: expected XX:XX:XX:XX:XX:XX", s);
    return -EINVAL;
}

/* A Linux interface name: 1..15 characters, no '/', ':', ',', space or '='. */
static int check_bridge(const char *s, char *err, size_t errlen)
{
    size_t n = strlen(s);

    if (n == 0 || n > 15 || strpbrk(s, "/:, =\t") || !strcmp(s, ".") || !strcmp(s, "..")) {
        snprintf(err, errlen, "bridge=%.40s: not an interface name (1 to 15 characters)", s);
        return -EINVAL;
    }
    return 0;
}

/* An HVM guest's emulated NIC: QEMU's e1000 (the default) or rtl8139, as libxl names them. */
static int check_model(const char *s, char *err, size_t errlen)
{
    if (strcmp(s, "e1000") && strcmp(s, "rtl8139")) {
        snprintf(err, errlen, "model=%.40s: e1000 or rtl8139", s);
        return -EINVAL;
    }
    return 0;
}

/* One key=value of LEN characters at S. */
static int set_item(struct vif_spec *v, const char *s, size_t len, char *err, size_t errlen)
{
    const char *eq = memchr(s, '=', len);
    char val[64];
    size_t kl;

    if (!eq) {
        snprintf(err, errlen, "'%.*s': expected key=value (mac=, bridge=, model=)", (int)(len > 40 ? 40 : len), s);
        return -EINVAL;
    }
    kl = (size_t)(eq - s);
    snprintf(val, sizeof(val), "%.*s", (int)(len - kl - 1 > 63 ? 63 : len - kl - 1), eq + 1);
    if (kl == 3 && !memcmp(s, "mac", 3)) {
        if (check_mac(val, err, errlen))
            return -EINVAL;
        memcpy(v->mac, val, sizeof(v->mac));
        return 0;
    }
    if (kl == 6 && !memcmp(s, "bridge", 6)) {
        if (check_bridge(val, err, errlen))
            return -EINVAL;
        memcpy(v->bridge, val, strlen(val) + 1);
        return 0;
    }
    if (kl == 5 && !memcmp(s, "model", 5)) {
        if (check_model(val, err, errlen))
            return -EINVAL;
        memcpy(v->model, val, strlen(val) + 1);
        return 0;
    }
    snprintf(err, errlen, "unsupported vif key '%.*s' (mac=, bridge=, model=)", (int)(kl > 20 ? 20 : kl), s);
    return -EINVAL;
}

int vif_spec_parse(const char *spec, struct vif_spec *v, char *err, size_t errlen)
{
    const char *p = spec;

    memset(v, 0, sizeof(*v));
    strcpy(v->bridge, VIF_DEFAULT_BRIDGE);
    while (*p) {
        size_t len;

        while (*p == ' ' || *p == '\t')
            p++;
        len = strcspn(p, ",");
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (len && set_item(v, p, len, err, errlen))
            return -EINVAL;
        p += strcspn(p, ",");
        if (*p == ',')
            p++;
    }
    return 0;
}

void vif_spec_default_mac(struct vif_spec *v, unsigned int dom, unsigned int devid)
{
    if (!v->mac[0])
        snprintf(v->mac, sizeof(v->mac), "00:16:3e:%02x:%02x:%02x", (dom >> 8) & 0xff, dom & 0xff,
                 devid & 0xff);
}

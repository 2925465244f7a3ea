/*
 * config.c: xl-syntax domain configuration (config.h). A tokenizer over the
 * text that counts lines, a statement parser (key = value), and a table of
 * keys, each with its value's type and where it goes. Every error names its
 * line.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum tok { T_EOF, T_NL, T_IDENT, T_STR, T_NUM, T_EQ, T_LBR, T_RBR, T_COMMA, T_BAD };

struct lexer {
    const char *p, *origin;
    unsigned int line;
    int bare_words;                   /* an override's value: the rest of it is a string */
    enum tok t;
    char text[1024];
    char *err;
    size_t errlen;
};

static int error(struct lexer *lx, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(lx->err, lx->errlen, "%s:%u: ", lx->origin, lx->line);

    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < lx->errlen)
        vsnprintf(lx->err + n, lx->errlen - n, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

static enum tok lex_string(struct lexer *lx)
{
    char q = *lx->p++;
    size_t n = 0;

    for (; *lx->p && *lx->p != q && *lx->p != '\n'; lx->p++) {
        if (n + 1 >= sizeof(lx->text))
            return T_BAD;
        lx->text[n++] = *lx->p;
    }
    lx->text[n] = 0;
    if (*lx->p != q)
        return T_BAD;
    lx->p++;
    return T_STR;
}

static enum tok lex_word(struct lexer *lx)
{
    size_t n = 0;
    int digits = 1;

    /* An override's unquoted value is the rest of its argument, spaces and all. */
    while (*lx->p && (isalnum((unsigned char)*lx->p) || strchr("_-./:", *lx->p) || lx->bare_words)) {
        if (n + 1 >= sizeof(lx->text))
            return T_BAD;
        digits &= isdigit((unsigned char)*lx->p) != 0;
        lx->text[n++] = *lx->p++;
    }
    lx->text[n] = 0;
    if (!n)
        return T_BAD;
    if (digits)
        return T_NUM;
    if (lx->bare_words)
        return T_IDENT;
    return isalpha((unsigned char)lx->text[0]) || lx->text[0] == '_' ? T_IDENT : T_BAD;
}

static enum tok next(struct lexer *lx)
{
    while (*lx->p == ' ' || *lx->p == '\t' || *lx->p == '\r')
        lx->p++;
    if (*lx->p == '#')
        while (*lx->p && *lx->p != '\n')
            lx->p++;
    lx->text[0] = 0;
    switch (*lx->p) {
    case 0:    return lx->t = T_EOF;
    case '\n': lx->p++; lx->line++; return lx->t = T_NL;
    case ';':  lx->p++; return lx->t = T_NL;
    case '=':  lx->p++; return lx->t = T_EQ;
    case '[':  lx->p++; return lx->t = T_LBR;
    case ']':  lx->p++; return lx->t = T_RBR;
    case ',':  lx->p++; return lx->t = T_COMMA;
    case '"': case '\'': return lx->t = lex_string(lx);
    default:   return lx->t = lex_word(lx);
    }
}

/* Key table */

enum vtype { V_STR, V_NUM, V_ACTION, V_LIST, V_TYPE };

struct key {
    const char *name;
    enum vtype type;
    size_t off, size;                 /* where in struct pv_config */
    unsigned long min, max;           /* V_NUM */
};

#define F(field) offsetof(struct pv_config, field), sizeof(((struct pv_config *)0)->field)
static const struct key keys[] = {
    { "name",        V_STR,    F(name),        0, 0 },
    { "kernel",      V_STR,    F(kernel),      0, 0 },
    { "ramdisk",     V_STR,    F(ramdisk),     0, 0 },
    { "firmware",    V_STR,    F(firmware),    0, 0 },
    { "device_model_version",  V_STR, F(device_model_version),  0, 0 },
    { "device_model_override", V_STR, F(device_model_override), 0, 0 },
    { "cmdline",     V_STR,    F(cmdline),     0, 0 },
    { "extra",       V_STR,    F(extra),       0, 0 },
    { "memory",      V_NUM,    F(memory_mb),   1, 1UL << 20 },
    { "vcpus",       V_NUM,    F(vcpus),       1, 8 },
    { "on_poweroff", V_ACTION, F(on_poweroff), 0, 0 },
    { "on_reboot",   V_ACTION, F(on_reboot),   0, 0 },
    { "on_crash",    V_ACTION, F(on_crash),    0, 0 },
    { "disk",        V_LIST,   F(disk),        0, 0 },
    { "vif",         V_LIST,   F(vif),         0, 0 },
    { "type",        V_TYPE,   0, 0,           0, 0 },
};

static const char *const action_names[] = {
    "destroy", "restart", "preserve", "rename-restart", "coredump-destroy", "coredump-restart",
    "soft-reset",
};

const char *config_action_name(enum cfg_action a)
{
    return (unsigned int)a < sizeof(action_names) / sizeof(action_names[0]) ? action_names[a] : "?";
}

static const struct key *find_key(const char *name)
{
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (!strcmp(keys[i].name, name))
            return &keys[i];
    return NULL;
}

static int set_str(struct lexer *lx, const struct key *k, char *dst)
{
    if (lx->t != T_STR && !(lx->bare_words && (lx->t == T_IDENT || lx->t == T_NUM)))
        return error(lx, "%s: expected a string in quotes", k->name);
    if (strlen(lx->text) >= k->size)
        return error(lx, "%s: longer than %zu characters", k->name, k->size - 1);
    strcpy(dst, lx->text);
    return 0;
}

static int set_num(struct lexer *lx, const struct key *k, void *dst)
{
    unsigned long v;

    if (lx->t != T_NUM)
        return error(lx, "%s: expected a number", k->name);
    errno = 0;
    v = strtoul(lx->text, NULL, 10);
    if (errno || v < k->min || v > k->max)
        return error(lx, "%s: %s is out of range (%lu..%lu)", k->name, lx->text, k->min, k->max);
    if (k->size == sizeof(unsigned int))
        *(unsigned int *)dst = (unsigned int)v;
    else
        *(unsigned long *)dst = v;
    return 0;
}

static int set_action(struct lexer *lx, const struct key *k, enum cfg_action *dst)
{
    if (lx->t != T_STR && !(lx->bare_words && lx->t == T_IDENT))
        return error(lx, "%s: expected a string in quotes", k->name);
    for (size_t i = 0; i < sizeof(action_names) / sizeof(action_names[0]); i++) {
        if (!strcmp(lx->text, action_names[i])) {
            *dst = (enum cfg_action)i;
            return 0;
        }
    }
    return error(lx, "%s: unknown action \"%s\" (destroy, restart, preserve, rename-restart, "
                 "coredump-destroy, coredump-restart, soft-reset)", k->name, lx->text);
}

static int disk_entry(struct lexer *lx, struct pv_config *c, unsigned int i);

/* A list of strings; newlines are allowed inside the brackets. */
static int set_list(struct lexer *lx, const struct key *k, struct pv_config *c)
{
    char (*items)[256] = (char (*)[256])((char *)c + k->off);
    unsigned int *n = k->off == offsetof(struct pv_config, disk) ? &c->nr_disk : &c->nr_vif;

    if (lx->t != T_LBR)
        return error(lx, "%s: expected a list [ \"...\", ... ]", k->name);
    *n = 0;
    while (next(lx) == T_NL)
        ;
    while (lx->t != T_RBR) {
        if (lx->t != T_STR)
            return error(lx, "%s: expected a string in quotes in the list", k->name);
        if (*n == CFG_MAX_DEVS || strlen(lx->text) >= sizeof(items[0]))
            return error(lx, "%s: more than %d entries or an entry too long", k->name, CFG_MAX_DEVS);
        strcpy(items[*n], lx->text);
        if (items == c->disk && disk_entry(lx, c, *n))
            return -EINVAL;
        (*n)++;
        while (next(lx) == T_NL)
            ;
        if (lx->t == T_COMMA)
            while (next(lx) == T_NL)
                ;
        else if (lx->t != T_RBR)
            return error(lx, "%s: expected ',' or ']'", k->name);
    }
    return 0;
}

static int set_value(struct lexer *lx, const struct key *k, struct pv_config *c)
{
    void *dst = (char *)c + k->off;

    switch (k->type) {
    case V_STR:    return set_str(lx, k, dst);
    case V_NUM:    return set_num(lx, k, dst);
    case V_ACTION: return set_action(lx, k, dst);
    case V_LIST:   return set_list(lx, k, c);
    case V_TYPE:
        if ((lx->t == T_STR || (lx->bare_words && lx->t == T_IDENT)) &&
            (!strcmp(lx->text, "pv") || !strcmp(lx->text, "hvm"))) {
            c->hvm = !strcmp(lx->text, "hvm");
            return 0;
        }
        return error(lx, "type: \"pv\" or \"hvm\" (PVH is not supported)");
    }
    return -EINVAL;
}

/* key = value, then the end of the statement. At T_IDENT. */
static int statement(struct lexer *lx, struct pv_config *c)
{
    const struct key *k = find_key(lx->text);
    char name[64];

    snprintf(name, sizeof(name), "%.63s", lx->text);
    if (next(lx) != T_EQ)
        return error(lx, "expected '=' after \"%s\"", name);
    if (!k)
        return error(lx, "unknown key \"%s\"", name);
    next(lx);
    if (lx->t == T_BAD)
        return error(lx, "%s: malformed value (an unterminated string?)", name);
    if (set_value(lx, k, c))
        return -EINVAL;
    next(lx);
    if (lx->t != T_NL && lx->t != T_EOF)
        return error(lx, "unexpected text after the value of \"%s\"", name);
    return 0;
}

static int parse(struct lexer *lx, struct pv_config *c)
{
    for (next(lx); lx->t != T_EOF;) {
        if (lx->t == T_NL) {
            next(lx);
            continue;
        }
        if (lx->t != T_IDENT)
            return error(lx, "expected a key name");
        if (statement(lx, c))
            return -EINVAL;
    }
    return 0;
}

void config_init(struct pv_config *c)
{
    memset(c, 0, sizeof(*c));
    c->memory_mb = 128;
    c->vcpus = 1;
    c->on_poweroff = ACT_DESTROY;
    c->on_reboot = ACT_RESTART;
    c->on_crash = ACT_DESTROY;
}

int config_parse(struct pv_config *c, const char *text, const char *origin, char *err, size_t errlen)
{
    struct lexer lx = { .p = text, .origin = origin, .line = 1, .err = err, .errlen = errlen };

    return parse(&lx, c);
}

int config_override(struct pv_config *c, const char *kv, char *err, size_t errlen)
{
    struct lexer lx = { .p = kv, .origin = "command line", .line = 1, .bare_words = 1,
                        .err = err, .errlen = errlen };

    if (!strchr(kv, '='))
        return error(&lx, "\"%s\": expected key=value", kv);
    lx.bare_words = 0;                               /* the key is a plain word */
    if (next(&lx) != T_IDENT)
        return error(&lx, "expected a key name");
    lx.bare_words = 1;
    return statement(&lx, c);
}

/*
 * type = "hvm" (docs/hvm.md): a firmware image, or a Linux kernel booted
 * directly (kernel=, ramdisk=, cmdline=), started on the emulated
 * platform. Disks are QEMU's IDE disks (four places: hda..hdd, or
 * xvda..xvdd as libxl maps them), vifs QEMU's emulated NICs on a tap.
 */
static const char *hvm_check(const struct pv_config *c)
{
    if (!c->firmware[0] && !c->kernel[0])
        return "type=\"hvm\" needs firmware= (an ELF32 image: hvmloader or a test guest) or kernel= (a bzImage)";
    if (c->firmware[0] && c->kernel[0])
        return "type=\"hvm\" takes firmware= or kernel=, not both";
    if (c->ramdisk[0] && !c->kernel[0])
        return "ramdisk= with type=\"hvm\" needs kernel=";
    if (c->nr_vif && !strcmp(c->device_model_version, "none"))
        return "vif= with type=\"hvm\" needs the device model (QEMU's e1000 or rtl8139): not with device_model_version=\"none\"";
    if (c->nr_disk && !strcmp(c->device_model_version, "none"))
        return "disk= with type=\"hvm\" needs the device model (QEMU's IDE): not with device_model_version=\"none\"";
    for (unsigned int i = 0; i < c->nr_disk; i++)
        if (c->disks[i].index > 3)
            return "disk= with type=\"hvm\": IDE has four places, hda..hdd (or xvda..xvdd)";
    if (c->vcpus != 1)
        return "type=\"hvm\" guests have one vCPU here";
    if (c->device_model_version[0] && strcmp(c->device_model_version, "qemu-xen") &&
        strcmp(c->device_model_version, "none"))
        return "device_model_version: \"qemu-xen\" or \"none\"";
    return NULL;
}

int config_has_device_model(const struct pv_config *c)
{
    return c->hvm && strcmp(c->device_model_version, "none");
}

int config_check(const struct pv_config *c, char *err, size_t errlen)
{
    const char *why = NULL;

    if (!c->name[0])
        why = "no name";
    else if (!strcmp(c->name, "Domain-0"))
        why = "the name Domain-0 is dom0's";
    else if (strspn(c->name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
             strlen(c->name))
        why = "a name may hold only letters, digits, '_', '.' and '-'";
    else if (c->hvm)
        why = hvm_check(c);
    else if (!c->kernel[0])
        why = "no kernel";
    else if (c->firmware[0] || c->device_model_version[0] || c->device_model_override[0])
        why = "firmware= and device_model_* are for type=\"hvm\"";
    else
        for (unsigned int i = 0; i < c->nr_disk && !why; i++)
            if (c->disks[i].vdev[0] == 'h')
                why = "disk= vdev hda..hdd are IDE disks, for type=\"hvm\" (xvda..xvdp here)";
    if (why)
        snprintf(err, errlen, "%s", why);
    return why ? -EINVAL : 0;
}

const char *config_cmdline(const struct pv_config *c)
{
    return c->cmdline[0] ? c->cmdline : c->extra;
}

/* Disk specs (xl-disk-configuration(5); struct cfg_disk in config.h) */

enum disk_field { DF_TARGET, DF_FORMAT, DF_VDEV, DF_ACCESS, DF_NR };

static int disk_why(char *why, size_t len, const char *fmt, const char *a)
{
    snprintf(why, len, fmt, a);
    return -EINVAL;
}

/* xvda..xvdp (Xen's PV disks, major 202), or hda..hdd (IDE, for HVM guests: majors 3 and 22). */
static int disk_vdev(struct cfg_disk *d, const char *v, char *why, size_t len)
{
    unsigned int i;

    if (strlen(v) == 3 && !strncmp(v, "hd", 2) && v[2] >= 'a' && v[2] <= 'd') {
        i = (unsigned int)(v[2] - 'a');
        strcpy(d->vdev, v);
        d->devid = ((i < 2 ? 3u : 22u) << 8) | ((i & 1) << 6);
        d->index = i;
        return 0;
    }
    if (strlen(v) != 4 || strncmp(v, "xvd", 3) || v[3] < 'a' || v[3] > 'p')
        return disk_why(why, len, "vdev '%s': only xvda..xvdp (hda..hdd for type=\"hvm\")", v);
    strcpy(d->vdev, v);
    d->index = (unsigned int)(v[3] - 'a');
    d->devid = (202u << 8) | (d->index << 4);
    return 0;
}

static int disk_set(struct cfg_disk *d, enum disk_field f, const char *v, char *why, size_t len)
{
    switch (f) {
    case DF_TARGET:
        if (!v[0] || strlen(v) >= sizeof(d->target))
            return disk_why(why, len, "target '%.200s': empty or too long", v);
        strcpy(d->target, v);
        return 0;
    case DF_FORMAT:
        return !strcmp(v, "raw") ? 0 : disk_why(why, len, "format '%s': only raw is supported", v);
    case DF_VDEV:
        return disk_vdev(d, v, why, len);
    case DF_ACCESS:
        if (!strcmp(v, "r") || !strcmp(v, "ro"))
            d->readonly = 1;
        else if (!strcmp(v, "w") || !strcmp(v, "rw"))
            d->readonly = 0;
        else
            return disk_why(why, len, "access '%s': r, ro, w or rw", v);
        return 0;
    default:
        return -EINVAL;
    }
}

/* A leading "file:", "phy:" or "raw:" (xl's deprecated form): skipped; 1 if there was one. */
static int disk_legacy_prefix(const char **p)
{
    static const char *const pre[] = { "file:", "phy:", "raw:" };

    for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
        if (!strncmp(*p, pre[i], strlen(pre[i]))) {
            *p += strlen(pre[i]);
            return 1;
        }
    return 0;
}

static int disk_named(struct cfg_disk *d, const char *key, const char *v, int seen[DF_NR],
                      char *why, size_t len)
{
    static const char *const names[DF_NR] = { "target", "format", "vdev", "access" };

    if (!strcmp(key, "devtype"))
        return !strcmp(v, "disk") ? 0 : disk_why(why, len, "devtype '%s': only disk", v);
    for (int f = 0; f < DF_NR; f++)
        if (!strcmp(key, names[f])) {
            if (seen[f]++)
                return disk_why(why, len, "%s given twice", key);
            return disk_set(d, (enum disk_field)f, v, why, len);
        }
    return disk_why(why, len, "unknown or unsupported parameter '%s'", key);
}

/* The next positional field still free, in xl's order (legacy: no format field). */
static int disk_positional(struct cfg_disk *d, const char *v, int seen[DF_NR], int legacy,
                           char *why, size_t len)
{
    for (int f = 0; f < DF_NR; f++) {
        if (seen[f] || (legacy && f == DF_FORMAT))
            continue;
        seen[f] = 1;
        return v[0] ? disk_set(d, (enum disk_field)f, v, why, len) : 0;   /* empty: the default */
    }
    return disk_why(why, len, "too many positional parameters at '%s'", v);
}

static void disk_trim(char *s)
{
    size_t n = strlen(s), i = 0;

    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = 0;
    while (isspace((unsigned char)s[i]))
        i++;
    memmove(s, s + i, n - i + 1);
}

int config_disk_parse(const char *spec, struct cfg_disk *d, char *why, size_t len)
{
    int seen[DF_NR] = { 0 }, legacy = 0, rc = 0;
    char buf[512], *p = buf, *eq;

    memset(d, 0, sizeof(*d));
    if (strlen(spec) >= sizeof(buf))
        return disk_why(why, len, "%s", "too long");
    strcpy(buf, spec);
    while (!rc && p) {
        char *comma, *field = p;

        while (isspace((unsigned char)*field))
            field++;
        comma = strncmp(field, "target=", 7) ? strchr(field, ',') : NULL;   /* target= takes the rest */
        if (comma)
            *comma = 0;
        p = comma ? comma + 1 : NULL;
        disk_trim(field);
        if ((eq = strchr(field, '=')) && !(seen[DF_TARGET] == 0 && field[0] == '/')) {
            *eq = 0;
            disk_trim(field);
            disk_trim(eq + 1);
            rc = disk_named(d, field, eq + 1, seen, why, len);
            continue;
        }
        if (!seen[DF_TARGET] && field[0]) {
            const char *t = field;

            legacy = disk_legacy_prefix(&t);
            memmove(field, t, strlen(t) + 1);
        }
        if (!field[0] && !p && seen[DF_VDEV])
            break;                                   /* a trailing comma */
        rc = disk_positional(d, field, seen, legacy, why, len);
    }
    if (!rc && !d->target[0])
        rc = disk_why(why, len, "%s", "no target (image or device)");
    if (!rc && !d->vdev[0])
        rc = disk_why(why, len, "%s", "no vdev (xvda..xvdp)");
    return rc;
}

static int disk_entry(struct lexer *lx, struct pv_config *c, unsigned int i)
{
    char why[300];

    if (config_disk_parse(c->disk[i], &c->disks[i], why, sizeof(why)))
        return error(lx, "disk: '%.200s': %s", c->disk[i], why);
    for (unsigned int j = 0; j < i; j++)
        if (c->disks[j].devid == c->disks[i].devid)
            return error(lx, "disk: '%.200s': %s is given twice", c->disk[i], c->disks[i].vdev);
    return 0;
}

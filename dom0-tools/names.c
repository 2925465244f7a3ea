/*
 * names.c: domain names in xenstore or, without a xenstored, in files
 * (names.h). libxenstore is used only when xenstored's Unix socket exists:
 * in dom0 with no xenstored, a request through /dev/xen/xenbus blocks for
 * ever, and libxenstore 4.17 falls back on that device even when asked for
 * the socket only (XS_OPEN_SOCKETONLY is ignored).
 */
#include "names.h"
#include "xs_domain.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xenstore.h>

#define NAMES_DIR "/run/pvctl/names"

static struct xs_handle *xs;

/* $XENSTORED_PATH, else the places Debian's xenstored listens; NULL if none is a socket. */
static const char *xenstored_socket(void)
{
    static const char *const paths[] = { "/run/xenstored/socket", "/var/run/xenstored/socket" };
    const char *env = getenv("XENSTORED_PATH");
    struct stat st;

    if (env)
        return !stat(env, &st) && S_ISSOCK(st.st_mode) ? env : NULL;
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
        if (!stat(paths[i], &st) && S_ISSOCK(st.st_mode))
            return paths[i];
    return NULL;
}

void names_open(void)
{
    const char *sock = getenv("PVCTL_NO_XENSTORE") ? NULL : xenstored_socket();

    if (xs || !sock)
        return;
    setenv("XENSTORED_PATH", sock, 1);               /* the socket, never the xenbus device */
    xs = xs_open(0);
}

void names_close(void)
{
    if (xs)
        xs_close(xs);
    xs = NULL;
}

int names_have_xenstore(void)
{
    return xs != NULL;
}

const char *names_where(void)
{
    return xs ? "xenstore" : NAMES_DIR;
}

static void file_of(uint16_t dom, char *path, size_t len)
{
    snprintf(path, len, NAMES_DIR "/%u", dom);
}

static void xs_path(uint16_t dom, const char *leaf, char *path, size_t len)
{
    snprintf(path, len, "/local/domain/%u%s%s", dom, leaf[0] ? "/" : "", leaf);
}

int names_get(uint16_t dom, char *buf, size_t len)
{
    char path[64];

    if (xs) {
        unsigned int n;
        char *v;

        xs_path(dom, "name", path, sizeof(path));
        v = xs_read(xs, XBT_NULL, path, &n);
        if (!v)
            return -ENOENT;
        snprintf(buf, len, "%s", v);
        free(v);
        return 0;
    }
    file_of(dom, path, sizeof(path));
    FILE *f = fopen(path, "r");

    if (!f)
        return -ENOENT;
    if (!fgets(buf, (int)len, f))
        buf[0] = 0;
    fclose(f);
    buf[strcspn(buf, "\n")] = 0;
    return buf[0] ? 0 : -ENOENT;
}

int names_set(uint16_t dom, const char *name)
{
    char path[64];
    int fd, ok;

    mkdir("/run", 0755);                             /* an initramfs may have none */
    mkdir("/run/pvctl", 0755);
    mkdir(NAMES_DIR, 0755);
    file_of(dom, path, sizeof(path));
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return -errno;
    ok = write(fd, name, strlen(name)) == (ssize_t)strlen(name) && write(fd, "\n", 1) == 1;
    ok &= close(fd) == 0;
    return ok ? 0 : -EIO;
}

void names_remove(uint16_t dom)
{
    char path[64];

    if (xs) {
        xsd_remove(xs, dom);
        return;
    }
    file_of(dom, path, sizeof(path));
    unlink(path);
    snprintf(path, sizeof(path), NAMES_DIR "/%u.console", dom);
    unlink(path);
}

int names_set_console(uint16_t dom, unsigned long mfn, unsigned int port)
{
    char path[64];
    FILE *f;

    snprintf(path, sizeof(path), NAMES_DIR "/%u.console", dom);
    f = fopen(path, "w");
    if (!f)
        return -errno;
    fprintf(f, "%lu %u\n", mfn, port);
    return fclose(f) ? -EIO : 0;
}

static int xs_read_num(uint16_t dom, const char *leaf, unsigned long *v)
{
    char path[80], *s;
    unsigned int n;

    xs_path(dom, leaf, path, sizeof(path));
    s = xs_read(xs, XBT_NULL, path, &n);
    if (!s)
        return -ENOENT;
    *v = strtoul(s, NULL, 10);
    free(s);
    return 0;
}

int names_get_console(uint16_t dom, unsigned long *mfn, unsigned int *port)
{
    unsigned long p = 0;
    char path[64];
    FILE *f;
    int ok;

    if (xs) {
        if (xs_read_num(dom, "console/ring-ref", mfn) || xs_read_num(dom, "console/port", &p))
            return -ENOENT;
        *port = (unsigned int)p;
        return 0;
    }
    snprintf(path, sizeof(path), NAMES_DIR "/%u.console", dom);
    f = fopen(path, "r");
    if (!f)
        return -ENOENT;
    ok = fscanf(f, "%lu %u", mfn, port) == 2;
    fclose(f);
    return ok ? 0 : -ENOENT;
}

struct xs_handle *names_xs(void)
{
    return xs;
}

int names_control_shutdown(uint16_t dom, const char *how)
{
    char path[80];

    if (!xs)
        return -ENOTCONN;
    xs_path(dom, "control/shutdown", path, sizeof(path));
    return xs_write(xs, XBT_NULL, path, how, (unsigned int)strlen(how)) ? 0 : -errno;
}

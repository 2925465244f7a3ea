/*
 * consoled_log.c: a guest's console log (consoled.h). Appended to, as
 * xenconsoled's --log=guest; lines get the time in front only with -t. A
 * log that would grow past the size cap (-s) is renamed NAME.log.old and
 * started again, so a guest that floods costs at most twice the cap of
 * disk and nothing of the daemon's memory.
 */
#include "consoled.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A name that is safe as a file name, else the domid. */
static void file_name(char *out, size_t len, const char *name, domid_t dom)
{
    int ok = name[0] && name[0] != '.' && strlen(name) < 48;

    for (const char *p = name; ok && *p; p++)
        ok = *p > ' ' && *p < 0x7f && *p != '/';
    if (ok)
        snprintf(out, len, "guest-%s.log", name);
    else
        snprintf(out, len, "guest-%u.log", dom);
}

static int reopen(struct clog *l)
{
    struct stat st;

    l->fd = open(l->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (l->fd < 0)
        return -errno;
    l->size = fstat(l->fd, &st) ? 0 : st.st_size;
    return 0;
}

int clog_open(struct clog *l, const char *dir, const char *name, domid_t dom)
{
    char file[80];

    file_name(file, sizeof(file), name, dom);
    snprintf(l->path, sizeof(l->path), "%s/%s", dir, file);
    l->at_line_start = 1;
    return reopen(l);
}

static void put(struct clog *l, const struct consoled_opts *o, const char *buf, size_t n)
{
    if (l->fd < 0 || !n)
        return;
    if (o->log_max && (size_t)l->size + n > o->log_max) {   /* the cap: one old generation */
        char old[sizeof(l->path) + 8];

        close(l->fd);
        snprintf(old, sizeof(old), "%s.old", l->path);
        rename(l->path, old);
        if (reopen(l))
            return;
    }
    while (n) {
        ssize_t w = write(l->fd, buf, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;                                  /* a full disk loses output, not the daemon */
        l->size += w;
        buf += w;
        n -= (size_t)w;
    }
}

static void stamp(struct clog *l, const struct consoled_opts *o)
{
    char ts[40];
    time_t now = time(NULL);
    struct tm tm;
    size_t n = strftime(ts, sizeof(ts), "[%Y-%m-%d %H:%M:%S] ", localtime_r(&now, &tm));

    put(l, o, ts, n);
}

void clog_write(struct clog *l, const struct consoled_opts *o, const char *buf, size_t n)
{
    if (!o->timestamps) {
        put(l, o, buf, n);
        return;
    }
    while (n) {
        const char *nl = memchr(buf, '\n', n);
        size_t len = nl ? (size_t)(nl - buf) + 1 : n;

        if (l->at_line_start)
            stamp(l, o);
        put(l, o, buf, len);
        l->at_line_start = nl != NULL;
        buf += len;
        n -= len;
    }
}

void clog_note(struct clog *l, const char *fmt, ...)
{
    static const struct consoled_opts plain = { 0 };
    char line[200];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n > 0)
        put(l, &plain, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

void clog_close(struct clog *l)
{
    if (l->fd >= 0)
        close(l->fd);
    l->fd = -1;
}

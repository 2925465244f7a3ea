/*
 * device_model.c: QEMU-xen for an HVM guest (device_model.h). The command
 * line is libxl's for a qemu-xen device model, reduced to what is emulated
 * here: `-machine xenfv` (i440FX, PIIX3, the Xen platform device), the
 * guest's serial port on a pty, no display, no default devices. QEMU
 * daemonizes once it is initialised (its ioreq server is up and its ranges
 * are claimed), so its parent's exit status says whether it started;
 * device-model/N/state = running says it serves the guest. The serial
 * pty's path comes from QMP's query-chardev, as libxl reads it.
 */
#include "device_model.h"
#include "names.h"
#include "pvctl.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#define DM_READY_MS 20000
#define QMP_REPLY_MAX 8192

static void dm_path(char *buf, size_t len, domid_t dom, const char *what)
{
    snprintf(buf, len, DM_RUN_DIR "/dm-%u.%s", dom, what);
}

static void sleep_ms(unsigned int ms)
{
    struct timespec t = { ms / 1000, (long)(ms % 1000) * 1000000L };

    nanosleep(&t, NULL);
}

/* QEMU's parent: exits 0 once the child is initialised (-daemonize), else non-zero. */
static int spawn(const struct pv_config *c, domid_t dom, const char *log)
{
    char id[16], mem[24], qmp[128], pid[96];
    const char *exe = c->device_model_override[0] ? c->device_model_override : DM_DEFAULT_PATH;
    int status, fd;
    pid_t p;

    snprintf(id, sizeof(id), "%u", dom);
    snprintf(mem, sizeof(mem), "%lu", c->memory_mb);
    dm_path(pid, sizeof(pid), dom, "pid");
    snprintf(qmp, sizeof(qmp), "unix:" DM_RUN_DIR "/dm-%u.qmp,server=on,wait=off", dom);
    if ((p = fork()) < 0)
        return -1;
    if (!p) {
        fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execl(exe, exe, "-xen-domid", id, "-machine", "xenfv", "-m", mem, "-nodefaults",
              "-no-user-config", "-display", "none", "-vga", "none", "-serial", "pty",
              "-monitor", "none", "-name", c->name, "-qmp", qmp, "-daemonize", "-pidfile", pid,
              (char *)NULL);
        fprintf(stderr, "pvctl: exec %s: %s\n", exe, strerror(errno));
        _exit(127);
    }
    while (waitpid(p, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

static int dm_running(struct xs_handle *xs, domid_t dom)
{
    char path[64], *v;
    unsigned int n;
    int yes;

    snprintf(path, sizeof(path), "/local/domain/0/device-model/%u/state", dom);
    v = xs_read(xs, XBT_NULL, path, &n);
    yes = v && !strcmp(v, "running");
    free(v);
    return yes;
}

/* One request, and the reply that carries "return" (QMP events may come first). */
static int qmp_call(int s, const char *cmd, char *reply, size_t len)
{
    size_t got = 0;

    if (write(s, cmd, strlen(cmd)) != (ssize_t)strlen(cmd))
        return -1;
    while (got < len - 1) {
        ssize_t n = read(s, reply + got, len - 1 - got);

        if (n <= 0)
            return -1;
        got += (size_t)n;
        reply[got] = 0;
        if (strstr(reply, "\"return\"") && strchr(strstr(reply, "\"return\""), '\n'))
            return 0;
        if (strstr(reply, "\"error\""))
            return -1;
    }
    return -1;
}

/* The pty of chardev serial0 from query-chardev: {"filename": "pty:/dev/pts/N", "label": "serial0"}. */
static int serial_pty(const char *reply, char *tty, size_t len)
{
    const char *label = strstr(reply, "\"label\": \"serial0\"");
    const char *f;

    if (!label)
        return -1;
    for (f = label; f > reply && strncmp(f, "{", 1); f--)
        ;
    f = strstr(f, "\"filename\": \"pty:");
    if (!f || f > strchr(label, '}'))
        return -1;
    f += strlen("\"filename\": \"pty:");
    snprintf(tty, len, "%.*s", (int)strcspn(f, "\""), f);
    return tty[0] ? 0 : -1;
}

static int qmp_serial_tty(domid_t dom, char *tty, size_t len)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    char *reply = malloc(QMP_REPLY_MAX);
    int s = socket(AF_UNIX, SOCK_STREAM, 0), rc = -1;

    dm_path(a.sun_path, sizeof(a.sun_path), dom, "qmp");
    if (reply && s >= 0 && !connect(s, (struct sockaddr *)&a, sizeof(a)) &&
        !qmp_call(s, "{\"execute\": \"qmp_capabilities\"}\n", reply, QMP_REPLY_MAX) &&
        !qmp_call(s, "{\"execute\": \"query-chardev\"}\n", reply, QMP_REPLY_MAX))
        rc = serial_pty(reply, tty, len);
    if (s >= 0)
        close(s);
    free(reply);
    return rc;
}

static void show_log(const char *log)
{
    char line[256];
    FILE *f = fopen(log, "r");

    while (f && fgets(line, sizeof(line), f))
        fprintf(stderr, "    qemu: %s", line);
    if (f)
        fclose(f);
}

int dm_start(const struct pv_config *c, domid_t dom)
{
    struct xs_handle *xs = names_xs();
    char log[128], tty[64], path[64];
    int waited = 0;

    if (!xs) {
        fprintf(stderr, "pvctl: create: the device model needs dom0's xenstored\n");
        return -1;
    }
    mkdir(DM_RUN_DIR, 0755);
    mkdir(DM_LOG_DIR, 0755);
    snprintf(log, sizeof(log), DM_LOG_DIR "/qemu-%s.log", c->name);
    if (spawn(c, dom, log)) {
        fprintf(stderr, "pvctl: create: the device model did not start (%s):\n", log);
        show_log(log);
        dm_stop(dom);
        return -1;
    }
    while (!dm_running(xs, dom) && waited < DM_READY_MS) {
        sleep_ms(50);
        waited += 50;
    }
    if (!dm_running(xs, dom) || qmp_serial_tty(dom, tty, sizeof(tty))) {
        fprintf(stderr, "pvctl: create: the device model %s (%s)\n",
                dm_running(xs, dom) ? "gave no serial pty over QMP" : "never said it runs", log);
        dm_stop(dom);
        return -1;
    }
    snprintf(path, sizeof(path), "/local/domain/%u/serial/0/tty", dom);
    xs_write(xs, XBT_NULL, path, tty, strlen(tty));
    pvctl_step("device model running (QEMU-xen)");
    return 0;
}

static pid_t dm_pid(domid_t dom)
{
    char path[96];
    FILE *f;
    int pid = 0;

    dm_path(path, sizeof(path), dom, "pid");
    if ((f = fopen(path, "r"))) {
        if (fscanf(f, "%d", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    return (pid_t)pid;
}

void dm_stop(domid_t dom)
{
    pid_t pid = dm_pid(dom);
    char path[96];
    struct xs_handle *xs = names_xs();

    if (pid > 0 && !kill(pid, SIGTERM)) {
        for (int i = 0; i < 100 && !kill(pid, 0); i++)
            sleep_ms(20);
        kill(pid, SIGKILL);
    }
    dm_path(path, sizeof(path), dom, "pid");
    unlink(path);
    dm_path(path, sizeof(path), dom, "qmp");
    unlink(path);
    if (xs) {
        snprintf(path, sizeof(path), "/local/domain/0/device-model/%u", dom);
        xs_rm(xs, XBT_NULL, path);
    }
}

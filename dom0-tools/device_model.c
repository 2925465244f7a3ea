/*
 * device_model.c: QEMU-xen for an HVM guest (device_model.h). The command
 * line is libxl's for a qemu-xen device model, reduced to what is emulated
 * here: `-machine xenfv` (i440FX, PIIX3 and its IDE, the Xen platform
 * device), the guest's serial port on a pty, its disks as IDE disks
 * (`-drive ...,if=ide`), no display, no default devices. QEMU
 * daemonizes once it is initialised (its ioreq server is up and its ranges
 * are claimed), so its parent's exit status says whether it started;
 * device-model/N/state = running says it serves the guest. The serial
 * pty's path comes from QMP's query-chardev, as libxl reads it.
 */
#include "device_model.h"
#include "device_vif.h"
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

#define DM_MAX_ARGS 64

/* One IDE disk, as libxl gives QEMU an HVM guest's emulated disk (',' in a path doubled). */
static void drive_arg(const struct cfg_disk *d, char *buf, size_t len)
{
    size_t o = (size_t)snprintf(buf, len, "file=");

    for (const char *p = d->target; *p && o + 2 < len; p++) {
        if (*p == ',')
            buf[o++] = ',';
        buf[o++] = *p;
    }
    buf[o] = 0;
    snprintf(buf + o, len - o, ",if=ide,index=%u,media=disk,format=raw,cache=writeback%s",
             d->index, d->readonly ? ",readonly=on" : "");
}

struct dm_args {
    const char *argv[DM_MAX_ARGS];
    char id[16], mem[24], qmp[128], pid[96];
    char drive[CFG_MAX_DEVS][640];
    char nic[CFG_MAX_DEVS][96], netdev[CFG_MAX_DEVS][112];
    unsigned int n;
};

/* One emulated NIC on a tap, as libxl gives QEMU an HVM guest's vif (the spec was checked). */
static void nic_args(const struct pv_config *c, domid_t dom, unsigned int i, struct dm_args *a)
{
    struct vif_spec v;
    char why[128], tap[24];

    if (vif_spec_parse(c->vif[i], &v, why, sizeof(why)))
        memset(&v, 0, sizeof(v));
    vif_spec_default_mac(&v, dom, i);
    vif_emu_tap_name(tap, sizeof(tap), dom, i);
    /* romfile= (none): no PXE option ROM, as no BIOS runs it (and dom0 carries no ROM files) */
    snprintf(a->nic[i], sizeof(a->nic[i]), "%s,id=nic%u,netdev=net%u,mac=%s,romfile=",
             v.model[0] ? v.model : "e1000", i, i, v.mac);
    snprintf(a->netdev[i], sizeof(a->netdev[i]), "type=tap,id=net%u,ifname=%s,script=no,downscript=no",
             i, tap);
}

static void add(struct dm_args *a, const char *s1, const char *s2)
{
    if (a->n + 3 > DM_MAX_ARGS)
        return;                                      /* cannot happen: sized for every option */
    a->argv[a->n++] = s1;
    if (s2)
        a->argv[a->n++] = s2;
}

/* libxl's command line for qemu-xen, reduced to what is emulated here. */
static void build_args(const struct pv_config *c, domid_t dom, const char *exe, struct dm_args *a)
{
    snprintf(a->id, sizeof(a->id), "%u", dom);
    snprintf(a->mem, sizeof(a->mem), "%lu", c->memory_mb);
    dm_path(a->pid, sizeof(a->pid), dom, "pid");
    snprintf(a->qmp, sizeof(a->qmp), "unix:" DM_RUN_DIR "/dm-%u.qmp,server=on,wait=off", dom);
    a->n = 0;
    add(a, exe, NULL);
    add(a, "-xen-domid", a->id);
    add(a, "-machine", "xenfv");
    add(a, "-m", a->mem);
    add(a, "-nodefaults", NULL);
    add(a, "-no-user-config", NULL);
    add(a, "-display", "none");
    add(a, "-vga", "none");
    add(a, "-serial", "pty");
    add(a, "-monitor", "none");
    add(a, "-name", c->name);
    add(a, "-qmp", a->qmp);
    for (unsigned int i = 0; i < c->nr_disk; i++) {
        drive_arg(&c->disks[i], a->drive[i], sizeof(a->drive[i]));
        add(a, "-drive", a->drive[i]);
    }
    for (unsigned int i = 0; i < c->nr_vif; i++) {
        nic_args(c, dom, i, a);
        add(a, "-device", a->nic[i]);
        add(a, "-netdev", a->netdev[i]);
    }
    add(a, "-daemonize", NULL);
    add(a, "-pidfile", a->pid);
    a->argv[a->n] = NULL;
}

/* QEMU's parent: exits 0 once the child is initialised (-daemonize), else non-zero. */
static int spawn(const struct pv_config *c, domid_t dom, const char *log)
{
    static struct dm_args a;
    const char *exe = c->device_model_override[0] ? c->device_model_override : DM_DEFAULT_PATH;
    int status, fd;
    pid_t p;

    build_args(c, dom, exe, &a);
    if ((p = fork()) < 0)
        return -1;
    if (!p) {
        fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execv(exe, (char *const *)a.argv);
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

/* Each emulated NIC's tap, which QEMU made, onto its bridge. */
static int attach_nics(const struct pv_config *c, domid_t dom)
{
    struct vif_spec v;
    char why[128];

    for (unsigned int i = 0; i < c->nr_vif; i++)
        if (vif_spec_parse(c->vif[i], &v, why, sizeof(why)) || vif_emu_attach(dom, i, &v))
            return -1;
    return 0;
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
    if (c->nr_vif && vif_emu_prepare())
        return -1;
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
    if (attach_nics(c, dom)) {
        dm_stop(dom);
        return -1;
    }
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

/*
 * guestcheck: checks of real kernel behaviour run inside the Linux guest
 * (static, from the initramfs): fork/exec and pipes, signals, mmap/munmap/
 * mprotect, copy-on-write after fork, the vDSO clock. One
 * "PASS: linux/<check>" or "FAIL: linux/<check>: why" line each.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;

static void report(int ok, const char *name, const char *why)
{
    if (ok)
        printf("PASS: linux/%s\n", name);
    else {
        printf("FAIL: linux/%s: %s\n", name, why);
        failures++;
    }
    fflush(stdout);
}

static void check_fork_exec_pipe(void)
{
    int fd[2];
    char buf[64] = { 0 };
    pid_t pid;
    int status;

    if (pipe(fd)) {
        report(0, "fork-exec-pipe", strerror(errno));
        return;
    }
    pid = fork();
    if (pid == 0) {
        dup2(fd[1], 1);
        close(fd[0]);
        execl("/bin/busybox", "echo", "exec-ok", (char *)NULL);
        _exit(127);
    }
    close(fd[1]);
    ssize_t n = read(fd[0], buf, sizeof(buf) - 1);
    waitpid(pid, &status, 0);
    report(n > 0 && !strncmp(buf, "exec-ok", 7) && WIFEXITED(status) && !WEXITSTATUS(status),
           "fork-exec-pipe", buf);
}

static volatile sig_atomic_t got_usr1;
static void on_usr1(int sig) { (void)sig; got_usr1 = 1; }

static void check_signals(void)
{
    pid_t pid;
    int status;

    signal(SIGUSR1, on_usr1);
    raise(SIGUSR1);
    report(got_usr1, "signal-self", "SIGUSR1 handler not run");
    pid = fork();
    if (pid == 0) {
        pause();
        _exit(0);
    }
    usleep(100000);
    kill(pid, SIGTERM);
    waitpid(pid, &status, 0);
    report(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM, "signal-child", "child not killed by SIGTERM");
}

static sigjmp_buf segv_jmp;
static void on_segv(int sig) { (void)sig; siglongjmp(segv_jmp, 1); }

static void check_mmap_mprotect(void)
{
    size_t len = 16 * 4096;
    unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int faulted = 0;

    if (p == MAP_FAILED) {
        report(0, "mmap", strerror(errno));
        return;
    }
    for (size_t i = 0; i < len; i++)
        p[i] = (unsigned char)i;
    int ok = 1;
    for (size_t i = 0; i < len; i++)
        ok &= p[i] == (unsigned char)i;
    report(ok, "mmap-readwrite", "pattern mismatch");
    mprotect(p, len, PROT_READ);
    signal(SIGSEGV, on_segv);
    if (sigsetjmp(segv_jmp, 1) == 0)
        p[5] = 1;
    else
        faulted = 1;
    signal(SIGSEGV, SIG_DFL);
    report(faulted && p[5] == 5, "mprotect-readonly", "write to a read-only page did not fault");
    report(munmap(p, len) == 0, "munmap", strerror(errno));
}

static void check_cow(void)
{
    size_t len = 64 * 4096;
    unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int fd[2], status;
    char c = 0;
    pid_t pid;

    memset(p, 0xaa, len);
    pipe(fd);
    pid = fork();
    if (pid == 0) {
        memset(p, 0x55, len);                        /* child's private copy */
        int ok = 1;
        for (size_t i = 0; i < len; i++)
            ok &= p[i] == 0x55;
        c = ok ? 'y' : 'n';
        write(fd[1], &c, 1);
        _exit(0);
    }
    read(fd[0], &c, 1);
    waitpid(pid, &status, 0);
    int parent_ok = 1;
    for (size_t i = 0; i < len; i++)
        parent_ok &= p[i] == 0xaa;
    report(c == 'y', "cow-child-writes", "child did not see its own writes");
    report(parent_ok, "cow-parent-unchanged", "parent saw the child's writes");
    munmap(p, len);
}

static double secs(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/*
 * With the hypervisor's second time area (VCPUOP_register_vcpu_time_memory_
 * area) Linux reads the clock in user space (vDSO pvclock): far cheaper than
 * any system call, which in a PV guest bounces through the hypervisor. The
 * clock must also never go backwards.
 */
static void check_vdso_clock(void)
{
    enum { N = 100000 };
    struct timespec t0, t1, prev = { 0, 0 }, now;
    double vdso, sys;
    int backwards = 0;
    char why[128];

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < N; i++) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        backwards += now.tv_sec < prev.tv_sec ||
                     (now.tv_sec == prev.tv_sec && now.tv_nsec < prev.tv_nsec);
        prev = now;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    vdso = secs(&t0, &t1);
    for (int i = 0; i < N; i++)
        syscall(SYS_getppid);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    sys = secs(&t1, &t0);
    snprintf(why, sizeof(why), "%d clock_gettime took %.3fs, %d getppid %.3fs",
             N, vdso, N, sys);
    printf("INFO: vdso clock: %s (%.1fx)\n", why, vdso > 0 ? sys / vdso : 0.0);
    report(vdso * 3 < sys, "vdso-clock", why);
    report(!backwards, "clock-monotonic", "CLOCK_MONOTONIC went backwards");
}

int main(void)
{
    check_fork_exec_pipe();
    check_signals();
    check_mmap_mprotect();
    check_cow();
    check_vdso_clock();
    return failures ? 1 : 0;
}

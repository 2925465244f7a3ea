/* xenstore-lite daemon: options, daemon mode, pid file, signals. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "xs_core.h"
#include "xs_log.h"
#include "xs_loop.h"
#include "xs_quota.h"
#include "xs_ring_file.h"
#include "xs_ring_xen.h"
#include "xs_sock.h"

struct opts {
	const char *socket, *pidfile, *logfile, *tracefile, *ringdir;
	bool foreground, xen;
};

static volatile bool stop;
static struct xs_poll sigpoll = { .fd = -1 };

static void usage(FILE *f)
{
	char q[1024];

	xs_quota_format(q, sizeof(q));
	fprintf(f,
"Usage: xenstore-lite [options]\n"
"A xenstore daemon speaking the xs_wire.h protocol (Unix socket and rings).\n\n"
"  -s, --socket PATH       listen here (default $XENSTORED_PATH, else\n"
"                          " XS_DEFAULT_SOCKET ")\n"
"  -N, --no-fork           stay in the foreground (default: daemonize)\n"
"  -F, --pid-file FILE     write the daemon's pid to FILE\n"
"  -l, --log-level LEVEL   error, warn (default), info or debug\n"
"  -L, --log-file FILE     log to FILE instead of stderr\n"
"  -T, --trace-file FILE   trace every request and reply to FILE\n"
"  -Q, --quota NAME=VALUE  set a quota (repeatable); current values:\n%s"
"  -R, --ring-dir DIR      INTRODUCE maps DIR/ring-<domid> as the ring page\n"
"  -X, --xen               dom0's xenstored: serve the kernel's ring\n"
"                          (/dev/xen/xenbus_backend) and map guests' rings\n"
"                          at INTRODUCE (grant or MFN, /dev/xen/evtchn)\n"
"  -P, --busy-poll US      after serving requests, poll this long before\n"
"                          sleeping (default 50; 0 disables)\n"
"  -h, --help              this text\n"
"SIGTERM or SIGINT shut the daemon down cleanly.\n", q);
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "socket", 1, NULL, 's' }, { "no-fork", 0, NULL, 'N' },
		{ "pid-file", 1, NULL, 'F' }, { "log-level", 1, NULL, 'l' },
		{ "log-file", 1, NULL, 'L' }, { "trace-file", 1, NULL, 'T' },
		{ "quota", 1, NULL, 'Q' }, { "ring-dir", 1, NULL, 'R' },
		{ "busy-poll", 1, NULL, 'P' }, { "xen", 0, NULL, 'X' },
		{ "help", 0, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "s:NF:l:L:T:Q:R:P:Xh", lo, NULL)) != -1) {
		switch (c) {
		case 's': o->socket = optarg; break;
		case 'N': o->foreground = true; break;
		case 'F': o->pidfile = optarg; break;
		case 'L': o->logfile = optarg; break;
		case 'T': o->tracefile = optarg; break;
		case 'R': o->ringdir = optarg; break;
		case 'X': o->xen = true; break;
		case 'l':
			if ((xs_log_level = xs_log_parse_level(optarg)) < 0)
				return 2;
			break;
		case 'Q':
			if (xs_quota_set(optarg))
				return 2;
			break;
		case 'P': xs_loop_spin_us = (unsigned)atoi(optarg); break;
		case 'h': usage(stdout); exit(0);
		default: return 2;
		}
	}
	return optind < argc ? 2 : 0;
}

static void on_signal(struct xs_poll *p, uint32_t ev)
{
	struct signalfd_siginfo si;

	(void)ev;
	if (read(p->fd, &si, sizeof(si)) == sizeof(si))
		xs_info("signal %u: shutting down", si.ssi_signo);
	stop = true;
}

static int setup_signals(void)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigpoll.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	sigpoll.cb = on_signal;
	return sigpoll.fd < 0 ? errno : xs_loop_add(&sigpoll, EPOLLIN);
}

static int write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return errno;
	fprintf(f, "%ld\n", (long)getpid());
	return fclose(f) ? errno : 0;
}

/* Classic detach; the socket already listens so clients can connect as
 * soon as the parent returns. */
static int daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return errno;
	if (pid > 0)
		_exit(0);
	setsid();
	if (chdir("/"))
		return errno;
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	return 0;
}

static void raise_fd_limit(void)
{
	struct rlimit rl;

	/* 1000+ concurrent clients need more than the usual 1024 fds. */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Listen before detaching so clients can connect once the launcher
 * returns; create epoll and signalfd after the fork, since a signalfd's
 * readiness belongs to the process that registered it. */
static int start(const struct opts *o)
{
	int err;

	if ((err = xs_log_open(o->logfile)) ||
	    (o->tracefile && (err = xs_trace_open(o->tracefile))))
		return err;
	if ((err = xs_sock_listen(o->socket))) {
		xs_err("cannot listen on %s: %s", o->socket, strerror(err));
		return err;
	}
	if (!o->foreground && (err = daemonize()))
		return err;
	if ((err = xs_loop_init()) || (err = xs_core_init()) ||
	    (err = setup_signals()) || (err = xs_sock_start()))
		return err;
	if (o->ringdir && (err = xs_ring_file_init(o->ringdir)))
		return err;
	if (o->xen && (err = xs_ring_xen_init(&xs_xen_libs)))
		return err;
	if (o->pidfile && (err = write_pidfile(o->pidfile)))
		return err;
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	int err;

	if (parse(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}
	if (!o.socket)
		o.socket = getenv("XENSTORED_PATH") ?: XS_DEFAULT_SOCKET;
	raise_fd_limit();
	if ((err = start(&o))) {
		xs_err("startup failed: %s", strerror(err));
		return 1;
	}
	xs_info("listening on %s", o.socket);
	err = xs_loop_run(&stop);
	xs_sock_close();
	unlink(o.socket);
	if (o.pidfile)
		unlink(o.pidfile);
	xs_ring_file_fini();
	xs_ring_xen_fini();
	xs_core_fini();
	xs_loop_fini();
	xs_trace_close();
	xs_info("stopped");
	xs_log_close();
	return err ? 1 : 0;
}

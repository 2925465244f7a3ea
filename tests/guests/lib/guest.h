/*
 * guest.h: freestanding runtime for the PV test guests (x86_64, Xen public ABI).
 *
 * A test guest defines `const char test_name[]` and `void test_main(void)`.
 * The runtime boots (stack, hypercall mode, console, shared_info, trap table,
 * event callback), calls test_main(), then test_done() prints
 *   DONE: <name>: N passed, M failed
 * and shuts the domain down (poweroff).
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdint.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdbool.h>
#include <xen/xen.h>
#include <xen/sched.h>
#include <xen/event_channel.h>
#include <xen/vcpu.h>
#include <xen/version.h>
#include <xen/callback.h>
#include <xen/memory.h>

/* Plain errno names (EINVAL, ENOSYS, ...) with Xen's values, which equal Linux's. */
#define XEN_ERRNO(name, value) name = value,
enum guest_errno {
#include <xen/errno.h>
};

#define PAGE_SIZE 4096UL
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define VIRT_BASE 0xffffffff80000000UL
#define __aligned(n) __attribute__((aligned(n)))
#define __noreturn __attribute__((noreturn))
#define __printf(a, b) __attribute__((format(printf, a, b)))
#define barrier() asm volatile("" ::: "memory")

/* Provided by each test guest. */
extern const char test_name[];
void test_main(void);

/* Boot state (lib.c). */
extern start_info_t *start_info;
extern shared_info_t *shared;            /* mapped shared_info page */
extern struct vcpu_info *vcpu0;          /* &shared->vcpu_info[0] */
extern bool hc_direct;                   /* hypercalls via `syscall`, not the page */
extern uint8_t hypercall_page[PAGE_SIZE];

/* Results (lib.c). */
extern unsigned int tests_passed, tests_failed;
void pass(const char *check);
void fail(const char *check, const char *fmt, ...) __printf(2, 3);
bool check(bool ok, const char *check, const char *fmt, ...) __printf(3, 4);
bool check_eq(long got, long want, const char *check);
void info(const char *fmt, ...) __printf(1, 2);
void __noreturn test_done(void);
void __noreturn shutdown(unsigned int reason);
void __noreturn panic(const char *fmt, ...) __printf(1, 2);

/* Ascending, in place (insertion sort: the benches sort a few dozen medians). */
void sort_u64(uint64_t *v, unsigned long n);

/* Command line (lib.c): "key=value" words of start_info->cmd_line. */
bool cmdline_str(const char *key, char *buf, size_t len);
long cmdline_int(const char *key, long dflt);

/* Memory helpers (lib.c). */
unsigned long virt_to_mfn(const void *va);
uint64_t virt_to_maddr(const void *va);
long map_page_at(void *va, uint64_t maddr, uint64_t pte_flags);
long remap_own_page(void *va, uint64_t pte_flags);

/* Console and formatting (printf.c). */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
int printf(const char *fmt, ...) __printf(1, 2);
void console_write(const char *s, size_t len);

/* Strings (string.c). */
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* Time (time.c). */
static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}
uint64_t pvclock_ns(void);                       /* vcpu0 system time, ns */
uint64_t pvclock_tsc_to_ns(uint64_t tsc_delta);  /* scale with vcpu0's mul/shift */
void udelay_spin(uint64_t us);                   /* busy-wait on the pvclock */

/* Events (events.c). */
typedef void (*evtchn_handler_t)(evtchn_port_t port, void *arg);
void evtchn_set_handler(evtchn_port_t port, evtchn_handler_t fn, void *arg);
void evtchn_mask(evtchn_port_t port);
void evtchn_unmask_local(evtchn_port_t port);   /* guest-side unmask (Linux style) */
bool evtchn_pending(evtchn_port_t port);
bool evtchn_masked(evtchn_port_t port);
void evtchn_clear(evtchn_port_t port);
void events_enable(void);                        /* upcall_mask = 0, force pending */
void events_disable(void);
extern volatile unsigned long upcalls;           /* event callbacks taken */
extern volatile unsigned long events_seen;       /* ports dispatched */
/* Spin (yielding) until *ctr >= want or timeout_ms of pvclock time passed. */
bool wait_count(volatile unsigned long *ctr, unsigned long want, uint64_t timeout_ms);
/* Until port is pending, blocked in SCHEDOP_poll (events may stay masked); false after
 * timeout_ms. The pending bit is left set. */
bool evtchn_poll_one(evtchn_port_t port, uint64_t timeout_ms);
long evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port);
long evtchn_bind_interdomain(domid_t rdom, evtchn_port_t rport, evtchn_port_t *port);
long evtchn_bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port);
long evtchn_send(evtchn_port_t port);
long evtchn_close(evtchn_port_t port);
long evtchn_unmask_hc(evtchn_port_t port);
long evtchn_status(domid_t dom, evtchn_port_t port, evtchn_status_t *st);
/* Any port without its own handler (e.g. past the handler table) goes here. */
extern evtchn_handler_t default_handler;
/* FIFO ABI: after events_fifo_init the demux and the helpers above use it. */
long events_fifo_init(void *page, unsigned int offset);   /* init_control, vCPU 0 */
long events_fifo_expand(void *page);                       /* expand_array, up to 8 pages */
extern struct evtchn_fifo_control_block *fifo_cb;          /* NULL while 2-level */
volatile event_word_t *fifo_word(evtchn_port_t port);      /* NULL past the array */

/* Traps (traps.c, head.S). */
struct cpu_regs {
    uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8;
    uint64_t rax, rcx, rdx, rsi, rdi;
    uint64_t frame;       /* guest rsp at handler entry: lowest bounce-frame slot */
    uint8_t  entry_mask;  /* vcpu0 upcall mask seen at handler entry */
    uint8_t  pad[7];
    uint64_t vector;      /* 0x100 = event callback */
    uint64_t error_code;  /* ~0 when the vector has none */
    uint64_t rip, cs, rflags, rsp, ss;
};
struct trap_record {
    unsigned long count;  /* bumped by every exception taken */
    struct cpu_regs regs; /* copy of the last one */
    uint64_t cr2;         /* vcpu0->arch.cr2 at delivery */
};
extern volatile struct trap_record last_trap;
void traps_init(void);
long set_trap(uint8_t vector, uint8_t flags, void *handler);
void *trap_stub(unsigned int vector);     /* default stub of a vector, or NULL */
void trap_reset(void);
/* Called by the stubs; tests may hook it (return true = handled). */
extern bool (*trap_hook)(struct cpu_regs *regs);
/*
 * Exception-table entry: when an exception hits at `fault`, resume at `fixup`.
 * Used by the FAULT() helper below.
 */
struct extable { uint64_t fault, fixup; };

/*
 * Run one instruction sequence that is expected to fault at its first
 * instruction; on the fault execution resumes after the sequence.
 * Returns via *at the address of the faulting instruction.
 */
#define _EXTABLE(a, b) ".pushsection .ex_table,\"a\"; .balign 8; .quad " #a ", " #b "; .popsection\n"

/* Event callback hook (events.c); runs before the port demux. */
extern void (*upcall_hook)(struct cpu_regs *regs);

#endif

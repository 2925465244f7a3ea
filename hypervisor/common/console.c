/*
 * The hypervisor console: leveled log lines prefixed "(HV)", and guest
 * console_io output prefixed "(dN)", one whole line at a time so that
 * domains writing at once do not interleave mid-line.
 */
#include <hv/errno.h>
#include <hv/console.h>
#include <hv/lib.h>
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/sched.h>
#include <hv/hypercall.h>
#include <hv/guest_access.h>
#include <hv/spinlock.h>
#include <hv/bug.h>

enum hv_loglvl hv_loglvl = LOG_INFO;

static const char *const loglvl_names[] = { "err", "warning", "info", "debug" };

int hv_console_set_loglvl(const char *name)
{
    if (!strcmp(name, "all")) {
        hv_loglvl = LOG_DEBUG;
        return 0;
    }
    for (unsigned int i = 0; i < ARRAY_SIZE(loglvl_names); i++) {
        if (!strcmp(name, loglvl_names[i])) {
            hv_loglvl = (enum hv_loglvl)i;
            return 0;
        }
    }
    return -EINVAL;
}

/*
 * console_lock: every CPU may print; one line (and the line-owner state)
 * goes out whole. Innermost in the lock order, so anyone may log. Taken
 * with interrupts off (the idle loop's interrupt handlers may print).
 * hv_panic forces it: the panicking CPU may hold it already, or another
 * CPU stopped by the panic's NMI may.
 */
static spinlock_t console_lock = SPINLOCK_INIT(LOCK_RANK_CONSOLE, "console_lock");
static unsigned long console_flags;                 /* the holder's, for the unlock */

void hv_console_lock(void)
{
    unsigned long flags = spin_lock_irqsave(&console_lock);

    console_flags = flags;
}

void hv_console_unlock(void)
{
    spin_unlock_irqrestore(&console_lock, console_flags);
}

static void console_force_unlock(void)
{
    lock_check_reset();
    spin_lock_init(&console_lock, LOCK_RANK_CONSOLE, "console_lock");
}

void hv_puts_raw(const char *s, size_t len)
{
    arch_console_write(s, len);
}

/*
 * The one serial line is shared: a domain whose console ring output stops
 * mid-line must not have another writer's text glued to its line. Whoever
 * writes next first ends the other's partial line; that domain's next
 * output starts a fresh "(dN) " line.
 */
static int line_owner = -1;                          /* domid with a partial line, or -1 */

void hv_console_claim_line(int owner)
{
    ASSERT(spin_is_locked_by_me(&console_lock));
    if (line_owner < 0 || line_owner == owner)
        return;
    hv_puts_raw("\n", 1);
    if (line_owner < HV_MAX_DOMAINS && hv_domains[line_owner])
        hv_domains[line_owner]->cons_mid_line = false;
    line_owner = -1;
}

void hv_console_set_line_owner(int owner)
{
    line_owner = owner;
}

void hv_vlog(enum hv_loglvl lvl, const char *fmt, va_list ap)
{
    char line[512];
    int n;

    if (lvl > hv_loglvl)
        return;
    memcpy(line, "(HV) ", 5);
    n = hv_vsnprintf(line + 5, sizeof(line) - 5, fmt, ap);
    n = MIN(n + 5, (int)sizeof(line) - 1);
    hv_console_lock();
    hv_console_claim_line(-2);
    hv_puts_raw(line, n);
    console_history_record(line, n);
    hv_console_unlock();
}

void hv_log(enum hv_loglvl lvl, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    hv_vlog(lvl, fmt, ap);
    va_end(ap);
}

void hv_console_guest_flush(struct domain *d)
{
    char prefix[16];
    int n;

    if (!d->console_len)
        return;
    n = hv_snprintf(prefix, sizeof(prefix), "(d%u) ", d->id);
    hv_console_lock();
    hv_console_claim_line(-2);
    hv_puts_raw(prefix, n);
    hv_puts_raw(d->console_line, d->console_len);
    if (d->console_line[d->console_len - 1] != '\n')
        hv_puts_raw("\n", 1);
    if (d->hvm) {                                    /* its debug port: in `xl dmesg`, as Xen's */
        console_history_record(prefix, (size_t)n);
        console_history_record(d->console_line, d->console_len);
        if (d->console_line[d->console_len - 1] != '\n')
            console_history_record("\n", 1);
    }
    hv_console_unlock();
    d->console_len = 0;
}

/*
 * What of a guest's byte reaches the operator's terminal: printable ASCII,
 * newline and tab. Every other control byte (ESC and CSI sequences,
 * backspace, carriage return) could move the cursor over the "(dN) " and
 * "(HV) " prefixes and forge a hypervisor line, so it shows as '?'; CR and
 * NUL vanish. Both guest paths (console_io, the console ring) use this.
 */
char hv_console_guest_char(char c)
{
    if (c == '\r' || c == '\0')
        return 0;
    if (c != '\n' && c != '\t' && (c < 0x20 || c > 0x7e))
        return '?';
    return c;
}

void hv_console_guest_write(struct domain *d, const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = hv_console_guest_char(buf[i]);

        if (!c)
            continue;
        d->console_line[d->console_len++] = c;
        if (c == '\n' || d->console_len == sizeof(d->console_line))
            hv_console_guest_flush(d);
    }
}

/* console_io: CONSOLEIO_write prints; CONSOLEIO_read (privileged) takes serial input (console_input.c). */
long do_console_io(unsigned int cmd, unsigned int count, guest_handle_t buf)
{
    char chunk[128];

    switch (cmd) {
    case CONSOLEIO_write:
        if (count > (1U << 20))
            return -EINVAL;
        for (unsigned int done = 0; done < count; done += sizeof(chunk)) {
            size_t n = MIN(sizeof(chunk), count - done);

            if (done && hypercall_preempt_check())   /* the serial line is slow */
                return hypercall_continue(__HYPERVISOR_console_io, cmd, count - done,
                                          guest_handle_add_offset(buf, done).va, 0, 0);
            if (copy_from_handle(chunk, guest_handle_add_offset(buf, done), n))
                return -EFAULT;
            hv_console_guest_write(current->domain, chunk, n);
        }
        return 0;
    case CONSOLEIO_read:
        if (!current->domain->privileged)
            return -EPERM;
        return console_input_read(count, buf);
    default:
        return -ENOSYS;
    }
}

/*
 * One CPU owns the panic screen: the first to claim it. Another CPU that
 * panics meanwhile just stops (the owner's NMI stops it anyway); the owner
 * panicking again while it prints goes on printing, as before SMP.
 */
static int panic_cpu = -1;

static bool panic_claim(void)
{
    int none = -1, me = (int)smp_processor_id();

    return __atomic_compare_exchange_n(&panic_cpu, &none, me, false, __ATOMIC_ACQ_REL,
                                       __ATOMIC_ACQUIRE) || none == me;
}

__noreturn void hv_panic(const char *fmt, ...)
{
    va_list ap;
    unsigned int running;

    arch_irq_disable();
    if (!panic_claim())
        arch_halt();
    running = arch_panic_stop_others();
    console_force_unlock();                         /* the others are stopped: the screen is ours */
    hv_puts_raw("\n(HV) ****************************************\n", 47);
    va_start(ap, fmt);
    hv_vlog(LOG_ERR, fmt, ap);
    va_end(ap);
    if (current)
        hv_err("current: d%u v%u on CPU %u\n", current->domain->id, current->id,
               smp_processor_id());
    else
        hv_err("current: idle on CPU %u\n", smp_processor_id());
    if (running)
        hv_err("%u other CPU(s) did not stop\n", running);
    arch_dump_registers();
    hypercall_dump_history();
    hv_puts_raw("(HV) PANIC: hypervisor halted\n", 30);
    arch_halt();
}

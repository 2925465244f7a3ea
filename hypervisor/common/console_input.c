/*
 * Serial input for the privileged domain's console. Dom0's hvc0 is
 * console_io: bytes typed on the serial line are read here (polled, as
 * the domU console ring does), kept in a small buffer, announced with
 * VIRQ_CONSOLE on vCPU 0, and handed over by CONSOLEIO_read. While a
 * privileged domain takes the input, the domUs' console rings get none
 * (console_ring.c asks console_input_active()). A full buffer drops what
 * comes next: dom0 is not reading.
 */
#include <hv/console.h>
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/event.h>
#include <hv/guest_access.h>
#include <hv/lib.h>
#include <hv/sched.h>
#include <hv/time.h>
#include <hv/timer.h>

#define INPUT_POLL_NS   10000000ULL                  /* 10 ms: typing feels immediate */
#define INPUT_BUF_SIZE  1024                         /* a power of two */

static struct hv_timer poll_timer;
static int input_domid = -1;                         /* the privileged domain taking input, or -1 */
static char buf[INPUT_BUF_SIZE];
static unsigned int buf_prod, buf_cons;              /* free-running; prod - cons = bytes held */

/* With a reference (put_domain), or NULL. */
static struct domain *input_domain(void)
{
    struct domain *d = input_domid >= 0 ? domain_lookup((domid_t)input_domid) : NULL;

    if (d && !d->vcpus[0]) {
        put_domain(d);
        d = NULL;
    }
    return d;
}

static void input_poll(void *unused)
{
    struct domain *d = input_domain();
    bool any = false;
    int c;

    (void)unused;
    if (!d) {
        input_domid = -1;                            /* gone: the domUs' rings get input again */
        return;
    }
    while (buf_prod - buf_cons < INPUT_BUF_SIZE && (c = arch_console_getc()) >= 0) {
        buf[buf_prod++ % INPUT_BUF_SIZE] = (char)c;
        any = true;
    }
    if (any || buf_prod != buf_cons)
        evtchn_send_virq(d->vcpus[0], VIRQ_CONSOLE);
    put_domain(d);
    timer_set(&poll_timer, hv_now() + INPUT_POLL_NS);
}

void console_input_start(struct domain *d)
{
    input_domid = d->id;
    buf_prod = buf_cons = 0;
    timer_init(&poll_timer, input_poll, NULL);
    timer_set(&poll_timer, hv_now() + INPUT_POLL_NS);
}

bool console_input_active(void)
{
    struct domain *d = input_domain();

    if (d)
        put_domain(d);
    return d != NULL;
}

/* CONSOLEIO_read: up to count bytes; returns how many (0: nothing typed). */
long console_input_read(unsigned int count, guest_handle_t to)
{
    unsigned int n = 0;

    if (current->domain->id != input_domid)
        return 0;                                    /* privileged, but not the console's owner */
    while (n < count && buf_cons != buf_prod) {
        unsigned int at = buf_cons % INPUT_BUF_SIZE;
        unsigned int run = MIN(MIN(count - n, buf_prod - buf_cons), INPUT_BUF_SIZE - at);

        if (copy_to_handle(guest_handle_add_offset(to, n), buf + at, run))
            return n ? (long)n : -EFAULT;
        buf_cons += run;
        n += run;
    }
    return n;
}

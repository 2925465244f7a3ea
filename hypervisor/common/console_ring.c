/*
 * The PV console backend. Xen leaves this to xenconsoled in dom0; with no
 * dom0 yet, the hypervisor serves each domU's console ring itself: what the
 * guest writes to `out` goes to the serial line ("(dN) " at each line
 * start), and serial input goes into the `in` ring of the first domain that
 * has one. Ring indices come from the guest and are never trusted: every
 * access is masked and at most one ring's worth is moved per notification.
 */
#include <hv/errno.h>
#include <hv/console.h>
#include <hv/arch.h>
#include <hv/domain.h>
#include <hv/event.h>
#include <hv/lib.h>
#include <hv/timer.h>
#include <hv/time.h>
#include <xen/io/console.h>

#define INPUT_POLL_NS 20000000ULL                    /* serial input polled every 20 ms */

static struct hv_timer input_timer;              /* runs while some domain has a ring */

/* Under the console lock: a line is emitted in one holding (console_ring_notify). */
static void emit_locked(struct domain *d, char c)
{
    char prefix[16];

    c = hv_console_guest_char(c);
    if (!c)
        return;
    hv_console_claim_line(d->id);
    if (!d->cons_mid_line) {
        int n = hv_snprintf(prefix, sizeof(prefix), "(d%u) ", d->id);

        hv_puts_raw(prefix, n);
    }
    hv_puts_raw(&c, 1);
    d->cons_mid_line = c != '\n';
    hv_console_set_line_owner(d->cons_mid_line ? (int)d->id : -1);
}

static void console_ring_notify(struct domain *d)
{
    struct xencons_interface *r = d->cons;
    XENCONS_RING_IDX cons, prod;
    unsigned int n = 0;

    if (!r)
        return;
    cons = __atomic_load_n(&r->out_cons, __ATOMIC_ACQUIRE);
    prod = __atomic_load_n(&r->out_prod, __ATOMIC_ACQUIRE);
    /* One line per holding of the console lock: another CPU's output goes
     * between lines, not into one (the ring is a hypervisor mapping of a
     * held frame: no guest access that can fault). */
    hv_console_lock();
    for (; cons != prod && n < sizeof(r->out); cons++, n++) {
        char c = r->out[MASK_XENCONS_IDX(cons, r->out)];

        emit_locked(d, c);
        if (c == '\n') {
            hv_console_unlock();
            hv_console_lock();
        }
    }
    hv_console_unlock();
    __atomic_store_n(&r->out_cons, cons, __ATOMIC_RELEASE);
    evtchn_set_pending(d, d->cons_port);             /* room again: tell the frontend */
}

static struct domain *input_focus(void)
{
    if (console_input_active())
        return NULL;                                 /* the privileged domain's (console_input.c) */
    for (unsigned int i = 0; i < HV_MAX_DOMAINS; i++)
        if (hv_domains[i] && hv_domains[i]->state == DOM_ACTIVE && hv_domains[i]->cons)
            return hv_domains[i];
    return NULL;
}

static void input_poll(void *unused)
{
    struct domain *d = input_focus();
    bool any = false;
    int c;

    (void)unused;
    while (d && (c = arch_console_getc()) >= 0) {
        struct xencons_interface *r = d->cons;
        XENCONS_RING_IDX prod = r->in_prod;

        if (prod - __atomic_load_n(&r->in_cons, __ATOMIC_ACQUIRE) >= sizeof(r->in))
            break;                                   /* guest not reading: drop */
        r->in[MASK_XENCONS_IDX(prod, r->in)] = (char)c;
        __atomic_store_n(&r->in_prod, prod + 1, __ATOMIC_RELEASE);
        any = true;
    }
    if (any)
        evtchn_set_pending(d, d->cons_port);
    if (d)
        timer_set(&input_timer, hv_now() + INPUT_POLL_NS);
}

int console_ring_attach(struct domain *d)
{
    int port = evtchn_bind_service(d, console_ring_notify);

    if (port < 0)
        return port;
    d->cons_port = (evtchn_port_t)port;
    return port;
}

/* The ring lives in a frame of d's, held while it is served (guest_frame.c). */
int console_ring_map(struct domain *d, mfn_t ring)
{
    d->cons = arch_guest_frame_hold(d, ring);
    if (!d->cons)
        return -EINVAL;
    d->cons_mfn = ring;
    if (!input_timer.active) {
        timer_init(&input_timer, input_poll, NULL);
        timer_set(&input_timer, hv_now() + INPUT_POLL_NS);
    }
    return 0;
}

void console_ring_detach(struct domain *d)
{
    hv_console_lock();
    hv_console_claim_line(-2);                       /* ends d's partial line, if any */
    hv_console_unlock();
    if (d->cons)
        arch_guest_frame_release(d->cons_mfn);
    d->cons = NULL;
}

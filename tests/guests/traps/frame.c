/* frame.c: compare the recorded bounce frame with what the architecture + Xen ABI require. */
#include "frame.h"

struct mismatch { char buf[300]; size_t len; };

static void note(struct mismatch *m, const char *what, uint64_t got, uint64_t want)
{
    if (m->len < sizeof(m->buf))
        m->len += snprintf(m->buf + m->len, sizeof(m->buf) - m->len, "%s %#lx want %#lx; ",
                           what, got, want);
}

static void cmp(struct mismatch *m, const char *what, uint64_t got, uint64_t want)
{
    if (got != want)
        note(m, what, got, want);
}

static void cmp_flags(struct mismatch *m, const struct expect *e, const struct site *s,
                      const volatile struct cpu_regs *r)
{
    uint64_t want_if = e->mask ? 0 : X86_EFLAGS_IF;
    uint64_t ignore = X86_EFLAGS_IF | X86_EFLAGS_RF;

    cmp(m, "rflags.IF", r->rflags & X86_EFLAGS_IF, want_if);
    cmp(m, "rflags(other)", r->rflags & ~ignore, s->rflags & ~ignore);
}

/* #GP from `int $n`: (n<<3)|2, or n*16+2 under QEMU TCG (noted in qemu_tcg_idt_ec_bug). */
bool qemu_tcg_idt_ec_bug;

static void cmp_int_gp(struct mismatch *m, const char *name, uint64_t ec, const struct site *s)
{
    unsigned int n = ((const uint8_t *)s->fault)[1];

    if (ec == ((uint64_t)n << 4 | 2) && ec != ((uint64_t)n << 3 | 2)) {
        if (!qemu_tcg_idt_ec_bug)
            info("%s: error code %#lx = n*16+2 (QEMU TCG bug), not n*8+2", name, ec);
        qemu_tcg_idt_ec_bug = true;
        return;
    }
    cmp(m, "error_code", ec, (uint64_t)n << 3 | 2);
}

bool check_frame(const struct expect *e, const struct site *s, unsigned long count_before)
{
    const volatile struct cpu_regs *r = &last_trap.regs;
    size_t size = (e->error_code != NOEC ? 8 : 7) * 8;
    struct mismatch m = { .len = 0 };

    m.buf[0] = '\0';
    if (last_trap.count != count_before + 1)
        return check(false, e->name, "%lu exceptions taken, want 1", last_trap.count - count_before);
    cmp(&m, "vector", r->vector, e->vector);
    if (e->error_code >= 0)
        cmp(&m, "error_code", r->error_code, (uint64_t)e->error_code);
    if (e->error_code == EC_INT_GP)
        cmp_int_gp(&m, e->name, r->error_code, s);
    cmp(&m, "rip", r->rip, e->rip == AT_FAULT ? s->fault : s->next);
    cmp(&m, "cs", r->cs & 0xffff, FLAT_KERNEL_CS & ~3);
    cmp(&m, "cs.saved_upcall_mask", (r->cs >> 32) & 0xff, e->mask);
    cmp(&m, "cs(bits 16-31,40-63)", r->cs & ~0xff0000ffffUL, 0);
    cmp_flags(&m, e, s, r);
    cmp(&m, "rsp", r->rsp, s->rsp);
    cmp(&m, "ss", r->ss, FLAT_KERNEL_SS);
    cmp(&m, "rcx", r->rcx, MARK_RCX);
    cmp(&m, "r11", r->r11, MARK_R11);
    cmp(&m, "frame address", r->frame, (s->rsp & ~15UL) - size);
    cmp(&m, "upcall mask in handler", r->entry_mask, e->masks_events ? 1 : e->mask);
    if (m.len)
        note(&m, "(error code seen)", r->error_code, e->error_code);
    return check(m.len == 0, e->name, "%s", m.buf);
}

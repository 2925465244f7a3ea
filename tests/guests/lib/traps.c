/* traps.c: trap table, callbacks, exception dispatch with an exception table. */
#include "guest.h"
#include "hypercall.h"

#define STUB(v) extern char trap_stub_##v[];
#define STUBS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) \
    X(13) X(14) X(15) X(16) X(17) X(18) X(19) X(20) X(21) X(22) X(23) X(24) X(25) \
    X(26) X(27) X(28) X(29) X(30) X(31) X(32) X(33) X(34) X(35) X(68) X(70) X(128)
STUBS(STUB)
#undef STUB
extern char event_stub[], failsafe_stub[];
extern const struct extable __start_ex_table[], __stop_ex_table[];

volatile struct trap_record last_trap;
bool (*trap_hook)(struct cpu_regs *regs);
void (*upcall_hook)(struct cpu_regs *regs);
void do_event(struct cpu_regs *regs);

static const struct { uint8_t vector; uint8_t flags; void *stub; } default_traps[] = {
#define ENT(v) { v, 0, trap_stub_##v },
    STUBS(ENT)
#undef ENT
};

/*
 * Software-interrupt DPLs (trap_info.flags bits 0-1) and "mask events" (bit 2).
 * 0x21: nobody (#GP); 0x22: kernel only; 0x23: everyone + masks events.  0x44/0x46 mirror
 * 0x22/0x23: QEMU TCG reports the #GP error code of `int $n` as n*16+2, so a hypervisor
 * that decodes the vector from the error code (Xen) delivers vector 2n there.
 */
static uint8_t trap_flags(unsigned int v)
{
    switch (v) {
    case 3: case 4: case 0x80: return 3;    /* int3/into/int $0x80: everyone */
    case 0x22: case 0x44: return 1;         /* kernel only */
    case 0x23: case 0x46: return 3 | 4;     /* everyone, masks events on entry */
    default: return 0;                      /* nobody: #GP */
    }
}

static bool has_error_code(unsigned int v)
{
    return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30;
}

void *trap_stub(unsigned int vector)
{
    for (size_t i = 0; i < ARRAY_SIZE(default_traps); i++) {
        if (default_traps[i].vector == vector)
            return default_traps[i].stub;
    }
    return NULL;
}

long set_trap(uint8_t vector, uint8_t flags, void *handler)
{
    struct trap_info t[2] = {
        { .vector = vector, .flags = flags, .cs = FLAT_KERNEL_CS, .address = (unsigned long)handler },
        { 0 },
    };

    return hc_set_trap_table(t);
}

static void register_callback(uint16_t type, void *addr)
{
    struct callback_register cb = { .type = type, .flags = 0, .address = (unsigned long)addr };
    long rc = hc_callback_op(CALLBACKOP_register, &cb);

    if (rc)
        panic("callback_op(register, type %u) = %ld", type, rc);
}

void traps_init(void)
{
    static struct trap_info table[ARRAY_SIZE(default_traps) + 1];
    long rc;

    for (size_t i = 0; i < ARRAY_SIZE(default_traps); i++) {
        table[i].vector = default_traps[i].vector;
        table[i].flags = trap_flags(default_traps[i].vector);
        table[i].cs = FLAT_KERNEL_CS;
        table[i].address = (unsigned long)default_traps[i].stub;
    }
    rc = hc_set_trap_table(table);
    if (rc)
        panic("set_trap_table = %ld", rc);
    register_callback(CALLBACKTYPE_event, event_stub);
    register_callback(CALLBACKTYPE_failsafe, failsafe_stub);
}

void trap_reset(void)
{
    memset((void *)&last_trap, 0, sizeof(last_trap));
}

static bool fixup_exception(struct cpu_regs *regs)
{
    for (const struct extable *e = __start_ex_table; e < __stop_ex_table; e++) {
        if (e->fault == regs->rip) {
            regs->rip = e->fixup;
            return true;
        }
    }
    return false;
}

/* Traps (as opposed to faults) report the rip after the instruction: just continue. */
static bool is_trap_type(unsigned long v)
{
    return v == 1 || v == 3 || v == 4 || v >= 32;
}

static void do_trap(struct cpu_regs *regs)
{
    last_trap.regs = *regs;
    last_trap.cr2 = vcpu0->arch.cr2;
    last_trap.count++;
    if (regs->vector == 1)
        regs->rflags &= ~0x100UL;          /* stop single-stepping */
    if (trap_hook && trap_hook(regs))
        return;
    if (fixup_exception(regs) || is_trap_type(regs->vector))
        return;
    panic("unexpected exception %lu ec %#lx at rip %#lx (cs %#lx rflags %#lx rsp %#lx cr2 %#lx)",
          regs->vector, regs->error_code, regs->rip, regs->cs, regs->rflags, regs->rsp,
          (unsigned long)vcpu0->arch.cr2);
}

void do_entry(struct cpu_regs *regs);
void do_entry(struct cpu_regs *regs)
{
    bool ec = regs->vector < 256 && has_error_code(regs->vector);

    regs->frame = (uint64_t)&regs->rip - 16 - (ec ? 8 : 0);
    regs->entry_mask = vcpu0->evtchn_upcall_mask;
    if (regs->vector == 0x100)
        do_event(regs);
    else
        do_trap(regs);
}

void do_failsafe(uint64_t *frame);
void do_failsafe(uint64_t *frame)
{
    panic("failsafe callback: ds %#lx es %#lx fs %#lx gs %#lx rip %#lx cs %#lx",
          frame[2], frame[3], frame[4], frame[5], frame[6], frame[7]);
}

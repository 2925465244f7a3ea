/*
 * io.c: cli/sti/in/out/ins/outs under the virtual IOPL, from kernel and user
 * mode, and VMASST_TYPE_architectural_iopl. The ports (the PICs, 0x20/0x21
 * and 0xa0/0xa1) are ones no domain owns, not even dom0 on Xen: reads give
 * all ones, writes are dropped.
 */
#include "priv.h"
#include <xen/physdev.h>

#define RAX_MARK 0x1234567890abcd00UL

static long set_iopl(unsigned int iopl)
{
    struct physdev_set_iopl s = { .iopl = iopl };

    return hc_physdev_op(PHYSDEVOP_set_iopl, &s);
}

/* in %al/%ax from a port with the upper part of rax marked. */
static unsigned long in8(unsigned long unused)
{
    unsigned long v = RAX_MARK;

    TRY("inb $0x21, %%al", : "+a"(v) :: "memory");
    return v;
}

static unsigned long in16(unsigned long unused)
{
    unsigned long v = RAX_MARK;

    TRY("inw %%dx, %%ax", : "+a"(v) : "d"(0xa0) : "memory");
    return v;
}

static unsigned long out8(unsigned long unused)
{
    TRY("outb %%al, $0x21", :: "a"(0xff) : "memory");
    return 0;
}

static unsigned long do_cli(unsigned long unused)
{
    TRY("cli", ::: "memory");
    return 0;
}

static unsigned long do_sti(unsigned long unused)
{
    TRY("sti", ::: "memory");
    return 0;
}

struct string_io { uint8_t *buf; unsigned long rdi, rsi, rcx; };
static struct string_io sio;
static uint8_t sio_buf[64];

static unsigned long rep_ins_outs(unsigned long unused)
{
    unsigned long rdi = (unsigned long)sio.buf, rsi = (unsigned long)sio.buf, rcx = 16;

    TRY("rep insb", : "+D"(rdi), "+c"(rcx) : "d"(0xa0) : "memory");
    sio.rdi = rdi;
    rcx = 8;
    TRY("rep outsb", : "+S"(rsi), "+c"(rcx) : "d"(0x21) : "memory");
    sio.rsi = rsi;
    sio.rcx = rcx;
    return 0;
}

/* Every attempt from one mode: `allowed` says whether the virtual IOPL lets it through. */
static void io_attempts(const char *mode, bool user, bool allowed)
{
    static const struct { const char *name; unsigned long (*fn)(unsigned long); } ops[] = {
        { "in %al", in8 }, { "in %ax", in16 }, { "out %al", out8 }, { "cli", do_cli },
        { "sti", do_sti },
    };
    char what[160];

    for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
        unsigned long before = last_trap.count, v;

        v = user ? user_call(ops[i].fn, 0) : ops[i].fn(0);
        snprintf(what, sizeof(what), "%s: %s %s", mode, ops[i].name,
                 allowed ? "emulated" : "#GP(0)");
        if (!check_trap(before, allowed ? NO_TRAP : 13, allowed ? -1 : 0, what) || !allowed)
            continue;
        if (ops[i].fn == in8)
            check(v == (RAX_MARK | 0xff), "... in %al reads 0xff, rest of rax kept", "%#lx", v);
        if (ops[i].fn == in16)
            check(v == (RAX_MARK | 0xffff), "... in %ax reads 0xffff, rest of rax kept", "%#lx", v);
    }
}

/* cli/sti with the IOPL to do them change nothing, not even the event mask (as Xen). */
static void cli_sti_mask(void)
{
    vcpu0->evtchn_upcall_mask = 0;
    do_cli(0);
    check_eq(vcpu0->evtchn_upcall_mask, 0, "kernel cli (IOPL 1): event mask untouched");
    vcpu0->evtchn_upcall_mask = 1;
    do_sti(0);
    check_eq(vcpu0->evtchn_upcall_mask, 1, "kernel sti (IOPL 1): event mask untouched");
    vcpu0->evtchn_upcall_mask = 0;
}

static void string_io(void)
{
    bool all = true;

    memset(sio_buf, 0, sizeof(sio_buf));
    sio.buf = sio_buf;
    user_call(rep_ins_outs, 0);
    for (size_t i = 0; i < 16; i++)
        all &= sio_buf[i] == 0xff;
    check(all && sio_buf[16] == 0 && sio.rdi == (unsigned long)sio_buf + 16,
          "user mode (IOPL 3): rep insb x16 stores 0xff, rdi advanced", "buf %02x..%02x [16]=%02x rdi+%ld",
          sio_buf[0], sio_buf[15], sio_buf[16], (long)(sio.rdi - (unsigned long)sio_buf));
    check(sio.rsi == (unsigned long)sio_buf + 8 && sio.rcx == 0,
          "user mode (IOPL 3): rep outsb x8: rsi advanced, rcx 0", "rsi+%ld rcx %lu",
          (long)(sio.rsi - (unsigned long)sio_buf), sio.rcx);
}

/* insb into a read-only page from the kernel: the guest's #PF, write, cr2 = the byte. */
static uint8_t ro_page[PAGE_SIZE] __aligned(PAGE_SIZE);

static void ins_fault(void)
{
    unsigned long before, rdi = (unsigned long)ro_page + 5;

    if (!check_eq(remap_own_page(ro_page, 0x21), 0, "map a page read-only"))
        return;
    before = last_trap.count;
    TRY("insb", : "+D"(rdi) : "d"(0xa0) : "memory");
    check_trap(before, 14, 2, "kernel insb into a read-only page: #PF(write)");
    check_eq((long)last_trap.cr2, (long)ro_page + 5, "... cr2 = the byte insb stores to");
    check_eq((long)rdi, (long)ro_page + 5, "... rdi not advanced");
    check_eq(remap_own_page(ro_page, 0x63), 0, "page writable again");
}

void test_io(void)
{
    io_attempts("kernel, IOPL 0", false, false);
    io_attempts("user, IOPL 0", true, false);
    check_eq(set_iopl(1), 0, "PHYSDEVOP_set_iopl(1)");
    io_attempts("kernel, IOPL 1", false, true);
    io_attempts("user, IOPL 1", true, false);
    cli_sti_mask();
    ins_fault();
    check_eq(set_iopl(4), -EINVAL, "PHYSDEVOP_set_iopl(4) = -EINVAL");
    check_eq(set_iopl(3), 0, "PHYSDEVOP_set_iopl(3)");
    io_attempts("user, IOPL 3", true, true);
    string_io();
    check_eq(set_iopl(0), 0, "PHYSDEVOP_set_iopl(0)");
    io_attempts("kernel, IOPL 0 again", false, false);
}

/* A user-mode ud2 after the in: its frame shows the RFLAGS.IOPL the guest runs with. */
static unsigned long in_then_ud2(unsigned long unused)
{
    in8(0);
    TRY("ud2", ::: "memory");
    return 0;
}

static void arch_iopl_user(unsigned int iopl, bool allowed)
{
    char what[120];
    unsigned long before = last_trap.count;

    user_enter((unsigned long)user_trampoline, (unsigned long)user_stack_top,
               EFLAGS_IF | ((unsigned long)iopl << 12), (unsigned long)in_then_ud2, 0);
    snprintf(what, sizeof(what), "architectural_iopl: user mode entered with IOPL %u: in %s",
             iopl, allowed ? "emulated, then ud2's #UD" : "#GP(0), then ud2's #UD");
    check(last_trap.count == before + (allowed ? 1 : 2) && last_trap.regs.vector == 6, what,
          "%lu exceptions, last %lu", last_trap.count - before, (unsigned long)last_trap.regs.vector);
    check_eq((long)(last_trap.regs.rflags & EFLAGS_IOPL), (long)iopl << 12,
             "... the user-mode #UD frame's RFLAGS.IOPL is the iret's");
}

void test_architectural_iopl(void)
{
    unsigned long before;

    check_eq(hc_vm_assist(VMASST_CMD_enable, VMASST_TYPE_architectural_iopl), 0,
             "vm_assist(enable, architectural_iopl)");
    io_attempts("architectural_iopl, kernel (CPL 0), IOPL 0", false, true);
    arch_iopl_user(3, true);
    before = last_trap.count;
    asm volatile("int3" ::: "memory");
    check(trapped(before) == 3 && (last_trap.regs.rflags & EFLAGS_IOPL) == EFLAGS_IOPL,
          "architectural_iopl: a kernel #BP frame shows IOPL 3 (kept from the user iret)",
          "exception %ld rflags %#lx", trapped(before), (unsigned long)last_trap.regs.rflags);
    arch_iopl_user(0, false);
    check_eq(set_iopl(0), 0, "PHYSDEVOP_set_iopl(0) under architectural_iopl");
    check_eq(hc_vm_assist(VMASST_CMD_disable, VMASST_TYPE_architectural_iopl), 0,
             "vm_assist(disable, architectural_iopl)");
    io_attempts("kernel, IOPL 0, architectural_iopl off", false, false);
}

/*
 * String port I/O (docs/hvm.md, "String port I/O"): INS and OUTS, with and
 * without REP, on the hypervisor's own ports, one element per exit.
 * `rep outsb` writes a line to the debug port (the runner greps it), also
 * with a segment override; `rep insb` from a port nobody has fills a
 * buffer with all ones and leaves EDI and ECX as the CPU would; `rep insl`
 * from the ACPI PM timer reads a clock that never goes back; DF=1 walks
 * down; a count of 0 moves nothing; an address-size prefix (16-bit DI and
 * CX) keeps the registers' upper halves. Last, `insb` into guest-physical
 * memory that does not exist: the domain is crashed alone, its PV
 * bystander runs on.
 */
#include "hvm.h"

const char hvm_guest_name[] = "hvm-string-io";

#define NOBODY_PORT 0x5b0                     /* no device: reads all ones */
#define LOW_BUF     0x8000u                   /* below 64 KiB: for 16-bit addressing */

static uint8_t buf[64];
static uint32_t clock[16];

static void outs_to_debug_port(void)
{
    static const char line[] = "rep outsb says hello\n";
    const char *p = line;
    uint32_t n = sizeof(line) - 1;

    __asm__ volatile("cld; rep outsb" : "+S"(p), "+c"(n) : "d"(HVM_PORT_DEBUG) : "memory");
    check(n == 0 && p == line + sizeof(line) - 1, "rep outsb: ECX 0, ESI past the line (%u)", n);
    p = "fs: outsb\n";
    n = 10;
    __asm__ volatile("rep outsb %%fs:(%%esi), (%%dx)" : "+S"(p), "+c"(n) : "d"(HVM_PORT_DEBUG)
                     : "memory");
    check(n == 0, "rep outsb with an FS override (%u left)", n);
}

static void ins_from_nobody(void)
{
    uint8_t *p = buf + 8;
    uint32_t n = 16, ones = 0;

    for (unsigned int i = 0; i < sizeof(buf); i++)
        buf[i] = 0x11;
    __asm__ volatile("cld; rep insb" : "+D"(p), "+c"(n) : "d"(NOBODY_PORT) : "memory");
    for (unsigned int i = 0; i < sizeof(buf); i++)
        ones += buf[i] == 0xff;
    check(n == 0 && p == buf + 24 && ones == 16 && buf[7] == 0x11 && buf[24] == 0x11,
          "rep insb: 16 bytes of all ones, EDI +16, ECX 0 (%u ones)", ones);
    p = buf + 40;
    n = 4;
    __asm__ volatile("std; rep insb; cld" : "+D"(p), "+c"(n) : "d"(NOBODY_PORT) : "memory");
    check(p == buf + 36 && buf[40] == 0xff && buf[37] == 0xff && buf[36] == 0x11,
          "DF=1: rep insb walks down (EDI -4)");
    p = buf + 50;
    n = 0;
    __asm__ volatile("rep insb" : "+D"(p), "+c"(n) : "d"(NOBODY_PORT) : "memory");
    check(p == buf + 50 && buf[50] == 0x11, "rep insb with ECX 0 moves nothing");
    p = buf + 60;
    __asm__ volatile("insb" : "+D"(p) : "d"(NOBODY_PORT) : "memory");
    check(p == buf + 61 && buf[60] == 0xff, "insb without rep: one byte");
}

static void insl_from_pm_timer(void)
{
    uint32_t *p = clock, n = 16, ok = 0;

    __asm__ volatile("cld; rep insl" : "+D"(p), "+c"(n) : "d"(PM_TMR_PORT) : "memory");
    for (unsigned int i = 1; i < 16; i++)
        ok += (clock[i] - clock[i - 1]) < PM_TMR_HZ;  /* forwards (mod 2^32), under a second */
    check(n == 0 && ok == 15, "rep insl from the PM timer: 16 readings in order (%u)", ok);
}

/* 0x67 in 32-bit code: DI and CX only; EDI's and ECX's upper halves stay. */
static void addr16(void)
{
    uint32_t di = 0xabcd0000u | LOW_BUF, cx = 0x55550004u;

    *(volatile uint32_t *)LOW_BUF = 0;
    __asm__ volatile("cld; .byte 0x67; rep insb" : "+D"(di), "+c"(cx) : "d"(NOBODY_PORT) : "memory");
    check(di == (0xabcd0000u | (LOW_BUF + 4)) && cx == 0x55550000u &&
          *(volatile uint32_t *)LOW_BUF == 0xffffffffu,
          "a16 rep insb: DI +4, CX 0, upper halves kept (%x %x)", di, cx);
}

void hvm_main(uint32_t mem_bytes)
{
    (void)mem_bytes;
    outs_to_debug_port();
    ins_from_nobody();
    insl_from_pm_timer();
    addr16();
    done();
    printk("insb into guest-physical memory that does not exist: expect a crash\n");
    __asm__ volatile("insb" :: "D"(0xd0000000u), "d"(NOBODY_PORT) : "memory");
    printk("FAIL: %s: insb to nowhere returned\n", hvm_guest_name);
    hvm_shutdown(0);
}

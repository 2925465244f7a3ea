/*
 * hvm-ioreq: an HVM guest whose device lives in dom0 (tests/dom0/ioreq-dm.c,
 * through Xen's ioreq ABI; docs/hvm.md "The ioreq flow"; tests/run-hvm-ioreq.sh).
 * The device: ports 0x5a0-0x5a7 and the MMIO page at 0xe0000000.
 *   port 0x5a0 (in, 32-bit)  ID: 'IORQ' once the device model serves it
 *   port 0x5a0 (out, 32-bit) a page's gfn: the device model maps it (foreign mapping of
 *                            our RAM, as QEMU's DMA), checks "DMA?" and the pattern after
 *                            it, and writes "DMA!" over the first four bytes
 *   port 0x5a4 (1, 2, 4)     a register: reads the last value written there * 2 + 1
 *   port 0x5a6 (out, byte)   raise ISA IRQ <value> through dm_op set_isa_irq_level
 *   port 0x5a7 (out, byte)   the guest is done: the device model prints its summary
 *   MMIO 0xe0000000-0xe0000fff scratch RAM, except 0xe0000800: reads the last
 *                            value written there * 2 + 1
 *   PCI 00:03.0              config space through 0xcf8/0xcfc (the device model maps the
 *                            device with map_pcidev_to_ioreq_server): ID 5a5a:10ee at
 *                            register 0, registers 0x40-0xff read back what was written
 * Until the device model serves the ports they read all ones (the hypervisor's
 * "nothing there"), so the guest polls the ID, sleeping 10 ms between reads.
 */
#include "hvm.h"

#define DM_ID       0x5a0
#define DM_REG      0x5a4
#define DM_IRQ      0x5a6
#define DM_BYE      0x5a7
#define DM_MAGIC    0x51524f49u               /* "IORQ" */
#define DM_MMIO     0xe0000000u
#define DM_MMIO_REG (DM_MMIO + 0x800)
#define PCI_ADDR    0xcf8                     /* configuration mechanism #1 */
#define PCI_DATA    0xcfc
#define DM_PCI_DEV  3                         /* 00:03.0 */
#define DM_PCI_ID   0x5a5a10eeu               /* device 5a5a, vendor 10ee */
#define IRQ_LINE    5
#define IRQ_VEC     0x35

const char hvm_guest_name[] = "hvm-ioreq";

static volatile uint8_t *mm8(uint32_t off) { return (volatile uint8_t *)(DM_MMIO + off); }
static volatile uint16_t *mm16(uint32_t off) { return (volatile uint16_t *)(DM_MMIO + off); }
static volatile uint32_t *mm32(uint32_t off) { return (volatile uint32_t *)(DM_MMIO + off); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }

static bool wait_for_device_model(void)
{
    uint32_t id = 0;

    for (unsigned int i = 0; i < 36000; i++) {          /* 360 s: dom0 boots under TCG meanwhile */
        if ((id = inl(DM_ID)) == DM_MAGIC)
            break;
        hvm_sleep_us(10000);
    }
    check(id == DM_MAGIC, "the device model answers the ID port (%x)", id);
    return id == DM_MAGIC;
}

static void port_io(void)
{
    outb(DM_REG, 0x21);
    check(inb(DM_REG) == 0x43, "outb/inb: 0x21 -> 0x43 (%x)", inb(DM_REG));
    outw(DM_REG, 0x1234);
    check(inw(DM_REG) == 0x2469, "outw/inw: 0x1234 -> 0x2469 (%x)", inw(DM_REG));
    outl(DM_REG, 0x10000000);
    check(inl(DM_REG) == 0x20000001, "outl/inl: 0x10000000 -> 0x20000001 (%x)", inl(DM_REG));
    {
        uint32_t eax;

        /* An 8-bit IN keeps EAX's upper bytes, as the CPU does. */
        __asm__ volatile("mov $0xabcdef00, %%eax; outb %%al, %w1; inb %w1, %%al"
                         : "=&a"(eax) : "Nd"(DM_REG));
        check(eax == 0xabcdef01, "inb merges into EAX (%x)", eax);
    }
}

/* REP OUTS/INS to the device model: an element a request, INS answers stored in memory. */
static void port_string_io(void)
{
    static const uint32_t out[4] = { 1, 2, 3, 40 };
    static uint32_t in[4];
    const uint32_t *src = out;
    uint32_t *dst = in, n = 4;

    __asm__ volatile("cld; rep outsl" : "+S"(src), "+c"(n) : "d"(DM_REG) : "memory");
    check(n == 0 && src == out + 4 && inl(DM_REG) == 81, "rep outsl: 4 dwords, the last kept (%u)",
          inl(DM_REG));
    n = 4;
    __asm__ volatile("cld; rep insl" : "+D"(dst), "+c"(n) : "d"(DM_REG) : "memory");
    check(n == 0 && dst == in + 4 && in[0] == 81 && in[3] == 81,
          "rep insl: 4 answers into memory (%u %u)", in[0], in[3]);
}

static void mmio(void)
{
    uint32_t v;
    uint8_t b;

    *mm32(0x10) = 0xdeadbeef;
    check(*mm32(0x10) == 0xdeadbeef, "MMIO dword write, read back (%x)", *mm32(0x10));
    *mm8(0x20) = 0x5a;
    *mm16(0x22) = 0xbeef;
    check(*mm8(0x20) == 0x5a && *mm16(0x22) == 0xbeef, "MMIO byte and word (%x %x)",
          *mm8(0x20), *mm16(0x22));
    check(*mm32(0x20) == 0xbeef005a, "the word and the byte in one dword (%x)", *mm32(0x20));
    __asm__ volatile("orl $0xff, (%0)" :: "r"(mm32(0x10)) : "memory");   /* read, then write */
    check(*mm32(0x10) == 0xdeadbeff, "or to MMIO: read-modify-write (%x)", *mm32(0x10));
    __asm__ volatile("movzbl (%1), %0" : "=r"(v) : "r"(mm8(0x13)));
    check(v == 0xde, "movzx from MMIO (%x)", v);
    *mm32(0x800) = 20;
    check(*mm32(0x800) == 41, "the MMIO register: 20 -> 41 (%u)", *mm32(0x800));
    __asm__ volatile("cmpl $41, (%1); sete %0" : "=q"(b) : "r"(mm32(0x800)) : "cc");
    check(b == 1, "cmp against the MMIO register sets ZF");
    for (uint32_t i = 0; i < 64; i++)
        *mm32(0x400 + 4 * i) = i * 0x01010101u;
    v = 0;
    for (uint32_t i = 0; i < 64; i++)
        v += *mm32(0x400 + 4 * i) == i * 0x01010101u;
    check(v == 64, "64 MMIO dwords written and read back (%u)", v);
}

static uint8_t dma_page[4096] __attribute__((aligned(4096)));

/* The device model reads and writes a page of our RAM through its own mapping of it. */
static void dma(void)
{
    uint32_t same = 0;

    for (uint32_t i = 4; i < sizeof(dma_page); i++)
        dma_page[i] = (uint8_t)(i * 7);
    dma_page[0] = 'D', dma_page[1] = 'M', dma_page[2] = 'A', dma_page[3] = '?';
    outl(DM_ID, (uint32_t)dma_page >> 12);
    for (uint32_t i = 4; i < sizeof(dma_page); i++)
        same += dma_page[i] == (uint8_t)(i * 7);
    check(dma_page[3] == '!' && same == sizeof(dma_page) - 4,
          "the device model mapped our page %x and wrote to it (%x, %u bytes kept)",
          (uint32_t)dma_page >> 12, *(uint32_t *)dma_page, same);
}

/* The device model populated a frame at 8 MiB (above our 4 MiB of RAM) and wrote to it. */
static void populated(void)
{
    static const char want[] = "populated by dom0";
    const volatile char *p = (const volatile char *)0x800000;
    unsigned int same = 0;

    for (unsigned int i = 0; i < sizeof(want); i++)
        same += p[i] == want[i];
    check(same == sizeof(want), "a frame dom0 populated at 8 MiB reads what it wrote (%u of %u)",
          same, (unsigned int)sizeof(want));
}

static uint32_t cf8(unsigned int dev, unsigned int reg)
{
    return 0x80000000u | dev << 11 | reg;
}

/* Config cycles of a device the device model claims go to it; others find nothing. */
static void pci_config(void)
{
    outl(PCI_ADDR, cf8(DM_PCI_DEV, 0));
    check(inl(PCI_DATA) == DM_PCI_ID, "PCI 00:03.0's ID from the device model (%x)", inl(PCI_DATA));
    check(inw(PCI_DATA + 2) == DM_PCI_ID >> 16, "a word at 0xcfe: its device ID (%x)",
          inw(PCI_DATA + 2));
    outl(PCI_ADDR, cf8(DM_PCI_DEV, 0x40));
    outl(PCI_DATA, 0x12345678);
    outb(PCI_DATA + 1, 0xab);
    check(inl(PCI_DATA) == 0x1234ab78, "config register 0x40 written by dword and byte (%x)",
          inl(PCI_DATA));
    outl(PCI_ADDR, cf8(DM_PCI_DEV + 1, 0));
    check(inl(PCI_DATA) == 0xffffffffu, "00:04.0, nobody's: all ones (%x)", inl(PCI_DATA));
    outl(PCI_ADDR, cf8(DM_PCI_DEV, 0) & ~0x80000000u);
    check(inl(PCI_DATA) == 0xffffffffu, "CONFIG_ADDRESS without its enable bit: no config cycle (%x)",
          inl(PCI_DATA));
}

/* The device model raises ISA IRQ 5 by dm_op: IO-APIC pin 5, vector 0x35. */
static void isa_irq(void)
{
    lapic_write(LAPIC_SVR, 0x1ff);
    ioapic_write(0x10 + 2 * IRQ_LINE + 1, 0);
    ioapic_write(0x10 + 2 * IRQ_LINE, IRQ_VEC);          /* fixed, edge, unmasked */
    irq_count[IRQ_VEC] = 0;
    outb(DM_IRQ, IRQ_LINE);
    for (unsigned int i = 0; i < 500 && !irq_count[IRQ_VEC]; i++)
        hvm_sleep_us(10000);
    check(irq_count[IRQ_VEC] == 1, "ISA IRQ %u from the device model: vector %x once (%u)",
          IRQ_LINE, IRQ_VEC, irq_count[IRQ_VEC]);
    ioapic_write(0x10 + 2 * IRQ_LINE, 0x10000 | IRQ_VEC);
}

void hvm_main(uint32_t mem_bytes)
{
    (void)mem_bytes;
    if (wait_for_device_model()) {
        port_io();
        port_string_io();
        mmio();
        dma();
        populated();
        pci_config();
        isa_irq();
        check(inb(0x5b0) == 0xff, "a port nobody claims still reads all ones");
    }
    done();
    outb(DM_BYE, 1);
    hvm_shutdown(0);
}

/*
 * The MADT (ACPI "APIC" table): which local APICs exist and are enabled,
 * and (madt_parse_irqs) the I/O APICs and the ISA interrupt overrides.
 * Pure logic over a table in memory, so it compiles on the host and the
 * unit tests feed it hand-made and broken tables (tests/unit/test_madt.c).
 * Finding the table (RSDP, RSDT/XSDT) is smpboot.c's.
 */
#include <hv/errno.h>
#include <hv/lib.h>
#include <asm/acpi.h>

#define MADT_HEADER_LEN   44           /* SDT header + LAPIC address + flags */
#define MADT_LAPIC        0
#define MADT_IOAPIC       1
#define MADT_ISO          2           /* interrupt source override */
#define MADT_LAPIC_ADDR   5
#define MADT_X2APIC       9
#define MADT_ENABLED      1u           /* flags bit 0; online-capable (bit 1) is hotplug: later */

bool acpi_checksum_ok(const void *p, size_t len)
{
    const u8 *b = p;
    u8 sum = 0;

    for (size_t i = 0; i < len; i++)
        sum += b[i];
    return sum == 0;
}

static void madt_add_cpu(struct madt_cpus *out, u32 apic_id, u32 flags)
{
    if (!(flags & MADT_ENABLED))
        return;
    for (unsigned int i = 0; i < out->nr; i++)
        if (out->apic_id[i] == apic_id)
            return;                                  /* listed twice (LAPIC and x2APIC) */
    if (out->nr == HV_NR_CPUS) {
        out->dropped++;
        return;
    }
    out->apic_id[out->nr++] = apic_id;
}

static u32 get_u32(const u8 *p) { u32 v; memcpy(&v, p, 4); return v; }
static u64 get_u64(const u8 *p) { u64 v; memcpy(&v, p, 8); return v; }

/* One entry of the list; false if it is malformed. */
static bool madt_entry(const u8 *e, unsigned int elen, struct madt_cpus *out)
{
    switch (e[0]) {
    case MADT_LAPIC:
        if (elen < 8)
            return false;
        madt_add_cpu(out, e[3], get_u32(e + 4));
        return true;
    case MADT_X2APIC:
        if (elen < 16)
            return false;
        madt_add_cpu(out, get_u32(e + 4), get_u32(e + 8));
        return true;
    case MADT_LAPIC_ADDR:
        if (elen < 12)
            return false;
        out->lapic_base = get_u64(e + 4);
        return true;
    default:
        return true;                                 /* I/O APICs, overrides: not ours yet */
    }
}

/* Checks the table and calls fn on every entry; -EINVAL if anything is malformed. */
static int madt_walk(const void *table, size_t len, bool (*fn)(const u8 *e, unsigned int elen, void *out),
                     void *out)
{
    const struct acpi_sdt_header *h = table;
    const u8 *p = table;

    if (len < MADT_HEADER_LEN || memcmp(h->signature, "APIC", 4) || h->length < MADT_HEADER_LEN ||
        h->length > len || !acpi_checksum_ok(table, h->length))
        return -EINVAL;
    for (size_t off = MADT_HEADER_LEN; off < h->length;) {
        unsigned int elen = off + 2 <= h->length ? p[off + 1] : 0;

        if (elen < 2 || off + elen > h->length || !fn(p + off, elen, out))
            return -EINVAL;
        off += elen;
    }
    return 0;
}

static bool madt_cpu_entry(const u8 *e, unsigned int elen, void *out)
{
    return madt_entry(e, elen, out);
}

int madt_parse(const void *table, size_t len, struct madt_cpus *out)
{
    memset(out, 0, sizeof(*out));
    if (len >= MADT_HEADER_LEN)
        out->lapic_base = get_u32((const u8 *)table + 36);
    return madt_walk(table, len, madt_cpu_entry, out);
}

/* I/O APIC: id, its MMIO base, its first GSI. Override: ISA irq -> GSI, MPS flags. */
static bool madt_irq_entry(const u8 *e, unsigned int elen, void *p)
{
    struct madt_irqs *out = p;

    if (e[0] == MADT_IOAPIC) {
        if (elen < 12)
            return false;
        if (out->nr_ioapics < MADT_MAX_IOAPICS)
            out->ioapic[out->nr_ioapics++] = (struct madt_ioapic){
                .id = e[2], .addr = get_u32(e + 4), .gsi_base = get_u32(e + 8) };
        return true;
    }
    if (e[0] == MADT_ISO) {
        if (elen < 10)
            return false;
        if (e[3] < 16)                               /* bus 0 (ISA) source irqs only */
            out->isa[e[3]] = (struct madt_override){
                .present = true, .gsi = get_u32(e + 4), .flags = (u16)(e[8] | e[9] << 8) };
        return true;
    }
    return true;
}

int madt_parse_irqs(const void *table, size_t len, struct madt_irqs *out)
{
    memset(out, 0, sizeof(*out));
    return madt_walk(table, len, madt_irq_entry, out);
}

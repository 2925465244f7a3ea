/* The ACPI tables the hypervisor reads: the MADT's list of CPUs (acpi_madt.c). */
#ifndef ASM_ACPI_H
#define ASM_ACPI_H

#include <hv/types.h>
#include <hv/cpumask.h>

struct acpi_sdt_header {
    char signature[4];
    u32 length;
    u8 revision;
    u8 checksum;
    char oem_id[6];
    char oem_table_id[8];
    u32 oem_revision;
    u32 creator_id;
    u32 creator_revision;
} __packed;

struct acpi_rsdp {
    char signature[8];                 /* "RSD PTR " */
    u8 checksum;                       /* of the first 20 bytes */
    char oem_id[6];
    u8 revision;                       /* 0: ACPI 1.0 (RSDT only); 2+: XSDT too */
    u32 rsdt_address;
    u32 length;
    u64 xsdt_address;
    u8 ext_checksum;
    u8 reserved[3];
} __packed;

/* What the MADT says about the CPUs: enabled local APICs (and x2APICs), in table order. */
struct madt_cpus {
    u32 apic_id[HV_NR_CPUS];
    unsigned int nr;                   /* usable entries in apic_id[] */
    unsigned int dropped;              /* enabled CPUs past HV_NR_CPUS */
    u64 lapic_base;                    /* the table's (or its override's) LAPIC address */
};

/* What the MADT says about interrupt routing (madt_parse_irqs). */
#define MADT_MAX_IOAPICS 4
struct madt_ioapic {
    u8 id;
    u32 addr;                          /* MMIO base */
    u32 gsi_base;                      /* its pin 0 */
};
struct madt_override {                 /* an ISA irq routed elsewhere, or not as ISA says */
    bool present;
    u32 gsi;
    u16 flags;                         /* MPS INTI: polarity bits 0-1 (3 low), trigger 2-3 (3 level) */
};
struct madt_irqs {
    struct madt_ioapic ioapic[MADT_MAX_IOAPICS];
    unsigned int nr_ioapics;           /* more than MADT_MAX_IOAPICS: the rest ignored */
    struct madt_override isa[16];      /* by ISA irq */
};

/* The bytes sum to 0 (mod 256), as every ACPI structure's checksum requires. */
bool acpi_checksum_ok(const void *p, size_t len);
/* Parses a MADT of len bytes (the whole table, header included): 0, or -EINVAL. */
int  madt_parse(const void *table, size_t len, struct madt_cpus *out);
/* The I/O APICs and ISA overrides of the same table: 0, or -EINVAL. */
int  madt_parse_irqs(const void *table, size_t len, struct madt_irqs *out);
/* The MADT the firmware gave (smpboot.c), or NULL. */
const struct acpi_sdt_header *acpi_find_madt(void);

#endif

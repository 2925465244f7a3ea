/*
 * Bringing up the application processors: the MADT lists the CPUs (found
 * through the RSDP in the BIOS area), each AP gets its per-CPU data and is
 * started with INIT-SIPI-SIPI into trampoline.S, one at a time, up to
 * maxcpus=. An AP sets up its own GDT/TSS/IDT/LAPIC (cpu_init_this) and
 * then idles, serving IPIs: guests run only on CPU 0 for now (docs/smp.md).
 */
#include <hv/arch.h>
#include <hv/boot.h>
#include <hv/cmdline.h>
#include <hv/console.h>
#include <hv/lib.h>
#include <hv/time.h>
#include <asm/flush.h>
#include <asm/acpi.h>
#include <asm/apic.h>
#include <asm/boot.h>
#include <asm/desc.h>
#include <asm/layout.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/hvm.h>

struct cpu_data *hv_cpu_data[HV_NR_CPUS];
unsigned int hv_nr_cpus_found = 1, hv_nr_cpus_online = 1;

extern char ap_trampoline_start[], ap_trampoline_end[];
extern u64 ap_trampoline_cr3, ap_trampoline_stack, ap_trampoline_entry;
extern u64 boot_l4[];

static struct cpu_data *volatile ap_booting;  /* the AP now starting: its own data */
static u64 *ap_boot_l4;                        /* identity map of low memory + direct map */

#define AP_START_TIMEOUT_NS 2000000000ULL      /* TCG on a loaded host is slow */

static void delay_ns(u64 ns)
{
    u64 end = hv_now() + ns;

    while (hv_now() < end)
        arch_cpu_relax();
}

/* --- finding the MADT --- */

static const struct acpi_rsdp *rsdp_scan(u64 start, u64 len)
{
    for (u64 pa = start; pa + sizeof(struct acpi_rsdp) <= start + len; pa += 16) {
        const struct acpi_rsdp *r = VA(pa);

        if (!memcmp(r->signature, "RSD PTR ", 8) && acpi_checksum_ok(r, 20))
            return r;
    }
    return NULL;
}

static const struct acpi_rsdp *rsdp_find(void)
{
    u64 ebda = (u64)*(const u16 *)VA(0x40e) << 4;
    const struct acpi_rsdp *r = NULL;

    if (ebda >= 0x80000 && ebda < 0xa0000)
        r = rsdp_scan(ebda, 1024);
    return r ? r : rsdp_scan(0xe0000, 0x20000);
}

/* A table the direct map reaches (the first 4 GiB) with a sane length. */
static const struct acpi_sdt_header *sdt_at(u64 pa)
{
    const struct acpi_sdt_header *h;

    if (!pa || pa >= (4UL << 30) - sizeof(*h))
        return NULL;
    h = VA(pa);
    if (h->length < sizeof(*h) || h->length > (1u << 20) || pa + h->length > (4UL << 30))
        return NULL;
    return acpi_checksum_ok(h, h->length) ? h : NULL;
}

const struct acpi_sdt_header *acpi_find_madt(void)
{
    const struct acpi_rsdp *r = rsdp_find();
    const struct acpi_sdt_header *root;
    bool xsdt;

    if (!r)
        return NULL;
    xsdt = r->revision >= 2 && r->xsdt_address;
    root = sdt_at(xsdt ? r->xsdt_address : r->rsdt_address);
    if (!root)
        return NULL;
    size_t width = xsdt ? 8 : 4, n = (root->length - sizeof(*root)) / width;

    for (size_t i = 0; i < n; i++) {
        u64 pa = 0;

        memcpy(&pa, (const u8 *)(root + 1) + i * width, width);
        const struct acpi_sdt_header *h = sdt_at(pa);

        if (h && !memcmp(h->signature, "APIC", 4))
            return h;
    }
    return NULL;
}

/* --- starting one AP --- */

/* The AP's first C code, on its idle stack, still on ap_boot_l4. */
static __noreturn void ap_start(void)
{
    struct cpu_data *c = ap_booting;

    cpu_init_this(c);
    svm_cpu_init();
    cr3_load(PA(hv_idle_l4));
    apic_init_ap();
    __atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
    hv_ap_main();                                    /* schedules vCPUs; IPIs wake it */
}

struct pcpu *arch_pcpu(unsigned int cpu)
{
    struct cpu_data *c = cpu < HV_NR_CPUS ? hv_cpu_data[cpu] : NULL;

    return c ? &c->pcpu : NULL;
}

static void trampoline_install(void)
{
    size_t len = ap_trampoline_end - ap_trampoline_start;

    ap_boot_l4 = hv_alloc_pages(1);
    if (!ap_boot_l4 || PA(ap_boot_l4) >= (4UL << 30))
        hv_panic("smp: no page for the AP boot page tables\n");
    ap_boot_l4[0] = boot_l4[HV_L4_SLOT_DIRECTMAP];    /* the first 4 GiB, identity */
    ap_boot_l4[HV_L4_SLOT_DIRECTMAP] = boot_l4[HV_L4_SLOT_DIRECTMAP];
    memcpy(VA(HV_TRAMPOLINE_PHYS), ap_trampoline_start, len);
}

/* The copy's parameter slots, where the AP reads them. */
static u64 *trampoline_slot(u64 *slot)
{
    return VA(HV_TRAMPOLINE_PHYS + ((char *)slot - ap_trampoline_start));
}

static struct cpu_data *cpu_data_alloc(unsigned int cpu, u32 apic)
{
    struct cpu_data *c = hv_alloc_pages(ALIGN_UP(sizeof(*c), PAGE_SIZE) / PAGE_SIZE);

    if (c) {
        c->pcpu.id = cpu;
        c->apic_id = apic;
    }
    return c;
}

static bool ap_wait_online(struct cpu_data *c)
{
    u64 end = hv_now() + AP_START_TIMEOUT_NS;

    while (!__atomic_load_n(&c->online, __ATOMIC_ACQUIRE))
        if (hv_now() >= end)
            return false;
    return true;
}

static bool start_ap(unsigned int cpu, u32 apic)
{
    struct cpu_data *c = cpu_data_alloc(cpu, apic);
    u32 vector = HV_TRAMPOLINE_PHYS >> PAGE_SHIFT;

    if (!c)
        return false;
    ap_booting = c;
    *trampoline_slot(&ap_trampoline_cr3) = PA(ap_boot_l4);
    *trampoline_slot(&ap_trampoline_stack) = (u64)&c->idle_stack[HV_IDLE_STACK_SIZE] - 8;
    *trampoline_slot(&ap_trampoline_entry) = (u64)ap_start;
    apic_send_icr(apic, APIC_DM_INIT | APIC_LEVEL_ASSERT);
    delay_ns(10000000);                              /* 10 ms, as the MP spec asks */
    for (int i = 0; i < 2; i++) {
        apic_send_icr(apic, APIC_DM_STARTUP | vector);
        delay_ns(200000);
        if (__atomic_load_n(&c->online, __ATOMIC_ACQUIRE))
            break;
    }
    if (!ap_wait_online(c)) {
        hv_err("smp: CPU %u (APIC id %u) did not start\n", cpu, apic);
        return false;                                /* its data stays: it may wake late */
    }
    hv_cpu_data[cpu] = c;
    return true;
}

/* --- the boot CPU's side --- */

cpumask_t arch_cpus_online(void)
{
    return cpumask_first_n(__atomic_load_n(&hv_nr_cpus_online, __ATOMIC_ACQUIRE));
}

static unsigned int cpus_wanted(unsigned int found)
{
    return hv_opts.maxcpus ? MIN(found, hv_opts.maxcpus) : found;
}

void smp_boot_cpus(void)
{
    const struct acpi_sdt_header *madt = acpi_find_madt();
    struct madt_cpus cpus;
    u32 me = apic_id();

    hv_cpu_data[0]->apic_id = me;
    if (!madt || madt_parse(madt, madt->length, &cpus) || !cpus.nr) {
        hv_info("smp: no usable MADT; 1 of 1 CPUs up\n");
        return;
    }
    hv_nr_cpus_found = cpus.nr;
    if (cpus.dropped)
        hv_warn("smp: %u more CPUs than the %u supported, ignored\n", cpus.dropped, HV_NR_CPUS);
    if (cpus_wanted(cpus.nr) > 1)
        trampoline_install();
    for (unsigned int i = 0; i < cpus.nr && hv_nr_cpus_online < cpus_wanted(cpus.nr); i++) {
        if (cpus.apic_id[i] == me)
            continue;
        if (!start_ap(hv_nr_cpus_online, cpus.apic_id[i]))
            break;                                   /* CPU numbers stay dense */
        hv_debug("smp: CPU %u is APIC id %u\n", hv_nr_cpus_online, cpus.apic_id[i]);
        __atomic_store_n(&hv_nr_cpus_online, hv_nr_cpus_online + 1, __ATOMIC_RELEASE);
    }
    hv_info("smp: %u of %u CPUs up%s\n", hv_nr_cpus_online, cpus.nr,
            hv_opts.maxcpus && hv_opts.maxcpus < cpus.nr ? " (maxcpus)" : "");
}

/* x86 start of day: from head.S's long-mode jump to the common hv_main. */
#include <hv/arch.h>
#include <hv/boot.h>
#include <hv/cmdline.h>
#include <hv/console.h>
#include <asm/processor.h>
#include <asm/io.h>
#include <asm/desc.h>
#include <asm/apic.h>
#include <asm/boot.h>
#include <asm/ipi.h>
#include <asm/irq.h>
#include <asm/hvm.h>

static struct boot_info boot_info;

__noreturn void arch_start(u32 magic, unsigned long info)
{
    cpu_init();                          /* first: `current` needs this CPU's GDT */
    serial_init();
    if (multiboot_parse(&boot_info, magic, info))
        hv_panic("boot: not started by a Multiboot loader (magic %x)\n", magic);
    hv_cmdline_parse(boot_info.cmdline);
    hv_info("pvhv hypervisor starting (%s), cmdline: '%s'\n", boot_info.loader, boot_info.cmdline);
    mm_init(&boot_info);
    apic_init();
    svm_cpu_init();                      /* HVM on the boot CPU (each AP: ap_start) */
    smp_boot_cpus();
    irq_init();                          /* I/O APICs masked; device vectors to this CPU */
    if (hv_opts.smp_selftest)
        smp_selftest();
    if (hv_opts.debug_panic_ap)
        smp_debug_panic_ap();
    hv_main(&boot_info);
}

__noreturn void arch_poweroff(int code)
{
    hv_info("powering off (exit code %d)\n", code);
    outw(0x604, 0x2000);                  /* ACPI PM1a: S5 on QEMU's pc and q35 */
    outb(0xf4, (u8)code);                 /* isa-debug-exit, if present */
    arch_halt();
}

__noreturn void arch_halt(void)
{
    for (;;)
        asm volatile("cli; hlt");
}

/*
 * The host memory map, unchanged from the loader's (arch/x86/multiboot.c
 * records it). Xen inserts reserved entries for ranges dom0 may not map;
 * our holes already are such ranges (mapping rules: pv/iomem.c).
 */
#include <asm/e820.h>
#include <hv/console.h>

static struct e820_host_entry host_map[E820_HOST_MAX];
static unsigned int host_nr;

void e820_host_record(u64 addr, u64 len, u32 type)
{
    if (!len)
        return;
    if (host_nr == E820_HOST_MAX) {
        hv_warn("e820: more than %u entries, the rest is not given to dom0\n", E820_HOST_MAX);
        return;
    }
    host_map[host_nr++] = (struct e820_host_entry){ addr, len, type };
}

unsigned int e820_host_count(void)
{
    return host_nr;
}

const struct e820_host_entry *e820_host_entries(void)
{
    return host_map;
}

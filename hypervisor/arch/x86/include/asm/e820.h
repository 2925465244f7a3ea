/*
 * The host's memory map as the boot loader gave it (every entry, every
 * type), kept for the privileged domain's XENMEM_machine_memory_map
 * (arch/x86/e820.c). Linux as dom0 builds its identity regions from it.
 */
#ifndef ASM_E820_H
#define ASM_E820_H

#include <hv/types.h>
#include <hv/guest_access.h>

#define E820_HOST_MAX 128

struct e820_host_entry {
    u64 addr, size;
    u32 type;
} __packed;

/* Called by the multiboot parser for each map entry, in the loader's order. */
void e820_host_record(u64 addr, u64 len, u32 type);
unsigned int e820_host_count(void);
const struct e820_host_entry *e820_host_entries(void);
/* XENMEM_machine_memory_map: the host map, privileged domain only (pv/dom0_memory.c). */
long pv_machine_memory_map(guest_handle_t arg);

#endif

/* Start of day: the loader's information, the serial port, memory and the M2P (physmem.c). */
#ifndef ASM_BOOT_H
#define ASM_BOOT_H

#include <hv/types.h>

struct boot_info;

int  multiboot_parse(struct boot_info *bi, u32 magic, unsigned long info);
void serial_init(void);
void mm_init(struct boot_info *bi);
void mm_install_hv_slots(u64 *l4);
extern u64 *hv_idle_l4;
extern u64 *hv_m2p;                    /* machine-to-phys table, hypervisor's writable view */
extern mfn_t hv_m2p_entries;

#endif

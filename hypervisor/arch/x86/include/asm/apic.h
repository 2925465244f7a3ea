/* Local APIC (apic.c) and the CMOS clock. */
#ifndef ASM_APIC_H
#define ASM_APIC_H

#include <hv/types.h>

void apic_init(void);                        /* the boot CPU's, and TSC calibration */
void apic_init_ap(void);                     /* an application processor's */
void apic_eoi(void);
u32  apic_id(void);
void apic_send_icr(u32 dest_apic_id, u32 icr_lo);

/* ICR low word: delivery modes, level, destination shorthands. */
#define APIC_DM_FIXED     0x000
#define APIC_DM_NMI       0x400
#define APIC_DM_INIT      0x500
#define APIC_DM_STARTUP   0x600
#define APIC_LEVEL_ASSERT 0x4000
#define APIC_DEST_ALLBUT  0xc0000
u64  rtc_read_unix_seconds(void);

#endif

/* Local APIC (apic.c) and the CMOS clock. */
#ifndef ASM_APIC_H
#define ASM_APIC_H

#include <hv/types.h>

void apic_init(void);
void apic_eoi(void);
u64  rtc_read_unix_seconds(void);

#endif

/* traps.h: the traps guest's test groups. */
#ifndef TRAPS_TRAPS_H
#define TRAPS_TRAPS_H
void test_nm(void);
void test_mf(void);
void test_xm(void);
void test_ac(void);
void test_segments(void);
void test_iret(void);
#endif

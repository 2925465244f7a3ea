/* misc.h: the misc guest's test groups. */
#ifndef MISC_MISC_H
#define MISC_MISC_H
void test_abi(void);
void test_fpu_state(void);
#endif

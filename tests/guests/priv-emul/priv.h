/* priv.h: the priv-emul guest's groups and helpers. */
#ifndef PRIV_EMUL_PRIV_H
#define PRIV_EMUL_PRIV_H
#include "guest.h"
#include "hypercall.h"
#include "user.h"

#define EFLAGS_RF 0x10000UL
#define NO_TRAP   (-1L)

/*
 * TRY(insn, constraints...): runs one instruction that may fault; on a fault
 * execution resumes after it (exception table, also from user mode).
 */
#define TRY(insn, ...) asm volatile("1: " insn "\n2:\n" _EXTABLE(1b, 2b) __VA_ARGS__)

/* The vector of the one exception taken since `before`, NO_TRAP if none (-2: several). */
long trapped(unsigned long before);
/* Checks that exactly one exception `vec` with error code `ec` (-1: none) was taken. */
bool check_trap(unsigned long before, long vec, long ec, const char *what);

void test_debugregs(void);
void test_forced_cpuid(void);
void test_io(void);
void test_architectural_iopl(void);
void test_hostile_io(void);
#endif

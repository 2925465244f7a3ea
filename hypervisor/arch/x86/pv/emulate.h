/*
 * Shared by the privileged-instruction emulators (emulate.c, emulate_io.c):
 * the decoded instruction and what an emulator returns.
 */
#ifndef PV_EMULATE_H
#define PV_EMULATE_H

#include <hv/types.h>
#include <hv/xen.h>

struct vcpu;

struct emul_insn {
    const u8 *op;                 /* the opcode, after the prefixes */
    unsigned int nr_prefixes;
    bool opsize16, addr32, rep;
    u8 rex;
    int seg;                      /* -1, or 4 (fs) / 5 (gs): the overrides with a base */
    unsigned int bpmatch;         /* out: I/O breakpoints hit (DR6 B0-B3) */
};

/* Emulator results: > 0 is the instruction length (rip moves past it). */
#define EMUL_GP        0          /* not emulated: the guest gets its #GP(0) */
#define EMUL_UD       (-1)        /* the guest gets #UD */
#define EMUL_INJECTED (-2)        /* another fault was injected; rip stays */
#define EMUL_AGAIN    (-3)        /* partly done (a long rep): rip stays, the guest re-executes */

#define PFEC_WRITE_ACCESS (1u << 1)
#define PFEC_USER_MODE    (1u << 2)

int pv_emulate_io(struct cpu_user_regs *regs, struct emul_insn *in);
void pv_emul_page_fault(struct vcpu *v, unsigned long cr2, u32 ec);
void pv_emul_done(struct vcpu *v, struct cpu_user_regs *regs, unsigned long next_rip,
                  unsigned int dr6_hits);
void pv_emul_debug_trap(struct vcpu *v, unsigned int dr6_hits);
bool pv_iopl_ok(const struct vcpu *v);

#endif

/*
 * The MMIO instruction decoder and emulator (hvm/insn_decode.c,
 * hvm/insn_emulate.c): the few x86 instructions that touch MMIO, decoded
 * from untrusted bytes by a table, then emulated against a register file
 * and one memory operand whose address the caller already knows (the
 * nested page fault's guest-physical address). Pure: unit-tested and
 * fuzzed on the host (docs/hvm.md).
 */
#ifndef ASM_HVM_INSN_H
#define ASM_HVM_INSN_H

#include <hv/types.h>

#define INSN_MAX_LEN 15

enum insn_mode { INSN_MODE_16 = 2, INSN_MODE_32 = 4, INSN_MODE_64 = 8 };

enum insn_op {
    INSN_BAD,            /* not decoded: the guest gets #UD (or is crashed) */
    INSN_MOV_STORE,      /* mem <- reg or imm */
    INSN_MOV_LOAD,       /* reg <- mem */
    INSN_MOVZX,          /* reg <- zero-extended mem (src_size) */
    INSN_MOVSX,          /* reg <- sign-extended mem (src_size) */
    INSN_ALU_MEM,        /* mem <- mem op (reg or imm): and/or/xor; cmp/test only set flags */
    INSN_ALU_REG,        /* reg <- reg op mem: and/or/xor; cmp/test only set flags */
    INSN_STOS,           /* mem <- rAX; rDI +/- size (no REP) */
};

enum insn_alu { ALU_OR, ALU_AND, ALU_XOR, ALU_CMP, ALU_TEST };

/* Register numbers: the x86 encoding (rAX 0 ... rDI 7, r8-r15). */
#define INSN_REG_AX 0
#define INSN_REG_DI 7
#define INSN_NO_REG 0xff

struct insn {
    enum insn_op op;
    enum insn_alu alu;
    u8 len;              /* bytes, prefixes included */
    u8 size;             /* the memory operand: 1, 2, 4 or 8 bytes */
    u8 src_size;         /* movzx/movsx: what is read (1 or 2); else = size */
    u8 reg;              /* the register operand, or INSN_NO_REG */
    bool byte_high;      /* reg is AH/CH/DH/BH (8-bit, no REX) */
    bool has_imm;
    u64 imm;             /* sign-extended to 64 bits */
    u8 addr_size;        /* 2, 4 or 8 */
    bool rep;            /* F3/F2 seen: refused by the emulator for now */
};

/* Decodes bytes[0, n): 0 and *out filled, or -EINVAL (nothing else is true of *out). */
int insn_decode(const u8 *bytes, unsigned int n, enum insn_mode mode, struct insn *out);

/* The guest's registers as the emulator sees them. */
struct insn_regs {
    u64 gpr[16];
    u64 rflags;
};

/* The one memory operand: the caller's device read/write at the faulting address. */
struct insn_mem_ops {
    int (*read)(void *ctx, unsigned int size, u64 *val);
    int (*write)(void *ctx, unsigned int size, u64 val);
    void *ctx;
};

/* Runs a decoded instruction: 0, or the error of a memory access (regs untouched then), or -EINVAL. */
int insn_emulate(const struct insn *in, struct insn_regs *regs, const struct insn_mem_ops *mem);

#endif

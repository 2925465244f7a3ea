/*
 * libFuzzer target of the MMIO instruction decoder and emulator
 * (arch/x86/hvm/insn_*.c): the first byte picks the mode and the
 * registers' seed, the rest are the instruction's bytes, as a hostile
 * guest would give them. What must hold for any input: no crash or
 * undefined behaviour (ASan/UBSan), a decoded length inside the bytes and
 * under 15, sizes the emulator knows, at most one read and one write of
 * the memory operand, each of the instruction's size.
 */
#include <stdint.h>
#include <stdlib.h>
#include <hv/errno.h>
#include <asm/hvm_insn.h>

struct fuzz_cell {
    unsigned int reads, writes, size;
    u64 val;
};

static int cell_read(void *ctx, unsigned int size, u64 *val)
{
    struct fuzz_cell *c = ctx;

    c->reads++;
    c->size = size;
    *val = c->val;
    return 0;
}

static int cell_write(void *ctx, unsigned int size, u64 val)
{
    struct fuzz_cell *c = ctx;

    c->writes++;
    c->size = size;
    c->val = val;
    return 0;
}

static const enum insn_mode modes[3] = { INSN_MODE_16, INSN_MODE_32, INSN_MODE_64 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct insn in;
    struct insn_regs r;
    struct fuzz_cell c = { .val = 0x8899aabbccddeeffULL };
    struct insn_mem_ops ops = { cell_read, cell_write, &c };
    unsigned int n;

    if (size < 1)
        return 0;
    n = size - 1 > 32 ? 32 : (unsigned int)(size - 1);
    if (insn_decode(data + 1, n, modes[data[0] % 3], &in))
        return 0;
    if (in.len == 0 || in.len > n || in.len > INSN_MAX_LEN)
        abort();
    if ((in.size != 1 && in.size != 2 && in.size != 4 && in.size != 8) || in.src_size > in.size ||
        (in.reg != INSN_NO_REG && in.reg > 15))
        abort();
    for (unsigned int i = 0; i < 16; i++)
        r.gpr[i] = 0x0101010101010101ULL * (data[0] + i);
    r.rflags = 0x2 | ((data[0] & 0x80) ? 0x400 : 0);
    if (insn_emulate(&in, &r, &ops) == 0 && (c.reads > 1 || c.writes > 1 || c.size > 8))
        abort();
    return 0;
}

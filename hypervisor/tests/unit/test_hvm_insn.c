/*
 * The MMIO instruction decoder and emulator (arch/x86/hvm/insn_*.c): each
 * supported form decoded to its operation, size, register, immediate and
 * length; refusals of what is not supported or malformed; and the
 * emulation against a fake device (one 64-bit cell) with the flags the
 * CPU would set.
 */
#include <hv/errno.h>
#include <asm/hvm_insn.h>

#include "harness.h"

static struct insn decode_ok(const u8 *b, unsigned int n, enum insn_mode mode)
{
    struct insn in;

    memset(&in, 0xa5, sizeof(in));
    CU_ASSERT_EQUAL_FATAL(insn_decode(b, n, mode, &in), 0);
    return in;
}

#define DEC(mode, ...) ({ static const u8 ib_[] = { __VA_ARGS__ }; \
                          struct insn i_ = decode_ok(ib_, sizeof(ib_), mode); \
                          EXPECT_EQ(i_.len, sizeof(ib_)); i_; })
#define BAD(mode, ...) do { static const u8 ib_[] = { __VA_ARGS__ }; struct insn i_; \
                            EXPECT_EQ(insn_decode(ib_, sizeof(ib_), mode, &i_), -EINVAL); } while (0)

static void test_decode_mov(void)
{
    struct insn in;

    in = DEC(INSN_MODE_32, 0x89, 0x03);                       /* mov [ebx], eax */
    EXPECT_EQ(in.op, INSN_MOV_STORE); EXPECT_EQ(in.size, 4); EXPECT_EQ(in.reg, 0);
    in = DEC(INSN_MODE_32, 0x8b, 0x8b, 0x20, 0x03, 0, 0);     /* mov ecx, [ebx+0x320] */
    EXPECT_EQ(in.op, INSN_MOV_LOAD); EXPECT_EQ(in.reg, 1); EXPECT_EQ(in.size, 4);
    in = DEC(INSN_MODE_32, 0x66, 0x89, 0x50, 0x10);           /* mov [eax+0x10], dx */
    EXPECT_EQ(in.size, 2); EXPECT_EQ(in.reg, 2);
    in = DEC(INSN_MODE_32, 0x88, 0x24, 0x8d, 0, 0, 0xe0, 0xfe); /* mov [ecx*4+0xfee00000], ah */
    EXPECT_EQ(in.size, 1); EXPECT_EQ(in.reg, 0); EXPECT_EQ(in.byte_high, true);
    in = DEC(INSN_MODE_32, 0xc7, 0x05, 0xb0, 0, 0xe0, 0xfe, 0, 0, 0, 0);   /* mov dword [0xfee000b0], 0 */
    EXPECT_EQ(in.op, INSN_MOV_STORE); EXPECT_EQ(in.has_imm, true); EXPECT_EQ(in.imm, 0);
    EXPECT_EQ(in.reg, INSN_NO_REG);
    in = DEC(INSN_MODE_32, 0xc6, 0x40, 0x01, 0x80);           /* mov byte [eax+1], 0x80 */
    EXPECT_EQ(in.size, 1); EXPECT_EQ(in.imm, (u64)-128);
    in = DEC(INSN_MODE_32, 0xa1, 0x20, 0, 0xe0, 0xfe);        /* mov eax, [0xfee00020] */
    EXPECT_EQ(in.op, INSN_MOV_LOAD); EXPECT_EQ(in.reg, INSN_REG_AX);
    in = DEC(INSN_MODE_16, 0xa3, 0x20, 0);                    /* mov [0x20], ax (16-bit) */
    EXPECT_EQ(in.size, 2); EXPECT_EQ(in.addr_size, 2);
    in = DEC(INSN_MODE_16, 0x8b, 0x06, 0x34, 0x12);           /* mov ax, [0x1234] (16-bit) */
    EXPECT_EQ(in.size, 2);
    in = DEC(INSN_MODE_16, 0x66, 0x67, 0x8b, 0x04, 0x24);     /* mov eax, [esp] (16-bit + 66 67) */
    EXPECT_EQ(in.size, 4); EXPECT_EQ(in.addr_size, 4);
    in = DEC(INSN_MODE_32, 0x64, 0x8b, 0x44, 0x24, 0x08);     /* mov eax, fs:[esp+8] */
    EXPECT_EQ(in.len, 5);
    in = DEC(INSN_MODE_32, 0x8b, 0x04, 0x05, 0, 0, 0xe0, 0xfe); /* SIB with no base: disp32 */
    EXPECT_EQ(in.reg, 0);
}

static void test_decode_64(void)
{
    struct insn in;

    in = DEC(INSN_MODE_64, 0x48, 0x89, 0x07);                 /* mov [rdi], rax */
    EXPECT_EQ(in.size, 8);
    in = DEC(INSN_MODE_64, 0x44, 0x8b, 0x05, 1, 2, 3, 4);     /* mov r8d, [rip+disp] */
    EXPECT_EQ(in.reg, 8); EXPECT_EQ(in.size, 4);
    in = DEC(INSN_MODE_64, 0x40, 0x88, 0x26);                 /* mov [rsi], spl (REX: not AH) */
    EXPECT_EQ(in.reg, 4); EXPECT_EQ(in.byte_high, false);
    in = DEC(INSN_MODE_64, 0x66, 0x48, 0x89, 0x07);           /* REX.W wins over 66 */
    EXPECT_EQ(in.size, 8);
    in = DEC(INSN_MODE_64, 0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff);   /* imm32 sign-extended */
    EXPECT_EQ(in.imm, ~0ULL);
    in = DEC(INSN_MODE_64, 0x48, 0xa1, 1, 2, 3, 4, 5, 6, 7, 8);   /* moffs64 */
    EXPECT_EQ(in.addr_size, 8);
    in = DEC(INSN_MODE_64, 0x67, 0xa1, 1, 2, 3, 4);           /* moffs32 with 67 */
    EXPECT_EQ(in.addr_size, 4);
    BAD(INSN_MODE_64, 0x48, 0x48, 0x89, 0x07);                /* REX twice */
    BAD(INSN_MODE_64, 0x48, 0x66, 0x89, 0x07);                /* REX then a legacy prefix */
}

static void test_decode_alu_and_ext(void)
{
    struct insn in;

    in = DEC(INSN_MODE_32, 0x09, 0x03);                       /* or [ebx], eax */
    EXPECT_EQ(in.op, INSN_ALU_MEM); EXPECT_EQ(in.alu, ALU_OR);
    in = DEC(INSN_MODE_32, 0x23, 0x03);                       /* and eax, [ebx] */
    EXPECT_EQ(in.op, INSN_ALU_REG); EXPECT_EQ(in.alu, ALU_AND);
    in = DEC(INSN_MODE_32, 0x83, 0x33, 0x01);                 /* xor dword [ebx], 1 */
    EXPECT_EQ(in.alu, ALU_XOR); EXPECT_EQ(in.imm, 1);
    in = DEC(INSN_MODE_32, 0x81, 0x3b, 0x78, 0x56, 0x34, 0x12);   /* cmp dword [ebx], 0x12345678 */
    EXPECT_EQ(in.alu, ALU_CMP); EXPECT_EQ(in.imm, 0x12345678);
    in = DEC(INSN_MODE_32, 0x66, 0x81, 0x0b, 0x34, 0x12);     /* or word [ebx], 0x1234 */
    EXPECT_EQ(in.size, 2); EXPECT_EQ(in.imm, 0x1234);
    in = DEC(INSN_MODE_32, 0xf6, 0x03, 0x80);                 /* test byte [ebx], 0x80 */
    EXPECT_EQ(in.alu, ALU_TEST); EXPECT_EQ(in.size, 1);
    in = DEC(INSN_MODE_32, 0x85, 0x03);                       /* test [ebx], eax */
    EXPECT_EQ(in.alu, ALU_TEST);
    in = DEC(INSN_MODE_32, 0xf0, 0x09, 0x03);                 /* lock or [ebx], eax */
    EXPECT_EQ(in.op, INSN_ALU_MEM);
    in = DEC(INSN_MODE_32, 0x0f, 0xb6, 0x03);                 /* movzx eax, byte [ebx] */
    EXPECT_EQ(in.op, INSN_MOVZX); EXPECT_EQ(in.src_size, 1); EXPECT_EQ(in.size, 4);
    in = DEC(INSN_MODE_32, 0x0f, 0xbf, 0x0b);                 /* movsx ecx, word [ebx] */
    EXPECT_EQ(in.op, INSN_MOVSX); EXPECT_EQ(in.src_size, 2); EXPECT_EQ(in.reg, 1);
    in = DEC(INSN_MODE_32, 0xab);                             /* stosd */
    EXPECT_EQ(in.op, INSN_STOS); EXPECT_EQ(in.rep, false);
    in = DEC(INSN_MODE_32, 0xf3, 0xaa);                       /* rep stosb: decoded, refused later */
    EXPECT_EQ(in.rep, true);
}

static void test_decode_refusals(void)
{
    struct insn in;

    BAD(INSN_MODE_32, 0x89, 0xc3);                 /* mov ebx, eax: a register, no memory */
    BAD(INSN_MODE_32, 0x90);                       /* nop */
    BAD(INSN_MODE_32, 0x0f, 0x0b);                 /* ud2 */
    BAD(INSN_MODE_32, 0x0f);                       /* truncated 0F */
    BAD(INSN_MODE_32, 0x01, 0x03);                 /* add: not in the table (needs no carry, but not asked) */
    BAD(INSN_MODE_32, 0x83, 0x13, 0x01);           /* adc (group 1 /2) */
    BAD(INSN_MODE_32, 0xc7, 0x0b, 0, 0, 0, 0);     /* C7 /1 */
    BAD(INSN_MODE_32, 0xf7, 0x13);                 /* not (F7 /2) */
    BAD(INSN_MODE_32, 0x8b, 0x83, 0x20, 0x03);     /* disp32 cut short */
    BAD(INSN_MODE_32, 0xc7, 0x03, 1, 2, 3);        /* imm32 cut short */
    BAD(INSN_MODE_32, 0x8b, 0x04);                 /* SIB missing */
    BAD(INSN_MODE_32, 0xf0, 0x8b, 0x03);           /* lock mov */
    BAD(INSN_MODE_32, 0xf0, 0x39, 0x03);           /* lock cmp */
    BAD(INSN_MODE_32, 0xf3, 0x89, 0x03);           /* rep mov */
    BAD(INSN_MODE_32, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        0x66, 0x66, 0x89, 0x03);                   /* 16 bytes: longer than x86 allows */
    BAD(INSN_MODE_32, 0x66, 0x0f, 0xb6);           /* truncated ModRM */
    EXPECT_EQ(insn_decode((const u8 *)"\x89\x03", 0, INSN_MODE_32, &in), -EINVAL);
    EXPECT_EQ(insn_decode((const u8 *)"\x89\x03", 2, (enum insn_mode)3, &in), -EINVAL);
    /* 0x48 is dec eax outside 64-bit mode: not an MMIO instruction. */
    BAD(INSN_MODE_32, 0x48, 0x89, 0x07);
}

/* The fake device: one cell; counts the accesses and their sizes. */
struct cell {
    u64 val;
    unsigned int reads, writes, last_size;
    int fail;
};

static int cell_read(void *ctx, unsigned int size, u64 *val)
{
    struct cell *c = ctx;

    c->reads++;
    c->last_size = size;
    *val = c->val & (size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1);
    return c->fail;
}

static int cell_write(void *ctx, unsigned int size, u64 val)
{
    struct cell *c = ctx;

    c->writes++;
    c->last_size = size;
    if (!c->fail)
        c->val = val;
    return c->fail;
}

static int run(struct cell *c, struct insn_regs *r, enum insn_mode mode, const u8 *b, unsigned int n)
{
    struct insn in;
    struct insn_mem_ops ops = { cell_read, cell_write, c };

    CU_ASSERT_EQUAL_FATAL(insn_decode(b, n, mode, &in), 0);
    return insn_emulate(&in, r, &ops);
}

#define RUN(c, r, mode, ...) ({ static const u8 ib_[] = { __VA_ARGS__ }; run(c, r, mode, ib_, sizeof(ib_)); })

static void test_emulate_moves(void)
{
    struct cell c = { .val = 0x1122334455667788ULL };
    struct insn_regs r = { .gpr = { [0] = 0xaaaaaaaabbbbbbbbULL, [1] = 0xffffffffffffffffULL } };

    EXPECT_EQ(RUN(&c, &r, INSN_MODE_64, 0x8b, 0x0b), 0);     /* mov ecx, [rbx]: zero top */
    EXPECT_EQ(r.gpr[1], 0x55667788ULL);
    EXPECT_EQ(RUN(&c, &r, INSN_MODE_64, 0x66, 0x8b, 0x03), 0); /* mov ax, [rbx]: merge */
    EXPECT_EQ(r.gpr[0], 0xaaaaaaaabbbb7788ULL);
    EXPECT_EQ(RUN(&c, &r, INSN_MODE_32, 0x8a, 0x23), 0);     /* mov ah, [ebx] */
    EXPECT_EQ(r.gpr[0], 0xaaaaaaaabbbb8888ULL);
    EXPECT_EQ(RUN(&c, &r, INSN_MODE_32, 0x89, 0x03), 0);     /* mov [ebx], eax */
    EXPECT_EQ(c.val, 0xbbbb8888ULL); EXPECT_EQ(c.last_size, 4);
    EXPECT_EQ(RUN(&c, &r, INSN_MODE_32, 0xc6, 0x03, 0xfe), 0);
    EXPECT_EQ(c.val, 0xfe); EXPECT_EQ(c.last_size, 1);
    c.val = 0x80f0;
    EXPECT_EQ(RUN(&c, &r, INSN_MODE_32, 0x0f, 0xbe, 0x0b), 0);   /* movsx ecx, byte */
    EXPECT_EQ(r.gpr[1], 0xfffffff0ULL);
    EXPECT_EQ(RUN(&c, &r, INSN_MODE_32, 0x0f, 0xbf, 0x0b), 0);   /* movsx ecx, word */
    EXPECT_EQ(r.gpr[1], 0xffff80f0ULL);
    EXPECT_EQ(RUN(&c, &r, INSN_MODE_32, 0x0f, 0xb7, 0x0b), 0);   /* movzx ecx, word */
    EXPECT_EQ(r.gpr[1], 0x80f0ULL); EXPECT_EQ(c.last_size, 2);
    EXPECT_EQ(RUN(&c, &r, INSN_MODE_64, 0x48, 0x0f, 0xbe, 0x0b), 0);   /* movsx rcx, byte */
    EXPECT_EQ(r.gpr[1], ~0ULL - 0xf);
}

static void test_emulate_alu_flags(void)
{
    struct cell c = { .val = 0xf0 };
    struct insn_regs r = { .gpr = { [0] = 0x0f }, .rflags = 0x2 | 0x1 | 0x800 };

    EXPECT_EQ(RUN(&c, &r, INSN_MODE_32, 0x09, 0x03), 0);     /* or [ebx], eax */
    EXPECT_EQ(c.val, 0xff); EXPECT_EQ(r.rflags, 0x2 | 0x4);  /* PF (8 bits set), CF/OF cleared */
    EXPECT_EQ(RUN(&c, &r, INSN_MODE_32, 0x83, 0x23, 0x00), 0);   /* and dword [ebx], 0 */
    EXPECT_EQ(c.val, 0); EXPECT_EQ(r.rflags, 0x2 | 0x4 | 0x40);
    c.val = 1;
    EXPECT_EQ(RUN(&c, &r, INSN_MODE_32, 0x83, 0x3b, 0x02), 0);   /* cmp dword [ebx], 2: borrow */
    EXPECT_EQ(c.val, 1); EXPECT_EQ(c.writes, 2);             /* cmp never writes */
    EXPECT_EQ(r.rflags & 0x8d5, 0x1 | 0x4 | 0x10 | 0x80);    /* CF PF AF SF */
    c.val = 0x80;
    EXPECT_EQ(RUN(&c, &r, INSN_MODE_32, 0xf6, 0x03, 0x80), 0);   /* test byte [ebx], 0x80 */
    EXPECT_EQ(r.rflags & 0x8d5, 0x80);
    c.val = 0x7fffffff; r.gpr[0] = 0xffffffff;
    EXPECT_EQ(RUN(&c, &r, INSN_MODE_32, 0x3b, 0x03), 0);     /* cmp eax, [ebx]: -1 - 0x7fffffff */
    EXPECT_EQ(r.rflags & 0x8d5, 0x84);                       /* SF, PF (low byte 0); no CF, OF, AF */
    r.gpr[0] = 0x80000000;
    EXPECT_EQ(RUN(&c, &r, INSN_MODE_32, 0x3b, 0x03), 0);     /* overflow */
    EXPECT_EQ(r.rflags & 0x800, 0x800);
    EXPECT_EQ(RUN(&c, &r, INSN_MODE_32, 0x33, 0x03), 0);     /* xor eax, [ebx] */
    EXPECT_EQ(r.gpr[0], 0xffffffffULL);
}

static void test_emulate_stos_and_errors(void)
{
    struct cell c = { 0 };
    struct insn_regs r = { .gpr = { [0] = 0x12345678, [7] = 0x1000 }, .rflags = 2 };
    struct insn in;
    struct insn_mem_ops ops = { cell_read, cell_write, &c };

    EXPECT_EQ(RUN(&c, &r, INSN_MODE_32, 0xab), 0);
    EXPECT_EQ(c.val, 0x12345678); EXPECT_EQ(r.gpr[7], 0x1004);
    r.rflags |= 0x400;                                       /* DF: downwards */
    EXPECT_EQ(RUN(&c, &r, INSN_MODE_32, 0xaa), 0);
    EXPECT_EQ(c.val, 0x78); EXPECT_EQ(r.gpr[7], 0x1003);
    r.gpr[7] = 0x10000;
    EXPECT_EQ(RUN(&c, &r, INSN_MODE_16, 0xaa), 0);           /* 16-bit addressing wraps DI only */
    EXPECT_EQ(r.gpr[7], 0x1ffff);
    EXPECT_EQ(RUN(&c, &r, INSN_MODE_32, 0xf3, 0xab), -EINVAL);   /* REP refused */
    c.fail = -EIO;
    r.gpr[1] = 7;
    EXPECT_EQ(RUN(&c, &r, INSN_MODE_32, 0x8b, 0x0b), -EIO);  /* a failed read leaves the register */
    EXPECT_EQ(r.gpr[1], 7);
    memset(&in, 0, sizeof(in));                              /* INSN_BAD */
    EXPECT_EQ(insn_emulate(&in, &r, &ops), -EINVAL);
}

void suite_hvm_insn(void)
{
    static const struct unit_test tests[] = {
        { "decode_mov", test_decode_mov },
        { "decode_64", test_decode_64 },
        { "decode_alu_and_ext", test_decode_alu_and_ext },
        { "decode_refusals", test_decode_refusals },
        { "emulate_moves", test_emulate_moves },
        { "emulate_alu_flags", test_emulate_alu_flags },
        { "emulate_stos_and_errors", test_emulate_stos_and_errors },
    };

    ADD_SUITE("hvm_insn", tests);
}

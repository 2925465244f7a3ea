/* common/cmdline.c, lib.c's parsers and console.c's log levels. */
#include <hv/cmdline.h>
#include <hv/console.h>
#include <hv/lib.h>

#include "harness.h"

static void test_parse_size(void)
{
    static const struct { const char *s; u64 v; size_t used; } cases[] = {
        { "4096", 4096, 4 }, { "4096K", 4096ULL << 10, 5 }, { "4k", 4096, 2 },
        { "512M", 512ULL << 20, 4 }, { "512m", 512ULL << 20, 4 }, { "2G", 2ULL << 30, 2 },
        { "3g", 3ULL << 30, 2 }, { "0x10M", 16ULL << 20, 5 }, { "0x1000", 4096, 6 },
        { "64Mfoo", 64ULL << 20, 3 }, { "12T", 12, 2 }, { "", 0, 0 }, { "M", 0, 1 },
        { "abc", 0, 0 }, { "17179869184G", ~0ULL, 12 }, { "16383G", 16383ULL << 30, 6 },
        { "99999999999999999999999M", ~0ULL, 24 }, { "0x10000000000000000", ~0ULL, 19 },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        const char *end;
        u64 v = hv_parse_size(cases[i].s, &end);

        if (v != cases[i].v || (size_t)(end - cases[i].s) != cases[i].used) {
            char msg[128];

            snprintf(msg, sizeof(msg), "'%s' -> %llu (used %zu), want %llu (used %zu)",
                     cases[i].s, (unsigned long long)v, (size_t)(end - cases[i].s),
                     (unsigned long long)cases[i].v, cases[i].used);
            FAIL_MSG(msg);
        }
    }
    EXPECT_EQ(hv_parse_ulong("0xDeadBeef,", NULL), 0xdeadbeef);
    EXPECT_EQ(hv_parse_ulong("18446744073709551615", NULL), ~0ULL);
    EXPECT_EQ(hv_parse_ulong("18446744073709551616", NULL), ~0ULL);    /* saturates */
    EXPECT_EQ(hv_parse_ulong("18446744073709551614", NULL), ~0ULL - 1);
}

static void test_mem_sizes(void)
{
    static const struct { const char *cmd; u64 dom0, domu; } cases[] = {
        { "dom0_mem=512M", 512ULL << 20, 32ULL << 20 },
        { "domu_mem=2G", 64ULL << 20, 2ULL << 30 },
        { "dom0_mem=4096K domu_mem=8M", 4ULL << 20, 8ULL << 20 },
        { "dom0_mem=1048576", 1ULL << 20, 32ULL << 20 },       /* exactly the minimum */
        { "dom0_mem=1048575", 64ULL << 20, 32ULL << 20 },      /* too small: ignored */
        { "domu_mem=100", 64ULL << 20, 32ULL << 20 },
        { "domu_mem=junk", 64ULL << 20, 32ULL << 20 },
        { "dom0_mem", 64ULL << 20, 32ULL << 20 },              /* no value: ignored */
        { "dom0_mem=1G dom0_mem=128M", 128ULL << 20, 32ULL << 20 },  /* last wins */
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        harness_setup();
        hv_cmdline_parse(cases[i].cmd);
        if (hv_opts.dom0_mem != cases[i].dom0 || hv_opts.domu_mem != cases[i].domu) {
            char msg[160];

            snprintf(msg, sizeof(msg), "'%s': dom0_mem %llu domu_mem %llu", cases[i].cmd,
                     (unsigned long long)hv_opts.dom0_mem, (unsigned long long)hv_opts.domu_mem);
            FAIL_MSG(msg);
        }
    }
    harness_setup();
    hv_cmdline_parse("domu_mem=100");
    CU_ASSERT_PTR_NOT_NULL(strstr(harness_console(), "domu_mem=100 too small"));
}

static void test_loglvl(void)
{
    static const struct { const char *cmd; enum hv_loglvl lvl; } cases[] = {
        { "loglvl=err", LOG_ERR }, { "loglvl=warning", LOG_WARN }, { "loglvl=info", LOG_INFO },
        { "loglvl=debug", LOG_DEBUG }, { "loglvl=all", LOG_DEBUG },
        { "loglvl=bogus", LOG_INFO }, { "loglvl=ERR", LOG_INFO }, { "loglvl=", LOG_INFO },
    };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        harness_setup();
        hv_cmdline_parse(cases[i].cmd);
        if (hv_loglvl != cases[i].lvl) {
            char msg[96];

            snprintf(msg, sizeof(msg), "'%s': level %d, want %d", cases[i].cmd, hv_loglvl,
                     cases[i].lvl);
            FAIL_MSG(msg);
        }
    }
    harness_setup();
    hv_cmdline_parse("loglvl=bogus");
    CU_ASSERT_PTR_NOT_NULL(strstr(harness_console(), "unknown loglvl 'bogus'"));
    /* The level filters: at err, warnings are dropped. */
    hv_cmdline_parse("loglvl=err");
    harness_console_clear();
    hv_warn("dropped\n");
    hv_err("kept %d\n", 42);
    CU_ASSERT_STRING_EQUAL(harness_console(), "(HV) kept 42\n");
    CU_ASSERT_EQUAL(hv_console_set_loglvl("nope"), -EINVAL);
}

static void test_flags_and_misc(void)
{
    hv_cmdline_parse("hypercall_trace dom0=1 timeslice=5 console=none");
    CU_ASSERT(hv_opts.hypercall_trace);
    CU_ASSERT(hv_opts.first_is_dom0);
    EXPECT_EQ(hv_opts.timeslice_ms, 5);
    CU_ASSERT_STRING_EQUAL(hv_opts.console, "none");
    hv_cmdline_parse("hypercall_trace=0 dom0=0 timeslice=0");
    CU_ASSERT(!hv_opts.hypercall_trace);
    CU_ASSERT(!hv_opts.first_is_dom0);
    EXPECT_EQ(hv_opts.timeslice_ms, 5);               /* 0 is out of range: kept */
    hv_cmdline_parse("timeslice=1001");
    EXPECT_EQ(hv_opts.timeslice_ms, 5);
    hv_cmdline_parse("timeslice=1000");
    EXPECT_EQ(hv_opts.timeslice_ms, 1000);
    hv_cmdline_parse("console=averyveryverylongname");
    CU_ASSERT_STRING_EQUAL(hv_opts.console, "averyveryverylo");   /* cut to the field */
    hv_cmdline_parse("debug_panic=teardown");
    CU_ASSERT(hv_opts.debug_panic_teardown);
    harness_setup();
    hv_cmdline_parse("debug_panic=later debug_panic");
    CU_ASSERT(!hv_opts.debug_panic_teardown);
    CU_ASSERT_PTR_NOT_NULL(strstr(harness_console(), "unknown debug_panic 'later'"));
    hv_cmdline_parse("maxcpus=2 smp_selftest");
    EXPECT_EQ(hv_opts.maxcpus, 2);
    CU_ASSERT(hv_opts.smp_selftest);
    hv_cmdline_parse("maxcpus=0 maxcpus=x maxcpus smp_selftest=0");
    EXPECT_EQ(hv_opts.maxcpus, 2);                    /* at least 1: the others are ignored */
    CU_ASSERT(!hv_opts.smp_selftest);
    CU_ASSERT_PTR_NOT_NULL(strstr(harness_console(), "maxcpus=0 ignored"));
    hv_opts.maxcpus = 0;
}

static void test_unknown_words_ignored(void)
{
    struct hv_options before = hv_opts;
    enum hv_loglvl lvl = hv_loglvl;

    hv_cmdline_parse("  quiet   noapic foo=bar console_x=1 =5 loglvlx=err dom0_memory=1G  ");
    CU_ASSERT(!memcmp(&before, &hv_opts, sizeof(before)));
    EXPECT_EQ(hv_loglvl, lvl);
    hv_cmdline_parse("");
    CU_ASSERT(!memcmp(&before, &hv_opts, sizeof(before)));
    /* Known words still apply among unknown ones. */
    hv_cmdline_parse("quiet dom0_mem=256M foo");
    EXPECT_EQ(hv_opts.dom0_mem, 256ULL << 20);
}

static void test_long_cmdline(void)
{
    char cmd[2048];

    /* Words past the 511-byte buffer are not seen; nothing overflows. */
    memset(cmd, 'a', sizeof(cmd));
    memcpy(cmd + 100, " dom0_mem=128M ", 15);
    memcpy(cmd + 1000, " domu_mem=256M ", 15);
    cmd[sizeof(cmd) - 1] = '\0';
    hv_cmdline_parse(cmd);
    EXPECT_EQ(hv_opts.dom0_mem, 128ULL << 20);
    EXPECT_EQ(hv_opts.domu_mem, 32ULL << 20);
}

static const struct unit_test tests[] = {
    { "parse_size", test_parse_size },
    { "mem_sizes", test_mem_sizes },
    { "loglvl", test_loglvl },
    { "flags_and_misc", test_flags_and_misc },
    { "unknown_words_ignored", test_unknown_words_ignored },
    { "long_cmdline", test_long_cmdline },
};

void suite_cmdline(void)
{
    ADD_SUITE("cmdline", tests);
}

/* lib.c: boot sequence, test result reporting, command line, page helpers, shutdown. */
#include "guest.h"
#include "hypercall.h"

start_info_t *start_info;
shared_info_t *shared;
struct vcpu_info *vcpu0;
bool hc_direct;
unsigned int tests_passed, tests_failed;

static uint8_t shared_info_page[PAGE_SIZE] __aligned(PAGE_SIZE) __attribute__((section(".bss.page_aligned")));

void pass(const char *what)
{
    tests_passed++;
    printf("PASS: %s: %s\n", test_name, what);
}

static void vfail(const char *what, const char *fmt, va_list ap)
{
    char detail[320];

    vsnprintf(detail, sizeof(detail), fmt, ap);
    tests_failed++;
    printf("FAIL: %s: %s: %s\n", test_name, what, detail);
}

void fail(const char *what, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfail(what, fmt, ap);
    va_end(ap);
}

bool check(bool ok, const char *what, const char *fmt, ...)
{
    va_list ap;

    if (ok) {
        pass(what);
        return true;
    }
    va_start(ap, fmt);
    vfail(what, fmt, ap);
    va_end(ap);
    return false;
}

bool check_eq(long got, long want, const char *what)
{
    return check(got == want, what, "got %ld (%#lx), want %ld", got, got, want);
}

void info(const char *fmt, ...)
{
    char buf[320];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    printf("INFO: %s: %s\n", test_name, buf);
}

void __noreturn shutdown(unsigned int reason)
{
    struct sched_shutdown s = { .reason = reason };
    long rc = hc_sched_op(SCHEDOP_shutdown, &s);

    printf("FAIL: %s: shutdown returned %ld\n", test_name, rc);
    for (;;)
        sched_yield();
}

void __noreturn test_done(void)
{
    printf("DONE: %s: %u passed, %u failed\n", test_name, tests_passed, tests_failed);
    shutdown(SHUTDOWN_poweroff);
}

void __noreturn panic(const char *fmt, ...)
{
    char buf[320];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    tests_failed++;
    printf("FAIL: %s: panic: %s\n", test_name, buf);
    printf("DONE: %s: %u passed, %u failed\n", test_name, tests_passed, tests_failed);
    shutdown(SHUTDOWN_crash);
}

/* Find "key=" at a word start; return a pointer to the value or NULL. */
static const char *cmdline_find(const char *key)
{
    const char *p = (const char *)start_info->cmd_line;
    size_t klen = strlen(key);

    for (; *p; p++) {
        bool word_start = p == (const char *)start_info->cmd_line || p[-1] == ' ';

        if (word_start && !strncmp(p, key, klen) && p[klen] == '=')
            return p + klen + 1;
    }
    return NULL;
}

bool cmdline_str(const char *key, char *buf, size_t len)
{
    const char *v = cmdline_find(key);
    size_t n = 0;

    if (!v || !len)
        return false;
    for (; v[n] && v[n] != ' ' && n + 1 < len; n++)
        buf[n] = v[n];
    buf[n] = '\0';
    return true;
}

long cmdline_int(const char *key, long dflt)
{
    const char *v = cmdline_find(key);
    long n = 0;
    bool neg = false;

    if (!v)
        return dflt;
    if (*v == '-') { neg = true; v++; }
    if (*v < '0' || *v > '9')
        return dflt;
    for (; *v >= '0' && *v <= '9'; v++)
        n = n * 10 + (*v - '0');
    return neg ? -n : n;
}

unsigned long virt_to_mfn(const void *va)
{
    unsigned long pfn = ((unsigned long)va - VIRT_BASE) >> 12;

    return ((unsigned long *)start_info->mfn_list)[pfn];
}

uint64_t virt_to_maddr(const void *va)
{
    return ((uint64_t)virt_to_mfn(va) << 12) | ((unsigned long)va & (PAGE_SIZE - 1));
}

long map_page_at(void *va, uint64_t maddr, uint64_t pte_flags)
{
    return hc_update_va_mapping((unsigned long)va, (maddr & ~(PAGE_SIZE - 1)) | pte_flags,
                                UVMF_INVLPG | UVMF_LOCAL);
}

long remap_own_page(void *va, uint64_t pte_flags)
{
    return map_page_at(va, virt_to_maddr(va), pte_flags);
}

static void pick_hypercall_mode(void)
{
    char mode[16];

    hc_direct = cmdline_str("hc", mode, sizeof(mode)) && !strcmp(mode, "direct");
    if (!hc_direct && hypercall_page[0] == 0xcc) {
        hc_direct = true;   /* the loader did not fill the page: report it through syscall */
        fail("boot", "hypercall page not filled by the loader (HYPERCALL_PAGE note ignored)");
    }
}

static void map_shared_info(void)
{
    long rc = map_page_at(shared_info_page, start_info->shared_info, 0x63 /* P|RW|A|D */);

    if (rc)
        panic("update_va_mapping(shared_info maddr %#lx) = %ld", start_info->shared_info, rc);
    shared = (shared_info_t *)shared_info_page;
    vcpu0 = &shared->vcpu_info[0];
}

void __noreturn guest_start(start_info_t *si);
void __noreturn guest_start(start_info_t *si)
{
    start_info = si;
    pick_hypercall_mode();
    map_shared_info();
    traps_init();
    info("start: hc=%s nr_pages=%lu flags=%#x cmdline='%s'", hc_direct ? "direct" : "page",
         si->nr_pages, si->flags, (const char *)si->cmd_line);
    test_main();
    test_done();
}

void sort_u64(uint64_t *v, unsigned long n)
{
    for (unsigned long i = 1; i < n; i++)
        for (unsigned long j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];

            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

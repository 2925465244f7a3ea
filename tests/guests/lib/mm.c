/* mm.c: page-table helpers (see mm.h). */
#include "mm.h"

uint64_t *table_va(uint64_t entry)
{
    return (uint64_t *)(VIRT_BASE + (M2P[(entry & PTE_ADDR) >> 12] << 12));
}

uint64_t *boot_l4(void)
{
    return (uint64_t *)start_info->pt_base;
}

uint64_t *pte_ptr(uint64_t *l4, unsigned long va, unsigned int level)
{
    static const unsigned int shift[] = { 0, 12, 21, 30, 39 };
    uint64_t *t = l4;

    for (unsigned int l = 4; l > level; l--) {
        uint64_t e = t[(va >> shift[l]) & 511];

        if (!(e & PTE_P))
            return NULL;
        t = table_va(e);
    }
    return &t[(va >> shift[level]) & 511];
}

long mmu_req(uint64_t ptr, uint64_t val, unsigned int fdom)
{
    struct mmu_update u = { .ptr = ptr, .val = val };

    /* Not hc_mmu_update(): its domid_t would drop the page-table owner in bits 31:16. */
    return HC4(__HYPERVISOR_mmu_update, &u, 1, NULL, fdom);
}

long mmu_set(const void *entry_va, uint64_t val)
{
    return mmu_req(virt_to_maddr(entry_va) | MMU_NORMAL_PT_UPDATE, val, DOMID_SELF);
}

long mmuext_dom(unsigned int cmd, unsigned long arg1, unsigned long arg2, unsigned int dom)
{
    struct mmuext_op op = { .cmd = cmd };

    op.arg1.mfn = arg1;
    op.arg2.src_mfn = arg2;               /* union: nr_ents / vcpumask / src_mfn */
    return hc_mmuext_op(&op, 1, NULL, dom);
}

long mmuext1(unsigned int cmd, unsigned long arg1) { return mmuext_dom(cmd, arg1, 0, DOMID_SELF); }
long mmuext2(unsigned int cmd, unsigned long a1, unsigned long a2) { return mmuext_dom(cmd, a1, a2, DOMID_SELF); }

long make_ro(void *page) { return remap_own_page(page, PTE_RO); }
long make_rw(void *page) { return remap_own_page(page, PTE_RW_ACC); }

bool is_priv(void)
{
    return start_info->flags & SIF_PRIVILEGED;
}

unsigned long cmdline_ulong(const char *key, unsigned long dflt)
{
    char buf[24], *p = buf;
    unsigned long n = 0;

    if (!cmdline_str(key, buf, sizeof(buf)))
        return dflt;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        for (p += 2; *p; p++) {
            unsigned int d = (*p >= '0' && *p <= '9') ? *p - '0'
                           : (*p >= 'a' && *p <= 'f') ? *p - 'a' + 10
                           : (*p >= 'A' && *p <= 'F') ? *p - 'A' + 10 : 16;
            if (d > 15)
                return dflt;
            n = n * 16 + d;
        }
        return n;
    }
    for (; *p; p++) {
        if (*p < '0' || *p > '9')
            return dflt;
        n = n * 10 + (*p - '0');
    }
    return n;
}

unsigned int own_domid(void)
{
    return is_priv() ? 0 : (unsigned int)cmdline_ulong("domid", 1);
}

bool try_read64(const volatile uint64_t *p, uint64_t *out)
{
    unsigned long before = last_trap.count;
    uint64_t v = 0;

    asm volatile("1: movq (%1), %0\n2:\n" _EXTABLE(1b, 2b) : "+r"(v) : "r"(p) : "memory");
    if (out)
        *out = v;
    return last_trap.count == before;
}

bool try_write64(volatile uint64_t *p, uint64_t v)
{
    unsigned long before = last_trap.count;

    asm volatile("1: movq %1, (%0)\n2:\n" _EXTABLE(1b, 2b) :: "r"(p), "r"(v) : "memory");
    return last_trap.count == before;
}

bool try_xchg64(volatile uint64_t *p, uint64_t *v)
{
    unsigned long before = last_trap.count;
    uint64_t r = *v;

    asm volatile("1: xchgq %0, (%1)\n2:\n" _EXTABLE(1b, 2b) : "+r"(r) : "r"(p) : "memory");
    *v = r;
    return last_trap.count == before;
}

long reservation(unsigned int cmd)
{
    domid_t self = DOMID_SELF;

    return hc_memory_op(cmd, &self);
}

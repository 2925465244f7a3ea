/*
 * Nested page tables: the guest-physical address space of an HVM domain.
 * Tables come from the hypervisor heap (owned by the hypervisor, never by
 * the guest, which cannot see them); leaves point at the domain's frames.
 * Only 4 KiB leaves: the builder maps each populated frame once.
 */
#include <hv/arch.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <asm/npt.h>

#define NPT_ENTRIES   512
#define NPT_PRESENT   0x1ULL

static unsigned int npt_index(u64 gpa, unsigned int level)
{
    return (gpa >> (12 + 9 * (level - 1))) & (NPT_ENTRIES - 1);
}

static u64 *npt_table_of(u64 entry)
{
    return hv_mfn_to_virt((entry & NPT_ADDR_MASK) >> 12);
}

int npt_init(struct npt *n)
{
    n->root = hv_alloc_pages(1);
    n->nr_tables = n->root ? 1 : 0;
    return n->root ? 0 : -ENOMEM;
}

u64 npt_root_maddr(const struct npt *n)
{
    return (u64)hv_virt_to_mfn(n->root) << 12;
}

/* The table below entry *e, allocated (zeroed) when absent. */
static u64 *npt_next_table(struct npt *n, u64 *e)
{
    u64 *t;

    if (*e & NPT_PRESENT)
        return npt_table_of(*e);
    t = hv_alloc_pages(1);
    if (!t)
        return NULL;
    n->nr_tables++;
    *e = ((u64)hv_virt_to_mfn(t) << 12) | NPT_PTE_FLAGS;
    return t;
}

static bool npt_gpa_ok(u64 gpa)
{
    return !(gpa & 0xfff) && gpa < (1ULL << NPT_GPA_BITS);
}

int npt_map(struct npt *n, u64 gpa, mfn_t mfn)
{
    u64 *t = n->root;

    if (!t || !npt_gpa_ok(gpa))
        return -EINVAL;
    for (unsigned int level = NPT_LEVELS; level > 1; level--) {
        t = npt_next_table(n, &t[npt_index(gpa, level)]);
        if (!t)
            return -ENOMEM;
    }
    if (t[npt_index(gpa, 1)] & NPT_PRESENT)
        return -EEXIST;
    t[npt_index(gpa, 1)] = ((u64)mfn << 12) | NPT_PTE_FLAGS;
    return 0;
}

mfn_t npt_lookup(const struct npt *n, u64 gpa)
{
    const u64 *t = n->root;

    if (!t || gpa >= (1ULL << NPT_GPA_BITS))
        return INVALID_MFN;
    for (unsigned int level = NPT_LEVELS; level > 1; level--) {
        u64 e = t[npt_index(gpa, level)];

        if (!(e & NPT_PRESENT))
            return INVALID_MFN;
        t = npt_table_of(e);
    }
    if (!(t[npt_index(gpa, 1)] & NPT_PRESENT))
        return INVALID_MFN;
    return (t[npt_index(gpa, 1)] & NPT_ADDR_MASK) >> 12;
}

/* Frees the tables below t (a table of `level`), then t. */
static void npt_free_table(struct npt *n, u64 *t, unsigned int level)
{
    if (level > 1) {
        for (unsigned int i = 0; i < NPT_ENTRIES; i++)
            if (t[i] & NPT_PRESENT)
                npt_free_table(n, npt_table_of(t[i]), level - 1);
    }
    hv_free_pages(t, 1);
    n->nr_tables--;
}

void npt_destroy(struct npt *n)
{
    if (n->root)
        npt_free_table(n, n->root, NPT_LEVELS);
    n->root = NULL;
}

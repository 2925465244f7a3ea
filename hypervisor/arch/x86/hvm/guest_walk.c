/*
 * Guest linear -> guest-physical for the hypervisor's own reads of an HVM
 * guest's memory (the MMIO decoder's instruction fetch): the guest's page
 * tables walked as the CPU would in each paging mode (none, 32-bit with
 * 4 MiB pages, PAE, 4-level long mode; 5-level refused). Entries are read
 * from guest RAM through the domain's NPT (physmap.c); a table or a page outside RAM,
 * or a not-present entry, ends the walk. Access rights are not checked:
 * the callers read bytes the guest just executed, and string port I/O
 * (io_string.c) moves an element to or from memory the guest named for
 * it (a write to a page its tables map read-only is not refused yet).
 */
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <asm/hvm.h>

#define CR0_PG      (1ULL << 31)
#define CR4_PSE     (1ULL << 4)
#define CR4_PAE     (1ULL << 5)
#define CR4_LA57    (1ULL << 12)
#define EFER_LMA    (1ULL << 10)
#define PTE_P       1ULL
#define PTE_PS      (1ULL << 7)
#define PTE_ADDR    0x000ffffffffff000ULL

unsigned int hvm_copy_from_phys(const struct domain *d, u64 gpa, void *buf, unsigned int len)
{
    mfn_t mfn = arch_hvm_gfn_to_mfn(d, gpa >> PAGE_SHIFT);
    unsigned int in_page = (unsigned int)(gpa & (PAGE_SIZE - 1)), n;

    if (mfn == INVALID_MFN)
        return 0;
    n = MIN(len, (unsigned int)PAGE_SIZE - in_page);
    memcpy(buf, (const u8 *)hv_mfn_to_virt(mfn) + in_page, n);
    return n;
}

unsigned int hvm_copy_to_phys(const struct domain *d, u64 gpa, const void *buf, unsigned int len)
{
    mfn_t mfn = arch_hvm_gfn_to_mfn(d, gpa >> PAGE_SHIFT);
    unsigned int in_page = (unsigned int)(gpa & (PAGE_SIZE - 1)), n;

    if (mfn == INVALID_MFN)
        return 0;
    n = MIN(len, (unsigned int)PAGE_SIZE - in_page);
    memcpy((u8 *)hv_mfn_to_virt(mfn) + in_page, buf, n);
    return n;
}

static bool read_entry(const struct domain *d, u64 gpa, unsigned int size, u64 *e)
{
    *e = 0;
    return hvm_copy_from_phys(d, gpa, e, size) == size;
}

/* 32-bit paging: two levels of 4-byte entries, 4 MiB pages with CR4.PSE. */
static int walk_32(const struct domain *d, u64 cr3, u32 lin, u64 cr4, u64 *gpa)
{
    u64 pde, pte;

    if (!read_entry(d, (cr3 & 0xfffff000) + ((lin >> 22) << 2), 4, &pde) || !(pde & PTE_P))
        return -EFAULT;
    if ((pde & PTE_PS) && (cr4 & CR4_PSE)) {
        *gpa = (pde & 0xffc00000) | (lin & 0x3fffff);
        return 0;
    }
    if (!read_entry(d, (pde & 0xfffff000) + (((lin >> 12) & 0x3ff) << 2), 4, &pte) ||
        !(pte & PTE_P))
        return -EFAULT;
    *gpa = (pte & 0xfffff000) | (lin & 0xfff);
    return 0;
}

/* PAE and long mode: 8-byte entries, 9 bits a level from `levels` down; large pages at 2 and 3. */
static int walk_64(const struct domain *d, u64 table, u64 lin, unsigned int levels, u64 *gpa)
{
    for (unsigned int level = levels; level >= 1; level--) {
        unsigned int shift = 12 + 9 * (level - 1);
        u64 e;

        if (!read_entry(d, table + ((lin >> shift) & 511) * 8, 8, &e) || !(e & PTE_P))
            return -EFAULT;
        if (level == 1 || ((e & PTE_PS) && level <= 3)) {
            u64 mask = (1ULL << shift) - 1;

            *gpa = (e & PTE_ADDR & ~mask) | (lin & mask);
            return 0;
        }
        table = e & PTE_ADDR;
    }
    return -EFAULT;
}

int hvm_linear_to_phys(const struct vcpu *v, u64 lin, u64 *gpa)
{
    const struct vmcb *vmcb = v->arch.hvm->vmcb;
    const struct domain *d = v->domain;
    u64 pdpte;

    if (!(vmcb->cr0 & CR0_PG)) {
        *gpa = (u32)lin;
        return 0;
    }
    if (vmcb->efer & EFER_LMA)
        return (vmcb->cr4 & CR4_LA57) ? -EOPNOTSUPP : walk_64(d, vmcb->cr3 & PTE_ADDR, lin, 4, gpa);
    if (!(vmcb->cr4 & CR4_PAE))
        return walk_32(d, vmcb->cr3, (u32)lin, vmcb->cr4, gpa);
    /* PAE: the PDPT (4 entries at CR3 bits 5-31), then two levels. */
    if (!read_entry(d, (vmcb->cr3 & 0xffffffe0) + (((u32)lin >> 30) << 3), 8, &pdpte) ||
        !(pdpte & PTE_P))
        return -EFAULT;
    return walk_64(d, pdpte & PTE_ADDR, (u32)lin, 2, gpa);
}

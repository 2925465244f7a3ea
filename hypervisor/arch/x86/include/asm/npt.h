/*
 * Nested page tables (AMD NPT): guest-physical to machine, four levels of
 * 4 KiB pages in the long-mode format. Pure logic over hypervisor-heap
 * pages (hv/arch.h), so the host unit tests build it over their frame pool.
 */
#ifndef ASM_NPT_H
#define ASM_NPT_H

#include <hv/types.h>

#define NPT_LEVELS       4
#define NPT_GPA_BITS     48
/* Nested walks are user accesses: every level needs P, RW and US. */
#define NPT_PTE_FLAGS    0x7ULL
#define NPT_ADDR_MASK    0x000ffffffffff000ULL

struct npt {
    u64 *root;                 /* the L4 table (hypervisor heap), NULL: none */
    unsigned long nr_tables;   /* tables allocated, the root included */
};

int  npt_init(struct npt *n);
/* Maps the 4 KiB guest frame at gpa to mfn: 0, -EINVAL (gpa out of range or
 * unaligned), -EEXIST (already mapped), -ENOMEM (no page for a table). */
int  npt_map(struct npt *n, u64 gpa, mfn_t mfn);
/* The frame gpa maps to, INVALID_MFN when none. */
mfn_t npt_lookup(const struct npt *n, u64 gpa);
/* The root's machine address for the VMCB's N_CR3. */
u64  npt_root_maddr(const struct npt *n);
/* Frees every table (the frames they map are the domain's, not freed here). */
void npt_destroy(struct npt *n);

#endif

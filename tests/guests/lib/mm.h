/*
 * mm.h: page-table helpers for the MMU / grant guests (mmu-hostile, pt-stress, grant-pair,
 * bench-mmu).  Bootstrap tables are reached through the M2P (entry mfn -> pfn -> VIRT_BASE
 * + pfn * 4K), which only works for frames inside the initial region (all of ours are).
 */
#ifndef GUEST_MM_H
#define GUEST_MM_H
#include "guest.h"
#include "hypercall.h"

#define PTE_P      0x001UL
#define PTE_RW     0x002UL
#define PTE_US     0x004UL
#define PTE_PWT    0x008UL
#define PTE_PCD    0x010UL
#define PTE_A      0x020UL
#define PTE_D      0x040UL
#define PTE_PSE    0x080UL
#define PTE_G      0x100UL
#define PTE_NX     (1UL << 63)
#define PTE_ADDR   0x000ffffffffff000UL
#define PTE_RW_ACC 0x63UL                  /* P|RW|A|D */
#define PTE_RO     0x21UL                  /* P|A */
#define M2P        ((const unsigned long *)0xffff800000000000UL)

static inline unsigned int l4_idx(unsigned long va) { return (va >> 39) & 511; }
static inline unsigned int l3_idx(unsigned long va) { return (va >> 30) & 511; }
static inline unsigned int l2_idx(unsigned long va) { return (va >> 21) & 511; }
static inline unsigned int l1_idx(unsigned long va) { return (va >> 12) & 511; }

uint64_t *table_va(uint64_t entry);            /* VA of the table an entry points at */
uint64_t *boot_l4(void);                       /* start_info->pt_base (current cr3 at boot) */
/* Pointer to the level-`level` entry (1..4) mapping va in the tables below `l4`, or NULL
 * when an upper level is not present. */
uint64_t *pte_ptr(uint64_t *l4, unsigned long va, unsigned int level);
static inline uint64_t *l1e_of(const void *va) { return pte_ptr(boot_l4(), (unsigned long)va, 1); }

long mmu_set(const void *entry_va, uint64_t val);             /* MMU_NORMAL_PT_UPDATE, self */
long mmu_req(uint64_t ptr, uint64_t val, unsigned int fdom);  /* one raw request */
long mmuext1(unsigned int cmd, unsigned long arg1);
long mmuext2(unsigned int cmd, unsigned long arg1, unsigned long arg2);
long mmuext_dom(unsigned int cmd, unsigned long arg1, unsigned long arg2, unsigned int dom);
long make_ro(void *page);                      /* remap an image page read-only */
long make_rw(void *page);                      /* ... and writable again */

bool is_priv(void);                            /* SIF_PRIVILEGED (true for dom0 on Xen) */
unsigned int own_domid(void);                  /* 0 if privileged, else cmdline domid= (1) */
unsigned long cmdline_ulong(const char *key, unsigned long dflt);  /* dec or 0x-hex */

/* One memory access that may fault; false if it faulted (the fault is swallowed). */
bool try_read64(const volatile uint64_t *p, uint64_t *out);
bool try_write64(volatile uint64_t *p, uint64_t v);
/* xchg *p with *v; false if it faulted (then *v must be as it was). */
bool try_xchg64(volatile uint64_t *p, uint64_t *v);

/* XENMEM_{current,maximum}_reservation of self. */
long reservation(unsigned int cmd);
#endif

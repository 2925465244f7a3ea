/*
 * Physical memory at boot: size the frame table from the RAM map, place the
 * allocator's own tables and the M2P right after everything the loader put
 * in memory, and build the read-only M2P mapping every guest L4 carries.
 */
#include <hv/arch.h>
#include <hv/boot.h>
#include <hv/console.h>
#include <hv/frame.h>
#include <hv/lib.h>
#include <asm/layout.h>
#include <asm/page.h>
#include <asm/boot.h>

extern char _start[], _end[];
extern u64 boot_l4[];

u64 *hv_idle_l4 = boot_l4;
u64 *hv_m2p;
mfn_t hv_m2p_entries;
static u64 *m2p_l3;

#define DIRECTMAP_LIMIT (4UL << 30)      /* what head.S maps */

void arch_m2p_set(mfn_t mfn, unsigned long pfn)
{
    if (mfn < hv_m2p_entries)
        hv_m2p[mfn] = pfn;
}

void *hv_mfn_to_virt(mfn_t mfn) { return VA(mfn << PAGE_SHIFT); }
mfn_t hv_virt_to_mfn(const void *p) { return PA(p) >> PAGE_SHIFT; }

void arch_heap_pages_freed(void *p, unsigned long count) { (void)p; (void)count; }

/* First physical address past the image, the modules and the boot info. */
static u64 boot_data_end(const struct boot_info *bi)
{
    u64 end = PA(_end);

    for (unsigned int i = 0; i < bi->nr_modules; i++)
        end = MAX(end, bi->modules[i].end);
    return ALIGN_UP(end, PAGE_SIZE) + (1UL << 20);   /* loader info lies just past modules */
}

static u64 ram_top(const struct boot_info *bi)
{
    u64 top = 0;

    for (unsigned int i = 0; i < bi->nr_ram; i++)
        top = MAX(top, bi->ram[i].end);
    if (top > DIRECTMAP_LIMIT) {
        hv_warn("mm: only the first 4 GiB of RAM are used\n");
        top = DIRECTMAP_LIMIT;
    }
    return top;
}

/* Frees every RAM frame above `floor`; what lies below it stays the hypervisor's. */
static void release_ram(const struct boot_info *bi, u64 floor)
{
    for (unsigned int i = 0; i < bi->nr_ram; i++) {
        u64 s = ALIGN_UP(MAX(bi->ram[i].start, floor), PAGE_SIZE);
        u64 e = ALIGN_DOWN(MIN(bi->ram[i].end, DIRECTMAP_LIMIT), PAGE_SIZE);

        if (e > s)
            frame_pool_free_range(&hv_frames, s >> PAGE_SHIFT, (e - s) >> PAGE_SHIFT);
    }
}

/*
 * Frames that are not RAM, as Xen sees them: the low 1 MiB (historically I/O)
 * and every hole in the RAM map. Guests get -EPERM mapping them, -EBUSY for RAM
 * that is not theirs (page_type.c).
 */
static void mark_io_frames(const struct boot_info *bi, mfn_t nr)
{
    for (mfn_t m = 0; m < nr; m++) {
        u64 pa = (u64)m << PAGE_SHIFT;
        bool ram = false;

        for (unsigned int i = 0; i < bi->nr_ram && !ram; i++)
            ram = pa >= bi->ram[i].start && pa + PAGE_SIZE <= bi->ram[i].end;
        if (m < 0x100 || !ram)
            hv_frames.info[m].flags |= FRAME_F_IO;
    }
}

/* Guests read the M2P at MACH2PHYS_VIRT_START: user, read-only, through slot 256. */
static void m2p_map_for_guests(mfn_t m2p_pages)
{
    unsigned long nr_l1 = ALIGN_UP(m2p_pages, 512) / 512;
    u64 *l2 = hv_alloc_pages(1);
    u64 *l1 = hv_alloc_pages(nr_l1);

    m2p_l3 = hv_alloc_pages(1);
    if (!l2 || !l1 || !m2p_l3 || nr_l1 > 512)
        hv_panic("mm: cannot map the M2P table\n");
    for (mfn_t i = 0; i < m2p_pages; i++)
        l1[i] = PA((char *)hv_m2p + i * PAGE_SIZE) | _PAGE_PRESENT | _PAGE_USER | _PAGE_NX;
    for (unsigned long i = 0; i < nr_l1; i++)
        l2[i] = PA(l1 + i * 512) | _PAGE_PRESENT | _PAGE_USER;
    m2p_l3[0] = PA(l2) | _PAGE_PRESENT | _PAGE_USER;
}

void mm_install_hv_slots(u64 *l4)
{
    l4[HV_L4_SLOT_M2P] = PA(m2p_l3) | _PAGE_PRESENT | _PAGE_USER;
    l4[HV_L4_SLOT_DIRECTMAP] = boot_l4[HV_L4_SLOT_DIRECTMAP];
}

void mm_init(struct boot_info *bi)
{
    u64 top = ram_top(bi), floor = boot_data_end(bi);
    mfn_t nr = top >> PAGE_SHIFT;
    u64 bitmap_bytes = ALIGN_UP(ALIGN_UP(nr, 64) / 8, PAGE_SIZE);
    u64 info_bytes = ALIGN_UP(nr * sizeof(struct frame_info), PAGE_SIZE);
    u64 m2p_bytes = ALIGN_UP(nr * sizeof(u64), PAGE_SIZE);
    u64 tables = floor;

    floor += bitmap_bytes + info_bytes + m2p_bytes;
    if (floor >= top)
        hv_panic("mm: not enough RAM (%lu MiB) for the frame tables\n", top >> 20);
    frame_pool_init(&hv_frames, VA(tables), VA(tables + bitmap_bytes), nr);
    hv_m2p = VA(tables + bitmap_bytes + info_bytes);
    hv_m2p_entries = nr;
    memset(hv_m2p, 0xff, m2p_bytes);                  /* every entry INVALID until owned */
    release_ram(bi, floor);
    mark_io_frames(bi, nr);
    boot_l4[0] = 0;                                   /* drop the boot identity map */
    asm volatile("mov %0, %%cr3" :: "r"(PA(boot_l4)) : "memory");
    m2p_map_for_guests(m2p_bytes >> PAGE_SHIFT);
    hv_info("mm: %lu MiB RAM, %lu frames free, hypervisor %lu KiB\n",
            top >> 20, hv_frames.nr_free, (PA(_end) - PA(_start)) >> 10);
}

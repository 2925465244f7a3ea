/* Multiboot 1 and 2 information, turned into struct boot_info. */
#include <hv/boot.h>
#include <hv/console.h>
#include <hv/lib.h>
#include <asm/layout.h>
#include <asm/e820.h>

#define MB1_BOOT_MAGIC 0x2BADB002
#define MB2_BOOT_MAGIC 0x36d76289

struct mb1_info {
    u32 flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    u32 syms[4];
    u32 mmap_length, mmap_addr;
} __packed;

struct mb1_module { u32 start, end, string, reserved; } __packed;
struct mb1_mmap { u32 size; u64 addr, len; u32 type; } __packed;

struct mb2_tag { u32 type, size; } __packed;
struct mb2_module { u32 type, size, start, end; char string[]; } __packed;
struct mb2_mmap { u32 type, size, entry_size, entry_version; } __packed;
struct mb2_mmap_entry { u64 addr, len; u32 type, reserved; } __packed;

static void add_ram(struct boot_info *bi, u64 start, u64 len)
{
    if (bi->nr_ram < BOOT_MAX_RANGES && len)
        bi->ram[bi->nr_ram++] = (struct boot_range){ start, start + len };
}

static void add_module(struct boot_info *bi, u64 start, u64 end, const char *s)
{
    if (bi->nr_modules < BOOT_MAX_MODULES)
        bi->modules[bi->nr_modules++] = (struct boot_module){ start, end, s ? s : "" };
    else
        hv_warn("multiboot: more than %d modules, ignoring the rest\n", BOOT_MAX_MODULES);
}

static void parse_mb1(struct boot_info *bi, const struct mb1_info *mi)
{
    bi->loader = "multiboot1";
    if (mi->flags & (1u << 2))
        bi->cmdline = VA(mi->cmdline);
    if (mi->flags & (1u << 3)) {
        const struct mb1_module *m = VA(mi->mods_addr);

        for (u32 i = 0; i < mi->mods_count; i++)
            add_module(bi, m[i].start, m[i].end, m[i].string ? VA(m[i].string) : NULL);
    }
    if (mi->flags & (1u << 6)) {
        u64 p = mi->mmap_addr, end = p + mi->mmap_length;

        while (p < end) {
            const struct mb1_mmap *e = VA(p);

            e820_host_record(e->addr, e->len, e->type);
            if (e->type == 1)
                add_ram(bi, e->addr, e->len);
            p += e->size + 4;
        }
    } else {
        add_ram(bi, 0x100000, (u64)mi->mem_upper << 10);
    }
}

static void parse_mb2_tag(struct boot_info *bi, const struct mb2_tag *t)
{
    switch (t->type) {
    case 1:
        bi->cmdline = (const char *)(t + 1);
        break;
    case 2:
        bi->loader = (const char *)(t + 1);
        break;
    case 3: {
        const struct mb2_module *m = (const void *)t;
        add_module(bi, m->start, m->end, m->string);
        break;
    }
    case 6: {
        const struct mb2_mmap *mm = (const void *)t;
        const u8 *p = (const u8 *)(mm + 1), *end = (const u8 *)t + t->size;

        for (; p + sizeof(struct mb2_mmap_entry) <= end; p += mm->entry_size) {
            const struct mb2_mmap_entry *e = (const void *)p;

            e820_host_record(e->addr, e->len, e->type);
            if (e->type == 1)
                add_ram(bi, e->addr, e->len);
        }
        break;
    }
    default:
        break;
    }
}

static void parse_mb2(struct boot_info *bi, unsigned long info)
{
    u32 total = *(u32 *)VA(info);
    unsigned long p = info + 8, end = info + total;

    bi->loader = "multiboot2";
    while (p + 8 <= end) {
        const struct mb2_tag *t = VA(p);

        if (t->type == 0)
            break;
        parse_mb2_tag(bi, t);
        p += ALIGN_UP(t->size, 8);
    }
}

int multiboot_parse(struct boot_info *bi, u32 magic, unsigned long info)
{
    memset(bi, 0, sizeof(*bi));
    bi->cmdline = "";
    if (magic == MB1_BOOT_MAGIC)
        parse_mb1(bi, VA(info));
    else if (magic == MB2_BOOT_MAGIC)
        parse_mb2(bi, info);
    else
        return -1;
    return 0;
}

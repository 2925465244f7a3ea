/*
 * The loader of HVM guest images (ELF32, i386): every header, offset and
 * size is checked against the image and the guest's memory before a byte
 * is copied, so a malformed image is refused, never followed.
 */
#include <hv/lib.h>
#include <asm/hvm_elf32.h>

static const char *elf32_check(const u8 *img, size_t len, const struct elf32_ehdr **out)
{
    const struct elf32_ehdr *e = (const void *)img;

    if (len < sizeof(*e) || memcmp(img, "\177ELF", 4))
        return "not an ELF image";
    if (e->ident[4] != 1 || e->ident[5] != 1 || e->machine != ELF32_EM_386)
        return "not a little-endian ELF32 i386 image (HVM guests are 32-bit)";
    if (e->phentsize != sizeof(struct elf32_phdr) || e->phoff > len ||
        (size_t)e->phnum * sizeof(struct elf32_phdr) > len - e->phoff)
        return "program headers outside the image";
    *out = e;
    return NULL;
}

static const char *elf32_check_segment(const struct elf32_phdr *p, size_t len, u64 mem_len)
{
    if (p->filesz > p->memsz || p->offset > len || p->filesz > len - p->offset)
        return "a segment lies outside the image";
    if ((u64)p->paddr + p->memsz > mem_len)
        return "a segment lies outside the guest's memory";
    return NULL;
}

const char *elf32_load(const u8 *img, size_t len, u8 *mem, u64 mem_len, u32 *entry)
{
    const struct elf32_ehdr *e;
    const char *why = elf32_check(img, len, &e);
    struct elf32_phdr p;

    if (why)
        return why;
    if (e->entry >= mem_len)
        return "the entry point lies outside the guest's memory";
    for (unsigned int pass = 0; pass < 2; pass++) {        /* check all, then copy */
        for (unsigned int i = 0; i < e->phnum; i++) {
            memcpy(&p, img + e->phoff + i * sizeof(p), sizeof(p));   /* phoff may be unaligned */
            if (p.type != ELF32_PT_LOAD)
                continue;
            if (!pass && (why = elf32_check_segment(&p, len, mem_len)))
                return why;
            if (pass)
                memcpy(mem + p.paddr, img + p.offset, p.filesz);
        }
    }
    *entry = e->entry;
    return NULL;
}

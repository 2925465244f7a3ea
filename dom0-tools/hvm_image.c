/*
 * hvm_image.c: an HVM guest's firmware image checked before any domain
 * exists (hvm_image.h). Every offset and size is checked in 64-bit
 * arithmetic against the file and the guest's RAM, so a malformed image
 * is refused with its reason and never read out of bounds.
 */
#include "hvm_image.h"

#include <elf.h>
#include <errno.h>
#include <string.h>

static int refuse(const char **why, const char *what)
{
    *why = what;
    return -EINVAL;
}

static int header_check(const struct pvctl_buf *b, Elf32_Ehdr *eh, const char **why)
{
    if (b->len < sizeof(*eh) || memcmp(b->data, ELFMAG, SELFMAG))
        return refuse(why, "firmware: not an ELF file");
    memcpy(eh, b->data, sizeof(*eh));
    if (eh->e_ident[EI_CLASS] != ELFCLASS32 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
        return refuse(why, "firmware: not a little-endian ELF32 (HVM firmware is 32-bit)");
    if (eh->e_machine != EM_386 || eh->e_type != ET_EXEC)
        return refuse(why, "firmware: not an x86 (EM_386) executable");
    if (eh->e_phentsize != sizeof(Elf32_Phdr) || !eh->e_phnum ||
        (uint64_t)eh->e_phoff + (uint64_t)eh->e_phnum * sizeof(Elf32_Phdr) > b->len)
        return refuse(why, "firmware: its program headers are not inside the file");
    return 0;
}

static int segment_check(const struct pvctl_buf *b, const Elf32_Phdr *ph, uint64_t mem_bytes,
                         const char **why)
{
    uint64_t end = (uint64_t)ph->p_paddr + ph->p_memsz;

    if (ph->p_filesz > ph->p_memsz || (uint64_t)ph->p_offset + ph->p_filesz > b->len)
        return refuse(why, "firmware: a segment's bytes are not inside the file");
    if (end > mem_bytes)
        return refuse(why, "firmware: a segment lies beyond the guest's memory");
    if (ph->p_paddr < HVM_HOLE_END && end > HVM_HOLE_START)
        return refuse(why, "firmware: a segment lies in the VGA/ROM hole (0xa0000-0xbffff)");
    return 0;
}

static int entry_check(const struct hvm_image *img, const char **why)
{
    for (unsigned int i = 0; i < img->nr_segs; i++)
        if (img->entry >= img->seg[i].paddr && img->entry - img->seg[i].paddr < img->seg[i].memsz)
            return 0;
    return refuse(why, "firmware: its entry point is in no loaded segment");
}

int hvm_image_parse(const struct pvctl_buf *b, uint64_t mem_bytes, struct hvm_image *img,
                    const char **why)
{
    Elf32_Ehdr eh;
    int rc = header_check(b, &eh, why);

    memset(img, 0, sizeof(*img));
    for (unsigned int i = 0; !rc && i < eh.e_phnum; i++) {
        Elf32_Phdr ph;

        memcpy(&ph, b->data + eh.e_phoff + i * sizeof(ph), sizeof(ph));
        if (ph.p_type != PT_LOAD || !ph.p_memsz)
            continue;
        if (img->nr_segs == HVM_IMAGE_MAX_SEGS)
            return refuse(why, "firmware: more than 8 loadable segments");
        rc = segment_check(b, &ph, mem_bytes, why);
        img->seg[img->nr_segs++] = (struct hvm_segment){ ph.p_paddr, ph.p_filesz, ph.p_memsz,
                                                         ph.p_offset };
    }
    if (rc)
        return rc;
    if (!img->nr_segs)
        return refuse(why, "firmware: nothing to load (no PT_LOAD segment)");
    img->entry = eh.e_entry;
    return entry_check(img, why);
}

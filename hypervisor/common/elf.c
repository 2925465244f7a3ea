/*
 * ELF64 loader checks: every offset and size is bounded by the image before
 * it is read, so a malformed kernel is refused with a reason, never followed.
 */
#include <hv/elf.h>
#include <hv/errno.h>
#include <hv/lib.h>
#include <hv/xen.h>

static bool in_image(size_t len, u64 off, u64 size)
{
    return off <= len && size <= len - off;
}

/* Copied out: a (malformed) phoff need not be aligned for the struct. */
static const struct elf64_phdr *phdr(const void *image, unsigned int i, struct elf64_phdr *buf)
{
    const struct elf64_ehdr *eh = image;

    memcpy(buf, (const u8 *)image + eh->phoff + (u64)i * eh->phentsize, sizeof(*buf));
    return buf;
}

static int check_header(const void *image, size_t len, const char **why)
{
    const struct elf64_ehdr *eh = image;

    if (len < sizeof(*eh) || memcmp(eh->ident, "\x7f" "ELF", 4)) {
        *why = "not an ELF file";
        return -EINVAL;
    }
    if (eh->ident[4] != 2 || eh->ident[5] != 1 || eh->machine != EM_X86_64) {
        *why = "not a little-endian x86-64 ELF64";
        return -EINVAL;
    }
    if (eh->phentsize != sizeof(struct elf64_phdr) || eh->phnum == 0 ||
        !in_image(len, eh->phoff, (u64)eh->phnum * sizeof(struct elf64_phdr))) {
        *why = "program headers out of bounds";
        return -EINVAL;
    }
    return 0;
}

static u64 note_value(const u8 *desc, u32 size)
{
    u64 v = 0;

    if (size == 8)
        memcpy(&v, desc, 8);
    else if (size == 4) {
        u32 w;
        memcpy(&w, desc, 4);
        v = w;
    }
    return v;
}

static void apply_note(struct elf_guest_info *info, u32 type, const u8 *desc, u32 size)
{
    switch (type) {
    case XEN_ELFNOTE_ENTRY: info->entry = note_value(desc, size); break;
    case XEN_ELFNOTE_VIRT_BASE: info->virt_base = note_value(desc, size); break;
    case XEN_ELFNOTE_PADDR_OFFSET: info->paddr_offset = note_value(desc, size); break;
    case XEN_ELFNOTE_HYPERCALL_PAGE: info->hypercall_page = note_value(desc, size); break;
    case XEN_ELFNOTE_GUEST_OS:
        memcpy(info->guest_os, desc, MIN(size, sizeof(info->guest_os) - 1));
        break;
    default:
        break;
    }
}

static int parse_notes(const u8 *p, u64 size, struct elf_guest_info *info)
{
    u64 off = 0;

    while (off + sizeof(struct elf_note) <= size) {
        struct elf_note nbuf;
        const struct elf_note *n = memcpy(&nbuf, p + off, sizeof(nbuf));   /* may be unaligned */
        u64 name_len = ALIGN_UP((u64)n->namesz, 4), desc_len = ALIGN_UP((u64)n->descsz, 4);
        const u8 *name = p + off + sizeof(*n);

        if (name_len > size || desc_len > size ||
            off + sizeof(*n) + name_len + desc_len > size)
            return -EINVAL;
        if (n->namesz == 4 && !memcmp(name, "Xen", 4)) {
            info->has_xen_notes = true;
            apply_note(info, n->type, name + name_len, n->descsz);
        }
        off += sizeof(*n) + name_len + desc_len;
    }
    return 0;
}

static int scan_segments(const void *image, size_t len, struct elf_guest_info *info,
                         const char **why)
{
    const struct elf64_ehdr *eh = image;

    info->pstart = ~0ULL;
    info->pend = 0;
    for (unsigned int i = 0; i < eh->phnum; i++) {
        struct elf64_phdr phbuf;
        const struct elf64_phdr *ph = phdr(image, i, &phbuf);

        if (ph->type != PT_LOAD && ph->type != PT_NOTE)
            continue;
        if (!in_image(len, ph->offset, ph->filesz) || ph->filesz > ph->memsz ||
            ph->paddr + ph->memsz < ph->paddr) {
            *why = "segment out of bounds";
            return -EINVAL;
        }
        if (ph->type == PT_NOTE) {
            if (parse_notes((const u8 *)image + ph->offset, ph->filesz, info)) {
                *why = "malformed note";
                return -EINVAL;
            }
            continue;
        }
        info->pstart = MIN(info->pstart, ph->paddr);
        info->pend = MAX(info->pend, ph->paddr + ph->memsz);
    }
    if (info->pstart >= info->pend) {
        *why = "no loadable segment";
        return -EINVAL;
    }
    return 0;
}

int elf_guest_parse(const void *image, size_t len, struct elf_guest_info *info, const char **why)
{
    const struct elf64_ehdr *eh = image;
    int rc = check_header(image, len, why);

    if (rc)
        return rc;
    memset(info, 0, sizeof(*info));
    info->entry = eh->entry;
    info->hypercall_page = ELF_NOTE_UNSET;
    rc = scan_segments(image, len, info, why);
    if (rc)
        return rc;
    if (!info->has_xen_notes) {
        *why = "no Xen ELF notes (not a PV kernel)";
        return -EINVAL;
    }
    /* The whole image, from VIRT_BASE, sits within 1 GiB (one L2 maps it):
     * bounding the distance first means no sum below can wrap. */
    if (info->paddr_offset > info->pstart || info->pend - info->paddr_offset > (1UL << 30)) {
        *why = "kernel image too large or PADDR_OFFSET past the image";
        return -EINVAL;
    }
    if (info->virt_base > ~0UL - (1UL << 30)) {
        *why = "VIRT_BASE too close to the top of the address space";
        return -EINVAL;
    }
    info->vstart = info->virt_base + info->pstart - info->paddr_offset;
    info->vend = info->virt_base + info->pend - info->paddr_offset;
    if (info->vstart < info->virt_base || info->entry < info->vstart || info->entry >= info->vend) {
        *why = "entry point outside the image";
        return -EINVAL;
    }
    return 0;
}

int elf_for_each_load(const void *image, size_t len,
                      int (*fn)(void *ctx, u64 paddr, const void *data, u64 filesz, u64 memsz),
                      void *ctx)
{
    const struct elf64_ehdr *eh = image;

    (void)len;
    for (unsigned int i = 0; i < eh->phnum; i++) {
        struct elf64_phdr phbuf;
        const struct elf64_phdr *ph = phdr(image, i, &phbuf);
        int rc;

        if (ph->type != PT_LOAD)
            continue;
        rc = fn(ctx, ph->paddr, (const u8 *)image + ph->offset, ph->filesz, ph->memsz);
        if (rc)
            return rc;
    }
    return 0;
}

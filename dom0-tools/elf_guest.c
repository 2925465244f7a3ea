/*
 * elf_guest.c: reads a PV kernel with elfutils' libelf: the Xen notes
 * (VIRT_BASE, PADDR_OFFSET, ENTRY, HYPERCALL_PAGE, GUEST_OS) and the PT_LOAD
 * segments. Every offset and size comes from the file, so every one is
 * checked against the image before use. The rules are the hypervisor's
 * own boot-time builder's (common/elf.c): notes missing -> 0, entry inside
 * the image, at most 1 GiB.
 */
#include "elf_guest.h"

#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <string.h>
#include <xen/elfnote.h>

static uint64_t note_value(const uint8_t *desc, size_t size)
{
    uint64_t v = 0;

    memcpy(&v, desc, size < 8 ? size : 8);
    return v;
}

static void take_note(struct elf_guest *g, const GElf_Nhdr *n, const uint8_t *desc)
{
    switch (n->n_type) {
    case XEN_ELFNOTE_VIRT_BASE:      g->virt_base = note_value(desc, n->n_descsz); break;
    case XEN_ELFNOTE_PADDR_OFFSET:   g->paddr_offset = note_value(desc, n->n_descsz); break;
    case XEN_ELFNOTE_ENTRY:          g->entry = note_value(desc, n->n_descsz); break;
    case XEN_ELFNOTE_HYPERCALL_PAGE: g->hypercall_page = note_value(desc, n->n_descsz); break;
    case XEN_ELFNOTE_GUEST_OS:
        memcpy(g->guest_os, desc, n->n_descsz < sizeof(g->guest_os) - 1 ? n->n_descsz
                                                                      : sizeof(g->guest_os) - 1);
        break;
    }
}

/* Scans one PT_NOTE segment; the number of Xen notes, or -1 if malformed. */
static int scan_notes(Elf *e, const GElf_Phdr *ph, struct elf_guest *g)
{
    Elf_Data *d = elf_getdata_rawchunk(e, ph->p_offset, ph->p_filesz, ELF_T_NHDR);
    size_t off = 0, name_off, desc_off;
    GElf_Nhdr n;
    int found = 0;

    if (!d)
        return -1;
    while (off < d->d_size && (off = gelf_getnote(d, off, &n, &name_off, &desc_off)) > 0) {
        if (n.n_namesz == 4 && !memcmp((char *)d->d_buf + name_off, "Xen", 4)) {
            take_note(g, &n, (const uint8_t *)d->d_buf + desc_off);
            found++;
        }
    }
    return found;
}

static Elf *open_elf(const struct pvctl_buf *img, size_t *phnum, const char **why)
{
    Elf *e;
    GElf_Ehdr eh;

    elf_version(EV_CURRENT);
    e = elf_memory((char *)img->data, img->len);
    if (!e || elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh) || elf_getphdrnum(e, phnum)) {
        *why = "not a readable ELF file (truncated or malformed)";
    } else if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64) {
        *why = "not an x86-64 ELF64 kernel";
    } else {
        return e;
    }
    if (e)
        elf_end(e);
    return NULL;
}

/* The PT_LOAD span and the notes; -EINVAL with *why. */
static int scan_phdrs(Elf *e, size_t phnum, size_t file_len, struct elf_guest *g, const char **why)
{
    int notes = 0;

    g->pstart = ~0ULL;
    for (size_t i = 0; i < phnum; i++) {
        GElf_Phdr ph;

        if (!gelf_getphdr(e, (int)i, &ph) || ph.p_offset > file_len || ph.p_filesz > file_len - ph.p_offset ||
            ph.p_filesz > ph.p_memsz || ph.p_paddr + ph.p_memsz < ph.p_paddr) {
            *why = "a program header lies outside the file (truncated or malformed ELF)";
            return -EINVAL;
        }
        if (ph.p_type == PT_NOTE) {
            int n = scan_notes(e, &ph, g);

            if (n < 0) {
                *why = "malformed note segment";
                return -EINVAL;
            }
            notes += n;
        } else if (ph.p_type == PT_LOAD && ph.p_memsz) {
            g->pstart = ph.p_paddr < g->pstart ? ph.p_paddr : g->pstart;
            g->pend = ph.p_paddr + ph.p_memsz > g->pend ? ph.p_paddr + ph.p_memsz : g->pend;
        }
    }
    if (g->pstart == ~0ULL)
        *why = "no loadable segment";
    else if (!notes)
        *why = "no Xen ELF notes: not a PV kernel";
    else
        return 0;
    return -EINVAL;
}

int elf_guest_parse(const struct pvctl_buf *img, struct elf_guest *g, const char **why)
{
    size_t phnum;
    GElf_Ehdr eh;
    Elf *e = open_elf(img, &phnum, why);
    int rc;

    if (!e)
        return -EINVAL;
    memset(g, 0, sizeof(*g));
    g->hypercall_page = ELF_NOTE_UNSET;
    gelf_getehdr(e, &eh);
    rc = scan_phdrs(e, phnum, img->len, g, why);
    elf_end(e);
    if (rc)
        return rc;
    if (!g->entry)
        g->entry = eh.e_entry;
    if (g->paddr_offset > g->pstart || g->pend - g->paddr_offset > (1ULL << 30)) {
        *why = "kernel image too large or PADDR_OFFSET past the image";
        return -EINVAL;
    }
    if (g->virt_base > ~0ULL - (1ULL << 30)) {
        *why = "VIRT_BASE too close to the top of the address space";
        return -EINVAL;
    }
    g->vstart = g->virt_base + g->pstart - g->paddr_offset;
    g->vend = g->virt_base + g->pend - g->paddr_offset;
    if (g->entry < g->vstart || g->entry >= g->vend) {
        *why = "entry point outside the image";
        return -EINVAL;
    }
    return 0;
}

int elf_guest_load(const struct pvctl_buf *img, const struct elf_guest *g, uint8_t *mem,
                   uint64_t size, const char **why)
{
    size_t phnum;
    Elf *e = open_elf(img, &phnum, why);

    if (!e)
        return -EINVAL;
    for (size_t i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        uint64_t off;

        if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD || !ph.p_memsz)
            continue;
        off = ph.p_paddr - g->paddr_offset;
        if (off > size || ph.p_memsz > size - off) {
            elf_end(e);
            *why = "a segment lies outside the domain's memory";
            return -EINVAL;
        }
        memcpy(mem + off, img->data + ph.p_offset, ph.p_filesz);
        memset(mem + off + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
    }
    elf_end(e);
    return 0;
}

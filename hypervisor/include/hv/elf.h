/* ELF64 guest kernels and their Xen notes (common/elf.c), checked before use. */
#ifndef HV_ELF_H
#define HV_ELF_H

#include <hv/types.h>

#define ELF_NOTE_UNSET (~0UL)

/* The ELF64 structures the loader reads (and the unit tests build). */
#define EM_X86_64 62
#define PT_LOAD   1
#define PT_NOTE   4

struct elf64_ehdr {
    u8 ident[16];
    u16 type, machine;
    u32 version;
    u64 entry, phoff, shoff;
    u32 flags;
    u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
    u32 type, flags;
    u64 offset, vaddr, paddr, filesz, memsz, align;
};

struct elf_note {
    u32 namesz, descsz, type;
};

struct elf_guest_info {
    u64 entry;                         /* XEN_ELFNOTE_ENTRY, else e_entry */
    u64 virt_base;                     /* XEN_ELFNOTE_VIRT_BASE */
    u64 paddr_offset;                  /* XEN_ELFNOTE_PADDR_OFFSET */
    u64 hypercall_page;                /* XEN_ELFNOTE_HYPERCALL_PAGE, or ELF_NOTE_UNSET */
    u64 pstart, pend;                  /* lowest and highest p_paddr of PT_LOAD */
    u64 vstart, vend;                  /* the same as virtual addresses */
    bool has_xen_notes;
    char guest_os[32];
};

/* Validates the image and its notes; -EINVAL with *why set when it is not a Xen PV kernel. */
int elf_guest_parse(const void *image, size_t len, struct elf_guest_info *info, const char **why);

/* Calls fn for each PT_LOAD segment (after a successful parse). */
int elf_for_each_load(const void *image, size_t len,
                      int (*fn)(void *ctx, u64 paddr, const void *data, u64 filesz, u64 memsz),
                      void *ctx);

#endif

/*
 * elf_guest.h: a PV kernel's ELF image as the builder needs it (libelf):
 * its Xen notes and where its loadable segments go.
 */
#ifndef PVCTL_ELF_GUEST_H
#define PVCTL_ELF_GUEST_H
#include <stdint.h>
#include "kernel.h"

#define ELF_NOTE_UNSET (~0ULL)

struct elf_guest {
    uint64_t virt_base, paddr_offset, entry, hypercall_page;
    uint64_t pstart, pend;            /* physical span of the PT_LOAD segments */
    uint64_t vstart, vend;            /* the same, virtual */
    char guest_os[32];
};

/* Parses the ELF and its Xen notes; 0 or -EINVAL with *why. */
int elf_guest_parse(const struct pvctl_buf *img, struct elf_guest *g, const char **why);
/*
 * Copies each PT_LOAD segment to mem + (p_paddr - paddr_offset), the rest of
 * its memsz zeroed; mem is `size` bytes. 0 or -EINVAL with *why.
 */
int elf_guest_load(const struct pvctl_buf *img, const struct elf_guest *g, uint8_t *mem,
                   uint64_t size, const char **why);
#endif

/*
 * The HVM test guests' image format: ELF32 (EM_386), PT_LOAD segments at
 * their physical addresses (hvm/elf32.c, pure, unit-tested).
 */
#ifndef ASM_HVM_ELF32_H
#define ASM_HVM_ELF32_H

#include <hv/types.h>

struct elf32_ehdr {
    u8  ident[16];
    u16 type, machine;
    u32 version, entry, phoff, shoff, flags;
    u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf32_phdr {
    u32 type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

#define ELF32_PT_LOAD 1
#define ELF32_EM_386  3

/*
 * Copies each PT_LOAD of img (len bytes) to its physical address in mem
 * (mem_len bytes, zeroed by the caller) and gives the entry point. NULL on
 * success, else why not; every offset and size is checked first.
 */
const char *elf32_load(const u8 *img, size_t len, u8 *mem, u64 mem_len, u32 *entry);

#endif

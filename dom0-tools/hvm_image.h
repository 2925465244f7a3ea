/*
 * hvm_image.h: the firmware image of an HVM guest (type = "hvm",
 * firmware = ...): an ELF32 (EM_386) executable whose PT_LOAD segments go
 * to their physical addresses, entered in flat 32-bit protected mode, as
 * libxenguest loads hvmloader. Pure checks, unit-tested on the host.
 */
#ifndef PVCTL_HVM_IMAGE_H
#define PVCTL_HVM_IMAGE_H
#include <stdint.h>
#include "kernel.h"

#define HVM_IMAGE_MAX_SEGS 8
/* The legacy VGA window and ROM area: left unpopulated (libxenguest's hole), no segment there. */
#define HVM_HOLE_START 0xa0000u
#define HVM_HOLE_END   0xc0000u

struct hvm_segment {
    uint32_t paddr, filesz, memsz, offset;
};

struct hvm_image {
    uint32_t entry;
    unsigned int nr_segs;
    struct hvm_segment seg[HVM_IMAGE_MAX_SEGS];
};

/* 0, or -EINVAL with why: not an ELF32 x86 executable, or a segment outside mem_bytes of RAM. */
int hvm_image_parse(const struct pvctl_buf *b, uint64_t mem_bytes, struct hvm_image *img,
                    const char **why);
#endif

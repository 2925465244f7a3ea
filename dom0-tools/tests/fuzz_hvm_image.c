/*
 * fuzz_hvm_image.c: libFuzzer target for an HVM guest's firmware image
 * (hvm_image.c), then the copy build_hvm.c makes of each segment into the
 * guest's memory: any file is refused with a reason or copies inside an
 * 8 MiB guest and outside the VGA/ROM hole, never crashing or overrunning.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "hvm_image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MEM (8u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pvctl_buf b = { (uint8_t *)data, size };
    struct hvm_image img;
    const char *why = NULL;
    static uint8_t *mem;

    if (!mem && !(mem = malloc(MEM)))
        abort();
    if (hvm_image_parse(&b, MEM, &img, &why)) {
        if (!why)
            abort();                                 /* every refusal says why */
        return 0;
    }
    for (unsigned int i = 0; i < img.nr_segs; i++) {
        const struct hvm_segment *s = &img.seg[i];

        if ((uint64_t)s->paddr + s->memsz > MEM || (s->paddr < HVM_HOLE_END && s->paddr + s->memsz > HVM_HOLE_START))
            abort();
        memcpy(mem + s->paddr, data + s->offset, s->filesz);
    }
    return 0;
}

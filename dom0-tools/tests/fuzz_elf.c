/*
 * fuzz_elf.c: libFuzzer target for what pvctl reads from a kernel file:
 * bzImage/xz unpacking (kernel.c), the ELF and its Xen notes (elf_guest.c),
 * the layout (hypervisor/arch/x86/pv/pv_layout.c) and the segment copy into a domain's memory.
 * Any file must be refused with a reason or load inside the memory the
 * layout gives, never crash or overrun (ASan, UBSan).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <asm/pv_layout.h>
#include "elf_guest.h"
#include "kernel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MEM_PAGES 2048                              /* an 8 MiB guest */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pvctl_buf in = { (uint8_t *)data, size }, elf = { 0 };
    const char *why = NULL;
    struct elf_guest g;
    struct pv_layout l;
    uint8_t *mem;

    if (pvctl_kernel_unpack(&in, &elf, &why)) {
        if (!why)
            abort();                                 /* every refusal says why */
        return 0;
    }
    why = NULL;
    if (elf_guest_parse(&elf, &g, &why)) {
        if (!why)
            abort();
    } else if (!pv_layout_compute(g.virt_base, g.vend, MEM_PAGES, 0, &l) &&
               (mem = malloc(pv_layout_pages(&l) << PV_PAGE_SHIFT))) {
        if (g.vstart < l.v_start || g.vend > l.v_end)
            abort();                                 /* the image must lie in the region */
        elf_guest_load(&elf, &g, mem, pv_layout_pages(&l) << PV_PAGE_SHIFT, &why);
        free(mem);
    }
    free(elf.data);
    return 0;
}

/*
 * hvm-triple: an HVM guest that triple-faults (an empty IDT, then int3).
 * The hypervisor's shutdown intercept crashes this domain alone; it prints
 * DONE first, since nothing after the fault can.
 */
#include "hvm.h"

const char hvm_guest_name[] = "hvm-triple";

void hvm_main(uint32_t mem_bytes)
{
    struct { uint16_t limit; uint32_t base; } __attribute__((packed)) empty = { 0, 0 }, cur;

    __asm__ volatile("sidt %0" : "=m"(cur));
    check(cur.limit == 32 * 8 - 1 && cur.base, "sidt: our IDT (limit %x); now an empty one and int3", cur.limit);
    done();
    __asm__ volatile("lidt %0; int3" :: "m"(empty));
    printk("FAIL: %s: survived a triple fault\n", hvm_guest_name);
    hvm_shutdown(0);
}

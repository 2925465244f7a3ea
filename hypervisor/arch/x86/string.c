/*
 * memcpy and memset for the hypervisor: the rest of the string functions
 * are plain C in common/lib.c; the host unit tests use the C library's.
 */
#include <hv/lib.h>

/*
 * Quadword string instructions for the bulk, bytes for the tail: under
 * QEMU's TCG every `rep` iteration costs, so this is 8x faster for the
 * domain builder's zeroing and copying.
 */
void *memcpy(void *dst, const void *src, size_t n)
{
    void *d = dst;
    size_t q = n / 8, r = n % 8;

    asm volatile("rep movsq" : "+D"(d), "+S"(src), "+c"(q) :: "memory");
    asm volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(r) :: "memory");
    return dst;                                      /* the start, not where rep left rdi */
}

void *memset(void *dst, int c, size_t n)
{
    void *d = dst;
    size_t q = n / 8, r = n % 8;
    u64 v = 0x0101010101010101ULL * (u8)c;

    asm volatile("rep stosq" : "+D"(d), "+c"(q) : "a"(v) : "memory");
    asm volatile("rep stosb" : "+D"(d), "+c"(r) : "a"(v) : "memory");
    return dst;
}

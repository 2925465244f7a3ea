/*
 * The one checked accessor for guest memory. Hypercall handlers copy guest
 * buffers in and out only through these, at the edge; workers take
 * hypervisor structs. A range that is non-canonical, wraps, or touches the
 * hypervisor hole gives -EFAULT without being touched; a page fault during
 * the copy also gives -EFAULT (arch fixup table).
 */
#ifndef HV_GUEST_ACCESS_H
#define HV_GUEST_ACCESS_H

#include <hv/types.h>
#include <hv/errno.h>
#include <hv/arch.h>

#define GUEST_HOLE_START 0xffff800000000000UL   /* HYPERVISOR_VIRT_START */
#define GUEST_HOLE_END   0xffff880000000000UL   /* HYPERVISOR_VIRT_END */

static inline bool guest_va_canonical(unsigned long va)
{
    return ((long)va >> 47) == 0 || ((long)va >> 47) == -1;
}

/* True if [va, va+len) is canonical, does not wrap and avoids the hypervisor hole. */
static inline bool guest_range_ok(unsigned long va, size_t len)
{
    unsigned long last = va + len - 1;

    if (len == 0)
        return true;
    if (last < va || !guest_va_canonical(va) || !guest_va_canonical(last))
        return false;
    if ((va < 0x800000000000UL) != (last < 0x800000000000UL))
        return false;                            /* spans the non-canonical gap */
    return last < GUEST_HOLE_START || va >= GUEST_HOLE_END;
}

static inline int copy_from_guest(void *dst, unsigned long guest_va, size_t len)
{
    if (!guest_range_ok(guest_va, len))
        return -EFAULT;
    return arch_copy_raw(dst, (const void *)guest_va, len) ? -EFAULT : 0;
}

static inline int copy_to_guest(unsigned long guest_va, const void *src, size_t len)
{
    if (!guest_range_ok(guest_va, len))
        return -EFAULT;
    return arch_copy_raw((void *)guest_va, src, len) ? -EFAULT : 0;
}

#endif

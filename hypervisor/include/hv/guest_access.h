/*
 * The one checked accessor for guest memory. Hypercall handlers copy guest
 * buffers in and out only through these, at the edge; workers take
 * hypervisor structs. A range that is non-canonical, wraps, or touches the
 * hypervisor hole gives -EFAULT without being touched; a page fault during
 * the copy also gives -EFAULT (arch fixup table).
 *
 * A guest pointer a hypercall receives is a guest_handle_t (the prototypes
 * in hv/hypercall-defs say which arguments are), never an unsigned long, so
 * the compiler refuses to dereference it or mix it up with a number; it is
 * read and written only through copy_from_handle()/copy_to_handle(). The
 * plain va forms remain for addresses that are not hypercall arguments
 * (instruction emulation, bounce frames).
 *
 * No lock is held across a guest access (docs/smp.md): a copy may fault
 * and, once guests run on several CPUs, wait on their page tables. Debug
 * builds check it in the hypercall accessors (the copy_*_handle forms
 * below); the plain va forms stay unchecked because they are inlined in
 * the hot-path page, which has no room left (docs/performance.md).
 * Handlers copy in, lock, act, unlock, copy out.
 */
#ifndef HV_GUEST_ACCESS_H
#define HV_GUEST_ACCESS_H

#include <hv/types.h>
#include <hv/errno.h>
#include <hv/arch.h>
#include <hv/spinlock.h>

#define GUEST_HOLE_START 0xffff800000000000UL   /* HYPERVISOR_VIRT_START */
#define GUEST_HOLE_END   0xffff880000000000UL   /* HYPERVISOR_VIRT_END */

static inline bool guest_va_canonical(unsigned long va)
{
    /* Bits 63..47 all equal: the shift gives 0 or -1, plus one 1 or 0.
     * One compare instead of two, and no branch (a block under TCG). */
    return (unsigned long)(((long)va >> 47) + 1) <= 1;
}

/*
 * True if [va, va+len) is canonical, does not wrap and avoids the hypervisor
 * hole. The guest's canonical addresses past the hole form one interval,
 * [GUEST_HOLE_END, 2^64), and the lower half another, [0, 2^47): a range
 * that does not wrap lies in one of them iff its last byte is in the lower
 * one or its first byte in the upper one. Bitwise on purpose: on every
 * guest copy, and under TCG each branch ends a translated block.
 */
static inline bool guest_range_ok(unsigned long va, size_t len)
{
    unsigned long last = va + len - 1;

    return (len == 0) | ((last >= va) & ((last < 0x800000000000UL) | (va >= GUEST_HOLE_END)));
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

/* A guest pointer as a hypercall argument or a field of a guest struct. */
typedef struct { unsigned long va; } guest_handle_t;

static inline guest_handle_t guest_handle(unsigned long va)
{
    return (guest_handle_t){ va };
}

/* A XEN_GUEST_HANDLE field of a public struct (its .p) as a handle. */
#define guest_handle_from_field(xh) guest_handle((unsigned long)(xh).p)

static inline bool guest_handle_is_null(guest_handle_t h)
{
    return h.va == 0;
}

/* The handle `bytes` further on; a sum that wraps is caught by the copy's range check. */
static inline guest_handle_t guest_handle_add_offset(guest_handle_t h, unsigned long bytes)
{
    return guest_handle(h.va + bytes);
}

static inline int copy_from_handle(void *dst, guest_handle_t h, size_t len)
{
    lock_check_none_held();
    return copy_from_guest(dst, h.va, len);
}

static inline int copy_to_handle(guest_handle_t h, const void *src, size_t len)
{
    lock_check_none_held();
    return copy_to_guest(h.va, src, len);
}

/* Element `idx` of a guest array of `size`-byte elements; an index whose
 * offset overflows is -EFAULT, like any other bad range. */
static inline int copy_from_handle_offset(void *dst, guest_handle_t h, unsigned long idx,
                                          size_t size)
{
    unsigned long off;

    lock_check_none_held();
    if (__builtin_mul_overflow(idx, size, &off) || h.va + off < h.va)
        return -EFAULT;
    return copy_from_guest(dst, h.va + off, size);
}

static inline int copy_to_handle_offset(guest_handle_t h, unsigned long idx, const void *src,
                                        size_t size)
{
    unsigned long off;

    lock_check_none_held();
    if (__builtin_mul_overflow(idx, size, &off) || h.va + off < h.va)
        return -EFAULT;
    return copy_to_guest(h.va + off, src, size);
}

/* True if `nr` elements of `size` bytes from h are all guest memory. */
static inline bool guest_handle_okay(guest_handle_t h, unsigned long nr, size_t size)
{
    unsigned long len;

    return !__builtin_mul_overflow(nr, size, &len) && guest_range_ok(h.va, len);
}

#endif

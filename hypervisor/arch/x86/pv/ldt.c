/*
 * MMUEXT_SET_LDT. Only the empty LDT is supported so far (what Linux sets
 * for every process that never calls modify_ldt); a non-empty one answers
 * -ENOSYS until LDT shadowing lands.
 */
#include <hv/domain.h>
#include <hv/errno.h>
#include <hv/guest_access.h>
#include <asm/x86.h>

#define LDT_MAX_ENTS 8192

int pv_set_ldt(struct vcpu *v, unsigned long base, unsigned long nr_ents)
{
    (void)v;
    if ((base & ~PAGE_MASK) || nr_ents > LDT_MAX_ENTS || !guest_range_ok(base, nr_ents * 8))
        return -EINVAL;
    if (nr_ents)
        return -ENOSYS;
    asm volatile("lldt %w0" :: "r"(0));
    return 0;
}

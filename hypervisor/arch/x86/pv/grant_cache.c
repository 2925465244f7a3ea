/* GNTTABOP_cache_flush on x86 (common/grant_cache.c checks the op). */
#include <hv/arch.h>
#include <hv/errno.h>
#include <hv/grant.h>
#include <asm/flush.h>

/* As Xen's x86 dcache helpers: clean (alone or with invalidate) writes back; invalidate alone cannot. */
int arch_cache_flush(mfn_t mfn, unsigned int offset, unsigned int len, bool clean, bool inval)
{
    if (!clean)
        return -EOPNOTSUPP;
    cache_flush_range((const u8 *)hv_mfn_to_virt(mfn) + offset, len);
    return 0;
}

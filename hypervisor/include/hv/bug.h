/*
 * Invariant checks. BUG_ON() is always compiled in: a broken invariant in
 * the hypervisor ends on the panic screen (registers, current domain and
 * vCPU, the last hypercalls), never in silent corruption. ASSERT() is
 * compiled in for debug builds (`make debug=y`) and for the host unit tests
 * and fuzzer, where checking every transition costs nothing that matters.
 */
#ifndef HV_BUG_H
#define HV_BUG_H

#include <hv/console.h>
#include <hv/types.h>

#define BUG_ON(cond)                                                          \
    do {                                                                      \
        if (unlikely(cond))                                                   \
            hv_panic("BUG at %s:%d: %s\n", __FILE__, __LINE__, #cond);        \
    } while (0)

#if defined(HV_DEBUG) || defined(HV_HOST_TEST)
#define ASSERT(cond) BUG_ON(!(cond))
#else
#define ASSERT(cond) do { (void)sizeof(!(cond)); } while (0)
#endif

#endif

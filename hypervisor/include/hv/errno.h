/*
 * Negative errno values returned by hypercalls. The numbers come from the Xen
 * public header xen/errno.h (they equal Linux's), so host unit tests can use
 * the C library's <errno.h> and get the same values.
 */
#ifndef HV_ERRNO_H
#define HV_ERRNO_H

#ifdef HV_HOST_TEST
#include <errno.h>
#else
#define XEN_ERRNO(name, value) name = value,
enum hv_errno {
#include <xen/errno.h>
    /* Xen's internal "restart me" (hidden from guests by !__XEN__): a
     * preempted hypercall's return value, never seen by a guest. */
    ERESTART = 85,
};
#endif

#endif

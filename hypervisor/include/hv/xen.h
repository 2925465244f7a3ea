/* The Xen public ABI: the interface definition, from Debian's libxen-dev. */
#ifndef HV_XEN_H
#define HV_XEN_H

#include <hv/types.h>
#include <xen/xen.h>
#include <xen/event_channel.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/version.h>
#include <xen/callback.h>
#include <xen/memory.h>
#include <xen/features.h>
#include <xen/elfnote.h>
#include <xen/hvm/ioreq.h>
#include <xen/hvm/dm_op.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>

#endif

/* The Xen public wire header needs errno.h (for xsd_errors) and stdint.h. */
#ifndef XS_WIRE_H
#define XS_WIRE_H

#include <errno.h>
#include <stdint.h>
#include <xen/io/xs_wire.h>

#endif

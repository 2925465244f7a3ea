/*
 * device_vif.h: a domain's virtual network interfaces (docs/io.md, "Networks").
 * pvctl does not write the device nodes itself: it runs the project's hotplug
 * scripts (dom0-tools/hotplug/vif-attach, vif-detach, found on PATH), which
 * write them, wait for xen-netback's vifD.N and put it on the bridge. Only the
 * removal of a destroyed domain's nodes is done here, in xenstore directly.
 */
#ifndef PVCTL_DEVICE_VIF_H
#define PVCTL_DEVICE_VIF_H
#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "vif_spec.h"

struct xs_handle;

/* Every vif entry of the config parses; 0, or -EINVAL with why in err. */
int vif_check_config(const struct pv_config *c, char *err, size_t errlen);
/* Attaches the config's vifs as devices 0, 1, ... of DOM (before it runs); 0 or -1 (printed). */
int vif_attach_config(const struct pv_config *c, uint16_t dom);
/* vif-attach DOM DEVID MAC BRIDGE (MAC defaulted from DOM, DEVID); 0 or -1 (printed). */
int vif_attach(uint16_t dom, unsigned int devid, struct vif_spec *v);
/* vif-detach DOM DEVID: the hotplug script's exit status (0 clean, 2 forced), -1 if it did not run. */
int vif_detach(uint16_t dom, unsigned int devid);
/* An HVM guest's emulated NIC: its tap's name (libxl's vifDOMID.DEVID-emu), then, once QEMU
 * has made it, the tap on the vif's bridge and up (hotplug/vif-emu-up); 0 or -1 with why. */
int vif_emu_prepare(void);            /* /dev/net/tun there (modprobe tun) */
void vif_emu_tap_name(char *buf, size_t len, uint16_t dom, unsigned int devid);
int vif_emu_attach(uint16_t dom, unsigned int devid, const struct vif_spec *v);
/* The lowest device number DOM has no vif with (backend or frontend). */
unsigned int vif_free_devid(struct xs_handle *xs, uint16_t dom);
/* DOM's vifs, one line each (pvctl network-list); the number listed. */
int vif_list(struct xs_handle *xs, uint16_t dom, int header);
/*
 * A destroyed domain's vifs: backend offline and Closing, then its backend and
 * frontend directories go (netback then unregisters vifD.N, leaving the bridge).
 */
void vif_remove_all(struct xs_handle *xs, uint16_t dom);
#endif

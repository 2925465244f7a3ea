/*
 * vif_spec.h: one entry of a config's vif = [ ... ] list, or the arguments of
 * `pvctl network-attach`, in xl's syntax (xl-network-configuration(5)) for the
 * keys pvctl supports: mac=XX:XX:XX:XX:XX:XX, bridge=NAME and, for an HVM
 * guest's emulated NIC, model=e1000|rtl8139 (a PV vif ignores it, as xl's), comma-separated.
 * Without a MAC, the default is 00:16:3e:DH:DL:NN from the domain id (high,
 * low byte) and the device number, as dom0-tools/hotplug/vif-attach makes it.
 */
#ifndef PVCTL_VIF_SPEC_H
#define PVCTL_VIF_SPEC_H
#include <stddef.h>

#define VIF_DEFAULT_BRIDGE "pvbr0"

struct vif_spec {
    char mac[18];                     /* "" until defaulted */
    char bridge[16];                  /* an interface name: IFNAMSIZ - 1 */
    char model[8];                    /* "" (e1000), "e1000" or "rtl8139" */
};

/* Parses SPEC ("" is all defaults); 0, or -EINVAL with why in err. */
int vif_spec_parse(const char *spec, struct vif_spec *v, char *err, size_t errlen);
/* Fills in the default MAC for domain DOM's device DEVID if none was given. */
void vif_spec_default_mac(struct vif_spec *v, unsigned int dom, unsigned int devid);
#endif

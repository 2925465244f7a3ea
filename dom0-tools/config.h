/*
 * config.h: a domain's configuration in xl's syntax (xl.cfg(5)) for the keys
 * pvctl supports: name, kernel, ramdisk, cmdline/extra, memory, vcpus,
 * on_poweroff/on_reboot/on_crash, type ("pv", or "hvm" with firmware: docs/hvm.md), disk (xl-disk-configuration(5):
 * the forms in struct cfg_disk); vif is parsed and kept for the back end to come. Strings are "..." or '...', numbers
 * decimal, lists [ "a", "b" ]; `#` starts a comment; statements end at a
 * newline or `;`.
 */
#ifndef PVCTL_CONFIG_H
#define PVCTL_CONFIG_H
#include <stddef.h>

#define CFG_MAX_DEVS 8

/*
 * One disk = [ ... ] entry, as xl-disk-configuration(5) writes it, for the
 * forms pvctl supports: positional `TARGET,FORMAT,VDEV,ACCESS` (empty fields
 * take the default), the legacy `file:TARGET,VDEV,ACCESS` / `phy:` / `raw:`
 * (no FORMAT field), and key=value `format=raw, vdev=xvdc, access=rw,
 * devtype=disk, target=PATH` (target= last: it takes the rest, commas too).
 * Format raw only; vdev xvda..xvdp; access r/ro or w/rw (default rw).
 */
struct cfg_disk {
    char target[256];                 /* the image file or block device */
    char vdev[8];                     /* xvda..xvdp; hda..hdd (HVM: IDE) */
    unsigned int devid;               /* xenstore's device number: 202 << 8 | index << 4 */
    unsigned int index;               /* the letter's: 0 for xvda or hda */
    int readonly;
};

enum cfg_action { ACT_DESTROY, ACT_RESTART, ACT_PRESERVE, ACT_RENAME_RESTART,
                  ACT_COREDUMP_DESTROY, ACT_COREDUMP_RESTART, ACT_SOFT_RESET };

struct pv_config {
    char name[64];
    int hvm;                          /* type = "hvm": an HVM guest started at its firmware */
    char kernel[256], ramdisk[256];
    char firmware[256];               /* type = "hvm": an ELF32 image, entered flat 32-bit */
    char device_model_version[32];    /* type = "hvm": "qemu-xen" (the default) or "none" */
    char device_model_override[256];  /* QEMU's path (default device_model.h's) */
    char cmdline[1024], extra[1024];
    unsigned long memory_mb;          /* default 128, as xl */
    unsigned int vcpus;               /* default 1 */
    enum cfg_action on_poweroff, on_reboot, on_crash;
    char disk[CFG_MAX_DEVS][256], vif[CFG_MAX_DEVS][256];
    unsigned int nr_disk, nr_vif;
    struct cfg_disk disks[CFG_MAX_DEVS];   /* disk[i], parsed */
};

void config_init(struct pv_config *c);
/* Parses a whole file's text; 0, or -EINVAL with "FILE:LINE: why" in err. */
int config_parse(struct pv_config *c, const char *text, const char *origin, char *err, size_t errlen);
/*
 * One `key=value` override from the command line (a bare word is a
 * string there); 0 or -EINVAL with err.
 */
int config_override(struct pv_config *c, const char *kv, char *err, size_t errlen);
/* After parsing: the required keys are there; 0 or -EINVAL with err. */
int config_check(const struct pv_config *c, char *err, size_t errlen);
/* The command line the guest gets: cmdline, else extra. */
const char *config_cmdline(const struct pv_config *c);
const char *config_action_name(enum cfg_action a);
/* An HVM guest whose devices QEMU-xen emulates (device_model_version not "none"). */
int config_has_device_model(const struct pv_config *c);
/* Parses one disk spec (struct cfg_disk); 0, or -EINVAL with why. */
int config_disk_parse(const char *spec, struct cfg_disk *d, char *why, size_t whylen);
#endif

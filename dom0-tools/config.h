/*
 * config.h: a domain's configuration in xl's syntax (xl.cfg(5)) for the keys
 * pvctl supports: name, kernel, ramdisk, cmdline/extra, memory, vcpus,
 * on_poweroff/on_reboot/on_crash, type ("pv" only); disk and vif are parsed
 * and kept for the back ends to come. Strings are "..." or '...', numbers
 * decimal, lists [ "a", "b" ]; `#` starts a comment; statements end at a
 * newline or `;`.
 */
#ifndef PVCTL_CONFIG_H
#define PVCTL_CONFIG_H
#include <stddef.h>

#define CFG_MAX_DEVS 8

enum cfg_action { ACT_DESTROY, ACT_RESTART, ACT_PRESERVE, ACT_RENAME_RESTART,
                  ACT_COREDUMP_DESTROY, ACT_COREDUMP_RESTART, ACT_SOFT_RESET };

struct pv_config {
    char name[64];
    char kernel[256], ramdisk[256];
    char cmdline[1024], extra[1024];
    unsigned long memory_mb;          /* default 128, as xl */
    unsigned int vcpus;               /* default 1 */
    enum cfg_action on_poweroff, on_reboot, on_crash;
    char disk[CFG_MAX_DEVS][256], vif[CFG_MAX_DEVS][256];
    unsigned int nr_disk, nr_vif;
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
#endif

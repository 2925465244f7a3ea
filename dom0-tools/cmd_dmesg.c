/*
 * cmd_dmesg.c: `pvctl dmesg [-c]`, the hypervisor's console history (its own
 * "(HV)" lines) through sysctl readconsole, as `xl dmesg`: incremental reads
 * from index 0 until one gives nothing. `pvctl debug-keys KEYS`, as `xl
 * debug-keys`: the hypervisor runs each key and prints to that history.
 */
#include "pvctl.h"

#include <string.h>
#include <unistd.h>

int cmd_dmesg(int argc, char **argv)
{
    int clear = argc == 1 && !strcmp(argv[0], "-c");
    uint32_t index = 0;
    char buf[4096];
    long n;

    if (argc > clear)
        return 2;
    if (pvctl_open_control())
        return 1;
    while ((n = ctl_readconsole(buf, sizeof(buf), &index, clear)) > 0)
        if (write(1, buf, (size_t)n) != n)
            return 1;
    if (n < 0) {
        fprintf(stderr, "pvctl: dmesg: readconsole: %s\n", strerror((int)-n));
        return 1;
    }
    return 0;
}

int cmd_debug_keys(int argc, char **argv)
{
    size_t n;
    int rc;

    if (argc != 1 || !(n = strlen(argv[0])))
        return 2;
    if (n > 64) {
        fprintf(stderr, "pvctl: debug-keys: at most 64 keys at once\n");
        return 1;
    }
    if (pvctl_open_control())
        return 1;
    rc = ctl_debug_keys(argv[0], (uint32_t)n);
    if (rc < 0) {
        fprintf(stderr, "pvctl: debug-keys: %s\n", strerror(-rc));
        return 1;
    }
    return 0;
}

/*
 * fuzz_config.c: libFuzzer target for the config parser (config.c). Any
 * text, parsed as a file and as a command-line override, must give 0 or
 * -EINVAL with a NUL-terminated message, never a crash or an overrun
 * (ASan, UBSan). make -C dom0-tools test replays tests/fuzz-corpus and fuzzes
 * for PVCTL_FUZZ_SECONDS (default 10).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct pv_config c;
    char *text = malloc(size + 1), err[256];
    int rc;

    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    config_init(&c);
    rc = config_parse(&c, text, "fuzz.cfg", err, sizeof(err));
    if (rc && (rc != -22 || !memchr(err, 0, sizeof(err))))
        abort();
    if (!rc) {
        config_check(&c, err, sizeof(err));
        if (strlen(c.name) >= sizeof(c.name) || c.nr_disk > CFG_MAX_DEVS || c.nr_vif > CFG_MAX_DEVS)
            abort();
    }
    rc = config_override(&c, text, err, sizeof(err));
    if (rc && rc != -22)
        abort();
    free(text);
    return 0;
}

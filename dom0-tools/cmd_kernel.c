/* cmd_kernel.c: kernel-extract and kernel-info (no hypervisor needed). */
#include "pvctl.h"
#include "kernel.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int write_file(const char *path, const struct pvctl_buf *b)
{
    FILE *f = fopen(path, "wb");
    int ok;

    if (!f)
        return -errno;
    ok = fwrite(b->data, 1, b->len, f) == b->len;
    ok &= fclose(f) == 0;
    return ok ? 0 : -EIO;
}

int pvctl_load_kernel(const char *path, struct pvctl_buf *elf)
{
    struct pvctl_buf in;
    const char *why = "";
    int rc = pvctl_read_file(path, &in);

    if (rc) {
        fprintf(stderr, "pvctl: kernel %s: %s\n", path, strerror(-rc));
        return 1;
    }
    if (in.len >= 4 && !memcmp(in.data, "\177ELF", 4)) {   /* already an ELF: the buffer itself, */
        *elf = in;                                          /* not a copy (65 MiB of page faults) */
        return 0;
    }
    rc = pvctl_kernel_unpack(&in, elf, &why);
    free(in.data);
    if (rc) {
        fprintf(stderr, "pvctl: kernel %s: %s\n", path, why);
        return 1;
    }
    return 0;
}

int cmd_kernel_extract(int argc, char **argv)
{
    struct pvctl_buf elf;
    int rc;

    if (argc != 2)
        return 2;
    if (pvctl_load_kernel(argv[0], &elf))
        return 1;
    rc = write_file(argv[1], &elf);
    if (rc)
        fprintf(stderr, "pvctl: %s: %s\n", argv[1], strerror(-rc));
    else
        fprintf(stderr, "pvctl: %s -> %s (%zu bytes, ELF)\n", argv[0], argv[1], elf.len);
    free(elf.data);
    return rc ? 1 : 0;
}

int cmd_kernel_info(int argc, char **argv)
{
    struct pvctl_buf elf;
    const char *why = "";
    int rc;

    if (argc != 1)
        return 2;
    if (pvctl_load_kernel(argv[0], &elf))
        return 1;
    printf("%s: Xen ELF notes\n", argv[0]);
    rc = pvctl_kernel_print_notes(&elf, &why);
    if (rc)
        fprintf(stderr, "pvctl: %s: %s\n", argv[0], why);
    free(elf.data);
    return rc ? 1 : 0;
}

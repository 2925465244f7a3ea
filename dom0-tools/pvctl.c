/*
 * pvctl: the toolstack. Today it prepares guest kernels for the hypervisor
 * (unpacking Debian's bzImage into the ELF vmlinux, and listing a kernel's
 * Xen notes); domain management through xenstore comes with dom0.
 */
#include "kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct pvctl_cmd {
    const char *name, *args, *help;
    int (*run)(int argc, char **argv);
};

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

static int load_kernel(const char *path, struct pvctl_buf *elf)
{
    struct pvctl_buf in;
    const char *why = "";
    int rc = pvctl_read_file(path, &in);

    if (rc) {
        fprintf(stderr, "pvctl: %s: %s\n", path, strerror(-rc));
        return 1;
    }
    rc = pvctl_kernel_unpack(&in, elf, &why);
    free(in.data);
    if (rc) {
        fprintf(stderr, "pvctl: %s: %s\n", path, why);
        return 1;
    }
    return 0;
}

static int cmd_kernel_extract(int argc, char **argv)
{
    struct pvctl_buf elf;
    int rc;

    if (argc != 2)
        return 2;
    if (load_kernel(argv[0], &elf))
        return 1;
    rc = write_file(argv[1], &elf);
    if (rc)
        fprintf(stderr, "pvctl: %s: %s\n", argv[1], strerror(-rc));
    else
        fprintf(stderr, "pvctl: %s -> %s (%zu bytes, ELF)\n", argv[0], argv[1], elf.len);
    free(elf.data);
    return rc ? 1 : 0;
}

static int cmd_kernel_info(int argc, char **argv)
{
    struct pvctl_buf elf;
    const char *why = "";
    int rc;

    if (argc != 1)
        return 2;
    if (load_kernel(argv[0], &elf))
        return 1;
    printf("%s: Xen ELF notes\n", argv[0]);
    rc = pvctl_kernel_print_notes(&elf, &why);
    if (rc)
        fprintf(stderr, "pvctl: %s: %s\n", argv[0], why);
    free(elf.data);
    return rc ? 1 : 0;
}

static const struct pvctl_cmd commands[] = {
    { "kernel-extract", "IMAGE OUT.elf", "unpack a bzImage (xz) or copy an ELF kernel", cmd_kernel_extract },
    { "kernel-info", "IMAGE", "list the Xen ELF notes of a kernel image", cmd_kernel_info },
};

static void usage(FILE *f)
{
    fprintf(f, "usage: pvctl COMMAND [ARGS]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-15s %-16s %s\n", commands[i].name, commands[i].args, commands[i].help);
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name))
            continue;
        int rc = commands[i].run(argc - 2, argv + 2);

        if (rc == 2)
            fprintf(stderr, "usage: pvctl %s %s\n", commands[i].name, commands[i].args);
        return rc;
    }
    fprintf(stderr, "pvctl: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}

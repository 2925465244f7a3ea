/* Guest kernel images: bzImage unpacking and Xen ELF note inspection (kernel.c). */
#ifndef PVCTL_KERNEL_H
#define PVCTL_KERNEL_H

#include <stddef.h>
#include <stdint.h>

struct pvctl_buf {
    uint8_t *data;
    size_t len;
};

/* Reads a whole file; 0 or -errno. */
int pvctl_read_file(const char *path, struct pvctl_buf *out);
/*
 * Turns a kernel image into the ELF the hypervisor loads: an ELF is passed
 * through, a bzImage has its (xz) payload decompressed. 0, or -EINVAL with
 * *why set.
 */
int pvctl_kernel_unpack(const struct pvctl_buf *in, struct pvctl_buf *elf, const char **why);
/* Prints the Xen ELF notes of an ELF kernel (libelf); 0 or -EINVAL. */
int pvctl_kernel_print_notes(const struct pvctl_buf *elf, const char **why);

#endif

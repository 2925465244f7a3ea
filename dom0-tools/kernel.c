/*
 * The kernel loader side of pvctl. Debian ships its kernel as a bzImage
 * whose protected-mode payload is an xz stream of the ELF vmlinux; Xen's
 * toolstack (libxenguest) unpacks it the same way before building a PV
 * domain. Every offset read from the image is checked against its size.
 */
#include "kernel.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define BZ_SETUP_SECTS   0x1f1
#define BZ_HEADER_MAGIC  0x202          /* "HdrS" */
#define BZ_VERSION       0x206
#define BZ_PAYLOAD_OFF   0x248
#define BZ_PAYLOAD_LEN   0x24c
#define UNPACK_LIMIT     (512u << 20)   /* no kernel is bigger; bounds a hostile stream */
#define PREFAULT_MIN     (1u << 20)     /* smaller buffers: not worth a call */
#define UNPACK_STEP      (8u << 20)     /* xz output per lzma_code call */

/*
 * Maps a big buffer's pages in one call before it is filled. A PV guest's
 * page fault is a round trip through the hypervisor (the trap, the bounce
 * into dom0's kernel, its PTE hypercall, the iret back to user), per page:
 * most of the time it took to read a 65 MiB kernel. Only a hint: without
 * MADV_POPULATE_WRITE (Linux < 5.14) the pages fault in as before.
 */
static void prefault(void *p, size_t len)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), start = (uintptr_t)p & ~(page - 1);

    if (len >= PREFAULT_MIN)
        madvise((void *)start, (uintptr_t)p + len - start, MADV_POPULATE_WRITE);
}

int pvctl_read_file(const char *path, struct pvctl_buf *out)
{
    struct stat st;
    int fd = open(path, O_RDONLY);
    ssize_t n;

    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) || st.st_size <= 0 || !(out->data = malloc(st.st_size))) {
        close(fd);
        return -EINVAL;
    }
    prefault(out->data, st.st_size);
    n = read(fd, out->data, st.st_size);
    close(fd);
    if (n != st.st_size) {
        free(out->data);
        return -EIO;
    }
    out->len = st.st_size;
    return 0;
}

static uint32_t le32(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static int xz_decompress(const uint8_t *in, size_t len, struct pvctl_buf *out, const char **why)
{
    lzma_stream s = LZMA_STREAM_INIT;
    size_t cap = 64u << 20;
    lzma_ret r;

    if (lzma_stream_decoder(&s, UINT64_MAX, 0) != LZMA_OK || !(out->data = malloc(cap))) {
        *why = "out of memory";
        return -EINVAL;
    }
    s.next_in = in;
    s.avail_in = len;
    do {
        if (s.total_out == cap) {
            uint8_t *bigger = cap < UNPACK_LIMIT ? realloc(out->data, cap * 2) : NULL;

            if (!bigger) {
                *why = "payload too large";
                break;
            }
            out->data = bigger;
            cap *= 2;
        }
        s.next_out = out->data + s.total_out;
        s.avail_out = cap - s.total_out < UNPACK_STEP ? cap - s.total_out : UNPACK_STEP;
        prefault(s.next_out, s.avail_out);           /* only what the next step fills */
        r = lzma_code(&s, LZMA_FINISH);
    } while (r == LZMA_OK);
    out->len = s.total_out;
    lzma_end(&s);
    if (r != LZMA_STREAM_END) {
        free(out->data);
        out->data = NULL;
        if (r != LZMA_OK)
            *why = "corrupt or unsupported xz payload";
        return -EINVAL;
    }
    return 0;
}

static int bzimage_payload(const struct pvctl_buf *in, const uint8_t **p, size_t *len,
                           const char **why)
{
    const uint8_t *d = in->data;
    size_t setup, off, plen;

    if (in->len < BZ_PAYLOAD_LEN + 4 || memcmp(d + BZ_HEADER_MAGIC, "HdrS", 4)) {
        *why = "neither an ELF file nor a bzImage";
        return -EINVAL;
    }
    if ((d[BZ_VERSION] | d[BZ_VERSION + 1] << 8) < 0x208) {
        *why = "bzImage boot protocol older than 2.08 (no payload fields)";
        return -EINVAL;
    }
    setup = ((size_t)(d[BZ_SETUP_SECTS] ? d[BZ_SETUP_SECTS] : 4) + 1) * 512;
    off = setup + le32(d + BZ_PAYLOAD_OFF);
    plen = le32(d + BZ_PAYLOAD_LEN);
    if (off > in->len || plen > in->len - off) {
        *why = "bzImage payload outside the file";
        return -EINVAL;
    }
    *p = d + off;
    *len = plen;
    return 0;
}

int pvctl_kernel_unpack(const struct pvctl_buf *in, struct pvctl_buf *elf, const char **why)
{
    const uint8_t *payload;
    size_t len;

    if (in->len >= 4 && !memcmp(in->data, "\177ELF", 4)) {
        elf->data = malloc(in->len);
        if (!elf->data)
            return -ENOMEM;
        memcpy(elf->data, in->data, in->len);
        elf->len = in->len;
        return 0;
    }
    if (bzimage_payload(in, &payload, &len, why))
        return -EINVAL;
    if (len < 6 || memcmp(payload, "\3757zXZ\0", 6)) {
        *why = "bzImage payload is not xz (only xz-compressed kernels are supported)";
        return -EINVAL;
    }
    if (xz_decompress(payload, len, elf, why))
        return -EINVAL;
    if (elf->len < 4 || memcmp(elf->data, "\177ELF", 4)) {
        *why = "decompressed payload is not an ELF file";
        return -EINVAL;
    }
    return 0;
}

static const char *const note_names[] = {
    [0] = "INFO", [1] = "ENTRY", [2] = "HYPERCALL_PAGE", [3] = "VIRT_BASE",
    [4] = "PADDR_OFFSET", [5] = "XEN_VERSION", [6] = "GUEST_OS", [7] = "GUEST_VERSION",
    [8] = "LOADER", [9] = "PAE_MODE", [10] = "FEATURES", [11] = "BSD_SYMTAB",
    [12] = "HV_START_LOW", [13] = "L1_MFN_VALID", [14] = "SUSPEND_CANCEL",
    [15] = "INIT_P2M", [16] = "MOD_START_PFN", [17] = "SUPPORTED_FEATURES", [18] = "PHYS32_ENTRY",
};

static void print_note(const GElf_Nhdr *n, const uint8_t *desc)
{
    const char *name = n->n_type < sizeof(note_names) / sizeof(note_names[0]) && note_names[n->n_type]
                       ? note_names[n->n_type] : "?";

    if (n->n_descsz == 8 || n->n_descsz == 4) {
        uint64_t v = 0;

        memcpy(&v, desc, n->n_descsz);
        printf("  %-18s 0x%llx\n", name, (unsigned long long)v);
    } else {
        printf("  %-18s \"%.*s\"\n", name, (int)n->n_descsz, (const char *)desc);
    }
}

int pvctl_kernel_print_notes(const struct pvctl_buf *buf, const char **why)
{
    Elf *e;
    size_t phnum, found = 0;

    elf_version(EV_CURRENT);
    e = elf_memory((char *)buf->data, buf->len);
    if (!e || elf_kind(e) != ELF_K_ELF || elf_getphdrnum(e, &phnum)) {
        *why = "not a readable ELF file";
        if (e)
            elf_end(e);
        return -EINVAL;
    }
    for (size_t i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        Elf_Data *d;
        GElf_Nhdr n;
        size_t off = 0, name_off, desc_off;

        if (!gelf_getphdr(e, i, &ph) || ph.p_type != PT_NOTE)
            continue;
        d = elf_getdata_rawchunk(e, ph.p_offset, ph.p_filesz, ELF_T_NHDR);
        while (d && (off = gelf_getnote(d, off, &n, &name_off, &desc_off)) > 0) {
            if (n.n_namesz == 4 && !memcmp((char *)d->d_buf + name_off, "Xen", 4)) {
                print_note(&n, (const uint8_t *)d->d_buf + desc_off);
                found++;
            }
        }
    }
    elf_end(e);
    if (!found) {
        *why = "no Xen ELF notes: not a PV kernel";
        return -EINVAL;
    }
    return 0;
}

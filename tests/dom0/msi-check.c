/*
 * msi-check: dom0's MSI and MSI-X as the hypervisor gives them (docs/dom0.md,
 * "The interrupt path"), checked from dom0's user space once its ahci and
 * virtio_net drivers have their interrupts:
 *  - PHYSDEVOP_map_pirq with the MSI types, through /dev/xen/privcmd
 *    (Debian's libxencall1), refused as Xen refuses: a device that does not
 *    exist or has no such capability -ENODEV, an MSI-X entry past the
 *    table -EINVAL, a message that has its PIRQ already -EEXIST, several
 *    vectors of one MSI (not offered) -EOPNOTSUPP, an index other than -1
 *    -EINVAL; unmap_pirq of a PIRQ nobody mapped -EINVAL;
 *  - the message stays the hypervisor's: a write to the AHCI's MSI address
 *    through sysfs (the kernel's 0xcf8/0xcfc cycles) is dropped.
 * Prints "PASS: dom0/msi-..." / "FAIL: dom0/msi-...: why", then
 * "msi-check: N passed, N failed".
 */
#define __XEN_TOOLS__ 1                        /* the current interface: physdev_op is 33, not compat 19 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <xencall.h>
#include <xen/xen.h>
#include <xen/physdev.h>

#define AHCI_DEVFN 0xfa                        /* q35's ICH9 AHCI, 00:1f.2 */

static unsigned int passed, failed;

static int check(int ok, const char *name, const char *fmt, ...)
{
    va_list ap;

    if (ok) {
        printf("PASS: dom0/msi-%s\n", name);
        passed++;
    } else {
        printf("FAIL: dom0/msi-%s: ", name);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
        failed++;
    }
    fflush(stdout);
    return ok;
}

/* PHYSDEVOP_map_pirq through privcmd: 0 or the negative errno. */
static int map_pirq(xencall_handle *xc, struct physdev_map_pirq *buf, const struct physdev_map_pirq *op)
{
    *buf = *op;
    return xencall2(xc, __HYPERVISOR_physdev_op, PHYSDEVOP_map_pirq, (unsigned long)buf) ? -errno : 0;
}

/* A device's configuration space through sysfs (the kernel's own configuration cycles). */
static int conf_fd(unsigned int devfn, int flags)
{
    char path[64];

    snprintf(path, sizeof(path), "/sys/bus/pci/devices/0000:00:%02x.%u/config", devfn >> 3, devfn & 7);
    return open(path, flags);
}

static uint32_t conf_read(int fd, unsigned int reg, unsigned int size)
{
    uint32_t v = 0;

    return pread(fd, &v, size, reg) == (ssize_t)size ? v : 0xffffffffu;
}

static unsigned int find_cap(int fd, uint8_t id)
{
    unsigned int pos = conf_read(fd, 0x34, 1) & 0xfc;

    for (unsigned int n = 0; n < 48 && pos >= 0x40; n++) {
        uint32_t hdr = conf_read(fd, pos, 2);

        if ((hdr & 0xff) == id)
            return pos;
        pos = (hdr >> 8) & 0xfc;
    }
    return 0;
}

/* The devfn of the first virtio device on bus 0 (vendor 0x1af4), or -1. */
static int virtio_devfn(void)
{
    for (unsigned int devfn = 0; devfn < 256; devfn++) {
        int fd = conf_fd(devfn, O_RDONLY);
        uint32_t vendor;

        if (fd < 0)
            continue;
        vendor = conf_read(fd, 0, 2);
        close(fd);
        if (vendor == 0x1af4)
            return (int)devfn;
    }
    return -1;
}

static void check_map_errors(xencall_handle *xc, struct physdev_map_pirq *buf)
{
    struct physdev_map_pirq msi = { .domid = DOMID_SELF, .type = MAP_PIRQ_TYPE_MSI_SEG,
                                    .index = -1, .pirq = -1, .devfn = AHCI_DEVFN };
    struct physdev_map_pirq op;
    int rc, nic = virtio_devfn(), fd;
    unsigned int cap, size = 0;

    op = msi;
    op.devfn = 0xff;                                   /* 00:1f.7: nothing there */
    rc = map_pirq(xc, buf, &op);
    check(rc == -ENODEV, "map-absent-device-enodev", "rc %d", rc);
    op = msi;
    op.bus = 1 << 16;                                  /* segment 1 */
    rc = map_pirq(xc, buf, &op);
    check(rc == -ENODEV, "map-other-segment-enodev", "rc %d", rc);
    op = msi;
    op.devfn = 0;                                      /* the host bridge: no MSI capability */
    rc = map_pirq(xc, buf, &op);
    check(rc == -ENODEV, "map-no-capability-enodev", "rc %d", rc);
    rc = map_pirq(xc, buf, &msi);                      /* ahci has it mapped */
    check(rc == -EEXIST, "map-ahci-again-eexist", "rc %d", rc);
    op = msi;
    op.type = MAP_PIRQ_TYPE_MULTI_MSI;
    op.entry_nr = 2;
    rc = map_pirq(xc, buf, &op);
    check(rc == -EOPNOTSUPP, "map-multi-msi-eopnotsupp", "rc %d", rc);
    op = msi;
    op.index = 16;
    rc = map_pirq(xc, buf, &op);
    check(rc == -EINVAL, "map-index-not-minus-one-einval", "rc %d", rc);
    if (!check(nic >= 0, "virtio-nic-found", "no virtio device on bus 0"))
        return;
    fd = conf_fd((unsigned int)nic, O_RDONLY);
    cap = fd >= 0 ? find_cap(fd, 0x11) : 0;
    if (cap)
        size = (conf_read(fd, cap + 2, 2) & 0x7ff) + 1;
    if (fd >= 0)
        close(fd);
    if (!check(cap != 0, "virtio-has-msix", "no MSI-X capability at 00:%02x.%d", nic >> 3, nic & 7))
        return;
    op = msi;
    op.devfn = nic;
    op.table_base = 1;                                 /* MSI-X: the hypervisor reads the BAR itself */
    op.entry_nr = (int)size;
    rc = map_pirq(xc, buf, &op);
    check(rc == -EINVAL, "map-msix-entry-past-table-einval", "entry %u: rc %d", size, rc);
    op.entry_nr = 0;                                   /* virtio's config vector */
    rc = map_pirq(xc, buf, &op);
    check(rc == -EEXIST, "map-msix-entry-in-use-eexist", "rc %d", rc);
    op.table_base = 0;                                 /* MSI on a device that uses MSI-X */
    rc = map_pirq(xc, buf, &op);
    check(rc == -ENODEV || rc == -EBUSY, "map-msi-of-msix-device-refused", "rc %d", rc);
}

static void check_unmap_error(xencall_handle *xc, struct physdev_unmap_pirq *buf)
{
    int rc;

    *buf = (struct physdev_unmap_pirq){ .domid = DOMID_SELF, .pirq = 127 };
    rc = xencall2(xc, __HYPERVISOR_physdev_op, PHYSDEVOP_unmap_pirq, (unsigned long)buf) ? -errno : 0;
    check(rc == -EINVAL, "unmap-unmapped-einval", "rc %d", rc);
}

/* dom0's write to the MSI address is dropped: the hypervisor's message stays. */
static void check_message_kept(void)
{
    int fd = conf_fd(AHCI_DEVFN, O_RDWR);
    unsigned int cap = fd >= 0 ? find_cap(fd, 0x05) : 0;
    uint32_t before, after, bogus = 0xfee0f000u;

    if (!check(cap != 0, "ahci-has-msi", "no MSI capability at 00:1f.2 (fd %d)", fd)) {
        if (fd >= 0)
            close(fd);
        return;
    }
    before = conf_read(fd, cap + 4, 4);
    check((before & 0xfff00000u) == 0xfee00000u, "ahci-message-written",
          "MSI address %#x", before);
    if (pwrite(fd, &bogus, 4, cap + 4) != 4)
        printf("msi-check: sysfs write: %s\n", strerror(errno));
    after = conf_read(fd, cap + 4, 4);
    check(after == before, "ahci-message-write-dropped", "address %#x, then %#x", before, after);
    close(fd);
}

int main(void)
{
    xencall_handle *xc = xencall_open(NULL, 0);
    void *buf;

    if (check(xc != NULL, "xencall-open", "xencall_open: %s", strerror(errno))) {
        buf = xencall_alloc_buffer(xc, sizeof(struct physdev_map_pirq));
        if (check(buf != NULL, "buffer", "xencall_alloc_buffer failed")) {
            check_map_errors(xc, buf);
            check_unmap_error(xc, buf);
            xencall_free_buffer(xc, buf);
        }
        xencall_close(xc);
    }
    check_message_kept();
    printf("msi-check: %u passed, %u failed\n", passed, failed);
    return failed != 0;
}

/*
 * ioreq-dm: a tiny device model in dom0 for the HVM test guest hvm-ioreq
 * (tests/guests/hvm-ioreq), through Xen's ioreq ABI and Debian's stable
 * libraries, as QEMU-xen uses them: libxendevicemodel1 (dm_op),
 * libxenforeignmemory1 (the server's page by XENMEM_acquire_resource),
 * libxenevtchn1 (one port per vCPU). docs/hvm.md, "The ioreq flow".
 *
 *   ioreq-dm DOMID [MODE]
 * MODE "serve" (default): create a server (no buffered ioreqs), map its
 * synchronous page, bind vCPU 0's port, claim ports 0x5a0-0x5a7 and the
 * MMIO page 0xe0000000, enable it and serve until the guest says bye:
 *   port 0x5a0 in: 'IORQ'; 0x5a0 out: map that gfn of the guest (xenforeignmemory_map, as
 *   QEMU's DMA), check "DMA?" and its pattern, write "DMA!"; 0x5a4: reads the last write * 2 + 1 (its size);
 *   0x5a6 out: raise that ISA IRQ (set_isa_irq_level 1 then 0); 0x5a7 out: bye;
 *   MMIO: 4 KiB of scratch RAM, and at 0x800 a register as 0x5a4's;
 *   PCI 00:03.0 (map_pcidev_to_ioreq_server): config space, ID 5a5a:10ee at 0,
 *   registers 0x40-0xff keep what is written.
 * MODE "garbage": answer the first request with a state that is not one
 * (the hypervisor must crash the guest alone) and leave.
 * MODE "silent": never answer the first request; 2 s later destroy the
 * guest (XEN_DOMCTL_destroydomain through libxencall) while its vCPU waits,
 * then unmap the page (the hypervisor frees it then).
 * In "serve" mode it first sets and reads the guest's HVM params with
 * libxenctrl's xc_hvm_param_set/get (HVMOP_set_param/get_param, as a
 * toolstack and QEMU-xen use them): a value read back as set, a refused
 * value, a set-once param, a PV domain refused.
 * Prints "PASS:/FAIL: dom0/ioreq-<check>" lines and a summary
 * "ioreq-dm: N passed, M failed, R requests"; exit 0 only with no failure.
 */
#define __XEN_TOOLS__ 1
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xencall.h>
#include <xendevicemodel.h>
#include <xenevtchn.h>
#include <xenforeignmemory.h>
#include <xenctrl.h>
#include <xen/xen.h>
#include <xen/memory.h>
#include <xen/domctl.h>
#include <xen/hvm/ioreq.h>
#include <xen/hvm/dm_op.h>
#include <xen/hvm/params.h>

#define PORT_FIRST  0x5a0
#define PORT_LAST   0x5a7
#define MMIO_BASE   0xe0000000ULL
#define MMIO_SIZE   0x1000
#define MAGIC       0x51524f49u               /* "IORQ" */
#define PCI_DEV     3                         /* 00:03.0 */
#define POP_GFN     0x800                     /* 8 MiB: a frame populated above the guest's RAM */
#define POP_TEXT    "populated by dom0"
#define PCI_ID      0x5a5a10eeu
#define WAIT_S      300                       /* the guest waits for us up to 180 s */

static unsigned int passed, failed;
static unsigned long requests;
static uint64_t port_reg, mmio_reg;
static uint8_t scratch[MMIO_SIZE];
static uint8_t pci_cfg[256] = { PCI_ID & 0xff, (PCI_ID >> 8) & 0xff, (PCI_ID >> 16) & 0xff, PCI_ID >> 24 };
static xendevicemodel_handle *dmh;
static xenforeignmemory_handle *fmem;
static domid_t dom;

static int check(int ok, const char *name, const char *fmt, ...)
{
    va_list ap;

    printf(ok ? "PASS: dom0/ioreq-%s\n" : "FAIL: dom0/ioreq-%s: ", name);
    if (!ok) {
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf(" (errno %d %s)\n", errno, strerror(errno));
    }
    ok ? passed++ : failed++;
    fflush(stdout);
    return ok;
}

static uint64_t size_mask(uint32_t size)
{
    return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

/* The guest's page by its gfn, mapped into us: its pattern checked, "DMA!" written. */
static void dma(xen_pfn_t gfn)
{
    xen_pfn_t outside = 0x100000;                     /* 4 GiB: past the guest's RAM */
    int err = 0, err2 = 0;
    uint8_t *pg = xenforeignmemory_map(fmem, dom, PROT_READ | PROT_WRITE, 1, &gfn, &err);
    unsigned int same = 0;
    void *none;

    if (!check(pg != NULL && err == 0, "dma-map-guest-page", "gfn %lx err %d", (unsigned long)gfn, err))
        return;
    for (unsigned int i = 4; i < 4096; i++)
        same += pg[i] == (uint8_t)(i * 7);
    check(!memcmp(pg, "DMA?", 4) && same == 4092, "dma-read-guest-page", "%.4s, %u bytes as written",
          (const char *)pg, same);
    pg[3] = '!';
    check(xenforeignmemory_unmap(fmem, pg, 1) == 0, "dma-unmap", "gfn %lx", (unsigned long)gfn);
    none = xenforeignmemory_map(fmem, dom, PROT_READ, 1, &outside, &err2);
    check(none == NULL || err2 != 0, "dma-outside-ram-refused", "gfn %lx err %d",
          (unsigned long)outside, err2);
    if (none)
        xenforeignmemory_unmap(fmem, none, 1);
}

/* A port access; returns 1 when the guest said bye. */
static int serve_port(ioreq_t *p)
{
    uint64_t v = p->data & size_mask(p->size);

    if (p->dir == IOREQ_READ) {
        p->data = p->addr == PORT_FIRST ? MAGIC :
                  p->addr == PORT_FIRST + 4 ? (port_reg * 2 + 1) & size_mask(p->size) : ~0ULL;
        return 0;
    }
    if (p->addr == PORT_FIRST && p->size == 4)
        dma((xen_pfn_t)v);
    if (p->addr == PORT_FIRST + 4)
        port_reg = v;
    if (p->addr == PORT_FIRST + 6) {
        check(xendevicemodel_set_isa_irq_level(dmh, dom, (uint8_t)v, 1) == 0 &&
              xendevicemodel_set_isa_irq_level(dmh, dom, (uint8_t)v, 0) == 0,
              "set-isa-irq-level", "IRQ %u", (unsigned int)v);
    }
    return p->addr == PORT_FIRST + 7;
}

static void serve_mmio(ioreq_t *p)
{
    uint64_t off = p->addr - MMIO_BASE, v = 0;

    if (p->data_is_ptr || p->count != 1 || off + p->size > MMIO_SIZE || p->size > 8) {
        check(0, "mmio-request-shape", "addr %llx size %u count %u ptr %u",
              (unsigned long long)p->addr, p->size, p->count, p->data_is_ptr);
        p->data = ~0ULL;
        return;
    }
    if (off == 0x800) {
        if (p->dir == IOREQ_READ)
            p->data = (mmio_reg * 2 + 1) & size_mask(p->size);
        else
            mmio_reg = p->data & size_mask(p->size);
        return;
    }
    if (p->dir == IOREQ_READ) {
        memcpy(&v, scratch + off, p->size);
        p->data = v;
    } else {
        v = p->data;
        memcpy(scratch + off, &v, p->size);
    }
}

/* A config access: addr = SBDF << 32 | register (public/hvm/ioreq.h). */
static void serve_pci(ioreq_t *p)
{
    uint32_t sbdf = (uint32_t)(p->addr >> 32), reg = (uint32_t)p->addr;
    uint64_t v = 0;

    if (sbdf != XEN_DMOP_PCI_SBDF(0, 0, PCI_DEV, 0) || reg + p->size > sizeof(pci_cfg) ||
        p->count != 1 || p->data_is_ptr) {
        check(0, "pci-request-shape", "sbdf %x reg %x size %u", sbdf, reg, p->size);
        p->data = ~0ULL;
        return;
    }
    if (p->dir == IOREQ_READ) {
        memcpy(&v, pci_cfg + reg, p->size);
        p->data = v;
    } else if (reg >= 0x40) {
        v = p->data;
        memcpy(pci_cfg + reg, &v, p->size);
    }
}

static void answer(ioreq_t *p, xenevtchn_handle *xce, evtchn_port_t local, unsigned int state)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);          /* data before the state */
    p->state = state;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    xenevtchn_notify(xce, local);
}

/* Waits for vCPU 0's port; 0 on an event, -1 on the time limit. */
static int wait_event(xenevtchn_handle *xce, evtchn_port_t local, double deadline)
{
    struct pollfd pfd = { .fd = xenevtchn_fd(xce), .events = POLLIN };
    struct timespec t;
    xenevtchn_port_or_error_t port;

    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (t.tv_sec >= deadline)
            return -1;
        if (poll(&pfd, 1, 1000) <= 0)
            continue;
        if ((port = xenevtchn_pending(xce)) < 0)
            continue;
        xenevtchn_unmask(xce, port);
        if ((evtchn_port_t)port == local)
            return 0;
    }
}

/* XEN_DOMCTL_destroydomain, as a toolstack destroys a domain. */
static int destroy_domain(void)
{
    xencall_handle *xc = xencall_open(NULL, 0);
    struct xen_domctl *d = xc ? xencall_alloc_buffer(xc, sizeof(*d)) : NULL;
    int rc = -1;

    if (d) {
        memset(d, 0, sizeof(*d));
        d->cmd = XEN_DOMCTL_destroydomain;
        d->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
        d->domain = dom;
        rc = xencall1(xc, __HYPERVISOR_domctl, (unsigned long)d);
        xencall_free_buffer(xc, d);
    }
    if (xc)
        xencall_close(xc);
    return rc;
}

/*
 * A frame added to the guest at 8 MiB, above its RAM, as QEMU-xen's xen_ram_alloc adds its
 * video RAM: max_mem raised, populate_physmap by gfn (twice is refused), then mapped and
 * written here; the guest reads it (hvm-ioreq's "populated" check).
 */
static void check_populate(xc_interface *xch)
{
    xen_pfn_t gfn = POP_GFN;
    xc_dominfo_t info;
    int err = 0;
    char *pg;

    check(xc_domain_getinfo(xch, dom, 1, &info) == 1 && info.domid == dom &&
          xc_domain_setmaxmem(xch, dom, info.max_memkb + 64) == 0, "populate-maxmem", "+64 KiB");
    check(xc_domain_populate_physmap_exact(xch, dom, 1, 0, 0, &gfn) == 0 && gfn == POP_GFN,
          "populate-gfn", "gfn %lx", (unsigned long)POP_GFN);
    check(xc_domain_populate_physmap_exact(xch, dom, 1, 0, 0, &gfn) < 0,
          "populate-twice-refused", "gfn %lx", (unsigned long)POP_GFN);
    pg = xenforeignmemory_map(fmem, dom, PROT_READ | PROT_WRITE, 1, &gfn, &err);
    if (check(pg != NULL && err == 0 && pg[0] == 0, "populate-map-zeroed", "err %d", err)) {
        strcpy(pg, POP_TEXT);
        xenforeignmemory_unmap(fmem, pg, 1);
    }
}

/* hvm_op's params on the guest, through libxenctrl as QEMU-xen and libxl call them. */
static void check_params(void)
{
    xc_interface *xch = xc_interface_open(NULL, NULL, 0);
    uint64_t v = 0;

    if (!check(xch != NULL, "param-open", "xc_interface_open"))
        return;
    check(xc_hvm_param_set(xch, dom, HVM_PARAM_STORE_PFN, 0xfeffc) == 0 &&
          xc_hvm_param_get(xch, dom, HVM_PARAM_STORE_PFN, &v) == 0 && v == 0xfeffc,
          "param-store-pfn", "set 0xfeffc, read %#llx", (unsigned long long)v);
    check(xc_hvm_param_set(xch, dom, HVM_PARAM_TIMER_MODE, 7) < 0 && errno == EINVAL,
          "param-bad-value-refused", "timer mode 7");
    check(xc_hvm_param_set(xch, dom, HVM_PARAM_NR_IOREQ_SERVER_PAGES, 8) == 0 &&
          xc_hvm_param_set(xch, dom, HVM_PARAM_NR_IOREQ_SERVER_PAGES, 8) == 0 &&
          xc_hvm_param_set(xch, dom, HVM_PARAM_NR_IOREQ_SERVER_PAGES, 4) < 0 && errno == EEXIST,
          "param-set-once", "8, 8 again, then 4");
    check(xc_hvm_param_get(xch, 0, HVM_PARAM_STORE_PFN, &v) < 0 && errno == EINVAL,
          "param-pv-domain-refused", "dom0 is PV");
    check(xc_hvm_param_get(xch, dom, HVM_NR_PARAMS, &v) < 0 && errno == EINVAL,
          "param-index-refused", "index %u", HVM_NR_PARAMS);
    check_populate(xch);
    xc_interface_close(xch);
}

/* The request loop: until bye (0), a time-out or garbage/silent mode (1). */
static int serve(ioreq_t *p, xenevtchn_handle *xce, evtchn_port_t local, int garbage)
{
    struct timespec t;
    int bye = 0;

    clock_gettime(CLOCK_MONOTONIC, &t);
    while (!bye) {
        if (p->state != STATE_IOREQ_READY && wait_event(xce, local, t.tv_sec + WAIT_S))
            return check(0, "guest-said-bye", "no request for %d s", WAIT_S), 1;
        if (p->state != STATE_IOREQ_READY)
            continue;                                 /* the bind's first event, or a stale one */
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        p->state = STATE_IOREQ_INPROCESS;
        requests++;
        if (garbage == 1) {
            answer(p, xce, local, 0xd);               /* not a state at all */
            return 1;
        }
        if (garbage == 2) {
            sleep(2);                                 /* the guest's vCPU waits meanwhile */
            check(destroy_domain() == 0, "destroy-waiting-guest", "domain %u", dom);
            return 1;
        }
        if (p->type == IOREQ_TYPE_PIO)
            bye = serve_port(p);
        else if (p->type == IOREQ_TYPE_COPY)
            serve_mmio(p);
        else if (p->type == IOREQ_TYPE_PCI_CONFIG)
            serve_pci(p);
        else
            check(0, "request-type", "type %u", p->type);
        if (!bye)
            answer(p, xce, local, STATE_IORESP_READY);
    }
    return 0;
}

int main(int argc, char **argv)
{
    xenevtchn_handle *xce = xenevtchn_open(NULL, 0);
    xenforeignmemory_resource_handle *res;
    shared_iopage_t *page = NULL;
    evtchn_port_t bufport = 1;
    xenevtchn_port_or_error_t local;
    ioservid_t id;
    int garbage = argc < 3 ? 0 : !strcmp(argv[2], "garbage") ? 1 : !strcmp(argv[2], "silent") ? 2 : 0;

    setvbuf(stdout, NULL, _IOLBF, 0);
    dom = argc > 1 ? (domid_t)atoi(argv[1]) : 1;
    dmh = xendevicemodel_open(NULL, 0);
    fmem = xenforeignmemory_open(NULL, 0);
    if (!check(dmh && fmem && xce, "open", "devicemodel %p foreignmemory %p evtchn %p",
               (void *)dmh, (void *)fmem, (void *)xce))
        return 1;
    if (!garbage)
        check_params();
    if (!check(xendevicemodel_create_ioreq_server(dmh, dom, HVM_IOREQSRV_BUFIOREQ_OFF, &id) == 0,
               "create-server", "domain %u", dom))
        return 1;
    res = xenforeignmemory_map_resource(fmem, dom, XENMEM_resource_ioreq_server, id,
                                        XENMEM_resource_ioreq_server_frame_ioreq(0), 1,
                                        (void **)&page, PROT_READ | PROT_WRITE, 0);
    if (!check(res != NULL, "map-ioreq-page", "server %u", id))
        return 1;
    check(xendevicemodel_get_ioreq_server_info(dmh, dom, id, NULL, NULL, &bufport) == 0 &&
          bufport == 0, "server-info", "bufioreq port %u", bufport);
    local = xenevtchn_bind_interdomain(xce, dom, page->vcpu_ioreq[0].vp_eport);
    if (!check(local >= 0 && page->vcpu_ioreq[0].vp_eport != 0, "bind-vcpu-port",
               "remote port %u", page->vcpu_ioreq[0].vp_eport))
        return 1;
    check(xendevicemodel_map_io_range_to_ioreq_server(dmh, dom, id, 0, PORT_FIRST, PORT_LAST) == 0 &&
          xendevicemodel_map_io_range_to_ioreq_server(dmh, dom, id, 1, MMIO_BASE,
                                                       MMIO_BASE + MMIO_SIZE - 1) == 0,
          "map-ranges", "ports and MMIO");
    check(xendevicemodel_map_pcidev_to_ioreq_server(dmh, dom, id, 0, 0, PCI_DEV, 0) == 0,
          "map-pcidev", "00:%02x.0", PCI_DEV);
    check(xendevicemodel_map_io_range_to_ioreq_server(dmh, dom, id, 0, PORT_FIRST + 2, PORT_FIRST + 2) < 0 &&
          errno == EEXIST, "overlap-refused", "a port already claimed");
    check(xendevicemodel_set_ioreq_server_state(dmh, dom, id, 1) == 0, "enable", "server %u", id);
    printf("ioreq-dm: serving domain %u (server %u, port %u)\n", dom, id, (unsigned int)local);
    /* The bye is never answered: the server is destroyed while the guest's vCPU waits on it
     * (the hypervisor completes the access as all ones), and its page unmapped after. */
    if (serve(&page->vcpu_ioreq[0], xce, (evtchn_port_t)local, garbage) == 0) {
        check(xendevicemodel_destroy_ioreq_server(dmh, dom, id) == 0, "destroy-server", "server %u", id);
        check(xenforeignmemory_unmap_resource(fmem, res) == 0, "unmap-page", "server %u", id);
    } else if (garbage == 2) {
        check(xenforeignmemory_unmap_resource(fmem, res) == 0, "unmap-page-of-destroyed", "server %u", id);
    }
    printf("ioreq-dm: %u passed, %u failed, %lu requests%s\n", passed, failed, requests,
           garbage == 1 ? " (garbage answered)" : garbage == 2 ? " (never answered)" : "");
    return failed != 0;
}

/*
 * dead-domain: an event delivered on the way out of a hypercall, onto an
 * unusable kernel stack, crashes the domain; it must never run again. (It
 * used to: its next hypercall then used its destroyed grant table, NULL,
 * which a guest could back with a struct of its own at VA 0.)
 * mode=crash: the next hypercall would read through NULL;
 * mode=fake:  a fake grant_table mapped at VA 0 (query_size);
 * mode=fake2: the same, setup_table (frames would leak).
 * mode=unmapped: as crash, with rsp canonical but unmapped: the bounce
 *             frame's copy faults in the hypervisor and its exception-table
 *             fixup fails the copy (asm/guest_quads.h).
 * mode=iret:  the same rsp, and the first hypercall is iret: reading its
 *             frame faults the same way (do_iret).
 * Expected: "(HV) d1 shutdown: crash" and no line from this guest after it.
 */
#include "mm.h"
#include <xen/grant_table.h>

const char test_name[] = "dead-domain";

static struct gnttab_query_size qs;
static uint64_t fake_page[512] __aligned(PAGE_SIZE);
static uint64_t l3p[512] __aligned(PAGE_SIZE), l2p[512] __aligned(PAGE_SIZE), l1p[512] __aligned(PAGE_SIZE);

void test_main(void)
{
    char mode[16] = "crash";
    unsigned long r1, r2;

    cmdline_str("mode", mode, sizeof(mode));
    if (!strncmp(mode, "fake", 4)) {
        /* Map fake_page at VA 0: L4[0] -> l3p -> l2p -> l1p -> fake_page. */
        uint64_t *l4 = boot_l4();
        fake_page[1] = 0x1234;                     /* grant_table.nr_frames at offset 8 */
        l1p[0] = virt_to_maddr(fake_page) | PTE_RW_ACC;
        l2p[0] = virt_to_maddr(l1p) | PTE_RW_ACC;
        l3p[0] = virt_to_maddr(l2p) | PTE_RW_ACC;
        check_eq(make_ro(l1p), 0, "l1p ro");
        check_eq(make_ro(l2p), 0, "l2p ro");
        check_eq(make_ro(l3p), 0, "l3p ro");
        check_eq(mmu_set(&l4[0], virt_to_maddr(l3p) | PTE_RW_ACC), 0, "L4[0] -> fake chain");
        info("VA 0 reads %#lx (nr_frames slot)", ({ volatile uint64_t *z; asm("xor %k0,%k0" : "=r"(z)); (unsigned long)z[1]; }));
    }
    static struct gnttab_setup_table st;
    static xen_pfn_t flist[8];
    bool setup = !strcmp(mode, "fake2");
    st.dom = DOMID_SELF;
    st.nr_frames = 5;
    set_xen_guest_handle(st.frame_list, flist);
    if (setup)
        fake_page[1] = 0;                          /* fake nr_frames = 0: grow() allocates 5 */
    qs.dom = DOMID_SELF;
    qs.nr_frames = 0xdead;
    info("mode=%s: crashing the domain through event delivery, then query_size", mode);
    /* rsp in the hypervisor hole, or canonical but unmapped: the bounce
     * frame cannot be written. */
    bool unmapped = !strcmp(mode, "unmapped") || !strcmp(mode, "iret");
    unsigned long bad_sp = unmapped ? 0x00007f0000100000UL : 0xffff800000100000UL;
    unsigned long first = !strcmp(mode, "iret") ? __HYPERVISOR_iret : __HYPERVISOR_xen_version;
    asm volatile(
        "mov %%rsp, %%r12\n\t"
        "mov %[bad_sp], %%rsp\n\t"
        "movb $1, 0(%[vi])\n\t"                    /* evtchn_upcall_pending */
        "movb $0, 1(%[vi])\n\t"                    /* evtchn_upcall_mask */
        "mov %[first], %%rax\n\t"
        "xor %%edi, %%edi\n\t"
        "xor %%esi, %%esi\n\t"
        "syscall\n\t"                              /* return: deliver -> crash -> still returns */
        "mov $%c[gt], %%eax\n\t"
        "mov %[qsz], %%edi\n\t"
        "mov %[qs], %%rsi\n\t"
        "mov $1, %%edx\n\t"
        "syscall\n\t"
        "mov %%rax, %%r13\n\t"
        "mov %%r12, %%rsp\n\t"
        "mov %%r13, %[r1]\n\t"
        : [r1] "=r"(r1)
        : [vi] "r"(vcpu0), [gt] "i"(__HYPERVISOR_grant_table_op),
          [qsz] "r"(setup ? GNTTABOP_setup_table : GNTTABOP_query_size),
          [qs] "r"(setup ? (void *)&st : (void *)&qs), [bad_sp] "m"(bad_sp), [first] "m"(first)
        : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "memory");
    r2 = qs.nr_frames;
    info("still running after the crash: query_size rc %ld nr_frames %#lx status %d", (long)r1, r2, qs.status);
    check(false, "domain kept running after it crashed", "-");
}

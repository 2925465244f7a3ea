/*
 * misc: multicall (result per entry, batched update_va_mapping), vm_assist, stack_switch,
 * set_segment_base (FS / kernel GS take effect), xen_version info calls, the read-only M2P,
 * mmuext TLB ops; plus (abi.c) register preservation across both hypercall styles and
 * (fpu.c) FPU/SSE state preserved across fpu_taskswitch, #NM and blocking.
 */
#include "guest.h"
#include "hypercall.h"
#include "misc.h"

const char test_name[] = "misc";

char misc_page[PAGE_SIZE] __aligned(PAGE_SIZE);

static void mc_set(multicall_entry_t *e, unsigned long op, unsigned long a0, unsigned long a1,
                   unsigned long a2)
{
    memset(e, 0, sizeof(*e));
    e->op = op;
    e->args[0] = a0;
    e->args[1] = a1;
    e->args[2] = a2;
}

static void test_multicall(void)
{
    static const char msg[] = "misc: line from a multicall entry\n";
    multicall_entry_t mc[5];
    unsigned long count;
    long rc;

    mc_set(&mc[0], __HYPERVISOR_xen_version, XENVER_version, 0, 0);
    mc_set(&mc[1], __HYPERVISOR_console_io, CONSOLEIO_write, sizeof(msg) - 1, (unsigned long)msg);
    mc_set(&mc[2], __HYPERVISOR_update_va_mapping, (unsigned long)misc_page,
           virt_to_maddr(misc_page) | 0x21 /* RO */, UVMF_INVLPG);
    mc_set(&mc[3], __HYPERVISOR_vm_assist, VMASST_CMD_enable, 31, 0);
    mc_set(&mc[4], __HYPERVISOR_fpu_taskswitch, 0, 0, 0);
    rc = hc_multicall(mc, 5);
    check_eq(rc, 0, "multicall of 5 entries returns 0");
    check(mc[0].result >> 16 >= 3, "multicall[0] xen_version result", "%#lx", mc[0].result);
    check((long)mc[1].result >= 0, "multicall[1] console_io result", "%ld", (long)mc[1].result);
    check_eq((long)mc[2].result, 0, "multicall[2] update_va_mapping result");
    check_eq((long)mc[3].result, -EINVAL, "multicall[3] vm_assist(bad type) result");
    check_eq((long)mc[4].result, 0, "multicall[4] fpu_taskswitch(0) result");
    count = last_trap.count;
    asm volatile("1: movb $1, misc_page(%%rip)\n2:\n" _EXTABLE(1b, 2b) ::: "memory");
    check(last_trap.count == count + 1 && last_trap.regs.vector == 14,
          "batched update_va_mapping took effect (write faults)", "%lu exceptions",
          last_trap.count - count);
    check_eq(remap_own_page(misc_page, 0x63), 0, "page writable again");
    check_eq(hc_multicall(mc, 0), 0, "multicall of 0 entries returns 0");
}

static void test_vm_assist(void)
{
    check_eq(hc_vm_assist(VMASST_CMD_enable, VMASST_TYPE_writable_pagetables), 0,
             "vm_assist(enable, writable_pagetables)");
    check_eq(hc_vm_assist(VMASST_CMD_enable, VMASST_TYPE_pae_extended_cr3), 0,
             "vm_assist(enable, pae_extended_cr3)");
    check_eq(hc_vm_assist(VMASST_CMD_enable, VMASST_TYPE_runstate_update_flag), 0,
             "vm_assist(enable, runstate_update_flag)");
    /* Real Xen 4.17 accepts 4gb_segments for a 64-bit PV guest (it is a no-op there). */
    check_eq(hc_vm_assist(VMASST_CMD_enable, VMASST_TYPE_4gb_segments), 0,
             "vm_assist(enable, 4gb_segments) = 0 (accepted, no-op on 64-bit)");
    check_eq(hc_vm_assist(VMASST_CMD_enable, 6), -EINVAL, "vm_assist(enable, type 6) = -EINVAL");
    check_eq(hc_vm_assist(VMASST_CMD_disable, VMASST_TYPE_runstate_update_flag), 0,
             "vm_assist(disable, runstate_update_flag)");
}

static uint64_t fs_target = 0x1234567890abcdefUL, gs_target = 0x0fedcba987654321UL;

static void test_segment_base(void)
{
    uint64_t fsv, gsv;

    check_eq(hc_stack_switch(FLAT_KERNEL_SS, (unsigned long)misc_page + PAGE_SIZE), 0,
             "stack_switch(FLAT_KERNEL_SS, sp)");
    check_eq(hc_set_segment_base(SEGBASE_FS, (unsigned long)&fs_target), 0, "set_segment_base(FS)");
    check_eq(hc_set_segment_base(SEGBASE_GS_KERNEL, (unsigned long)&gs_target), 0,
             "set_segment_base(GS_KERNEL)");
    asm volatile("mov %%fs:0, %0; mov %%gs:0, %1" : "=r"(fsv), "=r"(gsv));
    check(fsv == fs_target && gsv == gs_target, "FS and kernel GS bases take effect",
          "fs:0 %#lx gs:0 %#lx", fsv, gsv);
    check_eq(hc_set_segment_base(SEGBASE_GS_USER, (unsigned long)&fs_target), 0,
             "set_segment_base(GS_USER)");
    asm volatile("mov %%gs:0, %0" : "=r"(gsv));
    check(gsv == gs_target, "GS_USER does not change the active (kernel) GS base", "gs:0 %#lx", gsv);
    check_eq(hc_set_segment_base(SEGBASE_GS_USER_SEL, 0), 0, "set_segment_base(GS_USER_SEL, 0)");
    hc_set_segment_base(SEGBASE_FS, 0);
    hc_set_segment_base(SEGBASE_GS_KERNEL, 0);
}

static void test_version_info(void)
{
    xen_capabilities_info_t caps;
    xen_platform_parameters_t pp = { 0 };
    long rc;

    memset(caps, 0, sizeof(caps));
    rc = hc_xen_version(XENVER_capabilities, caps);
    check(rc == 0 && !strncmp(caps, "xen-3.0-x86_64", 14), "xen_version(capabilities) starts xen-3.0-x86_64",
          "rc %ld '%s'", rc, caps);
    rc = hc_xen_version(XENVER_platform_parameters, &pp);
    check(rc == 0 && pp.virt_start == HYPERVISOR_VIRT_START, "xen_version(platform_parameters)",
          "rc %ld virt_start %#lx", rc, pp.virt_start);
    check_eq(hc_xen_version(XENVER_pagesize, NULL), 4096, "xen_version(pagesize)");
}

static void test_m2p(void)
{
    struct xen_machphys_mapping mm = { 0 };
    unsigned long pfn = ((unsigned long)misc_page - VIRT_BASE) >> 12, mfn = virt_to_mfn(misc_page);
    long rc = hc_memory_op(XENMEM_machphys_mapping, &mm);

    check(rc == 0 && mm.v_start == 0xffff800000000000UL && mm.max_mfn >= mfn,
          "memory_op(machphys_mapping)", "rc %ld v_start %#lx max_mfn %#lx", rc, mm.v_start,
          mm.max_mfn);
    check_eq(((const unsigned long *)0xffff800000000000UL)[mfn], (long)pfn,
             "read-only M2P maps our mfn back to its pfn");
}

static void test_mmuext(void)
{
    struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };

    check_eq(hc_mmuext_op(&op, 1, NULL, DOMID_SELF), 0, "mmuext_op(TLB_FLUSH_LOCAL)");
    op.cmd = MMUEXT_INVLPG_LOCAL;
    op.arg1.linear_addr = (unsigned long)misc_page;
    check_eq(hc_mmuext_op(&op, 1, NULL, DOMID_SELF), 0, "mmuext_op(INVLPG_LOCAL)");
}

void test_main(void)
{
    events_enable();
    test_multicall();
    test_vm_assist();
    test_segment_base();
    test_version_info();
    test_m2p();
    test_mmuext();
    test_abi();
    test_fpu_state();
}

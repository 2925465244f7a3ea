/* xen_version and vm_assist: what the guest learns about its hypervisor. */
#include <hv/arch.h>
#include <hv/errno.h>
#include <hv/hypercall.h>
#include <hv/domain.h>
#include <hv/guest_access.h>
#include <hv/lib.h>
#include <hv/sched.h>

#define HV_XEN_MAJOR 4                               /* the ABI we speak */
#define HV_XEN_MINOR 17

/* Assists a PV guest may turn on (Xen's VM_ASSIST_VALID for 64-bit PV). */
#define VM_ASSIST_ALLOWED ((1UL << VMASST_TYPE_4gb_segments) | \
                           (1UL << VMASST_TYPE_4gb_segments_notify) | \
                           (1UL << VMASST_TYPE_writable_pagetables) | \
                           (1UL << VMASST_TYPE_pae_extended_cr3) | \
                           (1UL << VMASST_TYPE_architectural_iopl) | \
                           (1UL << VMASST_TYPE_runstate_update_flag) | \
                           (1UL << VMASST_TYPE_m2p_strict))

static u32 features_submap0(const struct domain *d)
{
    u32 f = (1u << XENFEAT_mmu_pt_update_preserve_ad) | (1u << XENFEAT_highmem_assist) |
            (1u << XENFEAT_gnttab_map_avail_bits) | (1u << XENFEAT_direct_mapped);

    if (d->vm_assist & (1UL << VMASST_TYPE_pae_extended_cr3))
        f |= 1u << XENFEAT_pae_pgdir_above_4gb;
    if (d->privileged)
        f |= 1u << XENFEAT_dom0;
    return f;
}

static long copy_string(guest_handle_t arg, const char *s, size_t size)
{
    char buf[1024] = { 0 };

    memcpy(buf, s, MIN(strlen(s), size - 1));
    return copy_to_handle(arg, buf, size);
}

static long version_features(guest_handle_t arg)
{
    struct xen_feature_info fi;

    if (copy_from_handle(&fi, arg, sizeof(fi)))
        return -EFAULT;
    if (fi.submap_idx >= XENFEAT_NR_SUBMAPS)
        return -EINVAL;
    fi.submap = features_submap0(current->domain);
    return copy_to_handle(arg, &fi, sizeof(fi));
}

static long version_platform(guest_handle_t arg)
{
    struct xen_platform_parameters p = { .virt_start = HYPERVISOR_VIRT_START };

    return copy_to_handle(arg, &p, sizeof(p));
}

long do_xen_version(int cmd, guest_handle_t arg)
{
    switch (cmd) {
    case XENVER_version:
        return (HV_XEN_MAJOR << 16) | HV_XEN_MINOR;
    case XENVER_extraversion:
        return copy_string(arg, "-pvhv", sizeof(xen_extraversion_t));
    case XENVER_compile_info: {
        struct xen_compile_info ci = { .compiler = "gcc", .compile_by = "pvhv",
                                       .compile_domain = "pvhv", .compile_date = __DATE__ };
        return copy_to_handle(arg, &ci, sizeof(ci));
    }
    case XENVER_capabilities:
        /* Xen's words: HVM guests of each mode when SVM with nested paging is there. */
        return copy_string(arg, arch_hvm_supported() ?
                           "xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64 " :
                           "xen-3.0-x86_64 ", sizeof(xen_capabilities_info_t));
    case XENVER_changeset:
        return copy_string(arg, "pvhv", sizeof(xen_changeset_info_t));
    case XENVER_platform_parameters:
        return version_platform(arg);
    case XENVER_get_features:
        return version_features(arg);
    case XENVER_pagesize:
        return PAGE_SIZE;
    case XENVER_guest_handle:
        return copy_string(arg, "", sizeof(xen_domain_handle_t));
    case XENVER_commandline:
        if (!current->domain->privileged)
            return -EPERM;
        return copy_string(arg, "", sizeof(xen_commandline_t));
    default:
        return -ENOSYS;
    }
}

long do_vm_assist(unsigned int cmd, unsigned int type)
{
    if (cmd != VMASST_CMD_enable && cmd != VMASST_CMD_disable)
        return -ENOSYS;
    if (type >= 64 || !(VM_ASSIST_ALLOWED & (1UL << type)))
        return -EINVAL;
    switch (cmd) {
    case VMASST_CMD_enable:
        current->domain->vm_assist |= 1UL << type;
        return 0;
    case VMASST_CMD_disable:
        current->domain->vm_assist &= ~(1UL << type);
        return 0;
    default:
        return -ENOSYS;
    }
}

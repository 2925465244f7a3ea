/* hello: console_io works; xen_version (version, extraversion, get_features) is sane. */
#include "guest.h"
#include "hypercall.h"

const char test_name[] = "hello";

static bool memchr_nul(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!s[i])
            return true;
    }
    return false;
}

static void test_console(void)
{
    static const char msg[] = "hello: console_io write\n";
    long rc = hc_console_io(CONSOLEIO_write, sizeof(msg) - 1, msg);

    check(rc >= 0, "console_io write", "rc %ld", rc);
    rc = hc_console_io(CONSOLEIO_write, 0, msg);
    check(rc >= 0, "console_io write of 0 bytes", "rc %ld", rc);
}

static void test_version(void)
{
    long v = hc_xen_version(XENVER_version, NULL);
    xen_extraversion_t extra;
    long rc;

    info("xen_version %ld.%ld", v >> 16, v & 0xffff);
    check(v > 0 && (v >> 16) >= 3, "xen_version(version) major >= 3", "got %#lx", v);
    memset(extra, 0x55, sizeof(extra));
    rc = hc_xen_version(XENVER_extraversion, extra);
    check(rc == 0 && memchr_nul(extra, sizeof(extra)), "xen_version(extraversion) NUL-terminated",
          "rc %ld", rc);
}

static void test_features(void)
{
    xen_feature_info_t fi = { .submap_idx = 0 };
    long rc = hc_xen_version(XENVER_get_features, &fi);
    const uint32_t must = (1u << XENFEAT_mmu_pt_update_preserve_ad) |
                          (1u << XENFEAT_gnttab_map_avail_bits);
    const uint32_t mustnot = (1u << XENFEAT_writable_page_tables) |
                             (1u << XENFEAT_auto_translated_physmap) |
                             (1u << XENFEAT_supervisor_mode_kernel);

    info("features submap 0 = %#x", fi.submap);
    check_eq(rc, 0, "xen_version(get_features) rc");
    check((fi.submap & must) == must, "features: preserve_ad and gnttab_map_avail_bits set",
          "submap %#x", fi.submap);
    check(!(fi.submap & mustnot), "features: no writable_pt/auto_translate/supervisor_mode",
          "submap %#x", fi.submap);
    fi.submap_idx = 1000;
    rc = hc_xen_version(XENVER_get_features, &fi);
    check_eq(rc, -EINVAL, "get_features: unknown submap_idx is -EINVAL");
}

static void test_start_info(void)
{
    check(!strncmp(start_info->magic, "xen-3.0-x86_64", 14), "start_info magic",
          "'%c%c%c%c...'", start_info->magic[0], start_info->magic[1], start_info->magic[2],
          start_info->magic[3]);
    check(start_info->nr_pages >= 256, "start_info nr_pages >= 256", "%lu", start_info->nr_pages);
    check(virt_to_mfn(start_info) != 0 && (start_info->pt_base & 0xfff) == 0,
          "start_info mfn_list and pt_base sane", "pt_base %#lx", start_info->pt_base);
}

void test_main(void)
{
    test_console();
    test_version();
    test_features();
    test_start_info();
}

/* test_config.c: the xl-syntax config parser (config.c). */
#include <CUnit/CUnit.h>
#include <string.h>
#include "config.h"

static struct pv_config c;
static char err[512];

static int parse(const char *text)
{
    config_init(&c);
    err[0] = 0;
    return config_parse(&c, text, "t.cfg", err, sizeof(err));
}

static void test_full_config(void)
{
    CU_ASSERT_EQUAL(parse("# a guest\n"
                          "name = \"g1\"\n"
                          "kernel = '/boot/k'   # comment\n"
                          "ramdisk=\"/boot/r\"; memory = 64\n"
                          "vcpus = 2\n"
                          "cmdline = \"console=hvc0 root=/dev/xvda\"\n"
                          "extra = \"quiet\"\n"
                          "on_poweroff = \"destroy\"\non_reboot = \"restart\"\non_crash = \"preserve\"\n"
                          "disk = [ 'phy:/dev/x,xvda,w',\n  \"file:/y,xvdb,r\", ]\n"
                          "vif = []\n"
                          "type = \"pv\"\n"), 0);
    CU_ASSERT_STRING_EQUAL(c.name, "g1");
    CU_ASSERT_STRING_EQUAL(c.kernel, "/boot/k");
    CU_ASSERT_STRING_EQUAL(c.ramdisk, "/boot/r");
    CU_ASSERT_EQUAL(c.memory_mb, 64);
    CU_ASSERT_EQUAL(c.vcpus, 2);
    CU_ASSERT_STRING_EQUAL(config_cmdline(&c), "console=hvc0 root=/dev/xvda");
    CU_ASSERT_EQUAL(c.on_crash, ACT_PRESERVE);
    CU_ASSERT_EQUAL(c.nr_disk, 2);
    CU_ASSERT_STRING_EQUAL(c.disk[1], "file:/y,xvdb,r");
    CU_ASSERT_EQUAL(c.nr_vif, 0);
    CU_ASSERT_EQUAL(config_check(&c, err, sizeof(err)), 0);
}

static void test_defaults(void)
{
    CU_ASSERT_EQUAL(parse("name=\"x\"\nkernel=\"/k\"\nextra=\"a b\"\n"), 0);
    CU_ASSERT_EQUAL(c.memory_mb, 128);
    CU_ASSERT_EQUAL(c.vcpus, 1);
    CU_ASSERT_EQUAL(c.on_poweroff, ACT_DESTROY);
    CU_ASSERT_EQUAL(c.on_reboot, ACT_RESTART);
    CU_ASSERT_STRING_EQUAL(config_cmdline(&c), "a b");
}

/* Each error names its line. */
static void test_errors_have_lines(void)
{
    static const struct { const char *text, *want; } cases[] = {
        { "name=\"x\"\n\ncolour = \"blue\"\n", "t.cfg:3: unknown key \"colour\"" },
        { "name=\"x\"\nmemory = \"64\"\n", "t.cfg:2: memory: expected a number" },
        { "vcpus = 0\n", "t.cfg:1: vcpus: 0 is out of range (1..8)" },
        { "vcpus = 9\n", "t.cfg:1: vcpus: 9 is out of range" },
        { "memory = 99999999999999999999999\n", "t.cfg:1: memory: " },
        { "\n\n\nextra = \"open\n", "t.cfg:4: extra: malformed value" },
        { "name \"x\"\n", "t.cfg:1: expected '=' after \"name\"" },
        { "name = \"x\" \"y\"\n", "t.cfg:1: unexpected text after the value of \"name\"" },
        { "= 3\n", "t.cfg:1: expected a key name" },
        { "on_crash = \"explode\"\n", "t.cfg:1: on_crash: unknown action \"explode\"" },
        { "disk = \"x\"\n", "t.cfg:1: disk: expected a list" },
        { "disk = [ \"/a,,xvda\" \"b\" ]\n", "t.cfg:1: disk: expected ',' or ']'" },
        { "disk = [ 3 ]\n", "t.cfg:1: disk: expected a string" },
        { "disk = [ \"/a,,xvda\",\n\n 7 ]\n", "t.cfg:3: disk: expected a string" },
        { "name=\"x\"\ndisk = [ '/a,,xvda',\n  '/b,qcow2,xvdb' ]\n", "t.cfg:3: disk: '/b,qcow2,xvdb': format 'qcow2': only raw" },
        { "disk = [ 'file:/a,hde,w' ]\n", "t.cfg:1: disk: 'file:/a,hde,w': vdev 'hde': only xvda..xvdp" },
        { "disk = [ 'file:/a,xvda,x' ]\n", "t.cfg:1: disk: 'file:/a,xvda,x': access 'x'" },
        { "disk = [ '/a' ]\n", "t.cfg:1: disk: '/a': no vdev" },
        { "disk = [ 'vdev=xvda' ]\n", "t.cfg:1: disk: 'vdev=xvda': no target" },
        { "disk = [ '/a,,xvda', '/b,,xvda' ]\n", "t.cfg:1: disk: '/b,,xvda': xvda is given twice" },
        { "disk = [ 'vdev=xvda, vdev=xvdb, target=/a' ]\n", "t.cfg:1: disk: 'vdev=xvda, vdev=xvdb, target=/a': vdev given twice" },
        { "disk = [ '/a,raw,xvda,w,extra' ]\n", "t.cfg:1: disk: '/a,raw,xvda,w,extra': too many positional" },
        { "disk = [ 'cdrom=1,/a,,xvda' ]\n", "t.cfg:1: disk: 'cdrom=1,/a,,xvda': unknown or unsupported parameter 'cdrom'" },
        { "disk = [ '/a,,xvda,devtype=cdrom' ]\n", "t.cfg:1: disk: '/a,,xvda,devtype=cdrom': devtype 'cdrom'" },
        { "type = \"pvh\"\n", "t.cfg:1: type: \"pv\" or \"hvm\"" },
        { "name = x\n", "t.cfg:1: name: expected a string in quotes" },
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        CU_ASSERT_EQUAL(parse(cases[i].text), -22);
        if (strncmp(err, cases[i].want, strlen(cases[i].want)))
            printf("  case %zu: got '%s', want '%s'\n", i, err, cases[i].want);
        CU_ASSERT_EQUAL(strncmp(err, cases[i].want, strlen(cases[i].want)), 0);
    }
}

static void test_too_long(void)
{
    char text[2200];

    memset(text, 'a', sizeof(text));
    memcpy(text, "name = \"", 8);
    strcpy(text + 100, "\"\n");
    CU_ASSERT_EQUAL(parse(text), -22);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "name: longer than 63"));
    memset(text, 'b', sizeof(text));
    memcpy(text, "extra=\"", 7);
    strcpy(text + 2100, "\"\n");
    CU_ASSERT_EQUAL(parse(text), -22);
}

static void test_overrides(void)
{
    CU_ASSERT_EQUAL(parse("name=\"x\"\nkernel=\"/k\"\nmemory=8\n"), 0);
    CU_ASSERT_EQUAL(config_override(&c, "memory=64", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(c.memory_mb, 64);
    CU_ASSERT_EQUAL(config_override(&c, "name=g2", err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(c.name, "g2");
    CU_ASSERT_EQUAL(config_override(&c, "kernel=/boot/vmlinuz-6.1", err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(c.kernel, "/boot/vmlinuz-6.1");
    CU_ASSERT_EQUAL(config_override(&c, "extra=mode=spin x=1", err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(c.extra, "mode=spin x=1");
    CU_ASSERT_EQUAL(config_override(&c, "extra=\"a b\"", err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(c.extra, "a b");
    CU_ASSERT_EQUAL(config_override(&c, "on_crash=preserve", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(c.on_crash, ACT_PRESERVE);
    CU_ASSERT_EQUAL(config_override(&c, "vcpus=99", err, sizeof(err)), -22);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "command line:1: vcpus: 99 is out of range"));
    CU_ASSERT_EQUAL(config_override(&c, "bogus=1", err, sizeof(err)), -22);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown key \"bogus\""));
    CU_ASSERT_EQUAL(config_override(&c, "memory", err, sizeof(err)), -22);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "expected key=value"));
}

/* The disk forms of xl-disk-configuration(5) that pvctl supports. */
static void test_disks(void)
{
    CU_ASSERT_EQUAL(parse("disk = [ 'file:/path/img,xvda,w', 'phy:/dev/loop3,xvdb,r',\n"
                          "  'format=raw, vdev=xvdc, access=rw, target=/path/with,comma',\n"
                          "  '/img4,,xvdd', '/img5,raw,xvdp,ro', ' vdev = xvde , /img6 , access=r' ]\n"), 0);
    CU_ASSERT_EQUAL(c.nr_disk, 6);
    CU_ASSERT_STRING_EQUAL(c.disks[0].target, "/path/img");
    CU_ASSERT_STRING_EQUAL(c.disks[0].vdev, "xvda");
    CU_ASSERT_EQUAL(c.disks[0].devid, 51712);
    CU_ASSERT_EQUAL(c.disks[0].readonly, 0);
    CU_ASSERT_STRING_EQUAL(c.disks[1].target, "/dev/loop3");
    CU_ASSERT_EQUAL(c.disks[1].devid, 51728);
    CU_ASSERT_EQUAL(c.disks[1].readonly, 1);
    CU_ASSERT_STRING_EQUAL(c.disks[2].target, "/path/with,comma");
    CU_ASSERT_STRING_EQUAL(c.disks[2].vdev, "xvdc");
    CU_ASSERT_EQUAL(c.disks[2].readonly, 0);
    CU_ASSERT_STRING_EQUAL(c.disks[3].target, "/img4");
    CU_ASSERT_EQUAL(c.disks[3].readonly, 0);
    CU_ASSERT_EQUAL(c.disks[4].devid, (202u << 8) | (15u << 4));
    CU_ASSERT_EQUAL(c.disks[4].readonly, 1);
    CU_ASSERT_STRING_EQUAL(c.disks[5].target, "/img6");
    CU_ASSERT_STRING_EQUAL(c.disks[5].vdev, "xvde");
    CU_ASSERT_EQUAL(c.disks[5].readonly, 1);
    CU_ASSERT_EQUAL(config_override(&c, "disk=['/o,,xvdb,r']", err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(c.nr_disk, 1);
    CU_ASSERT_STRING_EQUAL(c.disks[0].target, "/o");
    CU_ASSERT_EQUAL(config_override(&c, "disk=['/o,,sda']", err, sizeof(err)), -22);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "command line:1: disk: '/o,,sda': vdev 'sda'"));
}

static void test_check(void)
{
    CU_ASSERT_EQUAL(parse("kernel=\"/k\"\n"), 0);
    CU_ASSERT_EQUAL(config_check(&c, err, sizeof(err)), -22);
    CU_ASSERT_STRING_EQUAL(err, "no name");
    CU_ASSERT_EQUAL(parse("name=\"x\"\n"), 0);
    CU_ASSERT_EQUAL(config_check(&c, err, sizeof(err)), -22);
    CU_ASSERT_STRING_EQUAL(err, "no kernel");
    CU_ASSERT_EQUAL(parse("name=\"Domain-0\"\nkernel=\"/k\"\n"), 0);
    CU_ASSERT_EQUAL(config_check(&c, err, sizeof(err)), -22);
    CU_ASSERT_EQUAL(parse("name=\"a/b\"\nkernel=\"/k\"\n"), 0);
    CU_ASSERT_EQUAL(config_check(&c, err, sizeof(err)), -22);
}

/* type = "hvm": a firmware image or a kernel, one vCPU; disks and NICs are refused for now. */
static void test_hvm(void)
{
    CU_ASSERT_EQUAL(parse("name=\"h\"\ntype=\"hvm\"\nfirmware=\"/f.elf\"\n"), 0);
    CU_ASSERT_EQUAL(c.hvm, 1);
    CU_ASSERT_EQUAL(config_check(&c, err, sizeof(err)), 0);
    CU_ASSERT_STRING_EQUAL(c.firmware, "/f.elf");
    CU_ASSERT_EQUAL(parse("name=\"h\"\ntype=\"hvm\"\n"), 0);
    CU_ASSERT_EQUAL(config_check(&c, err, sizeof(err)), -22);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "needs firmware="));
    CU_ASSERT_EQUAL(parse("name=\"h\"\ntype=\"hvm\"\nfirmware=\"/f\"\nkernel=\"/k\"\n"), 0);
    CU_ASSERT_EQUAL(config_check(&c, err, sizeof(err)), -22);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not both"));
    CU_ASSERT_EQUAL(parse("name=\"h\"\ntype=\"hvm\"\nkernel=\"/k\"\nramdisk=\"/r\"\ncmdline=\"x\"\n"), 0);
    CU_ASSERT_EQUAL(config_check(&c, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(parse("name=\"h\"\ntype=\"hvm\"\nramdisk=\"/r\"\n"), 0);
    CU_ASSERT_EQUAL(config_check(&c, err, sizeof(err)), -22);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "or kernel="));
    CU_ASSERT_EQUAL(parse("name=\"h\"\ntype=\"hvm\"\nfirmware=\"/f\"\nvcpus=2\n"), 0);
    CU_ASSERT_EQUAL(config_check(&c, err, sizeof(err)), -22);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "one vCPU"));
    CU_ASSERT_EQUAL(parse("name=\"h\"\ntype=\"hvm\"\nfirmware=\"/f\"\ndisk=['/a,,xvda']\n"), 0);
    CU_ASSERT_EQUAL(config_check(&c, err, sizeof(err)), 0);               /* QEMU's IDE disk */
    CU_ASSERT_EQUAL(c.disks[0].index, 0);
    CU_ASSERT_EQUAL(parse("name=\"h\"\ntype=\"hvm\"\nkernel=\"/k\"\ndisk=['/a,raw,hdd,r']\n"), 0);
    CU_ASSERT_EQUAL(config_check(&c, err, sizeof(err)), 0);
    CU_ASSERT(c.disks[0].index == 3 && c.disks[0].readonly && c.disks[0].devid == (22u << 8 | 64));
    CU_ASSERT_EQUAL(parse("name=\"h\"\ntype=\"hvm\"\nfirmware=\"/f\"\ndisk=['/a,,xvde']\n"), 0);
    CU_ASSERT_EQUAL(config_check(&c, err, sizeof(err)), -22);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "four places"));
    CU_ASSERT_EQUAL(parse("name=\"h\"\ntype=\"hvm\"\nfirmware=\"/f\"\ndisk=['/a,,hda']\ndevice_model_version=\"none\"\n"), 0);
    CU_ASSERT_EQUAL(config_check(&c, err, sizeof(err)), -22);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "needs the device model"));
    CU_ASSERT_EQUAL(parse("name=\"h\"\ntype=\"hvm\"\nfirmware=\"/f\"\nvif=['bridge=pvbr0']\n"), 0);
    CU_ASSERT_EQUAL(config_check(&c, err, sizeof(err)), 0);               /* QEMU's e1000 */
    CU_ASSERT_EQUAL(parse("name=\"h\"\ntype=\"hvm\"\nfirmware=\"/f\"\nvif=['bridge=pvbr0']\ndevice_model_version=\"none\"\n"), 0);
    CU_ASSERT_EQUAL(config_check(&c, err, sizeof(err)), -22);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "e1000 or rtl8139"));
    CU_ASSERT_EQUAL(parse("name=\"p\"\nkernel=\"/k\"\ndisk=['/a,,hda']\n"), 0);
    CU_ASSERT_EQUAL(config_check(&c, err, sizeof(err)), -22);          /* IDE names: HVM only */
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "IDE disks"));
    CU_ASSERT_EQUAL(parse("name=\"p\"\nkernel=\"/k\"\nfirmware=\"/f\"\n"), 0);
    CU_ASSERT_EQUAL(config_check(&c, err, sizeof(err)), -22);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "firmware= and device_model_* are for type"));
    CU_ASSERT_EQUAL(parse("name=\"h\"\ntype=\"hvm\"\nfirmware=\"/f\"\ndevice_model_version=\"qemu-xen-traditional\"\n"), 0);
    CU_ASSERT_EQUAL(config_check(&c, err, sizeof(err)), -22);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "device_model_version"));
    CU_ASSERT_EQUAL(parse("name=\"h\"\ntype=\"hvm\"\nfirmware=\"/f\"\ndevice_model_version=\"none\"\n"), 0);
    CU_ASSERT_EQUAL(config_check(&c, err, sizeof(err)), 0);
    CU_ASSERT_EQUAL(config_has_device_model(&c), 0);
    CU_ASSERT_EQUAL(parse("name=\"h\"\ntype=\"hvm\"\nfirmware=\"/f\"\n"), 0);
    CU_ASSERT_EQUAL(config_has_device_model(&c), 1);
    CU_ASSERT_EQUAL(parse("name=\"p\"\ntype=\"pv\"\nkernel=\"/k\"\n"), 0);
    CU_ASSERT_EQUAL(c.hvm, 0);
}

void register_config_tests(void)
{
    CU_pSuite s = CU_add_suite("config", NULL, NULL);

    CU_add_test(s, "full_config", test_full_config);
    CU_add_test(s, "defaults", test_defaults);
    CU_add_test(s, "errors_have_lines", test_errors_have_lines);
    CU_add_test(s, "too_long", test_too_long);
    CU_add_test(s, "overrides", test_overrides);
    CU_add_test(s, "check", test_check);
    CU_add_test(s, "disks", test_disks);
    CU_add_test(s, "hvm", test_hvm);
}

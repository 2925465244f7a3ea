# make run's dom0 (scripts/run.sh; docs/io.md "make run"): what a user needs to start a
# Linux guest with a disk and a network from the dom0 shell.
#  - dom0's NIC (QEMU's virtio-net on its user network) goes on the bridge pvbr0, and dom0
#    takes its address there by DHCP (net-bridge-up, pv-dhcp);
#  - a 256 MiB sparse disk image with an ext2 filesystem, /tmp/linux-disk.img (in dom0's
#    RAM: it lasts until dom0 powers off);
#  - /etc/pvctl/linux.cfg: the stock kernel as a domU with that image as xvda and a vif on
#    pvbr0; its /init mounts xvda on /mnt and takes eth0's address by DHCP (make-run-domU.sh).
# Each step says what failed and the shell still comes up.
img=/tmp/linux-disk.img; K=/etc/pvctl/linux
modprobe virtio_pci 2>/dev/null; modprobe virtio_net 2>/dev/null
n=0; while [ ! -e /sys/class/net/eth0 ] && [ $n -lt 50 ]; do sleep 0.1; n=$((n + 1)); done
net="no network"
if [ ! -e /sys/class/net/eth0 ]; then echo "make-run: no NIC (eth0) in dom0: guests get no network"
elif ! net-bridge-up pvbr0 eth0 > /dev/null; then echo "make-run: net-bridge-up pvbr0 eth0 failed"
elif addr=$(pv-dhcp pvbr0 2> /tmp/pv-dhcp.err); then net="pvbr0 $addr"
else echo "make-run: no DHCP lease on pvbr0: $(cat /tmp/pv-dhcp.err)"; net="pvbr0 (no address)"; fi
# loop and ext4 (with the crc32c it requests) loaded, /mnt made: in dom0's shell
# `mount -t ext4 -o loop /tmp/linux-disk.img /mnt` shows the guest's files (not while it runs)
modprobe loop 2>/dev/null; modprobe crc32c_generic 2>/dev/null; modprobe ext4 2>/dev/null; mkdir -p /mnt
disk=
if [ -f $K/vmlinuz ] && dd if=/dev/zero of=$img bs=1M count=0 seek=256 2>/dev/null &&
   mkfs.ext2 -q -F $img > /tmp/mkfs.log 2>&1; then
  disk="disk = [ 'file:$img,xvda,w' ]"
else echo "make-run: no disk image for the Linux guest: $(cat /tmp/mkfs.log 2>/dev/null)"; fi
vif=; [ -d /sys/class/net/pvbr0/bridge ] && vif="vif = [ 'bridge=pvbr0' ]"
cat > /etc/pvctl/linux.cfg <<CFG
# The stock Debian kernel as a PV domU, written by make run's dom0 (make-run-dom0.sh):
# xvda is $img (ext2, mounted on /mnt by the guest), eth0 is on pvbr0.
#   pvctl create /etc/pvctl/linux.cfg -c     (Ctrl-] detaches; poweroff in the guest ends it)
name = "linux"
kernel = "$K/vmlinuz"
ramdisk = "$K/initrd.gz"
memory = 256
vcpus = 1
extra = "console=hvc0 loglevel=3"
$disk
$vif
CFG
echo "make-run: dom0 network: $net; /etc/pvctl/linux.cfg: ${disk:+xvda $img }${vif:+vif on pvbr0}"
# /etc/pvctl/hvm-linux.cfg: the same kernel, unmodified, as an HVM guest on emulated hardware
# (pvctl boots it directly; QEMU-xen is its device model: its 16550 is the console, its IDE
# disk /tmp/hvm-disk.img, ext2, is sda on /mnt in the guest, its e1000 is on pvbr0; docs/hvm.md).
himg=/tmp/hvm-disk.img; hdisk=
if dd if=/dev/zero of=$himg bs=1M count=0 seek=64 2>/dev/null && mkfs.ext2 -q -F $himg > /tmp/mkfs.log 2>&1; then
  hdisk="disk = [ '$himg,raw,hda,w' ]"
else echo "make-run: no disk image for the HVM guest: $(cat /tmp/mkfs.log 2>/dev/null)"; fi
cat > /etc/pvctl/hvm-linux.cfg <<CFG
# The stock Debian kernel as an HVM guest, written by make run's dom0 (make-run-dom0.sh):
# emulated hardware only (QEMU-xen's PC: i440FX, PIIX3 IDE, 16550), no PV drivers.
#   pvctl create /etc/pvctl/hvm-linux.cfg -c     (Ctrl-] detaches; poweroff in the guest ends it)
name = "hvm-linux"
type = "hvm"
kernel = "$K/vmlinuz"
ramdisk = "$K/initrd.gz"
memory = 160
cmdline = "console=ttyS0 loglevel=3 pvhv.hvmdisk"
$hdisk
${vif:+vif = [ 'bridge=pvbr0,model=e1000' ]}
CFG

# A Linux domU of make run (/etc/pvctl/linux.cfg, written by make-run-dom0.sh): its
# xen-blkfront disk xvda mounted on /mnt, its xen-netfront eth0 with an address by DHCP
# through dom0's bridge. A guest with neither (make run DOM0=0) skips both at once. As the
# HVM guest of /etc/pvctl/hvm-linux.cfg (pvhv.hvmdisk): QEMU's IDE disk sda on /mnt, its
# e1000 eth0 with an address by DHCP through dom0's bridge.
dev=/sys/bus/xen/devices
have() { [ -e "$dev/$1" ]; }
say=
if have vbd-51712; then
  # ext4 (which mounts ext2) asks for crc32c through request_module: load it first
  modprobe xen-blkfront 2>/dev/null; modprobe crc32c_generic 2>/dev/null; modprobe ext4 2>/dev/null
  n=0; while [ ! -e /dev/xvda ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
  mkdir -p /mnt
  if mount -t ext4 /dev/xvda /mnt 2>/tmp/mount.err; then say="xvda on /mnt"
  else say="xvda (not mounted: $(cat /tmp/mount.err))"; fi
fi
if have vif-0; then
  modprobe xen-netfront 2>/dev/null
  n=0; while [ ! -e /sys/class/net/eth0 ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
  ip link set lo up; ip link set eth0 up 2>/dev/null
  # netfront's carrier comes once netback is Connected.
  n=0; while [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" != 1 ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
  if addr=$(pv-dhcp eth0 2> /tmp/pv-dhcp.err); then say="${say:+$say, }eth0 $addr"
  else say="${say:+$say, }eth0 (no DHCP lease: $(cat /tmp/pv-dhcp.err))"; fi
fi
# An HVM guest (/etc/pvctl/hvm-linux.cfg: emulated hardware, no Xen): QEMU's IDE disk sda.
if [ ! -e /sys/hypervisor/type ] && grep -q hvmdisk /proc/cmdline; then
  modprobe ata_piix 2>/dev/null; modprobe sd_mod 2>/dev/null
  modprobe crc32c_generic 2>/dev/null; modprobe ext4 2>/dev/null
  n=0; while [ ! -e /dev/sda ] && [ $n -lt 150 ]; do sleep 0.2; n=$((n + 1)); done
  mkdir -p /mnt
  if mount -t ext4 /dev/sda /mnt 2>/tmp/mount.err; then say="sda (QEMU's IDE disk) on /mnt"
  else say="sda (not mounted: $(cat /tmp/mount.err 2>/dev/null || echo no /dev/sda))"; fi
  modprobe e1000 2>/dev/null
  n=0; while [ ! -e /sys/class/net/eth0 ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
  if [ -e /sys/class/net/eth0 ]; then
    ip link set lo up; ip link set eth0 up
    n=0; while [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" != 1 ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
    if addr=$(pv-dhcp eth0 2> /tmp/pv-dhcp.err); then say="$say, eth0 (QEMU's e1000) $addr"
    else say="$say, eth0 (no DHCP lease: $(cat /tmp/pv-dhcp.err))"; fi
  fi
fi
[ -n "$say" ] && echo "pvhv: $say"
true

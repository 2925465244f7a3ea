# The HVM guest of tests/run-hvm-linux.sh (pvtest=hvmlinux): the stock Debian kernel, booted
# directly by pvctl (kernel=, the 32-bit boot protocol), on emulated hardware only: the
# hypervisor's local APIC, PIC, PIT and RTC, QEMU's i440FX, PIIX3 IDE and 16550. No Xen
# leaves, no PV drivers. Prints "HVML-..." lines on its serial console (ttyS0, pvctl
# console), which dom0 checks: what the guest sees, a region dom0 wrote on the disk read
# back, then a write dom0 checks on the image; then a file fetched from dom0 over QEMU's
# emulated e1000.
sha() { sha256sum | cut -d' ' -f1; }
echo "HVML-HYPERVISOR: $(cat /sys/hypervisor/type 2>/dev/null || echo none)"
echo "HVML-PCI: $(for d in /sys/bus/pci/devices/*; do printf '%s:%s ' "$(cat "$d/vendor")" "$(cat "$d/device")"; done)"
echo "HVML-CLOCKSOURCE: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
modprobe ata_piix; modprobe sd_mod
n=0
while [ ! -b /dev/sda ] && [ $n -lt 150 ]; do sleep 0.2; n=$((n + 1)); done
if [ -b /dev/sda ]; then
  echo "HVML-SDA: $(cat /sys/block/sda/size) sectors, $(cat /sys/block/sda/device/model 2>/dev/null)"
  # dom0 wrote 4 MiB of random bytes at 16 MiB before the guest started
  echo "HVML-SHA-READ: $(dd if=/dev/sda bs=1M skip=16 count=4 iflag=direct 2>/dev/null | sha)"
  dd if=/dev/urandom of=/tmp/a bs=1M count=8 2>/dev/null
  dd if=/tmp/a of=/dev/sda bs=1M oflag=direct 2>/dev/null || echo "HVML-FAIL: O_DIRECT write"
  dd if=/tmp/a of=/dev/sda bs=1M seek=24 2>/dev/null && sync || echo "HVML-FAIL: page-cache write"
  echo "HVML-SHA-WRITTEN: $(sha < /tmp/a)"
  echo 3 > /proc/sys/vm/drop_caches
  [ "$(dd if=/dev/sda bs=1M count=8 iflag=direct 2>/dev/null | sha)" = "$(sha < /tmp/a)" ] \
    && echo "HVML-READBACK: same" || echo "HVML-READBACK: differs"
  echo "HVML-IRQ: $(grep -E 'ata_piix|ttyS' /proc/interrupts | awk '{ printf "%s %s %s; ", $1, $2, $NF }')"
else
  echo "HVML-SDA: none"
  echo w > /proc/sysrq-trigger
  dmesg | grep -i -A30 'ata\|scsi\|piix\|ide\|blocked' | tail -n 60 | sed 's/^/HVML-DMESG: /'
  grep -E ' (0|1|4|14|15):' /proc/interrupts | sed 's/^/HVML-IRQS: /'
fi
# The network: QEMU's e1000 on a tap on dom0's bridge pvbr0 (10.0.3.1, busybox httpd)
modprobe e1000
n=0
while [ ! -e /sys/class/net/eth0 ] && [ $n -lt 100 ]; do sleep 0.2; n=$((n + 1)); done
if [ -e /sys/class/net/eth0 ]; then
  echo "HVML-ETH0: $(cat /sys/class/net/eth0/address) $(basename "$(readlink /sys/class/net/eth0/device/driver)")"
  ip link set lo up; ip addr add 10.0.3.2/24 dev eth0; ip link set eth0 up
  n=0; while [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" != 1 ] && [ $n -lt 50 ]; do sleep 0.2; n=$((n + 1)); done
  # (no -T: Debian 12's busybox wget segfaults with it, on any host)
  timeout 120 wget -q -O /tmp/blob http://10.0.3.1:8000/blob 2> /tmp/wget.err || {
    echo "HVML-NET-DIAG: wget: $(cat /tmp/wget.err); carrier $(cat /sys/class/net/eth0/carrier)"
    echo "HVML-NET-DIAG: ping: $(ping -c 2 -W 2 10.0.3.1 2>&1 | tail -2 | tr '\n' ' ')"
    echo "HVML-NET-DIAG: arp: $(cat /proc/net/arp | tail -n +2 | tr '\n' ' ')"
    echo "HVML-NET-DIAG: rx $(cat /sys/class/net/eth0/statistics/rx_packets) tx $(cat /sys/class/net/eth0/statistics/tx_packets)"
  }
  echo "HVML-NET-GET: $(sha < /tmp/blob)"
  echo "HVML-NET-IRQ: $(grep eth0 /proc/interrupts | awk '{ print $1, $2 }')"
else
  echo "HVML-ETH0: none"
fi
echo "HVML-DONE"

# dom0's disk and network throughput (pvtest=bench, bench/dom0.sh): the same script in dom0 on
# our hypervisor, in dom0 on the real Xen 4.17 and on bare Linux in the same QEMU. Prints
# "BENCH name MiB/s" lines, then "BENCH-DONE". Times come from /proc/uptime (10 ms); every
# transfer is 32 MiB or more, so that is below 1%.
now() { cut -d' ' -f1 /proc/uptime; }
rate() {   # name MiB t0 t1
  awk -v n="$1" -v m="$2" -v a="$3" -v b="$4" 'BEGIN {
    if (b > a) printf "BENCH %s %.1f\n", n, m / (b - a); else printf "BENCH %s n/a\n", n }'
}
modprobe ahci 2>/dev/null; modprobe sd_mod 2>/dev/null
modprobe virtio_pci 2>/dev/null; modprobe virtio_net 2>/dev/null
i=0; while { [ ! -b /dev/sda ] || [ ! -e /sys/class/net/eth0 ]; } && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done
grep -E 'ahci|virtio' /proc/interrupts | sed 's/^ */interrupts: /'
# pvprofile=FIGURE (bench/profile.sh): only that disk figure, pvrepeat=N times (default 8),
# between PROFILE-START and PROFILE-STOP.
prof=$(sed -n 's/.*pvprofile=\([a-z0-9-]*\).*/\1/p' /proc/cmdline)
if [ -n "$prof" ]; then
  n=$(sed -n 's/.*pvrepeat=\([0-9]*\).*/\1/p' /proc/cmdline)
  case $prof in
    disk-read-64k) bs=64k count=1024 ;;
    disk-read-4k) bs=4k count=8192 ;;
    *) echo "BENCH-DONE (no profile figure $prof)"; exit 1 ;;
  esac
  # The kernel's symbols for the profiler: Debian's System.map is a stub (the real one is in
  # the -dbg package), so /proc/kallsyms goes onto the disk the profiler marked for it (the
  # probe order of the two disks varies); the other one is read.
  i=0; while [ ! -b /dev/sdb ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
  syms=; disk=
  for d in /dev/sda /dev/sdb; do
    if [ "$(head -c 17 $d)" = PVPROFILE-SYMBOLS ]; then syms=$d; else disk=$d; fi
  done
  [ -n "$syms" ] && [ -n "$disk" ] || { echo "BENCH-DONE (no symbols disk)"; exit 1; }
  grep ' [tTwW] ' /proc/kallsyms > $syms && sync && echo "PROFILE-KALLSYMS $(grep -c ' [tTwW] ' /proc/kallsyms)"
  echo PROFILE-START
  for _ in $(seq "${n:-8}"); do
    t0=$(now); dd if=$disk of=/dev/null bs=$bs count=$count iflag=direct 2>/dev/null; t1=$(now)
    rate "$prof" $(( count * ${bs%k} / 1024 )) "$t0" "$t1"
  done
  echo PROFILE-STOP
  # what the reads cost in requests and interrupts (/sys/block/X/stat: reads, merges, sectors, ms)
  echo "PROFILE-BLOCK-STAT $(cat /sys/block/${disk#/dev/}/stat)"
  grep -E 'ahci' /proc/interrupts | sed 's/^ */PROFILE-INTERRUPTS /'
  sleep 2                      # the profiler reads QEMU's counters once more before it quits
  echo BENCH-DONE
  exit 0
fi
# Disk: O_DIRECT sequential reads of the whole 64 MiB image at 64 KiB and 4 KiB.
if [ -b /dev/sda ]; then
  t0=$(now); dd if=/dev/sda of=/dev/null bs=64k iflag=direct 2>/dev/null; t1=$(now)
  rate disk-read-64k 64 "$t0" "$t1"
  t0=$(now); dd if=/dev/sda of=/dev/null bs=4k count=8192 iflag=direct 2>/dev/null; t1=$(now)
  rate disk-read-4k 32 "$t0" "$t1"
fi
# Network: DHCP, then 32 MiB over HTTP from the runner's server (pvhttp=PORT).
port=$(sed -n 's/.*pvhttp=\([0-9]*\).*/\1/p' /proc/cmdline)
ip link set lo up; ip link set eth0 up
if pv-dhcp eth0 > /dev/null 2>&1 && [ -n "$port" ]; then
  t0=$(now); timeout 300 wget -q -O /dev/null "http://10.0.2.2:$port/bench.bin"; rc=$?; t1=$(now)
  [ $rc = 0 ] && rate net-http-get 32 "$t0" "$t1" || echo "BENCH net-http-get n/a"
fi
echo "BENCH-DONE"

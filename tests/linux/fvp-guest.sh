# The guests of `make bench-full-vs-para` (bench/full-vs-para.sh; dom0: fvp-dom0.sh), one
# script for both ways to do I/O, the same stock kernel and the same jobs:
#   pvtest=fvppv   a PV domU: xen-blkfront's xvda (phy: the raw test disk through dom0's
#                  xen-blkback), xvdb (the tool disk), xen-netfront's eth0 (netback's vif)
#   pvtest=fvphvm  an HVM guest on emulated hardware: QEMU-xen's PIIX3 IDE sda (the same raw
#                  test disk, which QEMU in dom0 opens), sdb (the tool disk), e1000 eth0 (a tap)
# Both on dom0's bridge pvbr0 (dom0 10.0.3.1 serves pvfvp.mib MiB by HTTP on port 8000).
# Prints "BENCH pv|hvm FIGURE VALUE" lines: the fio jobs of pvfvp.jobs on the test disk
# (io-bench-fio.sh) and net-rx (MiB/s of a wget from dom0, timed here). Then the counter
# windows, which dom0 brackets with `pvctl debug-keys q` (pvfvp.counts=1: on our hypervisor):
# "COUNT-BEGIN NAME", 2 s idle, the work, "COUNT-END NAME UNITS SECONDS", 2 s idle; idle is
# a window with no work (the guest's own background: its timer, its console). Ends with
# FVP-GUEST-DONE and powers off.
arg() { sed -n "s/.*pvfvp\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
up() { cut -d' ' -f1 /proc/uptime; }
rt=$(sed -n 's/.*pvio\.runtime=\([0-9]*\).*/\1/p' /proc/cmdline); rt=${rt:-2}
jobs=$(arg jobs | tr , ' '); mib=$(arg mib); mib=${mib:-16}
case "$(sed -n 's/.*pvtest=\([a-z0-9]*\).*/\1/p' /proc/cmdline)" in
  fvppv)  side=pv; dev=/dev/xvda; tdev=/dev/xvdb; ip=10.0.3.11; mods="xen-blkfront xen-netfront" ;;
  *)      side=hvm; dev=/dev/sda; tdev=/dev/sdb; ip=10.0.3.12; mods="ata_piix sd_mod e1000" ;;
esac
for m in $mods crc32c_generic ext4; do modprobe $m; done
n=0; while { [ ! -b $dev ] || [ ! -b $tdev ] || [ ! -e /sys/class/net/eth0 ]; } && [ $n -lt 600 ]; do sleep 0.1; n=$((n+1)); done
T=/mnt/tools; mkdir -p $T
# IDE disks are named in the order their probes end, not hda/hdb's: the tool disk is the one with fio
if [ $side = hvm ] && mount -o ro -t ext4 $dev $T 2>/dev/null; then
  [ -e $T/fio ] && { x=$dev; dev=$tdev; tdev=$x; }
  umount $T
fi
mount -o ro -t ext4 $tdev $T || { echo "BENCH-FAIL: $side: no tool disk ($tdev)"; echo FVP-GUEST-DONE; exit 0; }
. /io-bench-fio.sh
echo "FVP-GUEST: $side, test disk $dev ($(cat /sys/block/${dev#/dev/}/size) sectors), eth0 $(basename "$(readlink /sys/class/net/eth0/device/driver)")"
bench_fio $side phy $dev "$rt" "$jobs"
ip link set lo up; ip addr add $ip/24 dev eth0; ip link set eth0 up
n=0; while [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" != 1 ] && [ $n -lt 300 ]; do sleep 0.2; n=$((n+1)); done
ping -c 3 -W 2 10.0.3.1 > /dev/null 2>&1             # ARP and the bridge's table, out of the timing
fetch() {   # the figure: MiB/s of one wget, timed on the receiving side; the byte count checked
  t0=$(up); b=$(timeout 300 wget -q -O - http://10.0.3.1:8000/blob | wc -c); t1=$(up)
  if [ "$b" = $((mib * 1048576)) ]; then
    echo "BENCH $side net-rx $(awk -v b="$b" -v a="$t0" -v z="$t1" 'BEGIN { printf "%.2f", b / 1048576 / (z - a) }')"
  else echo "BENCH-FAIL: $side net-rx: $b bytes of $((mib * 1048576))"; fi
}
fetch
if [ "$(arg counts)" = 1 ]; then
  window() {   # NAME UNITS command...: dom0 dumps the counters at each line
    name=$1; units=$2; shift 2
    echo "COUNT-BEGIN $name"; sleep 2
    t0=$(up); "$@"; t1=$(up)
    echo "COUNT-END $name $units $(awk -v a="$t0" -v z="$t1" 'BEGIN { printf "%.2f", z - a }')"; sleep 2
  }
  window idle 0 sleep 4
  window randread-4k 512 count_fio randread-4k randread 4k 512 $dev
  window randwrite-4k 512 count_fio randwrite-4k randwrite 4k 512 $dev
  window seqread-64k 256 count_fio seqread-64k read 64k 256 $dev
  window net-rx-mib $mib sh -c "wget -q -O /dev/null http://10.0.3.1:8000/blob"
fi
echo FVP-GUEST-DONE

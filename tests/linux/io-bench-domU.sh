# The PV domU of `make bench-io` (pvtest=iobench, created by io-bench-dom0.sh): xen-blkfront's
# xvda (file: in dom0), xvdb (phy: in dom0) and the read-only tool disk xvdc (fio); the same
# fio jobs as dom0-native (io-bench-fio.sh), "BENCH pv ..." lines, then power off.
modprobe xen-blkfront; modprobe crc32c_generic; modprobe ext4
rt=$(sed -n 's/.*pvio\.runtime=\([0-9]*\).*/\1/p' /proc/cmdline); rt=${rt:-2}
n=0; while { [ ! -b /dev/xvda ] || [ ! -b /dev/xvdb ] || [ ! -b /dev/xvdc ]; } && [ $n -lt 600 ]; do sleep 0.1; n=$((n+1)); done
T=/mnt/tools; mkdir -p $T
if mount -o ro -t ext4 /dev/xvdc $T; then
  . /io-bench-fio.sh
  echo "BENCH-PV: xvdb max_segments $(cat /sys/block/xvdb/queue/max_segments), nr_requests $(cat /sys/block/xvdb/queue/nr_requests)"
  prof=$(sed -n 's/.*pvio\.profile=\([a-z0-9-]*\).*/\1/p' /proc/cmdline)
  if [ -n "$prof" ]; then             # bench/profile.sh: one job, and this domain's module symbols
    echo PROFILE-START
    bench_fio pv phy /dev/xvdb "$rt" "$prof"
    echo PROFILE-STOP
    grep ' [tT] .*\[xen_blkfront\]' /proc/kallsyms | sed 's/^/PROFILE-SYM /'
  else
    bench_fio pv phy /dev/xvdb "$rt"
    bench_fio pv file /dev/xvda "$rt"
  fi
else
  echo "BENCH-FAIL: pv: no tool disk (xvdc)"
fi
echo "BENCH-PV-DONE"

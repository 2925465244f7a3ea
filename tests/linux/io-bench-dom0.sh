# Dom0's side of `make bench-io` (bench/io.sh, pvtest=iobench0), the same on our hypervisor and
# on the real Xen 4.17: dom0's xenstored (xenstore-lite), pvconsoled and pvctl drive both.
# AHCI disks (io-bench-disks.sh tells them apart by what is on them):
#   phy    the raw test disk (no filesystem)            -> the domU's xvdb (phy:, blkback on it)
#   fs     ext2 with file.img, the file-backed test disk -> the domU's xvda (file:, a loop device)
#   tools  read-only ext2: fio and its shared objects    -> the domU's xvdc (phy:, read-only)
# First dom0-native: the fio jobs (io-bench-fio.sh) on the phy disk and on file.img ("BENCH
# native ..."); then `pvctl create`s the domU (pvtest=iobench, io-bench-domU.sh), which runs the
# same jobs on xvda and xvdb; its console comes back as "[domU] BENCH pv ..." lines. Ends
# with "BENCH-IO-DONE".
mkdir -p /proc/xen; modprobe xenfs 2>/dev/null; mount -t xenfs xenfs /proc/xen 2>/dev/null
modprobe ahci 2>/dev/null; modprobe sd_mod 2>/dev/null
modprobe loop 2>/dev/null; modprobe crc32c_generic 2>/dev/null; modprobe ext4 2>/dev/null
rt=$(sed -n 's/.*pvio\.runtime=\([0-9]*\).*/\1/p' /proc/cmdline); rt=${rt:-2}
# pvio.profile=JOB (bench/profile.sh): the domU runs that one fio job on xvdb between
# PROFILE-START and PROFILE-STOP, no dom0-native jobs; dom0's /proc/kallsyms goes onto a
# fourth disk the profiler marked PVPROFILE-SYMBOLS.
prof=$(sed -n 's/.*pvio\.profile=\([a-z0-9-]*\).*/\1/p' /proc/cmdline)
. /io-bench-disks.sh
bench_disks || { echo "BENCH-IO-DONE"; exit 0; }
. /io-bench-fio.sh
# pvio.native=0 skips the dom0-native jobs (a smoke run of the PV side)
if ! grep -q 'pvio\.native=0' /proc/cmdline && [ -z "$prof" ]; then
  echo "BENCH-PHASE: native (fio $("$T/lib/ld-linux-x86-64.so.2" --library-path "$T/lib" "$T/fio" --version), ${rt} s a job)"
  bench_fio native phy $phy "$rt"
  sync; echo 3 > /proc/sys/vm/drop_caches
  bench_fio native file $FS/file.img "$rt"
  sync; echo 3 > /proc/sys/vm/drop_caches
fi

echo "BENCH-PHASE: pv"
K=/etc/pvctl/linux
cat > /tmp/bench.cfg <<CFG
name = "iobench"
kernel = "$K/vmlinuz"
ramdisk = "$K/initrd.gz"
memory = 256
on_crash = "preserve"
extra = "console=hvc0 loglevel=4 pvtest=iobench pvio.runtime=$rt${prof:+ pvio.profile=$prof}"
disk = [ 'file:$FS/file.img,xvda,w', 'phy:$phy,xvdb,w', 'phy:$tools,xvdc,r' ]
CFG
if pvctl create /tmp/bench.cfg -p > /tmp/create.out 2>&1; then
  sed 's/^/BENCH-CREATE: /' /tmp/create.out
  : > /tmp/domU.out
  pvctl console -l iobench 2>&1 | while IFS= read -r l; do echo "[domU] $l"; echo "$l" >> /tmp/domU.out; done &
  sleep 0.5
  pvctl unpause iobench || echo "BENCH-FAIL: pvctl unpause"
  pvctl list | sed 's/^/BENCH-LIST: /'
  # until the domU says it is done, or pvctl's monitor saw it shut down (it logs "shut down:"
  # and its action: a powered-off domU is destroyed). Not from polling `pvctl list`: on the
  # real Xen one such poll missed the running domU (the cause was not looked into).
  mon=/var/log/pvctl/iobench.log
  gone() { grep -q 'action destroy' $mon 2>/dev/null; }
  n=0
  until grep -q '^BENCH-PV-DONE' /tmp/domU.out || grep -q 'shut down:' $mon 2>/dev/null; do
    n=$((n + 1)); [ $n -gt 1200 ] && { echo "BENCH-FAIL: the domU did not finish in 600 s"; pvctl destroy iobench; break; }
    # a crashed domU is kept (on_crash = preserve) until pvconsoled has read its console ring
    if grep -q 'shut down: crash' $mon 2>/dev/null; then
      echo "BENCH-FAIL: the domU crashed"; sleep 3; pvctl destroy iobench; break
    fi
    sleep 0.5
  done
  n=0; until gone || [ $n -gt 120 ]; do sleep 0.5; n=$((n + 1)); done
  gone || { echo "BENCH-FAIL: the domU was not destroyed after it finished"; pvctl destroy iobench; }
  # pvctl's log of the domU; and its console log when it did not finish
  tail -n 20 $mon | sed 's/^/BENCH-MONITOR: /'
  grep -q '^BENCH-PV-DONE' /tmp/domU.out ||
    tail -n 60 /var/log/pvctl/guest-iobench.log | sed 's/^/BENCH-DOMU-LOG: /; s/BENCH pv/bench pv/'
else
  echo "BENCH-FAIL: pvctl create"; cat /tmp/create.out
fi
sleep 1
echo "BENCH-IO-DONE"

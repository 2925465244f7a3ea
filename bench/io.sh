#!/usr/bin/env bash
# bench/io.sh [RUNS]: `make bench-io`, issue 15's disk benchmark. Split-driver block I/O of a
# PV domU against dom0-native, on our hypervisor and on the real Xen 4.17, in the same QEMU
# (q35, TCG, 1 vCPU, 1 GiB; dom0 the stock Debian kernel with 512 MiB, the domU the same
# kernel with 256 MiB) and with the same dom0: the same initramfs (scripts/dom0-initrd.sh),
# the same toolstack on both hypervisors (xenstore-lite, pvconsoled and pvctl: docs/toolstack.md
# "pvctl on the real Xen 4.17"), the same back end (that kernel's xen-blkback, a loop device for
# file:). So the only difference between the sides is the hypervisor.
# Three AHCI disks on q35's ahci bus (raw images in build/bench/io/):
#   phy.img    128 MiB raw test disk: dom0-native fio on /dev/sdX; the domU's xvdb (phy:)
#   fs.img     ext2 holding the 128 MiB file.img: dom0-native fio on the file; the domU's xvda
#              (file:, a loop device in dom0), so both reach the same emulated disk, not RAM
#   tools.img  read-only ext2 with /usr/bin/fio and the shared objects ldd names (82 MiB: too
#              big for the initramfs of a 256 MiB domU), mounted by dom0 and passed to the
#              domU as a read-only phy: disk (xvdc)
# One boot per side per run (pvtest=iobench0, tests/linux/io-bench-dom0.sh): dom0 runs the fio
# jobs (tests/linux/io-bench-fio.sh) natively, then creates the domU (io-bench-domU.sh), which
# runs the same jobs on xvdb and xvda. Jobs: sequential read and write at 64 KiB and 1 MiB,
# random read and write at 4 KiB, each at queue depth 1 and 32; O_DIRECT, libaio, IO_RUNTIME
# seconds each (default 2), time-based over the first 128 MiB. Figures: MiB/s (seq), IOPS (rand).
# RUNS defaults to 3, the issue's minimum (not the 9 of bench/stats.sh): one run is two boots of
# 2.5-3 minutes each under TCG (48 fio jobs a boot, plus dom0's and the domU's boot), so 9 runs
# take about 50 minutes (RUNS=9 make bench-io). BENCH_SIDES="ours" or "xen" runs one side (a smoke run).
# Prints min/median/max per side, ours/Xen ratios (bench/stats.sh) and PV/native; gnuplot PNG
# bar charts in build/bench/io/. Only the disk part of issue 15's bench: a network section
# would add its own jobs to the guest scripts and its own figure list below (FIGS_NET).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-${RUNS:-3}}
rt=${IO_RUNTIME:-2}
sides=${BENCH_SIDES:-ours xen}
. "$top/bench/stats.sh"
[ "${BENCH_IO_REPORT:-0}" = 1 ] || [ "${BENCH_IO_DISKS_ONLY:-0}" = 1 ] || bench_check_runs "$runs"
out=${BENCH_IO_OUT:-$top/build/bench/io}; fig=$out/figures; mkdir -p "$out" "$fig"
k=$top/build/linux/vmlinux; ird=$top/build/linux/initrd.gz
hv=$top/build/hypervisor/hypervisor.bin
for f in "$k" "$ird" "$hv" /usr/bin/fio /usr/sbin/mke2fs; do
  [ -f "$f" ] || { echo "bench-io: missing $f (make hypervisor linux-image; scripts/setup.sh: fio)" >&2; exit 1; }
done

# BENCH_IO_REPORT=1: no boots, only the tables and plots from the figures already in $out
# (of a finished run, or of the runs an interrupted one completed).
if [ "${BENCH_IO_REPORT:-0}" = 1 ]; then
  runs=$(for x in "$fig"/*.txt; do wc -l < "$x"; done | sort -n | tail -1)
  rt=$(cat "$out"/*-1.log.cmdline 2>/dev/null | sed -n 's/.*pvio\.runtime=\([0-9]*\).*/\1/p' | head -1); rt=${rt:-$rt}
fi
# --- the disks ---
[ "${BENCH_IO_REPORT:-0}" = 1 ] || {
echo "bench-io: making the disk images in $out" >&2
rm -f "$out"/ours-[0-9]*.log* "$out"/xen-[0-9]*.log*
t=$out/tools; rm -rf "$t"; mkdir -p "$t/lib"
cp -L /usr/bin/fio "$t/fio"
ldd /usr/bin/fio | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
  while read -r so; do cp -L "$so" "$t/lib/"; done
gcc_s=$(ldconfig -p | awk '/libgcc_s\.so\.1 .*x86-64/ && !f { print $NF; f = 1 }')   # pthread_cancel
[ -n "$gcc_s" ] && cp -L "$gcc_s" "$t/lib/"
[ -e "$t/lib/ld-linux-x86-64.so.2" ] || { echo "bench-io: no dynamic loader in fio's ldd closure" >&2; exit 1; }
mb=$(( $(du -sm "$t" | cut -f1) + 16 ))
rm -f "$out/tools.img"
mke2fs -q -t ext2 -L bench-tools -d "$t" "$out/tools.img" "${mb}M" >&2 || { echo "bench-io: mke2fs tools.img failed" >&2; exit 1; }
rm -rf "$t"
python3 -c 'import random, sys; sys.stdout.buffer.write(random.Random(15).randbytes(128 << 20))' > "$out/phy.img"
f=$out/fsdir; rm -rf "$f"; mkdir -p "$f"
python3 -c 'import random, sys; sys.stdout.buffer.write(random.Random(16).randbytes(128 << 20))' > "$f/file.img"
rm -f "$out/fs.img"
mke2fs -q -t ext2 -L bench-fs -d "$f" "$out/fs.img" 192M >&2 || { echo "bench-io: mke2fs fs.img failed" >&2; exit 1; }
rm -rf "$f"
# dom0's initramfs with the domU's kernel and initramfs under /etc/pvctl/linux
"$top/scripts/dom0-initrd.sh" "$out/dom0-initrd.gz" || { echo "bench-io: scripts/dom0-initrd.sh failed" >&2; exit 1; }
# BENCH_IO_DISKS_ONLY=1: stop here (bench/profile.sh's pv-disk workloads boot with these)
[ "${BENCH_IO_DISKS_ONLY:-0}" = 1 ] && exit 0

export QEMU_MACHINE=q35
drive() { echo "-drive if=none,id=$1,file=$2,format=raw -device ide-hd,drive=$1,bus=ide.$3"; }
export QEMU_EXTRA="$(drive d0 "$out/phy.img" 0) $(drive d1 "$out/fs.img" 1) $(drive d2 "$out/tools.img" 2)"
KARGS="console=hvc0 loglevel=4 pvtest=iobench0 pvio.runtime=$rt ${IO_KARGS:-}"   # IO_KARGS=pvio.native=0: PV only
END='BENCH-IO-DONE'
case " $sides " in *" xen "*)
  bash "$top/scripts/xen-ref-setup.sh" >&2 || { echo "bench-io: cannot set up the real Xen" >&2; exit 1; } ;;
esac

}
# figures: disk-{phy,file}-JOB; one value a run in $out/figures/{native,pv}-{ours,xen}-FIGURE.txt
JOBS="seqread-64k-qd1 seqread-64k-qd32 seqread-1m-qd1 seqread-1m-qd32 seqwrite-64k-qd1 seqwrite-64k-qd32
      seqwrite-1m-qd1 seqwrite-1m-qd32 randread-4k-qd1 randread-4k-qd32 randwrite-4k-qd1 randwrite-4k-qd32"
FIGS_DISK=$(for d in file phy; do for j in $JOBS; do echo "disk-$d-$j"; done; done)
FIGS="$FIGS_DISK"   # a network section adds its FIGS_NET here (and its jobs to the guest scripts)
[ "${BENCH_IO_REPORT:-0}" = 1 ] ||
  for s in ours xen; do for w in native pv; do for f in $FIGS; do : > "$fig/$w-$s-$f.txt"; done; done; done
# The figures of one boot's log into the per-figure files (the domU's lines come relayed by dom0).
collect() {   # side log
  tr -d '\r' < "$2" | sed -n 's/^\((d0) \)\{0,1\}\(\[domU\] \)\{0,1\}BENCH \(native\|pv\) \([a-z0-9-]*\) \([0-9.]*\)$/\3 \4 \5/p' |
    while read -r w f v; do echo "$v" >> "$fig/$w-$1-$f.txt"; done
  tr -d '\r' < "$2" | grep -a 'BENCH-FAIL' | sed "s/^/bench-io: $1: /" >&2
  grep -aq "$END" "$2" || echo "bench-io: the $1 boot did not finish, see $2" >&2
}
start=$(date +%s)
[ "${BENCH_IO_REPORT:-0}" = 1 ] ||
for i in $(seq "$runs"); do
  for side in $sides; do
    echo "bench-io: run $i/$runs side $side ($(( $(date +%s) - start )) s so far)" >&2
    log=$out/$side-$i.log
    if [ "$side" = ours ]; then
      "$top/tests/guests/tcg-boot.sh" -k "$hv" -a "console=com1 loglvl=info dom0=1 dom0_mem=512M" \
          -M "$k $KARGS" -M "$out/dom0-initrd.gz initrd" -m 1024 -l "$log" -t 900 -e "$END" > /dev/null 2>&1
    else
      XEN_EXTRA_ARGS="dom0_mem=512M,max:512M" bash "$top/scripts/xen-ref.sh" \
          -M "$k $KARGS" -M "$out/dom0-initrd.gz" -m 1024 -l "$log" -t 900 -e "$END" > /dev/null 2>&1
    fi
    collect "$side" "$log"
  done
done
[ "${BENCH_IO_REPORT:-0}" = 1 ] || echo "bench-io: $runs runs in $(( $(date +%s) - start )) s" >&2

# --- the tables ---
st() { bench_stats < "$fig/$1.txt"; }   # min med max of one side's figure
unit() { case "$1" in *-seq*) echo MiB/s ;; *) echo IOPS ;; esac; }
echo "bench-io: disk throughput, TCG, q35, 1 vCPU, 1 GiB; dom0 512 MiB, PV domU 256 MiB; kernel $(cat "$top/build/linux/kernel-package"), unmodified"
echo "fio $(fio --version | sed 's/^fio-//'), O_DIRECT, libaio, $rt s a job; $runs runs (boots) a side; seq* in MiB/s, rand* in IOPS"
echo "file: a 128 MiB file on ext2 on AHCI (dom0: fio on the file; domU: xvda, file: = a loop device in dom0)"
echo "phy:  a 128 MiB raw AHCI disk (dom0: fio on /dev/sdX; domU: xvdb, phy: = blkback on /dev/sdX)"
echo
ours_vs_xen() {   # native|pv: every figure of that kind, ours against Xen
  bench_header xen
  for f in $FIGS; do
    read -r a b c < <(st "$1-ours-$f"); read -r x y z < <(st "$1-xen-$f")
    bench_row "${f#disk-}" "$a" "$b" "$c" "$x" "$y" "$z"
  done
}
echo "== PV domU: ours vs the real Xen 4.17 (the same dom0, toolstack and xen-blkback)"
ours_vs_xen pv
echo
echo "== dom0-native (AHCI): dom0 on ours vs dom0 on the real Xen 4.17"
ours_vs_xen native
echo
echo "== PV / dom0-native, on the same hypervisor (medians; min: ratio of minimums)"
printf '%-24s %9s %9s %9s %9s  %8s %8s %8s %8s\n' figure nat-ours pv-ours nat-xen pv-xen \
  ours-med ours-min xen-med xen-min
g64=0; n64=0; g4=0; n4=0; gx=0; nx=0
dat=$out/bench-io.dat
echo "# figure nat-ours(med min max) pv-ours(med min max) nat-xen(med min max) pv-xen(med min max)" > "$dat"
for f in $FIGS; do
  read -r no_min no_med no_max < <(st "native-ours-$f"); read -r po_min po_med po_max < <(st "pv-ours-$f")
  read -r nx_min nx_med nx_max < <(st "native-xen-$f"); read -r px_min px_med px_max < <(st "pv-xen-$f")
  rom=$(bench_ratio "$po_med" "$no_med"); rxm=$(bench_ratio "$px_med" "$nx_med")
  printf '%-24s %9s %9s %9s %9s  %8s %8s %8s %8s\n' "${f#disk-}" "$no_med" "$po_med" "$nx_med" "$px_med" \
    "$rom" "$(bench_ratio "$po_min" "$no_min")" "$rxm" "$(bench_ratio "$px_min" "$nx_min")"
  echo "${f#disk-} $no_med $no_min $no_max $po_med $po_min $po_max $nx_med $nx_min $nx_max $px_med $px_min $px_max" |
    sed 's#n/a#0#g' >> "$dat"
  # the goals, on medians: PV >= 80% of native at 64 KiB, >= 50% at 4 KiB; ours/Xen >= 1
  ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a ~ /^[0-9.]+$/ && a >= b) }'; }
  case "$f" in *-64k-*) n64=$((n64 + 1)); ge "$rom" 0.8 && g64=$((g64 + 1)) ;; esac
  case "$f" in *-4k-*) n4=$((n4 + 1)); ge "$rom" 0.5 && g4=$((g4 + 1)) ;; esac
  nx=$((nx + 1)); ge "$(bench_ratio "$po_med" "$px_med")" 1 && gx=$((gx + 1))
done
echo
echo "ours/Xen and dom0 ours/Xen ratios are throughputs (> 1: ours is faster); min-ratio compares the slowest runs."
echo "! after a max: that side's spread (max - min) / min is over 30%: a noisy machine, rerun."
verdict() { [ "$1" = "$2" ] && [ "$2" -gt 0 ] && echo met || echo "NOT met"; }
echo "goals (issue 15, medians): PV >= 80% of dom0-native at 64 KiB: $g64/$n64 rows ($(verdict $g64 $n64)); PV >= 50% at 4 KiB: $g4/$n4 rows ($(verdict $g4 $n4)); ours/Xen >= 1: $gx/$nx rows ($(verdict $gx $nx))"

# --- the plots: one bar chart per disk and unit, median bars with min-max error bars ---
if command -v gnuplot > /dev/null; then
  for d in file phy; do for u in seq rand; do
    grep "^$d-$u" "$dat" | sed "s/^$d-//" > "$out/$d-$u.dat"
    [ "$u" = seq ] && yl="MiB/s" || yl="IOPS"
    gnuplot > "$out/gnuplot.log" 2>&1 <<GP || echo "bench-io: gnuplot failed, see $out/gnuplot.log" >&2
set terminal pngcairo size 1100,560 noenhanced
set output "$out/$d-$u.png"
set title "bench-io: $d disk, $u ($yl, median of $runs runs, bars min-max; TCG)"
set ylabel "$yl"
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.7 border -1
set xtics rotate by -30
set key below
set yrange [0:*]
plot "$out/$d-$u.dat" using 2:3:4:xtic(1) title "dom0-native on ours", \
     '' using 5:6:7 title "PV domU on ours", \
     '' using 8:9:10 title "dom0-native on Xen 4.17", \
     '' using 11:12:13 title "PV domU on Xen 4.17"
GP
  done; done
  echo "plots: $(cd "$out" && ls ./*.png | sed 's#^\./#build/bench/io/#' | tr '\n' ' ')"
else
  echo "bench-io: no gnuplot (scripts/setup.sh installs gnuplot-nox): no plots" >&2
fi

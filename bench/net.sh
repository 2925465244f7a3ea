#!/usr/bin/env bash
# bench/net.sh [RUNS]: split-driver network throughput and round-trip latency (issue 15),
# domU <-> dom0 and domU <-> domU, on our hypervisor and on the real Xen 4.17, in the same
# QEMU (q35, TCG, 1 vCPU, BENCH_MEM MiB, default 2048: the real Xen needs room for two
# domUs next to dom0's 512 MiB) with the same stock Debian kernel as dom0 and domUs and the
# same toolstack in dom0 (pvctl, xenstore-lite, pvconsoled: docs/toolstack.md "pvctl on
# the real Xen 4.17"), so only the hypervisor differs. Dom0 (pvtest=netbench0,
# tests/linux/netbench-dom0.sh) makes the bridge pvbr0 (no NIC: 10.0.0.1/24) and
# `pvctl create`s two domUs (NET_DOMU_MEM MiB, default 256, 1 vCPU, vif on pvbr0, static
# 10.0.0.11 and .12; tests/linux/netbench-domU.sh). Figures, one of each per boot:
#   tput-domU-dom0   MiB/s  dom0 wgets NET_MIB MiB (default 32) from nb1's busybox httpd
#   tput-dom0-domU   MiB/s  nb1 wgets the same from dom0's httpd
#   tput-domU-domU   MiB/s  nb1 wgets it from nb2's httpd, through dom0's bridge
#   rtt-domU-dom0    ms     nb1's ping -c 20 -i 0.2 to dom0, average round trip
#   rtt-domU-domU    ms     the same to nb2
# in two steps: nb1 with dom0 while nb2 is still paused, then nb2 runs for the domU figures.
# timed on the receiving side with /proc/uptime, the byte count checked. HTTP (busybox
# wget/httpd), not nc: the initramfs's busybox nc is the small one (no -q, no half-close),
# so its end of stream is not a clean end of the transfer; wget stops at Content-Length.
# One boot per side per run (RUNS, default 3; about 2-3 min a boot here). The extra
# archive (this script's current /init and the two scripts; /etc/pvctl/linux for dom0)
# is appended to build/linux/initrd.gz, so the bench needs no rebuilt image.
# Prints min/median/max per side and the ratios ours / Xen (bench/stats.sh); PNG bar
# charts (gnuplot) under build/bench/net/.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-${RUNS:-3}}
mem=${BENCH_MEM:-2048}; umem=${NET_DOMU_MEM:-256}; mib=${NET_MIB:-32}
. "$top/bench/stats.sh"
bench_check_runs "$runs"
out=$top/build/bench/net; mkdir -p "$out"
k=$top/build/linux/vmlinux; ird=$top/build/linux/initrd.gz
bz=$(ls "$top"/build/linux/root/boot/vmlinuz-* 2>/dev/null | head -1)
hv=${HV_IMAGE:-$top/build/hypervisor/hypervisor.bin}
for f in "$k" "$ird" "$hv" "$bz"; do
  [ -f "$f" ] || { echo "bench-net: missing $f (make hypervisor linux-image)" >&2; exit 1; }
done
TPUT="tput-domU-dom0 tput-dom0-domU tput-domU-domU"
RTT="rtt-domU-dom0 rtt-domU-domU"

# The archives: /init and the bench scripts for both; dom0's also /etc/pvctl/linux, the
# domUs' kernel (the stock bzImage) and initramfs (build/linux/initrd.gz + that archive).
x=$(mktemp -d); trap 'rm -rf "$x"' EXIT
mkdir -p "$x/s" "$x/d/etc/pvctl/linux"
cp "$top/tests/linux/init" "$x/s/init"; chmod +x "$x/s/init"
cp "$top/tests/linux/netbench-dom0.sh" "$top/tests/linux/netbench-domU.sh" "$x/s/"
(cd "$x/s" && find . | cpio -o -H newc --quiet | gzip -1) > "$x/s.cpio.gz"
cp "$bz" "$x/d/etc/pvctl/linux/vmlinuz"
cat "$ird" "$x/s.cpio.gz" > "$x/d/etc/pvctl/linux/initrd.gz"
{ cat "$ird" "$x/s.cpio.gz"; (cd "$x/d" && find . | cpio -o -H newc --quiet | gzip -1); } > "$out/initrd.gz"

export QEMU_MACHINE=q35
END='NETBENCH-DONE'
KARGS="console=hvc0 loglevel=4 pvtest=netbench0 pvnb.mib=$mib pvnb.mem=$umem"
bash "$top/scripts/xen-ref-setup.sh" >&2 || { echo "bench-net: cannot set up the real Xen" >&2; exit 1; }
for side in ours xen; do for f in $TPUT $RTT retries segfaults; do : > "$out/$side-$f.txt"; done; done
collect() {   # side log: the figures of one boot into the per-figure files
  tr -d '\r' < "$2" | sed -n 's/.*BENCH \([A-Za-z0-9-]*\) \([0-9.]*\)$/\1 \2/p' |
    while read -r f v; do echo "$v" >> "$out/$1-$f.txt"; done
  grep -q "$END" "$2" || echo "bench-net: $1 run did not finish, see $2" >&2
  tr -d '\r' < "$2" | grep -a 'NETBENCH-FAIL\|NETBENCH-RETRY' | sed "s/^/  $1 run: /" >&2
  tr -d '\r' < "$2" | grep -ac 'NETBENCH-RETRY' >> "$out/$1-retries.txt"
  tr -d '\r' < "$2" | grep -aq 'Segmentation fault' && echo "$2" >> "$out/$1-segfaults.txt"
}
# Both sides at nice 10 (scripts/xen-ref.sh runs the real Xen so), one after the other.
for i in $(seq "$runs"); do
  echo "bench-net: run $i/$runs: ours" >&2; t=$(date +%s)
  nice -n 10 "$top/tests/guests/tcg-boot.sh" -k "$hv" -a "console=com1 loglvl=info dom0=1 dom0_mem=512M" \
      -M "$k $KARGS" -M "$out/initrd.gz initrd" -m "$mem" -l "$out/ours-$i.log" -t 900 -e "$END" > /dev/null 2>&1
  collect ours "$out/ours-$i.log"; echo "bench-net:   ours boot took $(( $(date +%s) - t )) s" >&2
  echo "bench-net: run $i/$runs: xen" >&2; t=$(date +%s)
  XEN_EXTRA_ARGS="dom0_mem=512M,max:512M" bash "$top/scripts/xen-ref.sh" \
      -M "$k $KARGS" -M "$out/initrd.gz" -m "$mem" -l "$out/xen-$i.log" -t 900 -e "$END" > /dev/null 2>&1
  collect xen "$out/xen-$i.log"; echo "bench-net:   xen boot took $(( $(date +%s) - t )) s" >&2
done

echo "bench-net: split-driver network, TCG, q35, 1 vCPU, $mem MiB; dom0 512 MiB, two domUs $umem MiB"
echo "1 vCPU each; kernel $(cat "$top/build/linux/kernel-package"), unmodified; pvctl in dom0 on both; $runs boots a side"
echo "ours: our hypervisor; xen: the real Xen 4.17"
echo
echo "throughput, MiB/s ($mib MiB by HTTP, timed by the receiver; ratio > 1: ours is faster)"
bench_header xen
: > "$out/tput.dat"; : > "$out/rtt.dat"
for f in $TPUT $RTT; do
  [ "$f" = rtt-domU-dom0 ] && { echo; echo "round-trip latency, ms (ping -c 20 -i 0.2, average; ratio < 1: ours is faster)"; bench_header xen; }
  read -r omin omed omax < <(bench_stats < "$out/ours-$f.txt")
  read -r xmin xmed xmax < <(bench_stats < "$out/xen-$f.txt")
  bench_row "$f" "$omin" "$omed" "$omax" "$xmin" "$xmed" "$xmax"
  case $f in tput-*) dat=$out/tput.dat ;; *) dat=$out/rtt.dat ;; esac
  echo "${f#*-} $omin $omed $omax $xmin $xmed $xmax" | sed 's/n\/a/NaN/g' >> "$dat"
done
echo
echo "ratios are ours / Xen (min-ratio: of the minimums; med-ratio: of the medians)."
echo "! after a max: that side's spread (max - min) / min is over 30%: a noisy machine, rerun."
for side in ours xen; do for f in $TPUT $RTT; do
  n=$(wc -l < "$out/$side-$f.txt"); [ "$n" -lt "$runs" ] && echo "$side: $f from $n of $runs boots (see the NETBENCH-FAIL lines above)"
done; done
for side in ours xen; do
  echo "$side: $(awk '{ t += $1 } END { print t + 0 }' "$out/$side-retries.txt") domU(s) made again (not ready: NETBENCH-RETRY)," \
       "$(wc -l < "$out/$side-segfaults.txt") of $runs boots with segfaults in the log"
done

# Bar charts: medians, min..max as error bars.
if command -v gnuplot > /dev/null; then
  plot() {   # data png title ylabel
    gnuplot <<GP 2>> "$out/gnuplot.log"
set terminal pngcairo size 800,480 noenhanced
set output '$2'
set title '$3'
set ylabel '$4'
set style data histograms
set style histogram errorbars gap 2 lw 1
set style fill solid 0.6 border -1
set yrange [0:*]
set key top right
set grid ytics
plot '$1' using 3:2:4:xtic(1) title 'ours (median, min..max)', '' using 6:5:7 title 'Xen 4.17 (median, min..max)'
GP
  }
  plot "$out/tput.dat" "$out/throughput.png" "split-driver network throughput, $runs boots a side (TCG)" "MiB/s (higher is better)"
  plot "$out/rtt.dat" "$out/latency.png" "split-driver round-trip latency, $runs boots a side (TCG)" "ms (lower is better)"
  ls "$out"/throughput.png "$out"/latency.png > /dev/null 2>&1 && echo "plots: $out/throughput.png $out/latency.png" \
    || echo "bench-net: gnuplot made no plot, see $out/gnuplot.log" >&2
else
  echo "bench-net: no gnuplot (scripts/setup.sh installs gnuplot-nox): no plots" >&2
fi

#!/usr/bin/env bash
# bench/dom0.sh [RUNS]: dom0's disk and network throughput, three ways in the same QEMU
# (q35, TCG, 1 vCPU, 1 GiB; a 64 MiB raw image on q35's AHCI; virtio-net-pci on QEMU's
# user network) with the same stock Debian kernel and initramfs (pvtest=bench,
# tests/linux/dom0-bench.sh): dom0 on our hypervisor (dom0_mem=512M), dom0 on the real
# Xen 4.17 (dom0_mem=512M) and bare Linux (no hypervisor). Figures, in MiB/s:
#   disk-read-64k  O_DIRECT sequential read of the whole image, 64 KiB a request
#   disk-read-4k   the same, 32 MiB at 4 KiB
#   net-http-get   32 MiB over HTTP (busybox wget) from a server on the host
# Prints min/median/max of each side and the ratios ours / reference (bench/stats.sh);
# these are throughputs: a ratio above 1 means ours is faster.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-${RUNS:-9}}
. "$top/bench/stats.sh"
bench_check_runs "$runs"
out=$top/build/bench/dom0; mkdir -p "$out"
k=$top/build/linux/vmlinux; ird=$top/build/linux/initrd.gz
bz=$(ls "$top"/build/linux/root/boot/vmlinuz-* 2>/dev/null | head -1)
hv=$top/build/hypervisor/hypervisor.bin
for f in "$k" "$ird" "$hv" "$bz"; do
  [ -f "$f" ] || { echo "bench-dom0: missing $f (make hypervisor linux-image)" >&2; exit 1; }
done

disk=$out/disk.img
python3 -c 'import random, sys; sys.stdout.buffer.write(random.Random(13).randbytes(64 << 20))' > "$disk"
www=$out/www; mkdir -p "$www"
python3 -c 'import random, sys; sys.stdout.buffer.write(random.Random(14).randbytes(32 << 20))' > "$www/bench.bin"
rm -f "$out/http.port"
python3 "$top/tests/host-net.py" serve "$www" "$out/http.port" > "$out/http.log" 2>&1 &
http_pid=$!
trap 'kill $http_pid 2>/dev/null' EXIT
for _ in $(seq 50); do [ -s "$out/http.port" ] && break; sleep 0.1; done
port=$(cat "$out/http.port" 2>/dev/null)
[ -n "$port" ] || { echo "bench-dom0: the HTTP server did not start" >&2; exit 1; }

export QEMU_MACHINE=q35
export QEMU_EXTRA="-drive if=none,id=d0,file=$disk,format=raw -device ide-hd,drive=d0,bus=ide.0 -netdev user,id=n0 -device virtio-net-pci,netdev=n0"
KARGS="loglevel=4 pvtest=bench pvhttp=$port"
END='BENCH-DONE'

bash "$top/scripts/xen-ref-setup.sh" >&2 || { echo "bench-dom0: cannot set up the real Xen" >&2; exit 1; }
for side in ours xen bare; do for f in disk-read-64k disk-read-4k net-http-get; do : > "$out/$side-$f.txt"; done; done
# The figures of one boot's log into the per-figure files.
collect() {   # side log
  tr -d '\r' < "$2" | sed -n 's/.*BENCH \([a-z0-9-]*\) \([0-9.]*\)$/\1 \2/p' |
    while read -r f v; do echo "$v" >> "$out/$1-$f.txt"; done
  grep -q "$END" "$2" || echo "bench-dom0: $1 run did not finish, see $2" >&2
}
for i in $(seq "$runs"); do
  echo "bench-dom0: run $i/$runs" >&2
  "$top/tests/guests/tcg-boot.sh" -k "$hv" -a "console=com1 loglvl=info dom0=1 dom0_mem=512M" \
      -M "$k console=hvc0 $KARGS" -M "$ird initrd" -m 1024 -l "$out/ours-$i.log" -t 600 -e "$END" > /dev/null 2>&1
  collect ours "$out/ours-$i.log"
  XEN_EXTRA_ARGS="dom0_mem=512M,max:512M" bash "$top/scripts/xen-ref.sh" \
      -M "$k console=hvc0 $KARGS" -M "$ird" -m 1024 -l "$out/xen-$i.log" -t 600 -e "$END" > /dev/null 2>&1
  collect xen "$out/xen-$i.log"
  "$top/tests/guests/tcg-boot.sh" -k "$bz" -a "console=ttyS0 $KARGS" -M "$ird" -m 1024 \
      -l "$out/bare-$i.log" -t 600 -e "$END" > /dev/null 2>&1
  collect bare "$out/bare-$i.log"
done

echo "bench-dom0: dom0's throughput, MiB/s, TCG, $runs boots each; kernel $(cat "$top/build/linux/kernel-package"), unmodified"
for ref in xen bare; do
  echo
  [ "$ref" = xen ] && echo "ours: dom0 on our hypervisor; xen: dom0 on the real Xen 4.17" \
                   || echo "ours: dom0 on our hypervisor; bare: the same kernel with no hypervisor"
  bench_header "$ref"
  for f in disk-read-64k disk-read-4k net-http-get; do
    read -r omin omed omax < <(bench_stats < "$out/ours-$f.txt")
    read -r rmin rmed rmax < <(bench_stats < "$out/$ref-$f.txt")
    bench_row "$f" "$omin" "$omed" "$omax" "$rmin" "$rmed" "$rmax"
  done
done
echo
echo "ratios are ours / reference of throughputs (> 1: ours is faster); min-ratio compares the slowest runs."
echo "! after a max: that side's spread (max - min) / min is over 30%: a noisy machine, rerun."
echo "goals (issue 13): ours >= 0.9 x bare, ours ahead of Xen 4.17."

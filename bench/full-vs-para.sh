#!/usr/bin/env bash
# bench/full-vs-para.sh [RUNS]: `make bench-full-vs-para`, issue 16's benchmark. The same
# disk and network work on the three ways a guest's I/O can go, in one boot, on our
# hypervisor and on the real Xen 4.17 in the same QEMU (q35, TCG, 1 vCPU, 1 GiB; dom0 the
# stock Debian kernel with 512 MiB, its initramfs scripts/qemu-xen-initrd.sh's: the same
# toolstack and the same QEMU-xen on both hypervisors, docs/toolstack.md):
#   native  dom0 itself on the raw AHCI test disk and on its own httpd (loopback)
#   pv      a PV domU (256 MiB): xen-blkfront/blkback on that disk, netfront/netback
#   hvm     an HVM guest (256 MiB), the same kernel unmodified and unaware: QEMU-xen's
#           emulated PIIX3 IDE on that disk and an e1000 on a tap
# (tests/linux/fvp-dom0.sh, fvp-guest.sh). Disk figures: fio on the raw disk, O_DIRECT,
# libaio, IO_RUNTIME s a job (default 2): 64 KiB sequential read and write (MiB/s) and 4 KiB
# random read and write (IOPS), at queue depth 1 and 32 (FVP_JOBS); network: net-rx, MiB/s of
# a wget of FVP_MIB MiB (default 16) from dom0's busybox httpd. One boot per side per run;
# RUNS (default 9, bench/stats.sh) boots a side; BENCH_SIDES="ours" or "xen" runs one.
# On ours the boot also counts, with the hypervisor's counters (`pvctl debug-keys q`), what
# each path costs per I/O: exits and ioreqs on the emulated path, hypercalls, events and
# grant ops on the para path (fixed-size windows, minus an idle window's rate).
# Prints min/median/max, the ratios to native and ours/Xen, the costs; PNG bar charts under
# build/bench/full-vs-para/. docs/bench.md explains where each path spends its time.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-${RUNS:-9}}
rt=${IO_RUNTIME:-2}; mib=${FVP_MIB:-16}
jobs=${FVP_JOBS:-seqread-64k-qd1,seqread-64k-qd32,seqwrite-64k-qd1,seqwrite-64k-qd32,randread-4k-qd1,randread-4k-qd32,randwrite-4k-qd1,randwrite-4k-qd32}
sides=${BENCH_SIDES:-ours xen}
. "$top/bench/stats.sh"
[ "${FVP_REPORT:-0}" = 1 ] || bench_check_runs "$runs"
out=$top/build/bench/full-vs-para; fig=$out/figures; mkdir -p "$out" "$fig"
k=$top/build/linux/vmlinux; hv=$top/build/hypervisor/hypervisor.bin
for f in "$k" "$hv" /usr/bin/fio /usr/libexec/xen-qemu-system-i386; do
  [ -f "$f" ] || { echo "bench-full-vs-para: missing $f (make hypervisor linux-image; scripts/setup.sh)" >&2; exit 1; }
done
FIGS="$(echo "$jobs" | tr , '\n' | sed 's/^/disk-phy-/') net-rx"
PATHS="native pv hvm"
END='BENCH-FVP-DONE'

# The figures of one boot's log into $fig/PATH-SIDE-FIGURE.txt, its counter dumps into
# $out/counts-SIDE.txt ("run path label values..."), one line each.
collect() {   # side run log
  tr -d '\r' < "$3" | sed -n 's/^\((d0) \)\{0,1\}\(\[[a-z]*\] \)\{0,1\}BENCH \(native\|pv\|hvm\) \([a-z0-9-]*\) \([0-9.]*\)$/\3 \4 \5/p' |
    while read -r w f v; do echo "$v" >> "$fig/$w-$1-$f.txt"; done
  tr -d '\r' < "$3" | sed -n "s/^\((d0) \)\{0,1\}BENCH-Q /$2 /p" >> "$out/counts-$1.txt"
  tr -d '\r' < "$3" | grep -a 'BENCH-FAIL' | sed "s/^/bench-full-vs-para: $1: /" >&2
  grep -aq "$END" "$3" || echo "bench-full-vs-para: the $1 boot did not finish, see $3" >&2
}

if [ "${FVP_REPORT:-0}" != 1 ]; then     # FVP_REPORT=1: only the tables of the figures in $out
  echo "bench-full-vs-para: the disk images and dom0's initramfs in $out" >&2
  BENCH_IO_DISKS_ONLY=1 BENCH_IO_OUT="$out" bash "$top/bench/io.sh" || exit 1
  "$top/scripts/qemu-xen-initrd.sh" "$out/dom0-initrd.gz" || { echo "bench-full-vs-para: qemu-xen-initrd.sh failed" >&2; exit 1; }
  case " $sides " in *" xen "*)
    bash "$top/scripts/xen-ref-setup.sh" >&2 || { echo "bench-full-vs-para: cannot set up the real Xen" >&2; exit 1; } ;;
  esac
  rm -f "$out"/ours-[0-9]*.log "$out"/xen-[0-9]*.log "$out"/counts-*.txt
  for s in ours xen; do for p in $PATHS; do for f in $FIGS; do : > "$fig/$p-$s-$f.txt"; done; done; done
  export QEMU_MACHINE=q35
  drive() { echo "-drive if=none,id=$1,file=$2,format=raw -device ide-hd,drive=$1,bus=ide.$3"; }
  export QEMU_EXTRA="$(drive d0 "$out/phy.img" 0) $(drive d1 "$out/fs.img" 1) $(drive d2 "$out/tools.img" 2)"
  kargs="console=hvc0 loglevel=4 pvtest=fvp0 pvio.runtime=$rt pvfvp.jobs=$jobs pvfvp.mib=$mib ${FVP_KARGS:-}"
  start=$(date +%s)
  for i in $(seq "$runs"); do
    for side in $sides; do
      echo "bench-full-vs-para: run $i/$runs side $side ($(( $(date +%s) - start )) s so far)" >&2
      log=$out/$side-$i.log
      if [ "$side" = ours ]; then
        "$top/tests/guests/tcg-boot.sh" -k "$hv" -a "console=com1 loglvl=info dom0=1 dom0_mem=512M" \
            -M "$k $kargs pvfvp.counts=1" -M "$out/dom0-initrd.gz initrd" -m 1024 -l "$log" -t 1800 -e "$END" > /dev/null 2>&1
      else
        XEN_EXTRA_ARGS="dom0_mem=512M,max:512M" bash "$top/scripts/xen-ref.sh" \
            -M "$k $kargs" -M "$out/dom0-initrd.gz" -m 1024 -l "$log" -t 1800 -e "$END" > /dev/null 2>&1
      fi
      collect "$side" "$i" "$log"
    done
  done
  echo "bench-full-vs-para: $runs runs in $(( $(date +%s) - start )) s" >&2
fi
exec bash "$top/bench/full-vs-para-report.sh" "$out" "$FIGS"

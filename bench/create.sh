#!/usr/bin/env bash
# bench/create.sh [RUNS]: the toolstack's create and destroy, on ours (pvctl in dom0, and Xen's
# own xl in dom0 on our hypervisor) and on the real Xen 4.17 (Debian's xl, xenstored and xenconsoled in dom0), in the same QEMU (q35,
# TCG, 1 vCPU, BENCH_MEM MiB, default 2560; dom0 the stock Debian kernel with 512 MiB; with
# 1 GiB the real Xen's second 256 MiB create failed, docs/toolstack.md) and the same dom0 initramfs
# (build/linux/initrd.gz) plus one extra archive: the guest kernels (the stock xz bzImage and
# its uncompressed ELF, build/linux/vmlinux), the guest initramfs, GNU date, the dom0 script
# (tests/linux/bench-create.sh, pvtest=createbench) and, for the Xen side, xl and its daemons
# with the shared objects ldd names (from the host's xen-utils-4.17, scripts/setup.sh).
# Times are taken inside dom0 (GNU date, ns), per run: create's own time, create -> the
# guest's INIT-MARKER in its console log, destroy right after; and create -p / destroy of the
# minimal PV test guest. One boot per side does RUNS runs of each (XEN_RUNS for the Xen side,
# default RUNS). Prints min/median/max, the ratio of minimums and of medians (bench/stats.sh).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-${RUNS:-9}}; xruns=${XEN_RUNS:-$runs}
mem=${BENCH_MEM:-2560}   # all below 4 GiB on q35 (its low memory ends at 2.75 GiB)
. "$top/bench/stats.sh"
bench_check_runs "$runs"
out=$top/build/bench/create; mkdir -p "$out"
k=$top/build/linux/vmlinux; ird=$top/build/linux/initrd.gz
bz=$(ls "$top"/build/linux/root/boot/vmlinuz-* 2>/dev/null | head -1)
hv=$top/build/hypervisor/hypervisor.bin
XB=/usr/lib/xen-4.17/bin
for f in "$k" "$ird" "$hv" "$bz" "$XB/xl" "$XB/xenstored" "$XB/xenconsoled" /usr/bin/date; do
  [ -f "$f" ] || { echo "bench-create: missing $f (make hypervisor linux-image; xen-utils-4.17)" >&2; exit 1; }
done

# The extra archive, appended to dom0's initramfs (Linux unpacks concatenated archives).
x=$out/extra; rm -rf "$x"; mkdir -p "$x/bench" "$x/usr/bin" "$x/etc/xen"
copy_bin() {   # binary, its path in the image: with the shared objects ldd names
  mkdir -p "$x$(dirname "$2")"; cp -L "$1" "$x$2"
  ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
    while read -r so; do [ -e "$x$so" ] || { mkdir -p "$x$(dirname "$so")"; cp -L "$so" "$x$so"; }; done
}
cp "$bz" "$x/bench/vmlinuz"; cp "$k" "$x/bench/vmlinux"; cp "$ird" "$x/bench/initrd.gz"
cp "$top/tests/linux/bench-create.sh" "$x/bench-create.sh"
copy_bin /usr/bin/date /usr/bin/gdate
for b in xl xenstored xenconsoled xen-init-dom0 libxl-save-helper; do copy_bin "$XB/$b" "$XB/$b"; done
gcc_s=$(ldconfig -p | awk '/libgcc_s\.so\.1 .*x86-64/ { print $NF; exit }')   # xl's pthread_cancel
[ -n "$gcc_s" ] && [ ! -e "$x$gcc_s" ] && { mkdir -p "$x$(dirname "$gcc_s")"; cp -L "$gcc_s" "$x$gcc_s"; }
cp /etc/xen/xl.conf "$x/etc/xen/" 2>/dev/null
(cd "$x" && find . | cpio -o -H newc --quiet | gzip -1) > "$out/extra.cpio.gz"
cat "$ird" "$out/extra.cpio.gz" > "$out/initrd.gz"; rm -rf "$x" "$out/extra.cpio.gz"

export QEMU_MACHINE=q35
END='BENCH-CREATE-DONE'
KARGS="console=hvc0 loglevel=4 pvtest=createbench"
# Both sides at nice 10 (scripts/xen-ref.sh runs the real Xen so), one after the other.
# Sides: ours (pvctl on ours), xl (Xen's own xl on ours), xen (xl on the real Xen); BENCH_SIDES
# picks some (a smoke run: the tables then show n/a).
sides=${BENCH_SIDES:-ours xl xen}
for side in $sides; do rm -f "$out/$side.log"; done
on_ours() {   # side (ours: pvctl, xl: Xen's xl), what it is: one boot of our hypervisor
  echo "bench-create: $2 ($runs runs)" >&2
  nice -n 10 "$top/tests/guests/tcg-boot.sh" -k "$hv" -a "console=com1 loglvl=info dom0=1 dom0_mem=512M" \
      -M "$k $KARGS pvbench.side=$1 pvbench.runs=$runs" -M "$out/initrd.gz initrd" -m "$mem" \
      -l "$out/$1.log" -t 3000 -e "$END" > /dev/null 2>&1
}
case " $sides " in *" ours "*) on_ours ours "ours" ;; esac
case " $sides " in *" xl "*) on_ours xl "Xen's xl on ours" ;; esac
case " $sides " in *" xen "*)
  echo "bench-create: the real Xen 4.17 ($xruns runs)" >&2
  XEN_EXTRA_ARGS="dom0_mem=512M,max:512M" bash "$top/scripts/xen-ref.sh" \
      -M "$k $KARGS pvbench.side=xen pvbench.runs=$xruns" -M "$out/initrd.gz" -m "$mem" \
      -l "$out/xen.log" -t 3000 -e "$END" > /dev/null 2>&1 ;;
esac
for side in $sides; do
  grep -q "$END" "$out/$side.log" || echo "bench-create: the $side boot did not finish, see $out/$side.log" >&2
  tr -d '\r' < "$out/$side.log" | grep -a 'BENCH-CREATE .* failed' | sed 's/^/  /' >&2
done
# figure values of one side, seconds for the Linux figures, ms for the minimal guest
vals() {   # side figure divisor
  [ -f "$out/$1.log" ] || return 0
  tr -d '\r' < "$out/$1.log" | sed -n "s/.*BENCH-CREATE $1 $2 [0-9]* \([0-9.]*\)\$/\1/p" |
    awk -v d="$3" '{ printf "%.3f\n", $1 / d }'
}
echo "bench-create: create and destroy, TCG, q35, 1 vCPU, $mem MiB, dom0 512 MiB; kernel $(cat "$top/build/linux/kernel-package"), unmodified"
echo "xen: xl 4.17 on the real Xen (xenconsoled logs the console); $runs / $xruns runs"
table() {   # our side: its figures against the real Xen's
  echo "Linux guest 256 MiB (s): xz = the stock bzImage, elf = its uncompressed vmlinux"
  bench_header xen
  for f in xz-create xz-to-init xz-destroy elf-create elf-to-init elf-destroy; do
    read -r omin omed omax < <(vals "$1" $f 1000 | bench_stats)
    read -r xmin xmed xmax < <(vals xen $f 1000 | bench_stats)
    bench_row "$f" "$omin" "$omed" "$omax" "$xmin" "$xmed" "$xmax"
  done
  echo "minimal PV test guest, 8 MiB, created paused (ms)"
  for f in mini-create mini-destroy; do
    read -r omin omed omax < <(vals "$1" $f 1 | bench_stats)
    read -r xmin xmed xmax < <(vals xen $f 1 | bench_stats)
    bench_row "$f" "$omin" "$omed" "$omax" "$xmin" "$xmed" "$xmax"
  done
}
case " $sides " in *" ours "*)
  echo; echo "== ours: pvctl on our hypervisor (pvconsoled logs the console) vs xl on Xen"; table ours ;;
esac
case " $sides " in *" xl "*)
  echo; echo "== ours: Xen's own xl on our hypervisor (the same toolstack on both: the hypervisors differ) vs xl on Xen"
  table xl ;;
esac
# pvctl create -v's steps (BENCH-NOTE KIND pvctl: step NAME X ms): the median of each, in order.
steps() {   # kind
  tr -d '\r' < "$out/ours.log" | sed -n "s/.*BENCH-NOTE $1 pvctl: step \(.*[^ ]\)  *\([0-9][0-9.]*\) ms\$/\1|\2/p" |
    awk -F'|' '!($1 in n) { order[++k] = $1 } { v[$1, ++n[$1]] = $2 }
      END { for (i = 1; i <= k; i++) { s = order[i]; m = n[s]
              for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++) if (v[s, b] < v[s, a]) { t = v[s, a]; v[s, a] = v[s, b]; v[s, b] = t }
              printf "  %-36s %9.1f\n", s, (m % 2) ? v[s, (m + 1) / 2] : (v[s, m / 2] + v[s, m / 2 + 1]) / 2 } }'
}
case " $sides " in *" ours "*)
  for kind in xz elf mini; do
    [ -n "$(steps $kind)" ] || continue
    echo; echo "pvctl create -v, $kind: each step's median (ms), in order"; steps $kind
  done ;;
esac
bench_footer
echo "goals (issue 14): xz-to-init <= 0.10; destroy <= 0.05 s; mini-create in milliseconds (LightVM: 2.3 ms on hardware)"

#!/usr/bin/env bash
# bench/full-vs-para-report.sh OUT FIGS: the tables and plots of bench/full-vs-para.sh from
# the figures in OUT/figures (PATH-SIDE-FIGURE.txt, a value a run) and the counter dumps in
# OUT/counts-ours.txt. Also runs alone on a finished (or interrupted) run's files.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:?usage: full-vs-para-report.sh OUT FIGS}; FIGS=${2:?}
fig=$out/figures
. "$top/bench/stats.sh"
st() { bench_stats < "$fig/$1.txt" 2>/dev/null || echo "n/a n/a n/a"; }
runs=$(for x in "$fig"/*.txt; do wc -l < "$x"; done 2>/dev/null | sort -n | tail -1)
unit() { case "$1" in *-seq*|net-*) echo MiB/s ;; *) echo IOPS ;; esac; }
echo "bench-full-vs-para: native vs paravirtual vs emulated I/O; TCG, q35, 1 vCPU, 1 GiB; dom0 512 MiB, guests 256 MiB"
echo "kernel $(cat "$top/build/linux/kernel-package" 2>/dev/null), unmodified everywhere; fio $(fio --version | sed 's/^fio-//'), O_DIRECT, libaio; up to ${runs:-0} runs (boots) a side"
echo "disk: one raw 128 MiB AHCI disk of dom0: native = fio on /dev/sdX in dom0; pv = xen-blkfront -> xen-blkback"
echo "on it; hvm = QEMU-xen's PIIX3 IDE on it (cache=writeback, as libxl). seq in MiB/s, rand in IOPS."
echo "net-rx: MiB/s of an HTTP GET from dom0's busybox httpd (native: dom0's own, over loopback;"
echo "pv: netfront/netback; hvm: QEMU's e1000 on a tap; both on dom0's bridge)."
echo

by_path() {   # side: each figure on the three paths and the ratios between them
  printf '%-26s %19s %19s %19s  %11s %11s %11s\n' figure "native med (min-max)" "pv med (min-max)" \
    "hvm med (min-max)" "pv/native" "hvm/native" "pv/hvm"
  printf '%-26s %19s %19s %19s  %11s %11s %11s\n' "" "" "" "" "med min" "med min" "med min"
  for f in $FIGS; do
    read -r na nm nx < <(st "native-$1-$f"); read -r pa pm px < <(st "pv-$1-$f"); read -r ha hm hx < <(st "hvm-$1-$f")
    printf '%-26s %19s %19s %19s  %5s %5s %5s %5s %5s %5s\n' "${f#disk-phy-}" "$nm ($na-$nx)" "$pm ($pa-$px)" \
      "$hm ($ha-$hx)" "$(bench_ratio "$pm" "$nm")" "$(bench_ratio "$pa" "$na")" "$(bench_ratio "$hm" "$nm")" \
      "$(bench_ratio "$ha" "$na")" "$(bench_ratio "$pm" "$hm")" "$(bench_ratio "$pa" "$ha")"
  done
}
echo "== on ours: the three paths (ratios > 1: the first is faster; min: ratio of the minimums)"
by_path ours
echo
echo "== on the real Xen 4.17: the same"
by_path xen
echo
echo "== ours vs the real Xen 4.17, each path (ratios: ours / Xen, > 1: ours is faster)"
met=0; rows=0; para=0; prow=0
for p in native pv hvm; do
  echo "-- $p"
  bench_header xen
  for f in $FIGS; do
    read -r a b c < <(st "$p-ours-$f"); read -r x y z < <(st "$p-xen-$f")
    bench_row "${f#disk-phy-}" "$a" "$b" "$c" "$x" "$y" "$z"
    r=$(bench_ratio "$b" "$y"); rows=$((rows + 1))
    awk -v r="$r" 'BEGIN { exit !(r ~ /^[0-9.]+$/ && r >= 1) }' && met=$((met + 1))
  done
done
for f in $FIGS; do
  read -r _ pm _ < <(st "pv-ours-$f"); read -r _ hm _ < <(st "hvm-ours-$f"); prow=$((prow + 1))
  awk -v r="$(bench_ratio "$pm" "$hm")" 'BEGIN { exit !(r ~ /^[0-9.]+$/ && r > 1) }' && para=$((para + 1))
done
echo "! after a max: that side's spread (max - min) / min is over 30%."
echo "goals (issue 16, medians): each path on ours >= Xen's: $met/$rows rows; para faster than emulated on ours: $para/$prow rows"
echo

# --- the costs: counter windows (fvp-dom0.sh) ---
if [ -s "$out/counts-ours.txt" ]; then
  echo "== what one unit of work costs on ours (hypervisor counters, debug key 'q'; median over runs)"
  echo "A window: a fixed job (512 random 4 KiB reads or writes, 256 sequential 64 KiB reads, queue"
  echo "depth 1; net: a GET of the file, per MiB), its counts minus the idle rate over its length."
  echo "g. = the guest, d0. = dom0 (its hypercalls left out: the dumps are dom0's own). exit.KIND:"
  echo "an HVM exit by kind; ioreq: one sent to QEMU; irqs: interrupts injected; hc.NAME: hypercalls"
  echo "by name; sent: EVTCHNOP_send; raised: events raised on the domain's ports; gmap/gunmap/gcopy: grant ops."
  echo "A negative figure: fewer than in the same time idle (an HLT exit the guest did not take while busy)."
  awk '
    function kv(i,    n, j, a, s) {          # fields i.. of the line, key=value, into cur[]
      delete cur; for (j = i; j <= NF; j++) { split($j, a, "="); cur[a[1]] = a[2] } }
    $3 == "COUNT-BEGIN" { kv(5); for (k in cur) b[$1, $2, $4, k] = cur[k]; next }
    $3 == "COUNT-END" {
      units[$1, $2, $4] = $5; secs[$1, $2, $4] = $6 + ($2 == "native" ? 0 : 2)   # + the guest'"'"'s 2 s before
      kv(7); for (k in cur) d[$1, $2, $4, k] = cur[k] - b[$1, $2, $4, k]
      key[$2, $4] = 1; for (k in cur) names[k] = 1; run[$1] = 1 }
    END {
      for (pw in key) {
        split(pw, q, SUBSEP); p = q[1]; w = q[2]; if (w == "idle") continue
        for (k in names) {
          if (k ~ /^d0\.hc/) continue
          n = 0
          for (r in run) {
            if (!((r, p, w) in units) || units[r, p, w] == 0 || !((r, p, "idle") in secs)) continue
            rate = d[r, p, "idle", k] / secs[r, p, "idle"]
            v[++n] = (d[r, p, w, k] - rate * secs[r, p, w]) / units[r, p, w]
          }
          if (n == 0) continue
          for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
          m = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
          if (m >= 0.05 || m <= -0.05) printf "%s %s %s %.2f\n", w, p, k, m
        }
      }
    }' "$out/counts-ours.txt" | sort -k1,1 -k2,2 -k3,3 > "$out/costs.txt"
  for w in randread-4k randwrite-4k seqread-64k net-rx-mib; do
    case $w in net-rx-mib) u="per MiB received" ;; seqread-64k) u="per 64 KiB read" ;;
               randread-4k) u="per 4 KiB read" ;; *) u="per 4 KiB written" ;; esac
    echo "-- $w ($u)"
    for p in native pv hvm; do
      echo "  $p: $(awk -v w="$w" -v p="$p" '$1 == w && $2 == p { printf "%s %s  ", $3, $4 }' "$out/costs.txt")"
    done
  done
  echo
fi

# --- the plots: median bars with min-max error bars, one per unit ---
if command -v gnuplot > /dev/null; then
  for u in seq rand net; do
    dat=$out/$u.dat; : > "$dat"
    for f in $FIGS; do
      case "$u:$f" in seq:*-seq*|rand:*-rand*|net:net-*) ;; *) continue ;; esac
      line="${f#disk-phy-}"
      for s in ours xen; do for p in native pv hvm; do
        read -r a b c < <(st "$p-$s-$f"); line="$line $b $a $c"
      done; done
      echo "$line" | sed 's#n/a#0#g' >> "$dat"
    done
    [ "$u" = rand ] && yl=IOPS || yl=MiB/s
    gnuplot > "$out/gnuplot.log" 2>&1 <<GP || echo "bench-full-vs-para: gnuplot failed, see $out/gnuplot.log" >&2
set terminal pngcairo size 1100,560 noenhanced
set output "$out/$u.png"
set title "bench-full-vs-para: $u ($yl, median of ${runs:-0} runs, bars min-max; TCG; log scale)"
set ylabel "$yl"
set logscale y
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.7 border -1
set xtics rotate by -30
set key below
plot "$dat" using 2:3:4:xtic(1) title "native (dom0) on ours", '' using 5:6:7 title "PV on ours", \
     '' using 8:9:10 title "HVM (emulated) on ours", '' using 11:12:13 title "native (dom0) on Xen 4.17", \
     '' using 14:15:16 title "PV on Xen 4.17", '' using 17:18:19 title "HVM (emulated) on Xen 4.17"
GP
  done
  echo "plots: $(cd "$out" && ls ./*.png 2>/dev/null | sed 's#^\./#build/bench/full-vs-para/#' | tr '\n' ' ')"
else
  echo "bench-full-vs-para: no gnuplot (scripts/setup.sh installs gnuplot-nox): no plots" >&2
fi

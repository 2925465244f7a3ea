#!/usr/bin/env bash
# bench/profile.sh WORKLOAD [SIDE]: where the time goes in one workload, by sampling every
# vCPU's RIP from outside (bench/profile.py, through QEMU's QMP socket).
#   WORKLOAD  dom0-disk-64k  dom0 reads q35's AHCI disk with O_DIRECT at 64 KiB (bench-dom0's
#                            disk-read-64k), REPEAT times; dom0-disk-4k the same at 4 KiB
#             pv-disk-64k    a PV domU reads its xvdb (phy:, xen-blkback in dom0 on AHCI) with
#                            fio, seqread-64k-qd1 for RUNTIME s (bench-io's job and disks);
#                            pv-disk-4k randread-4k-qd1; pv-disk-64k-qd32 seqread-64k-qd32
#   SIDE      ours (default): hypervisor functions by name, time split by domain;
#             xen: the real Xen 4.17 (its functions unnamed: no symbols in the package);
#             bare: the same kernel with no hypervisor (dom0-disk only; booted with nokaslr)
# Environment: REPEAT (reads; default 40 at 64 KiB, 8 at 4 KiB), RUNTIME (seconds, default
# 15), HZ (samples per second, default 20: each sample holds QEMU's main thread ~2 ms, and the
# disk needs that thread; the profile prints the share of the window it took, the figures
# show the effect), PROFILE_ARGS (more bench/profile.py options, e.g. "--top 50"), HV_IMAGE
# (another build of ours: its .bin, the .elf beside it for the symbols), TRACE_AHCI=1 (QEMU
# traces every AHCI command; bench/ahci-phases.py then splits its round trip by host time:
# the device, the interrupt's way to the CPU, the hypervisor, the driver and back).
# Output: the profile on stdout and in build/bench/profile/WORKLOAD-SIDE.txt, the serial log
# beside it. Shares of samples, not timings: a busy host slows every part alike, mostly (QEMU's
# I/O thread competes with its vCPU thread for the host's cores, so idle time grows a little).
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
[ $# -ge 1 ] && [ "$1" != -h ] && [ "$1" != --help ] || usage
workload=$1 side=${2:-ours}
case $side in ours|xen|bare) ;; *) echo "profile: unknown side $side" >&2; usage ;; esac
out=$top/build/bench/profile; mkdir -p "$out"
k=$top/build/linux/vmlinux; ird=$top/build/linux/initrd.gz
bz=$(ls "$top"/build/linux/root/boot/vmlinuz-* 2>/dev/null | head -1)
hv=${HV_IMAGE:-$top/build/hypervisor/hypervisor.bin} hv_elf=${HV_ELF:-${hv%.bin}.elf}
for f in "$k" "$ird" "$hv" "$hv_elf" "$bz"; do
  [ -f "$f" ] || { echo "profile: missing $f (make hypervisor linux-image)" >&2; exit 1; }
done
log=$out/$workload-$side.log qmp=$out/$workload-$side.qmp
syms=$out/$workload-$side.kallsyms          # dom0 writes its /proc/kallsyms here (raw)
rm -f "$log" "$qmp"
printf PVPROFILE-SYMBOLS > "$syms"; truncate -s 16M "$syms"     # the mark dom0 looks for
drive() { echo "-drive if=none,id=$1,file=$2,format=raw -device ide-hd,drive=$1,bus=ide.$3"; }

case $workload in
  dom0-disk-64k|dom0-disk-4k)
    figure=disk-read-${workload#dom0-disk-}
    repeat=${REPEAT:-8}; [ "$figure" = disk-read-64k ] && repeat=${REPEAT:-40}
    disk=$out/disk.img
    [ -f "$disk" ] || python3 -c 'import random, sys; sys.stdout.buffer.write(random.Random(13).randbytes(64 << 20))' > "$disk"
    extra="$(drive d0 "$disk" 0) $(drive d1 "$syms" 1)"
    kargs="loglevel=4 pvtest=bench pvprofile=$figure pvrepeat=$repeat" dom0_ird=$ird
    end=BENCH-DONE what="$repeat reads"
    figures() { sed -n "s/.*BENCH $figure \([0-9.]*\)\$/\1/p" | tr '\n' ' ' | sed "s/^/$figure MiB\/s of each read: /"; } ;;
  pv-disk-64k|pv-disk-4k|pv-disk-64k-qd32)
    [ "$side" = bare ] && { echo "profile: $workload has no bare side (it needs a domU)" >&2; exit 2; }
    case $workload in
      pv-disk-64k) job=seqread-64k-qd1 ;; pv-disk-4k) job=randread-4k-qd1 ;; *) job=seqread-64k-qd32 ;;
    esac
    io=$top/build/bench/io
    BENCH_IO_DISKS_ONLY=1 BENCH_IO_OUT=$io bash "$top/bench/io.sh" ||
      { echo "profile: bench/io.sh could not make its disks" >&2; exit 1; }
    extra="$(drive d0 "$io/phy.img" 0) $(drive d1 "$io/fs.img" 1) $(drive d2 "$io/tools.img" 2) $(drive d3 "$syms" 3)"
    kargs="loglevel=4 pvtest=iobench0 pvio.runtime=${RUNTIME:-15} pvio.native=0 pvio.profile=$job"
    dom0_ird=$io/dom0-initrd.gz end=BENCH-IO-DONE what="fio $job for ${RUNTIME:-15} s"
    figures() { sed -n "s/.*BENCH pv disk-phy-$job \([0-9.]*\)\$/\1/p" | sed "s/^/$job (MiB\/s, or IOPS): /"; } ;;
  *) echo "profile: unknown workload $workload" >&2; usage ;;
esac

export QEMU_MACHINE=q35
trace=$out/$workload-$side.trace
rm -f "$trace"
if [ "${TRACE_AHCI:-0}" = 1 ]; then   # QEMU's own timestamps of each AHCI command's phases
  printf '%s\n' ahci_port_write ahci_trigger_irq apic_deliver_irq apic_mem_writel \
      ahci_mem_read_32_host ahci_port_read > "$out/ahci-trace.events"
  extra="$extra -trace events=$out/ahci-trace.events -D $trace -msg timestamp=on"
fi
export QEMU_EXTRA="$extra -qmp unix:$qmp,server=on,wait=off"
echo "profile: $workload on $side, $what, sampling at ${HZ:-20} Hz; log $log" >&2
case $side in
  ours) "$top/tests/guests/tcg-boot.sh" -k "$hv" -a "console=com1 loglvl=info dom0=1 dom0_mem=512M" \
          -M "$k console=hvc0 $kargs" -M "$dom0_ird initrd" -m 1024 -l "$log" -t 900 -e "$end" > /dev/null 2>&1 & ;;
  xen) bash "$top/scripts/xen-ref-setup.sh" >&2 || { echo "profile: cannot set up the real Xen" >&2; exit 1; }
       XEN_EXTRA_ARGS="dom0_mem=512M,max:512M" bash "$top/scripts/xen-ref.sh" \
          -M "$k console=hvc0 $kargs" -M "$dom0_ird" -m 1024 -l "$log" -t 900 -e "$end" > /dev/null 2>&1 & ;;
  bare) "$top/tests/guests/tcg-boot.sh" -k "$bz" -a "console=ttyS0 nokaslr $kargs" -M "$ird" -m 1024 \
          -l "$log" -t 900 -e "$end" > /dev/null 2>&1 & ;;
esac
boot=$!
hvargs=(); [ "$side" = ours ] && hvargs=(--hv-elf "$hv_elf")
mark='^(\(d0\) )?(\[domU\] )?'
# shellcheck disable=SC2086
python3 "$top/bench/profile.py" --qmp "$qmp" --log "$log" --start "${mark}PROFILE-START" \
    --stop "${mark}PROFILE-STOP" --hz "${HZ:-20}" --kallsyms "$syms" "${hvargs[@]}" ${PROFILE_ARGS:-} \
    > "$out/$workload-$side.txt"
prc=$?
wait "$boot"; brc=$?
tr -d '\r' < "$log" | figures >> "$out/$workload-$side.txt"
echo >> "$out/$workload-$side.txt"
[ -s "$trace" ] && python3 "$top/bench/ahci-phases.py" "$trace" >> "$out/$workload-$side.txt"
cat "$out/$workload-$side.txt"
[ "$prc" = 0 ] && [ "$brc" = 0 ] || { echo "profile: failed (profiler $prc, boot $brc), see $log" >&2; exit 1; }

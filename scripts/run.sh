#!/usr/bin/env bash
# make run: boot the hypervisor and its default guests in QEMU with the serial
# console on this terminal. The hypervisor powers QEMU off when every domain
# has shut down; Ctrl-A X quits at any time.
#
# Environment:
#   HV_CMDLINE   hypervisor command line (default: console=com1 loglvl=info)
#   RUN_GUESTS   ';'-separated "guest [args]" list: "linux [kernel args]" is the stock
#                Debian kernel with its initramfs; anything else is build/guests/<guest>.elf
#                (default: linux, as dom0: an interactive dom0 shell with pvctl)
#   QEMU_EXTRA   extra QEMU arguments, e.g. "-s -S" to wait for gdb on :1234
#   DOM0=1       the first guest (default: linux) is the privileged dom0 (dom0=1
#                dom0_mem=512M, QEMU q35; docs/dom0.md): its shell is on the serial line,
#                with dom0's xenstored and pvctl (`pvctl create /etc/pvctl/example.cfg -c`).
#                The default when RUN_GUESTS is not given; DOM0=0: Linux as a plain domU
#   DOM0_DISK    with DOM0=1: a raw disk image on q35's AHCI (port 0); in dom0
#                `modprobe ahci sd_mod` gives /dev/sda on an INTx line (xen-pirq)
#   HOSTFWD=PORT with DOM0=1: the host's 127.0.0.1:PORT reaches port PORT of the first Linux
#                domU (10.0.2.16, QEMU's second DHCP lease) through dom0's bridge
#   RUN_SMP=N    QEMU's CPUs (default: this machine's, at most 8; MTTCG under TCG); the
#                hypervisor brings up every one, and dom0 gets as many vCPUs
#   RUN_LOG, RUN_SOCK, RUN_TIMEOUT  no terminal (tests/run-make-run.sh): the serial output
#                goes to RUN_LOG, its input comes from the Unix socket RUN_SOCK, and QEMU is
#                stopped after RUN_TIMEOUT seconds (default 900)
#
# With DOM0=1 dom0 has a virtio-net NIC on QEMU's user network and, in its initramfs, the
# stock kernel and initramfs for domUs and QEMU-xen for HVM guests (scripts/qemu-xen-initrd.sh).
# Its /init puts the NIC on the bridge pvbr0, makes disk images, /etc/pvctl/linux.cfg and
# /etc/pvctl/hvm-linux.cfg (tests/linux/make-run-dom0.sh): `pvctl create /etc/pvctl/linux.cfg -c`
# boots a Linux domU with a disk and a network, `pvctl create /etc/pvctl/hvm-linux.cfg -c` the
# same kernel as an HVM guest on QEMU's emulated PC with an IDE disk.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
hv=$top/build/hypervisor/hypervisor.bin
cmdline=${HV_CMDLINE:-"console=com1 loglvl=info"}
guests=${RUN_GUESTS:-"linux"}
if [ -z "${RUN_GUESTS:-}" ]; then dom0_default=1; else dom0_default=0; fi
smp=${RUN_SMP:-$(nproc)}; [ "$smp" -le 8 ] || smp=8
case "$smp" in ''|*[!0-9]*|0) echo "run: RUN_SMP must be a number of CPUs (1..8), not '$smp'" >&2; exit 1 ;; esac
if [ "${DOM0:-$dom0_default}" = 1 ]; then
  cmdline="$cmdline dom0=1 dom0_mem=512M dom0_max_vcpus=$smp"
  export QEMU_MACHINE=${QEMU_MACHINE:-q35}
  if [ -n "${DOM0_DISK:-}" ]; then
    [ -f "$DOM0_DISK" ] || { echo "run: no disk image $DOM0_DISK" >&2; exit 1; }
    export QEMU_EXTRA="${QEMU_EXTRA:-} -drive if=none,id=d0,file=$DOM0_DISK,format=raw -device ide-hd,drive=d0,bus=ide.0"
  fi
  fwd=${HOSTFWD:+,hostfwd=tcp:127.0.0.1:$HOSTFWD-10.0.2.16:$HOSTFWD}
  export QEMU_EXTRA="${QEMU_EXTRA:-} -netdev user,id=n0$fwd -device virtio-net-pci,netdev=n0"
  dom0_initrd=$top/build/run/dom0-initrd.gz
  "$top/scripts/qemu-xen-initrd.sh" "$dom0_initrd" || exit 1   # with QEMU-xen for HVM guests
fi

[ -f "$hv" ] || { echo "run: $hv missing; run 'make hypervisor'" >&2; exit 1; }
args=()
IFS=';' read -ra list <<< "$guests"
for g in "${list[@]}"; do
  g=$(echo "$g" | sed 's/^ *//; s/ *$//')
  name=${g%% *}; rest=${g#"$name"}
  if [ "$name" = linux ]; then
    k=$top/build/linux/vmlinux; ird=$top/build/linux/initrd.gz
    [ -f "$k" ] && [ -f "$ird" ] || { echo "run: no Linux image (make linux-image)" >&2; exit 1; }
    # dom0 (the first guest) gets the initramfs that carries the domU's kernel, and
    # dom0_mem's 512 MiB: that initramfs and the domU's disk image live in its RAM
    mem=" pvhv.mem=256M"
    if [ ${#args[@]} = 0 ] && [ -n "${dom0_initrd:-}" ]; then ird=$dom0_initrd; mem=; fi
    args+=(-M "$k console=hvc0 loglevel=3$mem$rest" -M "$ird initrd")
    continue
  fi
  elf=$top/build/guests/$name.elf
  [ -f "$elf" ] || { echo "run: no guest $elf (make guests)" >&2; exit 1; }
  args+=(-M "$elf$rest")
done
echo "run: hypervisor '$cmdline' on $smp CPUs with guests: $guests" >&2
if [ -n "${RUN_LOG:-}" ]; then console=(-l "$RUN_LOG" -s "${RUN_SOCK:?RUN_LOG needs RUN_SOCK}" -t "${RUN_TIMEOUT:-900}"
                                   -e '^\(HV\) (powering off|PANIC: hypervisor halted)')
else console=(-i); fi
rc=0
"$top/scripts/qemu-boot.sh" "${console[@]}" -c "$smp" -k "$hv" -a "$cmdline" "${args[@]}" -m 1024 || rc=$?
# The hypervisor powers off through isa-debug-exit(0), which QEMU reports as 1.
[ "$rc" -eq 1 ] && rc=0
exit "$rc"

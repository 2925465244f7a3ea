#!/usr/bin/env bash
# make run: boot the hypervisor and its default guests in QEMU with the serial
# console on this terminal. The hypervisor powers QEMU off when every domain
# has shut down; Ctrl-A X quits at any time.
#
# Environment:
#   HV_CMDLINE   hypervisor command line (default: console=com1 loglvl=info)
#   RUN_GUESTS   ';'-separated "guest [args]" list (guest = build/guests/<guest>.elf)
#   QEMU_EXTRA   extra QEMU arguments, e.g. "-s -S" to wait for gdb on :1234
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
hv=$top/build/hypervisor/hypervisor.bin
cmdline=${HV_CMDLINE:-"console=com1 loglvl=info"}
guests=${RUN_GUESTS:-"hello;evtchn-pair role=a peer=3 port=1;evtchn-pair role=b peer=2 port=1"}

[ -f "$hv" ] || { echo "run: $hv missing; run 'make hypervisor'" >&2; exit 1; }
args=()
IFS=';' read -ra list <<< "$guests"
for g in "${list[@]}"; do
  g=$(echo "$g" | sed 's/^ *//; s/ *$//')
  name=${g%% *}; rest=${g#"$name"}
  elf=$top/build/guests/$name.elf
  [ -f "$elf" ] || { echo "run: no guest $elf (make guests)" >&2; exit 1; }
  args+=(-M "$elf$rest")
done
echo "run: hypervisor '$cmdline' with guests: $guests" >&2
rc=0
"$top/scripts/qemu-boot.sh" -i -k "$hv" -a "$cmdline" "${args[@]}" -m 512 || rc=$?
# The hypervisor powers off through isa-debug-exit(0), which QEMU reports as 1.
[ "$rc" -eq 1 ] && rc=0
exit "$rc"

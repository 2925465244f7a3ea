#!/usr/bin/env bash
# xen-ref.sh: boot the REAL Xen 4.17 (unpacked by xen-ref-setup.sh) in QEMU with our standard
# Xen command line; the first -M module becomes dom0 (a PV test guest, normally).
#
#   xen-ref.sh [qemu-boot.sh args...]    e.g.
#   xen-ref.sh -M "build/guests/hello.elf hc=direct" -l build/x.log -t 120 -e '^DONE: '
#
# Extra Xen options: $XEN_EXTRA_ARGS (appended).  -k / -a are set here; everything else
# (-M -l -t -e -m -c -i) goes to scripts/qemu-boot.sh unchanged.
# QEMU runs under TCG (tests/guests/tcg-boot.sh: KVM is unusable here).
# smap=0 is required under QEMU TCG (Xen 4.17 otherwise faults in create_bounce_frame).
set -uo pipefail
top=${TOP:-$(cd "$(dirname "$0")/.." && pwd)}
XEN_ARGS="console=com1 com1=115200,8n1 dom0_mem=64M,max:64M dom0_max_vcpus=1 loglvl=all guest_loglvl=all noreboot smap=0 ${XEN_EXTRA_ARGS:-}"

bash "$top/scripts/xen-ref-setup.sh" >&2 || exit 2
exec nice -n 10 bash "$top/tests/guests/tcg-boot.sh" -k "$top/build/xen-ref/xen-4.17" -a "$XEN_ARGS" "$@"

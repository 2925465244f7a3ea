#!/usr/bin/env bash
# tcg-boot.sh: run scripts/qemu-boot.sh (same arguments) but force TCG.
#
# qemu-boot.sh picks KVM whenever /dev/kvm is read/writable; on this machine /dev/kvm exists but
# KVM is unusable (QEMU aborts: "failed to set MSR 0x10a"), and the Xen reference figures are
# TCG figures anyway.  Until qemu-boot.sh grows an override, hide /dev/kvm from it inside a
# private mount namespace (a read-only regular file bound over the node makes `-w` false).
# QEMU_ACCEL=kvm skips the trick.  If qemu-boot.sh supports QEMU_ACCEL itself, that is used.
set -uo pipefail
top=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
boot=$top/scripts/qemu-boot.sh
accel=${QEMU_ACCEL:-tcg}

if [ "$accel" != tcg ] || [ ! -e /dev/kvm ] || grep -q QEMU_ACCEL "$boot"; then
  QEMU_ACCEL=$accel exec bash "$boot" "$@"
fi
blank=$(mktemp /tmp/nokvm.XXXXXX)
trap 'rm -f "$blank"' EXIT
unshare -m bash -c 'mount --bind "$1" /dev/kvm && mount -o remount,bind,ro /dev/kvm || exit 97
                    shift; exec bash "$@"' _ "$blank" "$boot" "$@"

#!/usr/bin/env bash
# Idempotent setup: installs every Debian package the project needs, only when missing.
# Called by `make run`, `make test` and the bench targets; safe to run again.
set -euo pipefail

PKGS=(
  build-essential gcc make binutils      # hypervisor, guests, tools
  qemu-system-x86                        # the machine we boot in
  libxen-dev                             # Xen public headers: the ABI definition
  libxencall1 libxenforeignmemory1 libxenevtchn1 libxengnttab1   # dom0's xenlib-check links them
  libcunit1-dev                          # unit tests
  libelf-dev liblzma-dev                 # pvctl's kernel loader (ELF notes, xz bzImage payload)
  xenstore-utils libxenstore4            # real xenstore clients
  xen-utils-4.17                         # reference xenstored for differential tests; hvmloader
  qemu-system-xen                        # the device model of HVM guests, in dom0 (docs/hvm.md)
  clang lld                              # libFuzzer targets
  busybox-static cpio xz-utils kmod      # initramfs building
  linux-source-6.1 flex bison bc         # guest-kernel-patches/: a patched guest kernel
  python3 perl
  fio gnuplot-nox                        # make bench-io: fio in the guests (from the host's); the benches' PNG plots
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing missing packages: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "setup: need root to install packages (run as root, or install them by hand)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"

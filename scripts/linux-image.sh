#!/usr/bin/env bash
# linux-image.sh: the stock Debian kernel and a busybox initramfs for the
# Linux guest, in build/linux/ (cached; rerun is cheap).
#   build/linux/vmlinux    the kernel of linux-image-amd64's current package,
#                          unpacked from its bzImage by `pvctl kernel-extract`
#   build/linux/initrd.gz  busybox-static, tests/linux/{init,checks.sh,dom0-checks.sh},
#                          guestcheck, the front ends, xenfs, ahci/sd_mod (dom0's disk),
#                          dom0's privcmd/evtchn/gntdev drivers and xenlib-check with the
#                          Xen libraries it links, virtio_net/virtio_pci (dom0's NIC), msi-check;
#                          dom0's xenstored (xenstore-lite) with Debian's xenstore-utils;
#                          pvctl, the toolstack test guest and its configs (the pvctl block below)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/build/linux
pvctl=$top/build/dom0-tools/pvctl
mkdir -p "$out/deb"

# awk reads to the end (no `exit`): an early exit would SIGPIPE the writer, and under
# pipefail that 141 ends the script (seen once as "Error 141").
kpkg() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-6/ && !f { print $2; f = 1 }'; }
pkg=$(kpkg)
if [ -z "$pkg" ]; then
  echo "linux-image: refreshing the package lists" >&2
  apt-get update -q >/dev/null
  pkg=$(kpkg)
fi
[ -n "$pkg" ] || { echo "linux-image: cannot find the kernel package of linux-image-amd64" >&2; exit 1; }

if [ ! -f "$out/vmlinux" ] || [ "$(cat "$out/kernel-package" 2>/dev/null)" != "$pkg" ]; then
  echo "linux-image: fetching $pkg (stock Debian kernel, unmodified)" >&2
  rm -rf "$out/root" "$out/deb"/*.deb
  (cd "$out/deb" && apt-get download "$pkg" >/dev/null 2>&1) || { echo "linux-image: apt-get download $pkg failed" >&2; exit 1; }
  dpkg -x "$out"/deb/*.deb "$out/root"
  kimg=$(ls "$out"/root/boot/vmlinuz-* | head -1)
  "$pvctl" kernel-extract "$kimg" "$out/vmlinux.tmp"
  mv "$out/vmlinux.tmp" "$out/vmlinux"
  echo "$pkg" > "$out/kernel-package"
fi

# initramfs: rebuilt when its inputs change
ir=$out/initramfs
gcc -static -O2 -Wall -Werror -o "$out/guestcheck" "$top/tests/linux/guestcheck.c"
rm -rf "$ir"; mkdir -p "$ir"/{bin,sbin,proc,sys,dev,tmp,etc,root}
cp /bin/busybox "$ir/bin/busybox"
for a in $("$ir/bin/busybox" --list); do [ -e "$ir/bin/$a" ] || ln -s busybox "$ir/bin/$a"; done
cp "$out/guestcheck" "$ir/bin/guestcheck"
# dom0's user-space check against Debian's stable Xen libraries (tests/dom0/xenlib-check.c),
# dynamically linked as a toolstack is: it and the shared objects ldd names go in.
gcc -O2 -Wall -Wextra -Werror -o "$out/xenlib-check" "$top/tests/dom0/xenlib-check.c" \
    -lxencall -lxenforeignmemory -lxenevtchn -lxengnttab
cp "$out/xenlib-check" "$ir/bin/xenlib-check"
ldd "$out/xenlib-check" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
  while read -r so; do mkdir -p "$ir$(dirname "$so")"; cp -L "$so" "$ir$so"; done
# --- pvctl, the toolstack (docs/toolstack.md; tests/run-toolstack.sh) ----------------------
# pvctl with the shared objects ldd names, the test guest it builds, its configs in
# /etc/pvctl and the bad inputs tests/linux/toolstack-checks.sh feeds it.
[ -f "$top/build/guests/toolstack-guest.elf" ] && [ -f "$top/build/guests/hvm-hello.elf" ] || make -s -C "$top/tests/guests" TOP="$top"
strip -o "$ir/bin/pvctl" "$pvctl"
strip -o "$ir/bin/pvconsoled" "$top/build/dom0-tools/pvconsoled"   # the console daemon (same libraries)
ldd "$pvctl" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
  while read -r so; do mkdir -p "$ir$(dirname "$so")"; cp -L "$so" "$ir$so"; done
# glibc loads libgcc_s at run time for pthread_cancel (libxenstore's xs_close ends its
# watch thread so): ldd does not name it, and without it the process aborts.
gcc_s=$(ldconfig -p | awk '/libgcc_s\.so\.1 .*x86-64/ && !f { print $NF; f = 1 }')
[ -n "$gcc_s" ] && { mkdir -p "$ir$(dirname "$gcc_s")"; cp -L "$gcc_s" "$ir$gcc_s"; }
mkdir -p "$ir/etc/pvctl"
strip --strip-debug -o "$ir/etc/pvctl/toolstack-guest.elf" "$top/build/guests/toolstack-guest.elf"
strip --strip-debug -o "$ir/etc/pvctl/hvm-hello.elf" "$top/build/guests/hvm-hello.elf"   # type = "hvm"
cp "$top"/tests/linux/pvctl/{test,example,hvm}.cfg "$ir/etc/pvctl/"
python3 "$top/tests/linux/pvctl/bad-inputs.py" "$ir/etc/pvctl" "$top/build/guests/toolstack-guest.elf"
cp "$top"/tests/linux/pvctl/{syntax,unknown-key}.cfg "$ir/etc/pvctl/bad/"
cp "$top/tests/linux/toolstack-checks.sh" "$ir/toolstack-checks.sh"
# xenstore-lite (libc only) so that the checks can also keep names in a xenstored on its
# Unix socket; left alone if another block installed it already.
[ -f "$top/build/xenstore-lite/xenstore-lite" ] || make -s -C "$top/xenstore-lite" TOP="$top"
[ -e "$ir/bin/xenstore-lite" ] || strip -o "$ir/bin/xenstore-lite" "$top/build/xenstore-lite/xenstore-lite"
# --- end of the pvctl block ----------------------------------------------------------------
# The kernel modules a PV guest needs (its front ends), with their dependencies,
# from the same kernel package.
kver=$(ls "$out/root/lib/modules" | head -1)
[ -f "$out/root/lib/modules/$kver/modules.dep" ] || depmod -b "$out/root" "$kver"
# (ata_piix, e1000, 8139cp: the IDE disk and NICs an HVM guest gets from QEMU, tests/linux/hvm-linux-guest.sh;
# tun: the tap QEMU makes for such a NIC in dom0)
for m in xen-blkfront xen-netfront xenfs ahci ata_piix e1000 8139cp tun sd_mod xen-privcmd xen-evtchn xen-gntdev xen-gntalloc; do
  modprobe -d "$out/root" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }' |
    while read -r ko; do mkdir -p "$ir$(dirname "${ko#$out/root}")"; cp "$ko" "$ir${ko#$out/root}"; done
done
# --- dom0's MSI and network card (issue 13 step 3): virtio-net-pci (MSI-X) and its
# dependencies; tests/dom0/msi-check.c (map_pirq's MSI errors through libxencall) ---
for m in virtio_net virtio_pci; do
  modprobe -d "$out/root" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }' |
    while read -r ko; do mkdir -p "$ir$(dirname "${ko#$out/root}")"; cp "$ko" "$ir${ko#$out/root}"; done
done
gcc -O2 -Wall -Wextra -Werror -o "$out/msi-check" "$top/tests/dom0/msi-check.c" -lxencall
cp "$out/msi-check" "$ir/bin/msi-check"
ldd "$out/msi-check" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
  while read -r so; do mkdir -p "$ir$(dirname "$so")"; cp -L "$so" "$ir$so"; done
cp "$top/tests/linux/dom0-bench.sh" "$ir/dom0-bench.sh"     # make bench-dom0
# --- end of dom0's MSI and network card ---
cp "$out/root/lib/modules/$kver"/modules.{order,builtin,builtin.modinfo} "$ir/lib/modules/$kver/" 2>/dev/null || true
depmod -b "$ir" "$kver"
# --- dom0's xenstored (issue 14, docs/xenstore.md): xenstore-lite, Debian's xenstore-utils
# (one multi-call binary; the tools are its names) and libxenstore, and xs-boot-introduce for
# the boot-time domUs; tests/linux/dom0-xenstored.sh starts them from /init (dom0 only).
# Only the shared objects ldd names are added (about 150 KiB with the binaries).
xsl=$top/build/xenstore-lite/xenstore-lite
[ -x "$xsl" ] || make -s -C "$top/xenstore-lite"
gcc -O2 -Wall -Wextra -Werror -o "$out/xs-boot-introduce" "$top/tests/dom0/xs-boot-introduce.c" \
    -lxencall -lxenstore
strip -o "$ir/bin/xenstore-lite" "$xsl"
strip -o "$ir/bin/xs-boot-introduce" "$out/xs-boot-introduce"
cp /usr/bin/xenstore "$ir/bin/xenstore"
for t in read write ls rm list exists watch chmod; do ln -s xenstore "$ir/bin/xenstore-$t"; done
for b in "$xsl" "$out/xs-boot-introduce" /usr/bin/xenstore; do
  ldd "$b" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'
done | sort -u | while read -r so; do mkdir -p "$ir$(dirname "$so")"; cp -L "$so" "$ir$so"; done
cp "$top/tests/linux/dom0-xenstored.sh" "$ir/dom0-xenstored.sh"
# --- end of dom0's xenstored
# --- split-driver block I/O (issue 15, docs/io.md): dom0's xen-blkback and loop, ext4 (which
# mounts ext2) for the domU (pvctl's device_vbd.c sets up the disks), Debian's mke2fs and
# e2fsck with the shared objects ldd names, and both sides of `make test-io`.
for m in xen-blkback loop ext4; do
  modprobe -d "$out/root" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }' |
    while read -r ko; do mkdir -p "$ir$(dirname "${ko#$out/root}")"; cp "$ko" "$ir${ko#$out/root}"; done
done
depmod -b "$ir" "$kver"
for b in mke2fs e2fsck; do
  p=$(command -v "$b" || echo "/usr/sbin/$b")
  [ -x "$p" ] || continue
  cp "$p" "$ir/sbin/$b"
  ldd "$p" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
    while read -r so; do mkdir -p "$ir$(dirname "$so")"; cp -L "$so" "$ir$so"; done
done
[ -x "$ir/sbin/mke2fs" ] && { rm -f "$ir/bin/mkfs.ext2" "$ir/sbin/mkfs.ext2"; ln -s mke2fs "$ir/sbin/mkfs.ext2"; }
[ -x "$ir/sbin/e2fsck" ] && rm -f "$ir/bin/fsck.ext2" "$ir/bin/e2fsck"
cp "$top/tests/linux/io-dom0.sh" "$top/tests/linux/io-domU.sh" "$ir/"
cp "$top"/tests/linux/io-bench-{dom0,domU,fio,disks}.sh "$ir/"   # make bench-io (bench/io.sh)
cp "$top"/tests/linux/fvp-{dom0,guest}.sh "$top/tests/linux/fvp-counts.awk" "$ir/"   # make bench-full-vs-para
# The hostile front end and the connected lifecycle (boot 'front' of make test-io): the pvfront
# test guest (its own blkfront/netfront), dom0's side and the checker of the data it writes.
[ -f "$top/build/guests/pvfront.elf" ] || make -s -C "$top/tests/guests" TOP="$top"
strip --strip-debug -o "$ir/etc/pvctl/pvfront.elf" "$top/build/guests/pvfront.elf"
gcc -O2 -Wall -Wextra -Werror -o "$out/pvfront-pattern" "$top/tests/dom0/pvfront-pattern.c"
cp "$out/pvfront-pattern" "$ir/bin/pvfront-pattern"
cp "$top/tests/linux/front-dom0.sh" "$ir/"   # (netback and the bridge: the networks block)
# --- end of split-driver block I/O
# --- Xen's own tools (Debian's xen-utils-4.17) in dom0, as a compatibility check: xen-init-dom0
# (dom0's xenstore entries), `xl list`, `xl info` and lsevtchn against our hypervisor (tests/linux/toolstack-checks.sh). Only with the
# package installed (scripts/setup.sh installs it for the real-Xen reference runs).
xl=/usr/lib/xen-4.17/bin/xl
if [ -x "$xl" ]; then
  for t in xl xen-init-dom0 lsevtchn; do cp "/usr/lib/xen-4.17/bin/$t" "$ir/bin/$t"; done
  # `xl console` execs xenconsole from libxl's own path (it reads console/tty, pvconsoled's pty)
  mkdir -p "$ir/usr/lib/xen-4.17/bin" && cp /usr/lib/xen-4.17/bin/xenconsole "$ir/usr/lib/xen-4.17/bin/"
  ldd "$xl" /usr/lib/xen-4.17/bin/xen-init-dom0 /usr/lib/xen-4.17/bin/lsevtchn \
      /usr/lib/xen-4.17/bin/xenconsole | sort -u | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// && $1 !~ /:$/ { print $1 }' |
    while read -r so; do mkdir -p "$ir$(dirname "$so")"; cp -L "$so" "$ir$so"; done
  mkdir -p "$ir/etc/xen" "$ir/var/lib/xen" "$ir/var/run/xen" "$ir/var/log/xen" "$ir/var/lock"; : > "$ir/etc/xen/xl.conf"
fi
# --- end of xl
# --- ioreq servers (issue 16 stage 3a, docs/hvm.md): dom0's device model for the hvm-ioreq
# test guest (tests/dom0/ioreq-dm.c) with libxendevicemodel and the shared objects ldd names.
gcc -O2 -Wall -Wextra -Werror -o "$out/ioreq-dm" "$top/tests/dom0/ioreq-dm.c" \
    -lxendevicemodel -lxenforeignmemory -lxenevtchn -lxencall -lxenctrl
cp "$out/ioreq-dm" "$ir/bin/ioreq-dm"
ldd "$out/ioreq-dm" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
  while read -r so; do mkdir -p "$ir$(dirname "$so")"; cp -L "$so" "$ir$so"; done
# --- end of ioreq servers
# --- split-driver networks (issue 15, docs/io.md "Networks"): dom0's xen-netback and bridge
# (+ deps), the project's hotplug (vif-attach/vif-detach, net-bridge-up) and both sides of
# `make test-net`. xen-netfront is with the front ends above.
for m in xen-netback bridge; do
  modprobe -d "$out/root" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }' |
    while read -r ko; do mkdir -p "$ir$(dirname "${ko#$out/root}")"; cp "$ko" "$ir${ko#$out/root}"; done
done
depmod -b "$ir" "$kver"
cp "$top"/dom0-tools/hotplug/{vif-attach,vif-detach,vif-emu-up,net-bridge-up} "$ir/bin/"
cp "$top/tests/linux/net-dom0.sh" "$top/tests/linux/net-domU.sh" "$ir/"
cp "$top/tests/linux/pv-dhcp" "$ir/bin/"
cp "$top/tests/linux/netbench-dom0.sh" "$top/tests/linux/netbench-domU.sh" "$ir/"   # make bench-net (bench/net.sh ships them too)
# make run: pvbr0, a disk image and /etc/pvctl/linux.cfg in dom0; xvda and eth0 in its domU.
cp "$top/tests/linux/make-run-dom0.sh" "$top/tests/linux/make-run-domU.sh" "$ir/"
# --- end of split-driver networks
cp "$top/tests/linux/init" "$ir/init"; chmod +x "$ir/init"
cp "$top/tests/linux/checks.sh" "$ir/checks.sh"
cp "$top/tests/linux/hvm-linux-dom0.sh" "$top/tests/linux/hvm-linux-guest.sh" "$ir/"   # tests/run-hvm-linux.sh
cp "$top/tests/linux/dom0-checks.sh" "$ir/dom0-checks.sh"
# /init is a plain shell, not an init daemon: poweroff/reboot act at once.
printf '%s\n' 'PS1="pvhv-guest:\w# "' "alias poweroff='poweroff -f'" "alias reboot='reboot -f'" \
  "alias halt='poweroff -f'" > "$ir/etc/profile"
(cd "$ir" && find . | cpio -o -H newc --quiet | gzip -1) > "$out/initrd.gz"
echo "linux-image: $out/vmlinux ($(cat "$out/kernel-package")), $out/initrd.gz" >&2

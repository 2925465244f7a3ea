#!/usr/bin/env bash
# Build a minimal Linux 6.1 PV guest from Debian's linux-source-6.1 with
# the patches in ./series applied (quilt order), for pvhv and Xen alike.
#
#   guest-kernel-patches/build.sh [-j N]     -> build/linux-patched/vmlinux
#
# The source is unpacked into build/linux-patched/src; editing a patch, the
# series or the config and re-running unpacks and rebuilds with it.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/.." && pwd)
OUT=$TOP/build/linux-patched
SRC=$OUT/src
TARBALL=/usr/src/linux-source-6.1.tar.xz
JOBS=$(nproc)

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
	case $1 in
	-j) JOBS=$2; shift 2 ;;
	-h|--help) usage; exit 0 ;;
	*) echo "build.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
	esac
done

need_packages() {
	local missing=() p
	for p in linux-source-6.1 flex bison bc; do
		dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return
	echo "linux-patched: installing ${missing[*]}" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2
}

# A tree is patched once: when the series, a patch or the config changes,
# it is unpacked again (and built from scratch).
stamp() {
	(cd "$HERE" && cat series pv-guest.config $(grep -v '^#' series)) | sha256sum | cut -d' ' -f1
}

unpack() {
	[ -f "$OUT/stamp" ] && [ "$(cat "$OUT/stamp")" = "$(stamp)" ] && [ -f "$SRC/Makefile" ] && return 1
	echo "linux-patched: unpacking $(basename "$TARBALL")" >&2
	rm -rf "$SRC" "$OUT/linux-source-6.1" "$OUT/stamp"
	mkdir -p "$OUT"
	tar -C "$OUT" -xf "$TARBALL"
	mv "$OUT/linux-source-6.1" "$SRC"
}

apply_series() {
	local p
	while read -r p; do
		case $p in ''|'#'*) continue ;; esac
		echo "linux-patched: applying $p" >&2
		patch -d "$SRC" -p1 --quiet --forward < "$HERE/$p" ||
			{ echo "linux-patched: $p does not apply" >&2; exit 1; }
	done < "$HERE/series"
}

configure() {
	make -C "$SRC" -s tinyconfig
	"$SRC/scripts/kconfig/merge_config.sh" -m -O "$SRC" "$SRC/.config" \
		"$HERE/pv-guest.config" >/dev/null
	make -C "$SRC" -s olddefconfig
	# Every line of the fragment must have survived (a dependency we
	# missed would silently drop it).
	local line
	while read -r line; do
		case $line in CONFIG_*) grep -qx "$line" "$SRC/.config" ||
			{ echo "linux-patched: $line did not stick" >&2; exit 1; } ;; esac
	done < "$HERE/pv-guest.config"
}

need_packages
if unpack; then
	apply_series
	configure
	stamp > "$OUT/stamp"
fi
echo "linux-patched: building vmlinux with $JOBS jobs (a few minutes)" >&2
make -C "$SRC" -s -j"$JOBS" vmlinux
cp "$SRC/vmlinux" "$OUT/vmlinux"
echo "linux-patched: $OUT/vmlinux ($(du -h "$OUT/vmlinux" | cut -f1))" >&2

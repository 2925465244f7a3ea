# The AHCI disks of `make bench-io` and `make bench-full-vs-para` in their dom0 (sourced by
# io-bench-dom0.sh and fvp-dom0.sh), told apart by what is on them, not by probe order:
#   phy    the raw test disk (no filesystem)
#   fs     ext2 with file.img, the file-backed test disk
#   tools  read-only ext2: fio and its shared objects
# bench_disks: sets $phy $fsdev $tools, mounts tools on $T and fs on $FS; with $prof set
# (bench/profile.sh) a fourth disk marked PVPROFILE-SYMBOLS gets /proc/kallsyms. Returns 1,
# after a BENCH-FAIL line, when a disk is missing or does not mount.
T=/mnt/tools; FS=/mnt/fs
bench_disks() {
  last=/dev/sdc; [ -n "${prof:-}" ] && last=/dev/sdd
  i=0; while [ ! -b $last ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
  mkdir -p $T $FS /mnt/probe
  phy=; tools=; fsdev=
  for d in /dev/sda /dev/sdb /dev/sdc /dev/sdd; do
    [ -b $d ] || continue
    if [ -n "${prof:-}" ] && [ "$(head -c 17 $d)" = PVPROFILE-SYMBOLS ]; then
      grep ' [tTwW] ' /proc/kallsyms > $d && sync && echo "PROFILE-KALLSYMS $(grep -c ' [tTwW] ' /proc/kallsyms)"
    elif mount -o ro -t ext4 $d /mnt/probe 2>/dev/null; then
      if [ -e /mnt/probe/fio ]; then tools=$d; elif [ -e /mnt/probe/file.img ]; then fsdev=$d; fi
      umount /mnt/probe
    else
      phy=$d
    fi
  done
  echo "BENCH-DISKS: phy $phy fs $fsdev tools $tools"
  [ -n "$phy" ] && [ -n "$fsdev" ] && [ -n "$tools" ] || { echo "BENCH-FAIL: the three AHCI disks"; return 1; }
  mount -o ro -t ext4 $tools $T && mount -t ext4 $fsdev $FS || { echo "BENCH-FAIL: mount"; return 1; }
}

# bench-create.sh: dom0's side of `make bench-create` (bench/create.sh), pvtest=createbench.
# The same steps on our hypervisor (pvctl, xenstore-lite, pvconsoled) and on the real Xen 4.17
# (Debian's xl, xenstored and xenconsoled, brought by the runner's extra archive), chosen by
# pvbench.side=ours|xl|xen (xl: Xen's own xl on our hypervisor); pvbench.runs=N. Timed inside
# dom0 with GNU date (ns), per run:
#   create   the create command's own time, until it returns
#   to-init  create until the guest's INIT-MARKER line is in its console log (pvconsoled's
#            /var/log/pvctl/guest-NAME.log, xenconsoled's /var/log/xen/console/guest-NAME.log)
#   destroy  the destroy command's time, right after the marker
# for the stock compressed kernel (xz bzImage) and the uncompressed ELF of the same kernel,
# 256 MiB, and for the minimal PV test guest (toolstack-guest.elf, 8 MiB, created paused).
# Prints "BENCH-CREATE side figure run ms" lines, then BENCH-CREATE-DONE.
side=$(sed -n 's/.*pvbench.side=\([a-z]*\).*/\1/p' /proc/cmdline)
runs=$(sed -n 's/.*pvbench.runs=\([0-9]*\).*/\1/p' /proc/cmdline); runs=${runs:-9}
for m in xen-evtchn xen-gntdev xen-privcmd xenfs; do modprobe "$m" 2>/dev/null; done
mkdir -p /proc/xen; mount -t xenfs xenfs /proc/xen 2>/dev/null
ns() { /usr/bin/gdate +%s%N; }   # GNU date (the archive's; busybox date has no %N)
ms() { echo $(( ($2 - $1) / 1000 )) | awk '{ printf "%.1f", $1 / 1000 }'; }

if [ "$side" = xen ]; then
  export PATH=/usr/lib/xen-4.17/bin:$PATH
  export LD_LIBRARY_PATH=/usr/lib/xen-4.17/lib/x86_64-linux-gnu:/lib/x86_64-linux-gnu
  mkdir -p /run/xen /run/xenstored /var/run /var/lib/xen /var/lib/xenstored /var/log/xen/console /dev/pts
  grep -q ' /dev/pts ' /proc/mounts || mount -t devpts devpts /dev/pts
  ln -sf /proc/self/fd /dev/fd 2>/dev/null
  export XENSTORED_ROOTDIR=/run/xenstored
  xenstored --pid-file /run/xen/xenstored.pid
  i=0; while ! xenstore-read -s / > /dev/null 2>&1 && [ $i -lt 300 ]; do usleep 100000; i=$((i+1)); done
  xen-init-dom0
  xenconsoled --pid-file=/run/xen/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console
  create() { xl create "$1"; }; create_paused() { xl create -p "$1"; }
  destroy() { xl destroy "$1"; }; LOGDIR=/var/log/xen/console
  # Xen frees a destroyed domain's memory after xl destroy returns: before the next create,
  # wait (untimed) until the domain is gone and 300 MiB are free again.
  settle() {
    i=0; while { xl domid "$1" > /dev/null 2>&1 || [ "$(xl info | sed -n 's/^free_memory *: //p')" -lt 300 ]; } \
      && [ $i -lt 600 ]; do usleep 100000; i=$((i+1)); done
  }
elif [ "$side" = xl ]; then                 # Xen's own xl on our hypervisor
  sh /dom0-xenstored.sh                     # xenstore-lite and pvconsoled serve its guests
  create() { xl create "$1"; }; create_paused() { xl create -p "$1"; }
  destroy() { xl destroy "$1"; }; LOGDIR=/var/log/pvctl
  settle() {                                # untimed, as on Xen: until xl no longer sees it
    i=0; while xl domid "$1" > /dev/null 2>&1 && [ $i -lt 600 ]; do usleep 100000; i=$((i+1)); done
  }
else
  sh /dom0-xenstored.sh                     # xenstore-lite and pvconsoled, as at any boot
  create() { pvctl create "$1" -v; }; create_paused() { pvctl create "$1" -p -v; }   # -v: its steps
  destroy() { pvctl destroy "$1"; }; LOGDIR=/var/log/pvctl
  settle() { :; }                           # destroy returns with every frame back
fi
echo "BENCH-CREATE $side start: $runs runs"

cfg() {   # name kernel memory extra
  printf '%s\n' 'type = "pv"' "name = \"$1\"" "kernel = \"$2\"" "memory = $3" 'vcpus = 1' \
    "extra = \"$4\"" 'on_poweroff = "preserve"' 'on_reboot = "destroy"' 'on_crash = "preserve"'
  [ "$2" = /etc/pvctl/toolstack-guest.elf ] || echo 'ramdisk = "/bench/initrd.gz"'
}
wait_marker() {   # log: up to 300 s, looked at every 50 ms (each look is a process in dom0)
  i=0; while ! grep -q INIT-MARKER "$1" 2>/dev/null && [ $i -lt 6000 ]; do usleep 50000; i=$((i+1)); done
  grep -q INIT-MARKER "$1" 2>/dev/null
}
linux_runs() {   # figure-prefix kernel
  r=1
  while [ $r -le $runs ]; do
    n=$1$r; cfg "$n" "$2" 256 "console=hvc0 loglevel=3 pvtest=marker" > /tmp/$n.cfg
    t0=$(ns); create /tmp/$n.cfg > /tmp/$n.out 2>&1; rc=$?; t1=$(ns)
    if [ $rc = 0 ] && wait_marker "$LOGDIR/guest-$n.log"; then
      t2=$(ns); destroy "$n" > /dev/null 2>&1; t3=$(ns)
      echo "BENCH-CREATE $side $1-create $r $(ms $t0 $t1)"
      echo "BENCH-CREATE $side $1-to-init $r $(ms $t0 $t2)"
      echo "BENCH-CREATE $side $1-destroy $r $(ms $t2 $t3)"
      sed -n "s/^pvctl: \\(created\\|step\\)/BENCH-NOTE $1 &/p" /tmp/$n.out   # ours: create's own split
    else
      echo "BENCH-CREATE $side $1 $r failed (rc $rc): $(head -n 6 /tmp/$n.out | tr '\n' ' ')"
      tail -n 5 "$LOGDIR/guest-$n.log" 2>/dev/null; destroy "$n" > /dev/null 2>&1
    fi
    settle "$n"
    r=$((r+1))
  done
}
linux_runs xz /bench/vmlinuz
linux_runs elf /bench/vmlinux
r=1
while [ $r -le $runs ]; do
  cfg tg$r /etc/pvctl/toolstack-guest.elf 8 "mode=spin name=tg$r" > /tmp/tg.cfg
  t0=$(ns); create_paused /tmp/tg.cfg > /tmp/tg.out 2>&1; rc=$?; t1=$(ns)
  sed -n "s/^pvctl: \\(created\\|step\\)/BENCH-NOTE mini &/p" /tmp/tg.out
  destroy tg$r > /dev/null 2>&1; t2=$(ns); settle tg$r
  if [ $rc = 0 ]; then
    echo "BENCH-CREATE $side mini-create $r $(ms $t0 $t1)"; echo "BENCH-CREATE $side mini-destroy $r $(ms $t1 $t2)"
  else echo "BENCH-CREATE $side mini $r failed (rc $rc): $(head -n 6 /tmp/tg.out | tr '\n' ' ')"; fi
  r=$((r+1))
done
echo "BENCH-CREATE-DONE"

# Dom0's xenstored at boot (docs/xenstore.md, "Dom0's xenstored"), before anything that
# uses xenstore: xenstore-lite serves the kernel's own ring (xenbus_backend; the kernel's
# xenbus, waiting in XS_LOCAL, probes at its first event) and the Unix socket Debian's
# libxenstore uses; then the domUs the hypervisor started at boot are introduced, and
# Xen's xen-init-dom0 names dom0.
for m in xen-evtchn xen-gntdev xen-privcmd; do modprobe "$m" 2>/dev/null; done
# and the directories Xen's xl keeps its state in (/var/lib/xen: libxl's userdata; its lock)
mkdir -p /var/run/xenstored /var/log /var/lib/xen /var/run/xen /var/log/xen /var/lock
if xenstore-lite -X -l info -s /var/run/xenstored/socket -F /var/run/xenstored.pid \
     -L /var/log/xenstore-lite.log; then
  timeout 30 xs-boot-introduce
  # As Xen's xen-init-dom0.service: Debian's own xen-init-dom0 writes dom0's entries
  # (name Domain-0, domid, control/feature-*), so Xen's tools see dom0 as on Xen.
  if command -v xen-init-dom0 > /dev/null; then
    timeout 30 xen-init-dom0 > /var/log/xen-init-dom0.log 2>&1 || echo "xenstored: xen-init-dom0 failed"
  fi
  # pvconsoled, the console daemon (docs/toolstack.md): logs every guest pvctl makes to
  # /var/log/pvctl/guest-NAME.log and gives `pvctl console` a pty; it needs devpts.
  mkdir -p /dev/pts; grep -q ' /dev/pts ' /proc/mounts || mount -t devpts devpts /dev/pts
  [ -x /bin/pvconsoled ] && { pvconsoled || echo "pvconsoled: did not start"; }
else
  echo "xenstored: xenstore-lite did not start"
fi

# Dom0 of `make bench-full-vs-para` (bench/full-vs-para.sh, pvtest=fvp0), the same on our
# hypervisor and on the real Xen 4.17 (xenstore-lite, pvconsoled, pvctl and QEMU-xen drive
# both). Three ways to the same raw AHCI test disk (io-bench-disks.sh's phy) and to dom0's
# network, one after the other:
#   native  dom0 itself: the fio jobs on /dev/sdX; net-rx a wget from its own httpd
#   pv      a PV domU: xen-blkfront -> xen-blkback on /dev/sdX; netfront -> netback's vif
#   hvm     an HVM guest, unmodified and unaware (xen_nopv; clearcpuid=rdtscp: the real Xen
#           under TCG emulates RDTSCP and cannot, see docs/bench.md): PIIX3 IDE and an e1000
#           that QEMU-xen in dom0 emulates on /dev/sdX and a tap
# Both guests: 256 MiB, 1 vCPU, the tool disk (fio) beside the test disk, on the bridge pvbr0
# (10.0.3.1, busybox httpd serving pvfvp.mib MiB). The guests' side is fvp-guest.sh; their
# lines come back as "[pv] ..." and "[hvm] ...". With pvfvp.counts=1 (our hypervisor) each
# COUNT- line of a guest, and each of dom0's own windows, gets a `pvctl debug-keys q` dump
# summed by fvp-counts.awk into a BENCH-Q line. Ends with "BENCH-FVP-DONE".
mkdir -p /proc/xen; modprobe xenfs 2>/dev/null; mount -t xenfs xenfs /proc/xen 2>/dev/null
for m in ahci sd_mod loop crc32c_generic ext4 bridge tun; do modprobe $m 2>/dev/null; done
arg() { sed -n "s/.*pvfvp\.$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
rt=$(sed -n 's/.*pvio\.runtime=\([0-9]*\).*/\1/p' /proc/cmdline); rt=${rt:-2}
jobs=$(arg jobs | tr , " "); mib=$(arg mib); mib=${mib:-16}; counts=$(arg counts); paths=$(arg paths | tr , ' ')
paths=${paths:-native pv hvm}
up() { cut -d' ' -f1 /proc/uptime; }
field() { pvctl list --json | grep "\"name\": \"$1\"" | sed -n "s/.*\"$2\": \"\{0,1\}\([^\",}]*\).*/\1/p"; }
prof=
. /io-bench-disks.sh
bench_disks || { echo "BENCH-FVP-DONE"; exit 0; }
. /io-bench-fio.sh
ip link set lo up                                    # native net-rx: dom0 to its own address
brctl addbr pvbr0 && brctl stp pvbr0 off
ip addr add 10.0.3.1/24 dev pvbr0; ip link set pvbr0 up
mkdir -p /tmp/www; dd if=/dev/urandom of=/tmp/www/blob bs=1M count="$mib" 2>/dev/null
httpd -p 8000 -h /tmp/www
drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches; }

counts_dump() {   # GUEST-DOMID LABEL...: the guest's and dom0's counters now, as a BENCH-Q line
  [ "$counts" = 1 ] || return 0
  g=$1; shift
  pvctl debug-keys q || { echo "BENCH-FAIL: pvctl debug-keys q"; return 0; }
  pvctl dmesg | tr -d '\r' | awk -v g="$g" -v label="$*" -f /fvp-counts.awk
}
window() {        # NAME UNITS command...: dom0's own window (native), as fvp-guest.sh's
  name=$1; units=$2; shift 2
  counts_dump 0 native COUNT-BEGIN "$name"
  t0=$(up); "$@"; t1=$(up)
  counts_dump 0 native COUNT-END "$name" "$units" "$(awk -v a="$t0" -v z="$t1" 'BEGIN { printf "%.2f", z - a }')"
}

native() {
  echo "BENCH-PHASE: native (fio $("$T/lib/ld-linux-x86-64.so.2" --library-path "$T/lib" "$T/fio" --version), ${rt} s a job)"
  bench_fio native phy "$phy" "$rt" "$jobs"
  drop_caches
  t0=$(up); b=$(timeout 300 wget -q -O - http://10.0.3.1:8000/blob | wc -c); t1=$(up)
  [ "$b" = $((mib * 1048576)) ] && echo "BENCH native net-rx $(awk -v b="$b" -v a="$t0" -v z="$t1" 'BEGIN { printf "%.2f", b / 1048576 / (z - a) }')" \
    || echo "BENCH-FAIL: native net-rx: $b bytes"
  if [ "$counts" = 1 ]; then
    window idle 0 sleep 4
    window randread-4k 512 count_fio randread-4k randread 4k 512 "$phy"
    window randwrite-4k 512 count_fio randwrite-4k randwrite 4k 512 "$phy"
    window seqread-64k 256 count_fio seqread-64k read 64k 256 "$phy"
    window net-rx-mib "$mib" sh -c "wget -q -O /dev/null http://10.0.3.1:8000/blob"
  fi
  drop_caches
}

# guest NAME CFG: create it paused, follow its console, dump the counters at each COUNT- line,
# until FVP-GUEST-DONE (or it shuts down, or 20 minutes); then destroy it.
guest() {
  name=$1; out=/tmp/$name.out; : > "$out"
  echo "BENCH-PHASE: $name"
  if ! pvctl create "$2" -p > /tmp/create.out 2>&1; then
    echo "BENCH-FAIL: pvctl create $name: $(tr '\n' ';' < /tmp/create.out)"; return
  fi
  id=$(field "$name" domid)
  pvctl console -l "$name" 2>&1 | while IFS= read -r l; do
    l=$(printf '%s' "$l" | tr -d '\r'); echo "[$name] $l"; echo "$l" >> "$out"; done &
  sleep 0.5; pvctl unpause "$name" || echo "BENCH-FAIL: pvctl unpause $name"
  seen=0; n=0; done=; stopped=0
  while :; do
    grep -q '^FVP-GUEST-DONE' "$out" && done=1
    c=$(grep -c '^COUNT-' "$out")
    while [ "$seen" -lt "$c" ]; do
      seen=$((seen + 1)); counts_dump "$id" "$name" $(grep '^COUNT-' "$out" | sed -n "${seen}p")
    done
    [ -n "$done" ] && break
    # stopped: its last lines may still be on their way through the console relay
    case "$(field "$name" state)" in *s*|*c*|*d*|"") stopped=$((stopped + 1)) ;; *) stopped=0 ;; esac
    [ "$stopped" -gt 25 ] && { echo "BENCH-FAIL: $name stopped before it was done"; break; }
    n=$((n + 1)); [ $n -gt 6000 ] && { echo "BENCH-FAIL: $name not done in 20 minutes"; break; }
    sleep 0.2
  done
  n=0; while [ -n "$(field "$name" domid)" ] && [ "$(field "$name" shutdown_reason)" != 0 ] && [ $n -lt 300 ]; do sleep 0.2; n=$((n + 1)); done
  pvctl destroy "$name" 2>/dev/null
  [ -z "$done" ] && pvctl dmesg | tail -n 20 | sed "s/^/BENCH-HV-LOG: /"
  sleep 1
  drop_caches
}

K=/etc/pvctl/linux
common="loglevel=4 pvio.runtime=$rt pvfvp.jobs=$(arg jobs) pvfvp.mib=$mib pvfvp.counts=$counts"
cat > /tmp/pv.cfg <<CFG
name = "pv"
kernel = "$K/vmlinuz"
ramdisk = "$K/initrd.gz"
memory = 256
extra = "console=hvc0 pvtest=fvppv $common"
disk = [ 'phy:$phy,xvda,w', 'phy:$tools,xvdb,r' ]
vif = [ 'bridge=pvbr0' ]
CFG
# IDE takes no read-only hard disk (QEMU refuses one): the tool disk is writable to QEMU,
# and the guest mounts it read-only.
cat > /tmp/hvm.cfg <<CFG
name = "hvm"
type = "hvm"
kernel = "$K/vmlinuz"
ramdisk = "$K/initrd.gz"
memory = 256
cmdline = "console=ttyS0 pvtest=fvphvm $common clearcpuid=rdtscp xen_nopv"
disk = [ '$phy,raw,hda,w', '$tools,raw,hdb,w' ]
vif = [ 'bridge=pvbr0,model=e1000' ]
CFG
for p in $paths; do
  case $p in
    native) native ;;
    pv)     guest pv /tmp/pv.cfg ;;
    hvm)    guest hvm /tmp/hvm.cfg ;;
  esac
done
sleep 1
echo "BENCH-FVP-DONE"

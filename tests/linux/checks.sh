# Behaviour checks in the guest; every line is "PASS: linux/x" or "FAIL: linux/x: why".
pass=0; fail=0
ok()  { echo "PASS: linux/$1"; pass=$((pass+1)); }
bad() { echo "FAIL: linux/$1: $2"; fail=$((fail+1)); }

out=$(/bin/guestcheck); rc=$?
echo "$out"
pass=$((pass + $(echo "$out" | grep -c '^PASS:')))
fail=$((fail + $(echo "$out" | grep -c '^FAIL:')))
[ $rc -eq 0 ] || [ $(echo "$out" | grep -c '^FAIL:') -gt 0 ] || bad guestcheck-exit "exit $rc"

# file I/O in tmpfs with checksums
dd if=/dev/urandom of=/tmp/a bs=1024 count=4096 2>/dev/null
s1=$(md5sum < /tmp/a); cp /tmp/a /tmp/b; s2=$(md5sum < /tmp/b)
[ -n "$s1" ] && [ "$s1" = "$s2" ] && ok tmpfs-checksum || bad tmpfs-checksum "$s1 vs $s2"

# /proc/meminfo against the memory the hypervisor gave (pvtest.mem_mib=)
want=$(sed -n 's/.*pvtest.mem_mib=\([0-9]*\).*/\1/p' /proc/cmdline)
total=$(sed -n 's/MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)
if [ -n "$want" ] && [ "$total" -le $((want * 1024)) ] && [ "$total" -ge $((want * 1024 * 70 / 100)) ]; then
  ok meminfo
else
  bad meminfo "MemTotal ${total} kB for ${want} MiB"
fi

# vCPUs (pvtest.cpus=N next to the hypervisor's pvhv.vcpus=N): every one online; with two or
# more, CPU 1 goes offline (VCPUOP_down) and comes back (VCPUOP_up), then runs a task.
cpus=$(sed -n 's/.*pvtest.cpus=\([0-9]*\).*/\1/p' /proc/cmdline)
if [ -n "$cpus" ]; then
  want=0; [ "$cpus" -gt 1 ] && want="0-$((cpus - 1))"
  on=$(cat /sys/devices/system/cpu/online)
  [ "$on" = "$want" ] && ok cpus-online || bad cpus-online "online '$on', want '$want'"
  if [ "$cpus" -gt 1 ]; then
    c1=/sys/devices/system/cpu/cpu1/online
    echo 0 > $c1; off=$(cat $c1); on=$(cat /sys/devices/system/cpu/online)
    [ "$off" = 0 ] && [ "$on" != "$want" ] && ok cpu1-offline || bad cpu1-offline "cpu1 '$off', online '$on'"
    echo 1 > $c1; back=$(cat $c1); on=$(cat /sys/devices/system/cpu/online)
    [ "$back" = 1 ] && [ "$on" = "$want" ] && ok cpu1-online-again || bad cpu1-online-again "cpu1 '$back', online '$on'"
    r=$(taskset -c 1 sh -c 'echo $((6 * 7))' 2>&1)
    [ "$r" = 42 ] && ok task-on-cpu1 || bad task-on-cpu1 "'$r'"
    # every CPU but 0 offline at once, then all back (each a VCPUOP_down/up)
    i=1; why=
    while [ $i -lt "$cpus" ]; do echo 0 > /sys/devices/system/cpu/cpu$i/online || why="$why cpu$i stays"; i=$((i + 1)); done
    on=$(cat /sys/devices/system/cpu/online); [ "$on" = 0 ] || why="$why online '$on' with the others off"
    i=1
    while [ $i -lt "$cpus" ]; do echo 1 > /sys/devices/system/cpu/cpu$i/online || why="$why cpu$i stays off"; i=$((i + 1)); done
    on=$(cat /sys/devices/system/cpu/online); [ "$on" = "$want" ] || why="$why online '$on' after"
    [ -z "$why" ] && ok cpus-all-offline-and-back || bad cpus-all-offline-and-back "$why"
  fi
fi

# parallel workload: gzip and md5sum of 4 MiB each, 3 at once
for i in 1 2 3; do (gzip -c /tmp/a | gunzip -c | md5sum > /tmp/sum$i) & done
wait
n=$(cat /tmp/sum1 /tmp/sum2 /tmp/sum3 | sort -u | wc -l)
[ "$n" -eq 1 ] && [ "$(cat /tmp/sum1)" = "$s1" ] && ok parallel-gzip-md5 || bad parallel-gzip-md5 "sums differ"
# With several vCPUs, a make -jN-like load: one job pinned to each CPU (gzip, gunzip, md5sum
# of 4 MiB, three times), each reporting the CPU it ended on (field 39 of /proc/self/stat).
if [ -n "$cpus" ] && [ "$cpus" -gt 1 ]; then
  i=0
  while [ $i -lt "$cpus" ]; do
    taskset -c $i sh -c 'for r in 1 2 3; do gzip -c /tmp/a | gunzip -c | md5sum; done | sort -u
                         cut -d" " -f39 /proc/self/stat' > /tmp/job$i 2>&1 &
    i=$((i + 1))
  done
  wait
  i=0; why=
  while [ $i -lt "$cpus" ]; do
    [ "$(head -1 /tmp/job$i)" = "$s1" ] && [ "$(wc -l < /tmp/job$i)" = 2 ] || why="$why job$i: $(head -2 /tmp/job$i | tr '\n' ' ')"
    [ "$(tail -1 /tmp/job$i)" = $i ] || why="$why job$i ran on cpu $(tail -1 /tmp/job$i)"
    i=$((i + 1))
  done
  [ -z "$why" ] && ok cpu-parallel-jobs-on-every-cpu || bad cpu-parallel-jobs-on-every-cpu "$why"
fi

# kernel modules from the same package load (vmalloc, relocation, RO/NX changes);
# not applicable to a kernel built without module support (guest-kernel-patches/)
if [ ! -e /proc/modules ]; then
  echo "SKIP: linux/module-load (kernel without module support)"
elif modprobe xen-blkfront 2>/dev/null && grep -q '^xen_blkfront ' /proc/modules; then
  ok module-load
else
  bad module-load "modprobe xen-blkfront failed"
fi

# time: the runner compares these two stamps with its own clock
echo "TIME-START $(cut -d' ' -f1 /proc/uptime)"
sleep 10
echo "TIME-END $(cut -d' ' -f1 /proc/uptime)"

echo "$pass passed, $fail failed"

#!/usr/bin/env bash
# qemu-boot.sh: boot a Multiboot kernel (our hypervisor, or the real Xen) in QEMU
# with its modules, keep the serial log, and stop on a marker or a timeout.
#
#   qemu-boot.sh -k KERNEL [-a "KERNEL CMDLINE"] [-M "MODULE [args]"]...
#                [-l LOGFILE] [-t TIMEOUT_S] [-e END_REGEX] [-m MEM_MB] [-c CPUS] [-i]
#
#   -e  stop QEMU as soon as a serial line matches END_REGEX (extended regex)
#   -i  interactive: serial console on this terminal (for `make run`), no marker
#   -s SOCKET  also accept serial input on this Unix socket (output still goes to the log,
#              through scripts/serial-relay.py)
# Exit: 0 marker seen (or QEMU exited by itself when no -e was given),
#       124 timeout, 3 QEMU exited before the marker, else QEMU's failure code.
# KVM is used when /dev/kvm is usable, TCG otherwise. Extra QEMU arguments come
# from $QEMU_EXTRA, e.g. QEMU_EXTRA="-d int,guest_errors,cpu_reset -D qemu.log" or "-s -S".
# The machine is $QEMU_MACHINE (default pc; the dom0 runner uses q35).
set -uo pipefail

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
kernel= append= log= tmo=120 end= mem=512 cpus=1 interactive=0 sock=
mods=()
while getopts "k:a:M:l:t:e:m:c:s:ih" o; do
  case $o in
    k) kernel=$OPTARG ;; a) append=$OPTARG ;; M) mods+=("$OPTARG") ;;
    l) log=$OPTARG ;; t) tmo=$OPTARG ;; e) end=$OPTARG ;; m) mem=$OPTARG ;;
    c) cpus=$OPTARG ;; i) interactive=1 ;; s) sock=$OPTARG ;; *) usage ;;
  esac
done
[ -n "$kernel" ] || usage
[ -f "$kernel" ] || { echo "qemu-boot: no kernel image at $kernel" >&2; exit 2; }

# KVM only where it can work: a usable /dev/kvm and a CPU with VT-x/AMD-V
# (some sandboxes have the device node but no virtualisation). QEMU_ACCEL overrides.
accel_mode=${QEMU_ACCEL:-}
if [ -z "$accel_mode" ]; then
  if [ -r /dev/kvm ] && [ -w /dev/kvm ] && grep -Eqw 'vmx|svm' /proc/cpuinfo; then accel_mode=kvm
  else accel_mode=tcg; fi
fi
if [ "$accel_mode" = kvm ]; then accel=(-accel kvm -cpu host)
else accel=(-accel tcg -cpu max); fi

initrd=""
for m in "${mods[@]}"; do
  f=${m%% *}
  [ -f "$f" ] || { echo "qemu-boot: no module file $f" >&2; exit 2; }
  initrd+="${initrd:+,}${m//,/,,}"     # QEMU wants commas inside module args doubled
done

cmd=(qemu-system-x86_64 -machine "${QEMU_MACHINE:-pc}" "${accel[@]}" -smp "$cpus" -m "$mem"
     -display none -no-reboot -nodefaults
     -device isa-debug-exit,iobase=0xf4,iosize=0x04
     -kernel "$kernel")
[ -n "$append" ] && cmd+=(-append "$append")
[ -n "$initrd" ] && cmd+=(-initrd "$initrd")
# shellcheck disable=SC2206
cmd+=(${QEMU_EXTRA:-})

if [ "$interactive" = 1 ]; then
  cmd+=(-chardev stdio,id=ser0,signal=off,mux=on -serial chardev:ser0 -mon chardev=ser0,mode=readline)
  echo "qemu-boot: ${cmd[*]}" >&2
  echo "qemu-boot: console attached; Ctrl-A X quits QEMU, Ctrl-A C toggles the QEMU monitor" >&2
  exec "${cmd[@]}"
fi

log=${log:-$(mktemp /tmp/qemu-boot.XXXXXX.log)}
mkdir -p "$(dirname "$log")"
: > "$log"
relay_pid=
: > "$log.qemu-stderr"
if [ -n "$sock" ]; then
  # QEMU's serial socket is private to the relay, which writes the log and takes input on
  # $sock (scripts/serial-relay.py says why not QEMU's own logfile=). QEMU waits for it.
  rm -f "$sock" "$sock.qemu"
  cmd+=(-chardev "socket,id=ser0,path=$sock.qemu,server=on,wait=on" -serial chardev:ser0)
  python3 "$(dirname "$0")/serial-relay.py" "$sock.qemu" "$log" "$sock" 2>> "$log.qemu-stderr" &
  relay_pid=$!
else
  cmd+=(-chardev "file,id=ser0,path=$log" -serial chardev:ser0)
fi
printf '%q ' "${cmd[@]}" > "$log.cmdline"; echo >> "$log.cmdline"

# The relay ends when QEMU closes the line, once the log has all of it.
finish_relay() {
  [ -n "$relay_pid" ] || return 0
  for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$relay_pid" 2>/dev/null || break; sleep 0.1; done
  kill "$relay_pid" 2>/dev/null; wait "$relay_pid" 2>/dev/null; relay_pid=
  rm -f "$sock.qemu"
}

"${cmd[@]}" >> "$log.qemu-stderr" 2>&1 &
qpid=$!
deadline=$(( $(date +%s) + tmo ))
rc=
while :; do
  if [ -n "$end" ] && grep -Eq -- "$end" "$log" 2>/dev/null; then rc=0; break; fi
  if ! kill -0 "$qpid" 2>/dev/null; then
    wait "$qpid"; qrc=$?; finish_relay
    if [ -n "$end" ] && grep -Eq -- "$end" "$log"; then rc=0
    elif [ -n "$end" ]; then rc=3
    elif [ "$qrc" -eq 0 ] || [ "$qrc" -eq 1 ]; then rc=0   # isa-debug-exit(0) exits 1
    else rc=$qrc; fi
    qpid=; break
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then rc=124; echo "qemu-boot: timeout after ${tmo}s, log: $log" >&2; break; fi
  sleep 0.2
done
if [ -n "$qpid" ]; then kill "$qpid" 2>/dev/null; sleep 0.3; kill -9 "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null; fi
finish_relay
exit "$rc"

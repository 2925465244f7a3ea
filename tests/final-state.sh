# final-state.sh: how a boot must end, for every runner (sourced by tests/run-*.sh).
#
# A boot passes only if the machine reached a known final state; a panic anywhere in the log
# (also after the last DONE line, while the last domain is reaped or during teardown) fails it.
#   ours: "(HV) no domains left; frames free N (at boot N)", then "(HV) powering off", and no
#         panic screen.  The hypervisor prints nothing after either "powering off" or the
#         panic's "PANIC: hypervisor halted", so the runner reads the log until one of them
#         (HV_END_RE) appears or QEMU exits, never just until a DONE line.
#   Xen:  the line of dom0's shutdown reason ("(XEN) Hardware Dom0 halted: halting machine" for
#         poweroff, ...), after which Xen halts, and no "Panic on CPU".

# Last lines of a boot of our hypervisor: a clean power-off or the end of a panic screen.
HV_END_RE='^\(HV\) (powering off|PANIC: hypervisor halted)'
# The panic screen opens with a line of 40 stars and ends with "PANIC: hypervisor halted".
HV_PANIC_RE='^\(HV\) (\*{40}|PANIC: hypervisor halted)'
# Last lines of a boot of the real Xen (with noreboot): dom0's shutdown or a panic.
XEN_END_RE='^\(XEN\) (Hardware Dom0 (halted|shutdown|crashed)|Manual reset required|Reboot in five seconds)'
XEN_PANIC_RE='^\(XEN\) (Panic on CPU|Manual reset required|Reboot in five seconds)'

# Xen's report of dom0's shutdown with that reason (the machine's final state on Xen).
xen_shutdown_re() {   # reason
  case $1 in
    poweroff) echo 'Hardware Dom0 halted: halting machine' ;;
    reboot)   echo 'Hardware Dom0 shutdown: rebooting machine' ;;
    crash)    echo 'Hardware Dom0 crashed' ;;
    watchdog) echo 'Hardware Dom0 shutdown: watchdog rebooting machine' ;;
    *)        echo "Hardware Dom0 .*$1" ;;
  esac
}

# The first line of the first panic screen that says what happened (after the stars).
panic_message() {   # log stars_re
  tr -d '\r' < "$1" | grep -E -m1 -A1 -- "$2" | sed -n 2p
}

# Why a boot of our hypervisor did not end in its clean final state; nothing if it did.
hv_final_state() {   # log
  local log=$1 line
  if tr -d '\r' < "$log" | grep -Ec -- "$HV_PANIC_RE" >/dev/null; then
    echo "hypervisor panic: $(panic_message "$log" '^\(HV\) \*{40}')"; return; fi
  line=$(tr -d '\r' < "$log" | grep -E '^\(HV\) no domains left; frames free' | tail -1)
  if [ -z "$line" ]; then echo "no final '(HV) no domains left' line"; return; fi
  echo "$line" | grep -Ec 'frames free ([0-9]+) \(at boot \1\)$' >/dev/null || echo "frames leaked: ${line#*; }"
  tr -d '\r' < "$log" | grep -Ec '^\(HV\) powering off' >/dev/null ||
    echo "no '(HV) powering off' after '(HV) no domains left'"
}

# Why a boot of the real Xen did not end with dom0's shutdown for that reason; nothing if it did.
xen_final_state() {   # log reason
  local want; want=$(xen_shutdown_re "${2:-poweroff}")
  if tr -d '\r' < "$1" | grep -Ec -- "$XEN_PANIC_RE" >/dev/null; then
    echo "Xen panic: $(panic_message "$1" '^\(XEN\) Panic on CPU')"; return; fi
  tr -d '\r' < "$1" | grep -Ec -- "^\(XEN\) $want" >/dev/null || echo "no final '(XEN) $want' line"
}

# What a boot's exit status says, for qemu-boot.sh's 124 (timeout) and 3 (QEMU gone early).
boot_status_reason() {   # rc timeout_s
  case $1 in
    0) ;;
    124) echo "timeout after ${2}s (no final line)" ;;
    3) echo "QEMU exited before the final line" ;;
    *) echo "QEMU failed (exit $1)" ;;
  esac
}

# Every reason a boot of ours failed, "; "-separated; nothing when it reached its final state.
hv_boot_verdict() {   # log qemu_boot_rc timeout_s
  { boot_status_reason "$2" "$3"; hv_final_state "$1"; } | paste -sd ';' | sed 's/;/; /g'
}

#!/usr/bin/env python3
"""bench/ahci-phases.py TRACE: where one AHCI read's round trip goes, from QEMU's trace.

TRACE is QEMU's log of the trace events ahci_port_write, ahci_trigger_irq,
apic_deliver_irq, apic_mem_writel and ahci_mem_read_32_host / ahci_port_read, with
host timestamps (-trace events=FILE -D TRACE -msg timestamp=on; bench/profile.sh does
this with TRACE_AHCI=1). Each command cycle is cut into phases, in host time:

  issue -> irq         the device: the PxCI write until the port raises its interrupt
  irq -> lapic         the MSI until a local APIC accepts it
  lapic -> EOI         until the first EOI write to a memory-mapped local APIC (our
                       hypervisor's interrupt handler; bare Linux uses x2APIC MSRs: there
                       the phase is "lapic -> driver")
  EOI -> driver        until the driver's first AHCI register read (its interrupt handler)
  driver -> issue      from there to the next command: completion, the reader's wake-up,
                       its next system call, the block layer, the next PxCI write

Prints the median, mean and 90th percentile of each (microseconds), leaving out the
first 200 cycles (the start of the run). Tracing slows QEMU a little: compare runs
traced alike."""
import re
import statistics
import sys

MARKS = ["issue", "irq", "lapic", "EOI", "driver", "issue"]   # a cycle's marks, in order


def events(path):
    for line in open(path, errors="replace"):
        m = re.match(r"\d+@([\d.]+):(\w+) (.*)", line)
        if m:
            yield float(m.group(1)), m.group(2), m.group(3)


def cycles(path):
    """Per command: the five phase lengths (None where a mark was not seen)."""
    out, marks = [], None
    for t, ev, args in events(path):
        if ev == "ahci_port_write" and "PxCI" in args:
            if marks:
                marks["issue_next"] = t
                out.append(marks)
            marks = {"issue": t}
        elif marks is None:
            continue
        elif ev == "ahci_trigger_irq":
            marks.setdefault("irq", t)
        elif ev == "apic_deliver_irq" and "irq" in marks:
            marks.setdefault("lapic", t)
        elif ev == "apic_mem_writel" and args.startswith("0xb0 ") and "lapic" in marks:
            marks.setdefault("eoi", t)
        elif ev in ("ahci_mem_read_32_host", "ahci_port_read") and "irq" in marks:
            marks.setdefault("driver", t)
    return out


def phase_lengths(c):
    """{"a -> b": seconds} between each two consecutive marks the cycle has."""
    keys = ["issue", "irq", "lapic", "eoi", "driver", "issue_next"]
    present = [(MARKS[i], c[k]) for i, k in enumerate(keys) if k in c]
    return {"%s -> %s" % (a, b): tb - ta for (a, ta), (b, tb) in zip(present, present[1:])}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    cs = cycles(sys.argv[1])[200:]
    if not cs:
        sys.exit("ahci-phases: no complete command cycle in %s" % sys.argv[1])
    print("AHCI command cycles (QEMU's trace, host time, %d cycles):" % len(cs))
    by_phase = {}
    for c in cs:
        for name, length in phase_lengths(c).items():
            by_phase.setdefault(name, []).append(length)
    for name, v in sorted(by_phase.items(), key=lambda kv: -len(kv[1])):
        if len(v) < len(cs) // 10:
            continue                                # a rare path (a missed mark)
        v.sort()
        print("  %-16s med %6.0f us  mean %6.0f  p90 %6.0f  (%d)" %
              (name, statistics.median(v) * 1e6, statistics.mean(v) * 1e6,
               v[int(len(v) * 0.9)] * 1e6, len(v)))
    total = sorted(c["issue_next"] - c["issue"] for c in cs)
    print("  %-16s med %6.0f us  mean %6.0f  p90 %6.0f" %
          ("whole cycle", statistics.median(total) * 1e6, statistics.mean(total) * 1e6,
           total[int(len(total) * 0.9)] * 1e6))


if __name__ == "__main__":
    main()

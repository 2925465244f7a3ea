#!/usr/bin/env python3
"""bench/profile.py: a sampling profile of a QEMU guest machine, from the outside.

  profile.py --qmp SOCKET --log LOG --start RE --stop RE [--hz N] [--hv-elf ELF]
             [--kallsyms FILE] [--top N]

Waits until RE --start is in LOG (the machine's serial log), then asks QEMU (QMP,
`info registers -a`) where every vCPU is, --hz times a second, until --stop is in LOG.
The machine is stopped for each sample (QMP stop/cont). A sample is one vCPU's RIP,
CPL, CR3 and whether it sits in HLT. A RIP in our hypervisor is named by --hv-elf's
symbols; with --hv-elf, the domain the CPU runs for comes from the hypervisor's
pcpu.curr, read through the GDT base (struct cpu_data starts with the GDT). A guest RIP is user space's, or the guest kernel's, named
by --kallsyms (dom0's /proc/kallsyms, read once QEMU has ended) and, for the modules of
the other domains, by "PROFILE-SYM" lines in LOG. docs/performance.md, "Sampling
profiles", has what the figures said.

Why sample from outside: under TCG no guest has a usable PMU, and the hypervisor's own
counters say how often, not how long. The samples land on translated-block boundaries
(QEMU writes RIP back at each), a fine grain for where the time goes. The cost: the
machine stands still for each sample while the host's disk I/O goes on, so the report
says what share of the window it stood.
"""
import argparse
import bisect
import collections
import json
import re
import socket
import subprocess
import sys
import time

HV_BASE = 0xffff800000000000            # ours and Xen sit at the bottom of the kernel half
HV_END = 0xffff880000000000
USER_END = 0x0000800000000000


class Qmp:
    def __init__(self, path, timeout_s=60):
        deadline = time.time() + timeout_s
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX)
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                if time.time() > deadline:
                    sys.exit("profile: no QMP socket at %s" % path)
                time.sleep(0.2)
        self.f = self.s.makefile("rwb")
        self._read()                                  # the greeting
        self.call("qmp_capabilities")

    def _read(self):
        while True:
            line = self.f.readline()
            if not line:
                raise EOFError("QEMU closed QMP")
            msg = json.loads(line)
            if "event" not in msg:
                return msg

    def call(self, cmd, **args):
        self.f.write(json.dumps({"execute": cmd, "arguments": args}).encode() + b"\n")
        self.f.flush()
        msg = self._read()
        if "error" in msg:
            raise RuntimeError("%s: %s" % (cmd, msg["error"].get("desc")))
        return msg["return"]

    def wait_end(self, timeout_s):
        """Until QEMU quits (it closes the socket), or timeout_s."""
        self.s.settimeout(timeout_s)
        try:
            while self.f.readline():
                pass
        except OSError:
            pass

    def hmp(self, line, cpu=None):
        args = {"command-line": line}
        if cpu is not None:
            args["cpu-index"] = cpu
        return self.call("human-monitor-command", **args)


class Symbols:
    """Sorted (address, name) of text symbols: nm output or /proc/kallsyms lines."""

    def __init__(self, lines):
        pairs = []
        for line in lines:
            f = line.split()
            if len(f) >= 3 and f[1] in "tTwW" and re.fullmatch(r"[0-9a-f]+", f[0]):
                mod = " " + f[3] if len(f) > 3 and f[3].startswith("[") else ""
                pairs.append((int(f[0], 16), f[2] + mod))
        pairs.sort()
        self.addrs = [a for a, _ in pairs]
        self.names = [n for _, n in pairs]

    def name(self, rip):
        i = bisect.bisect_right(self.addrs, rip) - 1
        return self.names[i] if i >= 0 else "?"

    def covers(self, rip):
        return bool(self.addrs) and self.addrs[0] <= rip <= self.addrs[-1] + 0x10000


def nm_symbols(elf):
    out = subprocess.run(["nm", "-n", "-l", "--defined-only", elf], capture_output=True, text=True)
    syms = Symbols(out.stdout.splitlines())
    # the source file of each function (DWARF; assembly has none): the report groups by it
    syms.files = {}
    for line in out.stdout.splitlines():
        f = line.split()
        if len(f) >= 4 and f[1] in "tTwW":
            syms.files[f[2]] = f[3].rsplit(":", 1)[0].rsplit("/", 1)[-1]
    return syms


def curr_offset(elf):
    """offsetof(struct cpu_data, pcpu.curr), from the hypervisor's DWARF."""
    out = subprocess.run(["gdb", "-batch", "-ex", "print (long)&((struct cpu_data*)0)->pcpu.curr",
                          elf], capture_output=True, text=True).stdout
    m = re.search(r"= (\d+)", out)
    return int(m.group(1)) if m else None


def log_text(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


REG = re.compile(r"RIP=([0-9a-f]{16}) .*CPL=(\d).*HLT=(\d)")
GDT = re.compile(r"GDT=\s+([0-9a-f]{16})")
CR3 = re.compile(r"CR3=([0-9a-f]{16})")


class Sample(collections.namedtuple("Sample", "cpu rip cpl halted gdt cr3 who")):
    pass


def cpu_states(qmp):
    """A Sample per vCPU: where it is, all read at one moment."""
    text = qmp.hmp("info registers -a").replace("\r", "")
    states = []
    for n, block in enumerate(re.split(r"\nCPU#\d+\n", "\n" + text)[1:]):
        r, g, c = REG.search(block), GDT.search(block), CR3.search(block)
        if r:
            states.append(Sample(n, int(r.group(1), 16), int(r.group(2)), r.group(3) == "1",
                                 int(g.group(1), 16) if g else 0, int(c.group(1), 16) if c else 0,
                                 None))
    return states


def read_u64(qmp, cpu, addr):
    m = re.search(r":\s*0x([0-9a-f]+)", qmp.hmp("x /1gx 0x%x" % addr, cpu))
    return int(m.group(1), 16) if m else 0


class Domains:
    """Which domain a CPU runs for, on our hypervisor: its pcpu.curr -> vcpu->domain -> id
    (both first members: hypervisor/include/hv/domain.h), read while the machine is
    stopped, so it is the domain of that very sample; cached per vCPU."""

    def __init__(self, qmp, offset):
        self.qmp, self.offset, self.vcpus = qmp, offset, {}

    def of(self, st):
        if self.offset is None or not st.gdt:
            return "d?"
        curr = read_u64(self.qmp, st.cpu, st.gdt + self.offset)
        if not curr:
            return "idle"
        if curr not in self.vcpus:
            dom = read_u64(self.qmp, st.cpu, curr)
            self.vcpus[curr] = "d%d" % (read_u64(self.qmp, st.cpu, dom) & 0xffff) if dom else "d?"
        return self.vcpus[curr]


def kallsyms_lines(path):
    """The guest's /proc/kallsyms text lines, written raw to a disk image (NULs after)."""
    with open(path, "rb") as f:
        return f.read().split(b"\0", 1)[0].decode(errors="replace").splitlines()


class GuestSymbols:
    """dom0's kallsyms (--kallsyms) name every domain's core kernel (the same PV kernel,
    loaded at its link address); modules differ per domain: "PROFILE-SYM <kallsyms line>"
    lines in the log (a domU's, relayed by dom0) name the modules of the domains but d0."""
    MODULES = 0xffffffffc0000000

    def __init__(self, path, log):
        self.dom0 = Symbols(kallsyms_lines(path)) if path else None
        extra = re.findall(r"PROFILE-SYM (.*\S)\s*$", log, re.M)
        self.domu = Symbols(extra) if extra else None

    def name(self, who, rip):
        table = self.domu if who not in ("d0", "guest") and rip >= self.MODULES else self.dom0
        return table.name(rip) if table and table.covers(rip) else "?"


def classify(st, hv, syms):
    """(where, function) of one sample."""
    if HV_BASE <= st.rip < HV_END:
        who = st.who if hv else "?"
        fn = "(hlt)" if st.halted else hv.name(st.rip) if hv else "?"
        return ("hypervisor idle" if st.halted or who == "idle" else "hypervisor for " + who), fn
    who = st.who if hv else "guest"
    if st.halted:
        return who + " idle (hlt)", "(hlt)"
    if st.rip < USER_END:
        return who + " user", "(user)"
    return who + " kernel", syms.name(who, st.rip)


def jit_counts(qmp):
    """QEMU's TLB flush counters (`info jit`): every CR3 load is a full flush under TCG."""
    text = qmp.hmp("info jit")
    return {k: int(v) for k, v in re.findall(r"TLB (full|partial|elided) flushes\s+(\d+)", text)}


def sample(args, qmp, domains):
    """Samples until the stop marker (or QEMU's end), and the seconds the machine was
    stopped for them. Each sample stops the machine (QMP stop/cont), so the registers
    and pcpu.curr belong together; QEMU's virtual clocks stop with it, the host's disk
    I/O does not."""
    period = 1.0 / args.hz
    taken, asking = [], 0.0
    next_log_check = 0.0
    while True:
        now = time.time()
        if now >= next_log_check:
            if re.search(args.stop, log_text(args.log), re.M):
                break
            next_log_check = now + 0.25
        try:
            qmp.call("stop")
            for st in cpu_states(qmp):
                taken.append(st._replace(who=domains.of(st)))
            qmp.call("cont")
            asking += time.time() - now
        except (EOFError, OSError):
            break                       # QEMU ended: the run is over (after the stop marker)
        time.sleep(max(0.0, period - (time.time() - now)))
    return taken, asking


def report(taken, classify_one, secs, asking, top, flushes, hv_files=None):
    wheres, fns = collections.Counter(), collections.Counter()
    for st in taken:
        where, fn = classify_one(st)
        wheres[where] += 1
        fns[(where, fn)] += 1
    total = len(taken) or 1
    # The machine is stopped while a sample is taken: its devices' host I/O goes on, so
    # the larger that share, the shorter the guests' waits look.
    print("profile: %d samples in %.1f s; the machine stopped for them %.0f%% of the window" %
          (len(taken), secs, 100.0 * asking / max(secs, 1e-9)))
    if flushes:
        print("QEMU TLB flushes in the window: %s" %
              ", ".join("%s %d" % (k, v) for k, v in sorted(flushes.items())))
    print("%-28s %7s" % ("where", "share"))
    for where, n in wheres.most_common():
        print("%-28s %6.1f%%" % (where, 100.0 * n / total))
    files = collections.Counter()
    for (where, fn), n in fns.items():
        if where.startswith("hypervisor for") and hv_files is not None:
            files[hv_files.get(fn, "(assembly)")] += n
    if files:
        print()
        print("the hypervisor's busy samples by source file:")
        for f, n in files.most_common(12):
            print("  %5.1f%%  %s" % (100.0 * n / total, f))
    print()
    print("top functions (share of all samples):")
    for (where, fn), n in fns.most_common(top):
        print("  %5.1f%%  %-24s %s" % (100.0 * n / total, where, fn))


def wait_for(pattern, log, timeout_s):
    deadline = time.time() + timeout_s
    while not re.search(pattern, log_text(log), re.M):
        if time.time() > deadline:
            sys.exit("profile: never saw /%s/ in %s" % (pattern, log))
        time.sleep(0.1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--qmp", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--start", required=True)
    ap.add_argument("--stop", required=True)
    ap.add_argument("--hz", type=float, default=20)
    ap.add_argument("--hv-elf")
    ap.add_argument("--kallsyms", help="dom0's /proc/kallsyms (raw, NUL-padded), read at the end")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--unnamed", type=int, default=0, metavar="N",
                    help="also list N guest RIPs no symbol covers (to check the symbols)")
    ap.add_argument("--timeout", type=float, default=900)
    args = ap.parse_args()

    hv = nm_symbols(args.hv_elf) if args.hv_elf else None
    qmp = Qmp(args.qmp)
    wait_for(args.start, args.log, args.timeout)
    domains = Domains(qmp, curr_offset(args.hv_elf) if args.hv_elf else None)
    before, t0 = jit_counts(qmp), time.time()
    taken, asking = sample(args, qmp, domains)
    secs = time.time() - t0
    try:
        after = jit_counts(qmp)
        flushes = {k: after[k] - before.get(k, 0) for k in after}
    except (EOFError, OSError):
        flushes = None                      # QEMU ended with the stop marker
    qmp.wait_end(args.timeout)              # the guest writes its symbols as it likes: all there
    syms = GuestSymbols(args.kallsyms, log_text(args.log))
    report(taken, lambda st: classify(st, hv, syms), secs, asking, args.top, flushes,
           hv.files if hv else None)
    unnamed = [st for st in taken if classify(st, hv, syms)[1] == "?"][:args.unnamed]
    for st in unnamed:
        print("  unnamed: cpu %d rip %016x cpl %d cr3 %x" % (st.cpu, st.rip, st.cpl, st.cr3))


if __name__ == "__main__":
    main()

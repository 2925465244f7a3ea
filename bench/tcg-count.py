#!/usr/bin/env python3
"""tcg-count.py: per-iteration counts from a QEMU `-d in_asm,nochain,exec` log
(bench/tcg-trace.sh drives it; it also carries the one monitor command the
driver needs).

  tcg-count.py --from OFFSET --anchor ADDR QEMU_LOG   count the log after OFFSET
  tcg-count.py --monitor SOCKET COMMAND               send COMMAND to a QEMU monitor

Iterations start at each executed block whose pc is ADDR (the measured
operation's function). Per iteration (median over all whole iterations, so
a rare timer interrupt does not count): executed blocks, guest instructions
(split at the canonical hole: upper half below 0xffff880000000000 is the
hypervisor, ours or Xen's, the rest the guest), instructions TCG runs as a
helper call that ends or exits the block (SYSCALL, SYSRET, IRETQ, MSR and CR
accesses, ...), instructions that flush QEMU's softmmu TLB, page changes
between consecutive blocks, lookups (blocks reached through QEMU's jump
cache even with chaining) and jump-cache collisions among their targets,
and translations made inside the window.
"""
import re
import socket
import statistics
import sys
import time

EVENT = re.compile(r'(memory_notdirty_write_access|memory_region_ops_read|memory_region_ops_write)'
                   r'\b(.*)$')
TRACE = re.compile(r'^Trace \d+: 0x[0-9a-f]+ \[[0-9a-f]+/([0-9a-f]+)/([0-9a-f]+)/')
INSN = re.compile(r'^0x([0-9a-f]+):\s+(?:[0-9a-f]{2} )*\s*(.*)$')
HV_END = 0xffff880000000000
# Mnemonics TCG implements with a helper that ends the block or exits to the main loop.
HELPER = re.compile(r'^(?:rep[a-z]* )?(syscall|sysret[ql]?|iret[qlw]?|swapgs|wrmsr|rdmsr|rdtscp?|'
                    r'xsave\w*|xrstor\w*|fxsave\w*|fxrstor\w*|invlpg|invpcid|cpuid|hlt|sti|cli|'
                    r'popf[qlw]?|int3?|into|ud2|clts|lgdt|lidt|ltr|lldt|wrfsbase|wrgsbase|'
                    r'in[bwl]?|out[bwl]?|lfence|verw|mov[ql]?\s+%[a-z0-9]+,\s*%(?:cr|db)\d|'
                    r'mov[ql]?\s+%(?:cr|db)\d,|mov[wl]?\s+\S+,\s*%[defgs]s)\b')
TLB_FLUSH = re.compile(r'^(invlpg|invpcid|mov[ql]?\s+%[a-z0-9]+,\s*%cr[034]|wrmsr)\b')


def monitor(path, command):
    """Sends one command; returns what the monitor answered (echo and escapes included)."""
    with socket.socket(socket.AF_UNIX) as s:
        s.connect(path)
        s.settimeout(5)
        try:
            s.recv(4096)                             # banner and prompt
        except socket.timeout:
            pass
        s.sendall(command.encode() + b'\n')
        time.sleep(0.5)
        answer, cmd = b'', command.encode()
        deadline = time.time() + 30
        while time.time() < deadline:
            if cmd in answer and b'(qemu)' in answer.split(cmd, 1)[1]:
                break
            try:
                chunk = s.recv(4096)
            except socket.timeout:
                continue
            if not chunk:
                break
            answer += chunk
        return answer.decode('utf-8', 'replace')


def parse(path, start):
    """Yields ('tb', pc) for each executed block, ('tr', pc, insns) per translation and
    ('ev', name, details) per slow memory access: a write to a page holding translated
    code (notdirty) or an access to a device (MMIO)."""
    with open(path, 'rb') as f:
        f.seek(start)
        cur = None
        for raw in f:
            line = raw.decode('utf-8', 'replace').rstrip('\n')
            m = TRACE.match(line)
            if m:
                yield ('tb', int(m.group(1), 16))
                continue
            m = EVENT.search(line)
            if m:
                yield ('ev', m.group(1), m.group(2))
                continue
            if line.startswith('IN:'):
                cur = []
                continue
            if cur is not None:
                m = INSN.match(line)
                if m:
                    cur.append((int(m.group(1), 16), m.group(2).strip()))
                    continue
                if cur:
                    yield ('tr', cur[0][0], cur)
                cur = None


def load_translations(path):
    """Every translation in the whole log (boot included): pc -> instructions (latest)."""
    blocks = {}
    for ev in parse(path, 0):
        if ev[0] == 'tr':
            blocks[ev[1]] = ev[2]
    return blocks


# A block's last instruction that leaves through QEMU's jump-cache lookup
# (helper_lookup_tb_ptr or the main loop) even when chaining is on.
LOOKUP_EXIT = re.compile(r'^(?:ret[qlw]?|jmp[ql]?\s+\*|call[ql]?\s+\*|syscall|sysret[ql]?|iret[qlw]?|'
                         r'int3?\b|into|ud2|hlt|sti|lretq?)')


def jmp_cache_index(pc):
    """QEMU 7.2's tb_jmp_cache_hash_func (include/exec/tb-hash.h), 4096 entries."""
    tmp = pc ^ (pc >> 6)
    return ((tmp >> 6) & 0xfc0) | (tmp & 0x3f)


def lookup_targets(seq, blocks):
    """Blocks reached through a jump-cache lookup: after a return, an indirect
    jump or call, an exit to the main loop (SYSCALL, IRETQ, an exception...),
    or from another page (direct jumps across pages are never chained)."""
    out = []
    for a, b in zip(seq, seq[1:]):
        last = blocks.get(a, [(0, '')])[-1][1]
        if a >> 12 != b >> 12 or LOOKUP_EXIT.match(last):
            out.append(b)
    return out


def collisions(targets):
    """Distinct lookup targets sharing a jump-cache entry with another one:
    each evicts the other, so each lookup of them misses every iteration."""
    by_index = {}
    for pc in set(targets):
        by_index.setdefault(jmp_cache_index(pc), set()).add(pc)
    return sum(len(pcs) for pcs in by_index.values() if len(pcs) > 1)


def iteration_stats(seq, blocks):
    events = [pc for pc in seq if isinstance(pc, tuple)]
    seq = [pc for pc in seq if not isinstance(pc, tuple)]
    insns = [i for pc in seq for i in blocks.get(pc, [])]
    hv = sum(1 for a, _ in insns if a >= 0xffff800000000000 and a < HV_END)
    pages = sum(1 for a, b in zip(seq, seq[1:]) if a >> 12 != b >> 12)
    return {
        'blocks': len(seq), 'insns': len(insns), 'hv insns': hv, 'guest insns': len(insns) - hv,
        'helpers': sum(1 for _, t in insns if HELPER.match(t)),
        'tlb flushes': sum(1 for _, t in insns if TLB_FLUSH.match(t)),
        'page changes': pages,
        'lookups': len(lookup_targets(seq, blocks)),
        'jc collisions': collisions(lookup_targets(seq, blocks)),
        'code writes': sum(1 for e in events if e[0] == 'memory_notdirty_write_access'),
        'mmio': sum(1 for e in events if e[0] != 'memory_notdirty_write_access'),
    }


def count(path, start, anchor):
    blocks = load_translations(path)
    seqs, cur, translations, unknown = [], None, 0, 0
    for ev in parse(path, start):
        if ev[0] == 'tr':
            translations += 1
            continue
        if ev[0] == 'ev':
            if cur is not None:
                cur.append((ev[1], ev[2]))
            continue
        pc = ev[1]
        if pc == anchor:
            if cur is not None:
                seqs.append(cur)
            cur = []
        if cur is not None:
            cur.append(pc)
            unknown += pc not in blocks
    if not seqs:
        sys.exit('tcg-count: no whole iteration in the window')
    stats = [iteration_stats(s, blocks) for s in seqs]
    print(f'iterations: {len(seqs)}; translations in the window: {translations} '
          f'({translations / len(seqs):.4f} per iteration); blocks without a translation: {unknown}')
    for key in stats[0]:
        vals = [s[key] for s in stats]
        print(f'  {key:13s} median {statistics.median(vals):7g}  min {min(vals):5d}  max {max(vals):5d}')
    med = statistics.median(len(x) for x in seqs)
    typical = min(seqs, key=lambda s: abs(len(s) - med))
    print('one iteration, block by block (pc, instructions, helpers; slow accesses):')
    for pc in typical:
        if isinstance(pc, tuple):
            print(f'      {pc[0]} {pc[1].strip()}')
            continue
        ins = blocks.get(pc, [])
        helpers = [t for _, t in ins if HELPER.match(t)]
        print(f'  {pc:016x} {len(ins):3d}  {"; ".join(helpers)}')


def main(argv):
    if argv[:1] == ['--monitor']:
        monitor(argv[1], argv[2])
        return
    start, anchor = 0, None
    while argv and argv[0].startswith('--'):
        opt, val = argv[0], argv[1]
        argv = argv[2:]
        if opt == '--from':
            start = int(val)
        elif opt == '--anchor':
            anchor = int(val, 16)
    count(argv[0], start, anchor)


if __name__ == '__main__':
    main(sys.argv[1:])

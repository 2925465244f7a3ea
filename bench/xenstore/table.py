#!/usr/bin/env python3
"""Side-by-side table: xenstore-lite vs C xenstored, min/median/max of runs.

usage: table.py RESULTS_DIR   (files ours-run<i>.txt, ref-run<i>.txt and
floor-run<i>.txt with xsload "RESULT <metric> <value> <unit>" lines)

The floor is bench/xenstore/floor.c, a responder that does no work: its
throughput over the reference's is the best ratio any daemon can reach
on this machine (the "ceiling" column).
"""
import glob
import os
import statistics
import sys

# metric, label, goal: ("higher", factor) = ours >= factor x ref,
# ("lower", factor) = ours <= factor x ref, None = informational
METRICS = [
    ("seq_write_ops_per_s", "write: 10k new children of one parent", ("higher", 2)),
    ("seq_read_ops_per_s", "read (32 B values)", ("higher", 2)),
    ("seq_overwrite_ops_per_s", "overwrite existing node", ("higher", 2)),
    ("seq_rm_ops_per_s", "rm, one node per op", ("higher", 2)),
    ("dir1000_list_per_s", "DIRECTORY of 1000 children", ("higher", 2)),
    ("txn_single_commits_per_s", "transactions, 1 client", ("higher", 2)),
    ("txn_conc_commits_per_s", "transactions, 4 clients", ("higher", 2)),
    ("txn_conc_eagain_per_commit", "EAGAIN per commit, 4 clients", None),
    ("watch_event_latency_median_us", "watch fan-out 100, p50 latency", None),
    ("watch_event_latency_p99_us", "watch fan-out 100, p99 latency", ("lower", 1)),
    ("mem_bytes_per_node", "RSS per node, 100k nodes", ("lower", 0.5)),
    ("mem_create_ops_per_s", "create 100k nodes (100 dirs)", ("higher", 2)),
    ("conn_open_close_per_s", "connect + close", ("higher", 2)),
    ("conn_open_read_close_per_s", "connect + read + close", ("higher", 2)),
]


def load(d, who):
    vals, units = {}, {}
    for f in sorted(glob.glob(os.path.join(d, who + "-run*.txt"))):
        for line in open(f):
            p = line.split()
            if len(p) >= 3 and p[0] == "RESULT":
                try:
                    vals.setdefault(p[1], []).append(float(p[2]))
                except ValueError:
                    pass
                units[p[1]] = p[3] if len(p) > 3 else ""
    return vals, units


def fmt(x):
    return "%.3g" % x if abs(x) < 10 else "{:,.0f}".format(x).replace(",", " ")


def cell(v):
    if not v:
        return "n/a"
    return "%s / %s / %s" % (fmt(min(v)), fmt(statistics.median(v)), fmt(max(v)))


def main():
    d = sys.argv[1]
    ours, units = load(d, "ours")
    ref, _ = load(d, "ref")
    floor, _ = load(d, "floor")
    n = max([len(v) for v in ours.values()] + [0])
    print()
    print("xenstore-lite vs C xenstored 4.17 (min / median / max of %d runs)" % n)
    print()
    print("| metric | unit | xenstore-lite | C xenstored | ratio (median) | goal | met | no-op floor | ceiling |")
    print("|---|---|---|---|---|---|---|---|---|")
    missed = capped = 0
    for key, label, goal in METRICS:
        o, r, f = ours.get(key, []), ref.get(key, []), floor.get(key, [])
        ratio, ok, ceil = "n/a", "", ""
        if f and r and statistics.median(r):
            c = statistics.median(f) / statistics.median(r)
            ceil = "%.2fx" % c
            capped += bool(goal) and goal[0] == "higher" and c < goal[1]
        if o and r and statistics.median(r):
            q = statistics.median(o) / statistics.median(r)
            ratio = "%.2fx" % q
            if goal:
                ok = "yes" if (q >= goal[1] if goal[0] == "higher" else q <= goal[1]) else "NO"
                missed += ok == "NO"
        g = "" if not goal else ("≥%gx" % goal[1] if goal[0] == "higher" else "≤%gx" % goal[1])
        print("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            label, units.get(key, ""), cell(o), cell(r), ratio, g, ok,
            fmt(statistics.median(f)) if f else "", ceil))
    print()
    print("goals missed: %d; goals above the ceiling (unreachable for any daemon here): %d"
          % (missed, capped))


main()

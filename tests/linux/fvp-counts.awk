# fvp-counts.awk: the last debug key 'q' dump in `pvctl dmesg` (common/keyhandler.c) as one
# line of key=value sums for dom0 ("d0.") and the guest whose id is -v g= ("g."), each summed
# over the domain's vCPUs:
#   raised           events raised on its ports
#   hc               hypercalls; hc.NAME by name (event_channel_op, grant_table_op, ...)
#   gmap gunmap gcopy  grant ops it ran; sent: EVTCHNOP_send calls
#   exits            an HVM vCPU's exits; exit.KIND by kind (io, npf, intr, hlt, vintr, ...);
#   mmio irqs ioreq  MMIO exits, interrupts injected, ioreqs sent to a device model
# Used by fvp-dom0.sh: awk -v g=DOMID -v label=TEXT -f fvp-counts.awk; prints
# "BENCH-Q LABEL key=value ..." lines (none without a dump: the real Xen has its own 'q').
function role(dom) { return dom == 0 ? "d0" : (dom == g ? "g" : "") }
function add(r, k, n) { if (r != "") v[r "." k] += n }
function pairs(r, list,    w, i) {      # "name count name count ..." -> r.PREFIX.name
  n = split(list, w, " ")
  for (i = 1; i + 1 <= n; i += 2) add(r, prefix w[i], w[i + 1])
}
/debug key 'q': counters/ { delete v; open = 1; next }
/debug key 'q': end/ { out = ""; for (k in v) out = out " " k "=" v[k]; last = out; open = 0; next }
open && match($0, /d[0-9]+: events raised [0-9]+/) {
  split(substr($0, RSTART, RLENGTH), a, /[: ]+/); add(role(substr(a[1], 2)), "raised", a[4]); next
}
open && match($0, /d[0-9]+ v[0-9]+: [0-9]+ hypercalls, .*/) {
  split(substr($0, RSTART), t, /[:, ]+/); r = role(substr(t[1], 2))
  add(r, "hc", t[3]); add(r, "gmap", t[7]); add(r, "gunmap", t[9]); add(r, "gcopy", t[11]); add(r, "sent", t[14])
  next
}
open && match($0, /d[0-9]+ v[0-9]+ hypercalls:.*/) {
  s = substr($0, RSTART); split(s, id, " "); split(s, h, ":")
  prefix = "hc."; pairs(role(substr(id[1], 2)), h[2]); next
}
open && match($0, /d[0-9]+ v[0-9]+: [0-9]+ exits:.*/) {
  s = substr($0, RSTART); split(s, p, ";"); split(p[1], h, ":")
  split(h[1], id, " "); r = role(substr(id[1], 2))
  split(h[2], t, " "); add(r, "exits", t[1])
  prefix = "exit."; pairs(r, h[3])
  split(p[2], m, /[ ,]+/); add(r, "mmio", m[2]); add(r, "irqs", m[4]); add(r, "ioreq", m[7])
}
# Five pairs a line, each line with the label: a console line of the hypervisor's holds 256
# characters. dom0's hypercalls by name are left out (the dumps are dom0's own calls).
END {
  n = split(last, kv, " "); line = ""; c = 0
  for (i = 1; i <= n; i++) {
    if (kv[i] ~ /^d0\.hc\./) continue
    line = line " " kv[i]
    if (++c == 5) { print "BENCH-Q " label line; line = ""; c = 0 }
  }
  if (line != "") print "BENCH-Q " label line
}

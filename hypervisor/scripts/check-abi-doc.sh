#!/bin/sh
# check-abi-doc.sh [DOC] [XEN_H]: docs/abi-coverage.md must not drift from
# include/hv/hypercall-defs. Checks, each a PASS:/FAIL: line:
#   definitions  the "Hypercall definitions" table holds exactly the rows
#                the definitions give (name, typed arguments, flags), no
#                more, no fewer;
#   status       every defined hypercall has a row in the main table at its
#                Xen number (xen/xen.h) that is not -ENOSYS, and every row
#                that is not -ENOSYS names a defined hypercall.
# `awk -v mode=doc -f scripts/gen-hypercalls.awk include/hv/hypercall-defs`
# prints the rows to paste. Run from hypervisor/.
set -u
doc=${1:-../docs/abi-coverage.md}
xen_h=${2:-/usr/include/xen/xen.h}
tmp=${TMPDIR:-/tmp}/check-abi-doc.$$
trap 'rm -f "$tmp".*' EXIT
rc=0

pass() { echo "PASS: unit/abi-doc/$1"; }
fail() { echo "FAIL: unit/abi-doc/$1"; sed 's/^/  /' "$2"; rc=1; }

if ! awk -v mode=doc -f scripts/gen-hypercalls.awk include/hv/hypercall-defs > "$tmp.want"; then
    echo "FAIL: unit/abi-doc/definitions (the definitions do not parse)"
    exit 1
fi

# The rows of the "## Hypercall definitions" section's table.
awk '/^## / { in_sec = ($0 ~ /^## Hypercall definitions/) ; next }
     in_sec && /^\| / && !/^\| hypercall \|/ && !/^\|---/' "$doc" > "$tmp.have"
sort "$tmp.want" > "$tmp.want.s"
sort "$tmp.have" > "$tmp.have.s"
comm -23 "$tmp.want.s" "$tmp.have.s" | sed 's/^/missing from the doc: /' > "$tmp.diff"
comm -13 "$tmp.want.s" "$tmp.have.s" | sed 's/^/not in the definitions: /' >> "$tmp.diff"
if [ -s "$tmp.diff" ]; then fail definitions "$tmp.diff"; else pass definitions; fi

# The main table: "| <nr> | <name> | <status> | ...", status -ENOSYS for empty slots.
cut -d'|' -f2 "$tmp.want" | tr -d ' ' > "$tmp.names"
awk -F'|' -v names="$tmp.names" -v xen_h="$xen_h" '
    BEGIN {
        while ((getline n < names) > 0) defined[n] = 1
        while ((getline l < xen_h) > 0)
            if (l ~ /^#define __HYPERVISOR_[a-z_0-9]+[ \t]+[0-9]+/) {
                split(l, w, /[ \t]+/)
                nr[substr(w[2], 14)] = w[3] + 0
            }
    }
    /^## / { in_main = ($0 ~ /^# ABI coverage/); next }
    /^# ABI coverage/ { in_main = 1; next }
    in_main && /^\| [0-9]+ \|/ {
        num = $2; name = $3; status = $4
        gsub(/ /, "", num); gsub(/ /, "", name); gsub(/^ +| +$/, "", status)
        if (status == "-ENOSYS") {
            if (name in defined) print "defined, but -ENOSYS in the doc: " name
            next
        }
        if (!(name in defined)) { print "in the doc as " status ", not defined: " name; next }
        if (name in seen) print "two rows: " name
        seen[name] = 1
        if (!(name in nr) || nr[name] != num + 0)
            print name ": doc says " num ", xen/xen.h says " (name in nr ? nr[name] : "nothing")
    }
    END {
        for (n in defined)
            if (!(n in seen)) print "defined, no row in the main table: " n
    }' "$doc" > "$tmp.diff"
if [ -s "$tmp.diff" ]; then fail status "$tmp.diff"; else pass status; fi
exit $rc

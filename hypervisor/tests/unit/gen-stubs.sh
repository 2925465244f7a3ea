#!/bin/sh
# Prints a C file with a stub for every handler in include/hv/hypercall-defs
# that common/ does not define itself (the arch/x86/pv ones), with its typed
# prototype. Each stub records its arguments and returns STUB_RET(its
# hypercall number). Run from hypervisor/.
set -e
skip=$(sed -n 's/^long \(do_[A-Za-z0-9_]*\)(.*/\1/p' common/*.c | tr '\n' ' ')
awk -v mode=stubs -v skip="$skip" -f scripts/gen-hypercalls.awk include/hv/hypercall-defs

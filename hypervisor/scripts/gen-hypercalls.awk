# Generates C and doc rows from include/hv/hypercall-defs (see its header).
#   awk -v mode=MODE -f scripts/gen-hypercalls.awk include/hv/hypercall-defs
# MODE:
#   protos  the handler prototypes (hv/hypercall-protos.h)
#   table   names, argument counts and flags, and the table of typed thunks
#           (hypercall-table.h, included by common/hypercall.c only)
#   stubs   unit-test stubs recording their arguments; -v skip="do_a do_b"
#           leaves out the handlers the host build defines itself
#   doc     the rows of docs/abi-coverage.md's "Hypercall definitions" table
# Any malformed line stops the build.

function fail(msg) {
    printf "%s:%d: %s\n", FILENAME, FNR, msg > "/dev/stderr"
    failed = 1
    exit 1
}

function trim(s) {
    sub(/^[ \t]+/, "", s)
    sub(/[ \t]+$/, "", s)
    return s
}

# Splits one "type name" argument into atype[n, i], aname[n, i], apointee[n, i].
function parse_arg(n, i, text,    k, type) {
    text = trim(text)
    if (!match(text, /[A-Za-z_][A-Za-z0-9_]*$/))
        fail("argument without a name: " text)
    aname[n, i] = substr(text, RSTART)
    type = trim(substr(text, 1, RSTART - 1))
    if (type == "")
        fail("argument without a type: " text)
    if (type ~ /^handle\([A-Za-z_][A-Za-z0-9_]*\)$/) {
        apointee[n, i] = substr(type, 8, length(type) - 8)
        type = "guest_handle_t"
    } else if (type ~ /handle|\*/) {
        fail("a guest pointer is written handle(T): " text)
    }
    atype[n, i] = type
    for (k = 1; k < i; k++)
        if (aname[n, k] == aname[n, i])
            fail("argument named twice: " aname[n, i])
}

/^[ \t]*(#|$)/ { next }

{
    lparen = index($0, "(")
    rparen = 0
    for (k = length($0); k > lparen; k--)
        if (substr($0, k, 1) == ")") { rparen = k; break }
    if (!lparen || !rparen)
        fail("expected name(arguments) flags")
    name = trim(substr($0, 1, lparen - 1))
    if (name !~ /^[a-z_][a-z0-9_]*$/)
        fail("bad hypercall name '" name "'")
    if (name in seen)
        fail("hypercall defined twice: " name)
    seen[name] = 1
    n = ++count
    hname[n] = name
    args = trim(substr($0, lparen + 1, rparen - lparen - 1))
    nargs[n] = 0
    if (args != "") {
        # Commas only separate arguments: handle(T) holds none.
        na = split(args, parts, ",")
        if (na > 5)
            fail("more than 5 arguments")
        for (k = 1; k <= na; k++)
            parse_arg(n, k, parts[k])
        nargs[n] = na
    }
    nf = split(trim(substr($0, rparen + 1)), fl, /[ \t]+/)
    flags[n] = ""
    for (k = 1; k <= nf; k++) {
        if (fl[k] !~ /^(multicall|preemptible|privileged|privileged_after_checks|hot)$/)
            fail("unknown flag '" fl[k] "'")
        flags[n] = flags[n] (flags[n] == "" ? "" : " ") fl[k]
    }
    if (flags[n] ~ /privileged( |$)/ && flags[n] ~ /privileged_after_checks/)
        fail("privileged and privileged_after_checks both")
}

function has(n, flag) {
    return (" " flags[n] " ") ~ (" " flag " ")
}

function c_params(n,    k, s) {
    if (nargs[n] == 0)
        return "void"
    s = ""
    for (k = 1; k <= nargs[n]; k++)
        s = s (k > 1 ? ", " : "") atype[n, k] " " aname[n, k]
    return s
}

# The call with each register converted to its declared type.
function c_call(fn, n, regs,    k, s) {
    s = fn "("
    for (k = 1; k <= nargs[n]; k++) {
        if (k > 1)
            s = s ", "
        if (atype[n, k] == "guest_handle_t")
            s = s "guest_handle(" regs "[" k - 1 "])"
        else if (atype[n, k] == "unsigned long")
            s = s regs "[" k - 1 "]"
        else
            s = s "(" atype[n, k] ")" regs "[" k - 1 "]"
    }
    return s ")"
}

function c_flags(n,    s) {
    s = ""
    if (has(n, "multicall"))
        s = s " | HCF_MULTICALL"
    if (has(n, "preemptible"))
        s = s " | HCF_PREEMPTIBLE"
    if (has(n, "privileged"))
        s = s " | HCF_PRIVILEGED"
    if (has(n, "privileged_after_checks"))
        s = s " | HCF_PRIVILEGED | HCF_CHECKS_FIRST"
    return s == "" ? "0" : substr(s, 4)
}

function gen_protos(    n) {
    print "/* Generated from include/hv/hypercall-defs by scripts/gen-hypercalls.awk. */"
    print "#ifndef HV_HYPERCALL_PROTOS_H"
    print "#define HV_HYPERCALL_PROTOS_H"
    print ""
    for (n = 1; n <= count; n++) {
        print "long do_" hname[n] "(" c_params(n) ");"
        if (has(n, "privileged_after_checks"))
            print "long " hname[n] "_checks_before_privilege(" c_params(n) ");"
    }
    print ""
    print "#endif"
}

function gen_table(    n) {
    print "/* Generated from include/hv/hypercall-defs by scripts/gen-hypercalls.awk. */"
    print "static const struct hypercall_info hypercall_info[HC_NR_SLOTS] = {"
    for (n = 1; n <= count; n++)
        printf "    [__HYPERVISOR_%s] = { \"%s\", %d, %s },\n", hname[n], hname[n], nargs[n], c_flags(n)
    print "};"
    print ""
    print "/*"
    print " * One thunk per handler, each calling it with its arguments converted to"
    print " * their declared types: all thunks have the one type hypercall_thunk_t,"
    print " * so the dispatcher calls through this table with the type each entry has."
    print " */"
    for (n = 1; n <= count; n++)
        printf "static %slong hc_%s(const unsigned long a[5]) { return %s; }\n",
               has(n, "hot") ? "__hot_path " : "", hname[n], c_call("do_" hname[n], n, "a")
    print ""
    print "static hypercall_thunk_t *const hypercall_thunks[HC_NR_SLOTS] = {"
    for (n = 1; n <= count; n++)
        printf "    [__HYPERVISOR_%s] = hc_%s,\n", hname[n], hname[n]
    print "};"
    print ""
    print "/* For HCF_CHECKS_FIRST: the error Xen gives an unprivileged caller before -EPERM. */"
    print "static inline long hypercall_checks_before_privilege(unsigned long nr, const unsigned long a[5])"
    print "{"
    print "    switch (nr) {"
    for (n = 1; n <= count; n++)
        if (has(n, "privileged_after_checks"))
            printf "    case __HYPERVISOR_%s: return %s;\n", hname[n],
                   c_call(hname[n] "_checks_before_privilege", n, "a")
    print "    default: return 0;"
    print "    }"
    print "}"
}

function gen_stubs(    n, k, skipped, regs) {
    split(skip, sk, /[ \t]+/)
    for (k in sk)
        skipped[sk[k]] = 1
    print "/* Generated from include/hv/hypercall-defs by scripts/gen-hypercalls.awk. */"
    print "#include <hv/hypercall.h>"
    print "#include \"harness.h\""
    for (n = 1; n <= count; n++) {
        if (("do_" hname[n]) in skipped)
            continue
        print "long do_" hname[n] "(" c_params(n) ")"
        regs = ""
        for (k = 1; k <= 5; k++) {
            if (k > nargs[n])
                regs = regs ", 0"
            else if (atype[n, k] == "guest_handle_t")
                regs = regs ", " aname[n, k] ".va"
            else
                regs = regs ", (unsigned long)" aname[n, k]
        }
        print "{ return harness_stub(__HYPERVISOR_" hname[n] regs "); }"
    }
}

function doc_args(n,    k, s, t) {
    s = ""
    for (k = 1; k <= nargs[n]; k++) {
        t = atype[n, k] == "guest_handle_t" ? "handle(" apointee[n, k] ")" : atype[n, k]
        s = s (k > 1 ? ", " : "") t " " aname[n, k]
    }
    return s
}

# The ABI flags: `hot` only places code.
function doc_flags(n,    f) {
    f = " " flags[n] " "
    gsub(/ hot /, " ", f)
    f = trim(f)
    return f == "" ? "-" : f
}

function gen_doc(    n) {
    for (n = 1; n <= count; n++)
        printf "| %s | %s | %s |\n", hname[n], doc_args(n), doc_flags(n)
}

END {
    if (failed)
        exit 1
    if (count == 0) {
        print "no hypercalls defined" > "/dev/stderr"
        exit 1
    }
    if (mode == "protos") gen_protos()
    else if (mode == "table") gen_table()
    else if (mode == "stubs") gen_stubs()
    else if (mode == "doc") gen_doc()
    else { print "mode=protos|table|stubs|doc" > "/dev/stderr"; exit 1 }
}

# The fio jobs of `make bench-io` (bench/io.sh), sourced by io-bench-dom0.sh (dom0-native, on
# AHCI) and io-bench-domU.sh (the PV domU, on xen-blkfront): one fio run per disk, the same
# twelve jobs one after the other (stonewall), O_DIRECT, libaio, time-based. fio and the shared
# objects it links are on the read-only tool disk (mounted at $T), run through its own loader.
# Prints "BENCH SIDE disk-DISK-JOB VALUE": MiB/s for the sequential jobs, IOPS for the random.
#   bench_fio SIDE DISK DEV SECONDS [JOBS]  (JOBS, e.g. "seqread-64k-qd1 randread-4k-qd1": those alone)
# count_fio NAME RW BS NIOS DEV: one fixed-size job (NIOS I/Os of BS, queue depth 1, O_DIRECT),
# no output: what make bench-full-vs-para's counter windows time (fvp-dom0.sh, fvp-guest.sh).
bench_fio() {
  side=$1; disk=$2; dev=$3; rt=$4; only=${5:-}
  {
    printf '[global]\nioengine=libaio\ndirect=1\nthread\ntime_based\nruntime=%s\nsize=128m\nfilename=%s\n' "$rt" "$dev"
    for j in seqread-64k:read:64k seqread-1m:read:1m seqwrite-64k:write:64k seqwrite-1m:write:1m \
             randread-4k:randread:4k randwrite-4k:randwrite:4k; do
      IFS=: read -r name rw bs <<J
$j
J
      for qd in 1 32; do
        case " ${only:-$name-qd$qd} " in *" $name-qd$qd "*) ;; *) continue ;; esac
        printf '[%s-qd%s]\nstonewall\nrw=%s\nbs=%s\niodepth=%s\n' "$name" "$qd" "$rw" "$bs" "$qd"
      done
    done
  } > /tmp/bench-$disk.fio
  # terse v3: field 3 the job, 7/8 read KiB/s and IOPS, 48/49 write KiB/s and IOPS
  "$T/lib/ld-linux-x86-64.so.2" --library-path "$T/lib" "$T/fio" --output-format=terse --terse-version=3 \
      /tmp/bench-$disk.fio > /tmp/bench-$disk.out 2> /tmp/bench-$disk.err ||
    { echo "BENCH-FAIL $side $disk: fio exit $?"; head -5 /tmp/bench-$disk.err; }
  awk -F';' -v s="$side" -v d="$disk" 'NF > 100 && $1 == 3 {
      seq = ($3 ~ /^seq/); wr = ($3 ~ /write/)
      v = seq ? (wr ? $48 : $7) / 1024 : (wr ? $49 : $8)
      printf "BENCH %s disk-%s-%s %.1f\n", s, d, $3, v }' /tmp/bench-$disk.out
}

count_fio() {
  printf '[%s]\nioengine=libaio\ndirect=1\nthread\nrw=%s\nbs=%s\niodepth=1\nnumber_ios=%s\nsize=128m\nfilename=%s\n' \
    "$1" "$2" "$3" "$4" "$5" > /tmp/count.fio
  "$T/lib/ld-linux-x86-64.so.2" --library-path "$T/lib" "$T/fio" --output-format=terse /tmp/count.fio > /dev/null 2> /tmp/count.err ||
    echo "BENCH-FAIL count $1: fio: $(head -c 200 /tmp/count.err)"
}

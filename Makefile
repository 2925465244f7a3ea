# Top-level build: every component builds into build/, every test suite reports
# "PASS: name" / "FAIL: name" lines into build/test-results/<suite>.log, and
# `make test` ends with the totals line "N passed, N failed".
.DEFAULT_GOAL := all
SHELL := /bin/bash
TOP := $(CURDIR)
BUILD := $(TOP)/build
export TOP BUILD

.PHONY: all setup hypervisor guests xenstore tools linux-image linux-patched run test test-unit test-run \
        test-runner test-guests test-xenstore test-linux test-linux-patched test-dom0 test-toolstack test-io test-net test-hvm bench-hypercall bench-mmu bench-mmu-pair bench-xenstore bench-linux-boot bench-dom0 bench-io bench-create bench-smp bench-net bench-full-vs-para profile clean help

help:
	@echo "make run              boot the hypervisor with the stock kernel as dom0 (q35): a dom0 shell with pvctl"
	@echo "make run DOM0=0       the same kernel as an unprivileged domU (serial on stdio)"
	@echo "make test             every test; ends with 'N passed, N failed'"
	@echo "make test-unit        CUnit tests of the hypervisor's common code, on the host"
	@echo "make test-runner      the test runner fails broken boots (a planted panic, cut logs)"
	@echo "make test-guests      PV test guests booted under QEMU"
	@echo "make test-xenstore    xenstore-lite unit, integration, differential and fuzz tests"
	@echo "make test-linux       the stock Debian kernel as a PV guest: checks, two guests"
	@echo "make test-linux-patched  build Linux 6.1 with guest-kernel-patches/ and boot it"
	@echo "make test-dom0        the stock Debian kernel as dom0 on q35"
	@echo "make test-toolstack   pvctl in dom0: create, list, pause, destroy; on_* actions; xenstore; bad input"
	@echo "make test-io          a Linux domU's disk through dom0's xen-blkback (docs/io.md)"
	@echo "make test-hvm         HVM guests' I/O served by device models in dom0: ours (ioreq) and Debian's QEMU-xen;"
	@echo "                      the stock kernel as an HVM guest with QEMU's IDE disk"
	@echo "make test-net         a Linux domU's network through dom0's xen-netback and pvbr0 (docs/io.md)"
	@echo "make test-run         make run as a user drives it: a Linux domU with a disk and a network from dom0"
	@echo "make linux-patched    just build it (build/linux-patched/vmlinux)"
	@echo "make bench-hypercall  null hypercall / event / trap bounce: ours vs Xen 4.17"
	@echo "make bench-xenstore   xenstore-lite vs the real C xenstored"
	@echo "make bench-mmu        mmu_update, pin/unpin, grant map: ours vs Xen 4.17"
	@echo "make bench-mmu-pair   the same in two domains at once on 2 CPUs: do they slow each other? (HV_BASE=another build)"
	@echo "make bench-smp        events and TLB shootdowns across CPUs, work on 1-4 vCPUs: ours vs Xen 4.17"
	@echo "make bench-linux-boot stock Debian kernel boot to /init: ours vs Xen 4.17"
	@echo "make bench-dom0       dom0's disk and network throughput: ours vs Xen 4.17 vs bare Linux"
	@echo "make bench-io         PV disk (fio, file: and phy:) vs dom0-native, on ours and on Xen 4.17"
	@echo "make bench-create     create/destroy and create -> guest /init: pvctl and xl on ours vs xl on Xen 4.17"
	@echo "make bench-net        split-driver network throughput and latency, domU<->dom0/domU: ours vs Xen 4.17"
	@echo "make bench-full-vs-para  native vs PV vs HVM (emulated) disk and network, with costs per I/O: ours vs Xen 4.17"
	@echo "make profile WORKLOAD=W [SIDE=ours|xen|bare]  where the time goes (dom0-disk-64k, pv-disk-64k, ...)"

setup:
	@bash scripts/setup.sh

all: hypervisor guests xenstore tools

hypervisor: setup
	@$(MAKE) -s -C hypervisor

guests: setup
	@$(MAKE) -s -C tests/guests

xenstore: setup
	@$(MAKE) -s -C xenstore-lite

tools: setup
	@$(MAKE) -s -C dom0-tools

linux-image: tools guests xenstore
	@bash scripts/linux-image.sh

linux-patched: setup
	@bash guest-kernel-patches/build.sh

run: hypervisor guests linux-image
	@bash scripts/run.sh

test: setup
	@bash scripts/test-all.sh

test-unit: setup
	@bash scripts/test-suite.sh unit bash -c '$(MAKE) -s -C hypervisor test-unit; rc=$$?; $(MAKE) -s -C dom0-tools test || rc=1; exit $$rc'

test-runner: hypervisor guests
	@bash scripts/test-suite.sh runner bash tests/run-runner-selftest.sh

test-guests: hypervisor guests
	@bash scripts/test-suite.sh guests bash tests/run-guests.sh

test-xenstore: setup
	@bash scripts/test-suite.sh xenstore $(MAKE) -s -C xenstore-lite test

test-linux: hypervisor linux-image
	@bash scripts/test-suite.sh linux bash tests/run-linux.sh

# The stock kernel as dom0 (issue 13, step 1; docs/dom0.md).
test-dom0: hypervisor guests linux-image
	@bash scripts/test-suite.sh dom0 bash tests/run-dom0.sh

# pvctl, the toolstack, in dom0 (issue 14; docs/toolstack.md).
test-toolstack: hypervisor guests linux-image
	@bash scripts/test-suite.sh toolstack bash tests/run-toolstack.sh

# Split-driver block I/O (issue 15; docs/io.md): a Linux domU's disk through dom0's blkback.
test-io: hypervisor linux-image
	@bash scripts/test-suite.sh io bash tests/run-io.sh

# ioreq servers (issue 16 stage 3a; docs/hvm.md "The ioreq flow"): dom0's ioreq-dm serves hvm-ioreq.
test-hvm: hypervisor guests linux-image
	@bash scripts/test-suite.sh hvm sh -c 'bash tests/run-hvm-ioreq.sh; a=$$?; bash tests/run-hvm-qemu.sh || a=1; \
	    bash tests/run-hvm-linux.sh || a=1; exit $$a'
# Split-driver networks (issue 15; docs/io.md "Networks"): netfront, netback, the bridge pvbr0.
test-net: hypervisor linux-image
	@bash scripts/test-suite.sh net bash tests/run-net.sh

# make run as a user drives it (issue 15; docs/io.md "make run"): a Linux domU with a disk and a network from dom0's shell.
test-run: hypervisor linux-image
	@bash scripts/test-suite.sh run bash tests/run-make-run.sh

# Builds the kernel itself, so that a build failure is a FAIL line.
test-linux-patched: hypervisor linux-image
	@bash scripts/test-suite.sh linux-patched bash tests/run-linux-patched.sh

bench-hypercall: hypervisor guests
	@bash bench/hypercall.sh

bench-linux-boot: hypervisor linux-image
	@bash bench/linux-boot.sh

bench-dom0: hypervisor linux-image
	@bash bench/dom0.sh

# PV disk (split drivers) vs dom0-native, on ours and on the real Xen 4.17 (issue 15; docs/split-drivers.md).
bench-io: hypervisor linux-image
	@bash bench/io.sh

# pvctl create/destroy against xl on the real Xen 4.17 (issue 14; docs/toolstack.md).
bench-create: hypervisor guests linux-image
	@bash bench/create.sh

# split-driver network throughput and latency against the real Xen 4.17 (issue 15; docs/split-drivers.md).
bench-net: hypervisor linux-image
	@bash bench/net.sh

bench-full-vs-para: hypervisor guests linux-image
	@bash bench/full-vs-para.sh

# where the time goes in one workload, sampled from outside: make profile WORKLOAD=pv-disk-64k [SIDE=xen]
profile: hypervisor linux-image
	@bash bench/profile.sh $(or $(WORKLOAD),--help) $(SIDE)

bench-mmu: hypervisor guests
	@bash bench/mmu.sh

bench-mmu-pair: hypervisor guests
	@bash bench/mmu-pair.sh

bench-smp: hypervisor guests
	@bash bench/smp.sh

bench-xenstore: xenstore
	@bash bench/xenstore.sh

clean:
	rm -rf build
	@$(MAKE) -s -C xenstore-lite clean 2>/dev/null || true

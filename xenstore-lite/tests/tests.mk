# Tests: CUnit unit tests, integration with the real clients, differential
# against the real xenstored, fuzzing. Each prints PASS:/FAIL: lines.
UNIT_SRC := $(wildcard tests/unit/*.c) tests/memconn.c
UNIT_BIN := $(B)/tests/unit
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer

# Dom0's ring backend is tested against fake Xen libraries (test_ring_xen.c).
UNIT_DAEMON := src/xs_loop.c src/xs_ring_xen.c
$(UNIT_BIN): $(UNIT_SRC) $(CORE:%=src/%.c) $(UNIT_DAEMON) | $(B)/tests
	$(CC) $(CFLAGS) $(SAN) -o $@ $(UNIT_SRC) $(CORE:%=src/%.c) $(UNIT_DAEMON) -lcunit

unit: $(UNIT_BIN)
	@$(UNIT_BIN)


LIBXS_TEST := $(B)/tests/libxs_test
$(LIBXS_TEST): tests/integ/libxs_test.c | $(B)/tests
	$(CC) $(CFLAGS) -o $@ $< -lxenstore

RING_GUEST := $(B)/tests/ring_guest
$(RING_GUEST): tests/integ/ring_guest.c | $(B)/tests
	$(CC) $(CFLAGS) -o $@ $<

XS_SCRIPT := $(B)/tests/xs_script
$(XS_SCRIPT): tests/diff/xs_script.c | $(B)/tests
	$(CC) $(CFLAGS) -o $@ $<

# The reference C xenstored runs under this preload (refd/refd.sh).
NOHV := $(B)/nohv.so
$(NOHV): refd/nohv.c | $(B)/obj
	$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -fPIC -shared -o $@ $< -ldl

# libFuzzer target (clang), with ASan/UBSan.
FUZZ_BIN := $(B)/fuzz/xs_fuzz
$(FUZZ_BIN): fuzz/xs_fuzz.c tests/memconn.c $(CORE:%=src/%.c)
	@mkdir -p $(B)/fuzz
	clang -std=c11 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Werror \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-o $@ fuzz/xs_fuzz.c tests/memconn.c $(CORE:%=src/%.c)

fuzz: $(FUZZ_BIN)
	$(FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -dict=fuzz/xs.dict $(B)/fuzz/work fuzz/corpus

# Last: the prerequisites above must be defined before this rule is read.
test: all $(UNIT_BIN) $(LIBXS_TEST) $(XS_SCRIPT) $(RING_GUEST) $(NOHV) $(FUZZ_BIN)
	@bash tests/run.sh $(B) $(FUZZ_SECONDS)

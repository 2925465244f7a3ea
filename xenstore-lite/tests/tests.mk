# Tests: CUnit unit tests, integration with the real clients, differential
# against the real xenstored, fuzzing. Each prints PASS:/FAIL: lines.
UNIT_SRC := $(wildcard tests/unit/*.c) tests/memconn.c
UNIT_BIN := $(B)/tests/unit
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer

$(UNIT_BIN): $(UNIT_SRC) $(CORE:%=src/%.c) | $(B)/tests
	$(CC) $(CFLAGS) $(SAN) -o $@ $(UNIT_SRC) $(CORE:%=src/%.c) -lcunit

unit: $(UNIT_BIN)
	@$(UNIT_BIN)

test: all $(UNIT_BIN) $(LIBXS_TEST) $(XS_SCRIPT)
	@bash tests/run.sh $(B) $(SHARED) $(FUZZ_SECONDS)

LIBXS_TEST := $(B)/tests/libxs_test
$(LIBXS_TEST): tests/integ/libxs_test.c | $(B)/tests
	$(CC) $(CFLAGS) -o $@ $< -lxenstore

XS_SCRIPT := $(B)/tests/xs_script
$(XS_SCRIPT): tests/diff/xs_script.c | $(B)/tests
	$(CC) $(CFLAGS) -o $@ $<

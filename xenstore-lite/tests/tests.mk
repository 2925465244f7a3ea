# Tests: CUnit unit tests, integration with the real clients, differential
# against the real xenstored, fuzzing. Each prints PASS:/FAIL: lines.
UNIT_SRC := $(wildcard tests/unit/*.c) tests/memconn.c
UNIT_BIN := $(B)/tests/unit
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer

$(UNIT_BIN): $(UNIT_SRC) $(CORE:%=src/%.c) | $(B)/tests
	$(CC) $(CFLAGS) $(SAN) -o $@ $(UNIT_SRC) $(CORE:%=src/%.c) -lcunit

unit: $(UNIT_BIN)
	@$(UNIT_BIN)

test: all $(UNIT_BIN)
	@rc=0; \
	$(UNIT_BIN) || rc=1; \
	exit $$rc

fuzz_tests() { :; }

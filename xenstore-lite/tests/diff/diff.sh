diff_tests() { :; }

/*
 * pvfront-pattern SEED SECTORS: writes to stdout the data the pvfront test
 * guest (tests/guests/pvfront) writes to its disk from sector 0 with that
 * seed, so that dom0 can compare the image with it (tests/linux/front-dom0.sh).
 */
#include <stdio.h>
#include <stdlib.h>
#include "../guests/pvfront/pattern.h"

int main(int argc, char **argv)
{
    uint64_t buf[PATTERN_SECTOR / 8], seed, n;

    if (argc != 3) {
        fprintf(stderr, "usage: pvfront-pattern SEED SECTORS\n");
        return 2;
    }
    seed = strtoull(argv[1], NULL, 0);
    n = strtoull(argv[2], NULL, 0);
    for (uint64_t s = 0; s < n; s++) {
        pattern_fill(buf, seed, s);
        if (fwrite(buf, sizeof(buf), 1, stdout) != 1)
            return 1;
    }
    return 0;
}

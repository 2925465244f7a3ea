#!/usr/bin/env python3
"""bad-inputs.py OUTDIR GUEST.elf: the inputs pvctl must refuse (toolstack-checks.sh):
a truncated ELF, an ELF header followed by garbage, a bzImage whose xz payload is
corrupt, and the ramdisk the good guest checks for."""
import lzma, os, random, struct, sys

out, guest = sys.argv[1], sys.argv[2]
os.makedirs(os.path.join(out, "bad"), exist_ok=True)
elf = open(guest, "rb").read()
open(os.path.join(out, "bad", "truncated.elf"), "wb").write(elf[:256])
rnd = random.Random(14)
open(os.path.join(out, "bad", "garbage.elf"), "wb").write(elf[:16] + rnd.randbytes(4096))
# A bzImage: setup_sects = 1, "HdrS" at 0x202, protocol 2.08, payload at 0 past the setup.
xz = bytearray(lzma.compress(rnd.randbytes(64) * 64, format=lzma.FORMAT_XZ))
for i in range(24, len(xz) - 16, 7):
    xz[i] ^= 0x5a                                    # keep the magic, break the stream
setup = bytearray(2 * 512)
setup[0x1f1] = 1
setup[0x202:0x206] = b"HdrS"
setup[0x206:0x208] = struct.pack("<H", 0x208)
setup[0x248:0x250] = struct.pack("<II", 0, len(xz))
open(os.path.join(out, "bad", "corrupt-xz.bzImage"), "wb").write(bytes(setup) + bytes(xz))
open(os.path.join(out, "ramdisk.txt"), "wb").write(b"PVCTL-RAMDISK\n" + b"x" * 5000)

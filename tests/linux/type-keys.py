#!/usr/bin/env python3
"""type-keys.py SOCKET LOG WAIT_RE KEYS: when WAIT_RE appears in LOG, type KEYS
into the serial port behind SOCKET (a QEMU chardev), one byte at a time."""
import re, socket, sys, time

sock_path, log, wait_re, keys = sys.argv[1:5]
deadline = time.time() + 600
while time.time() < deadline:
    try:
        if re.search(wait_re, open(log, errors="replace").read()):
            break
    except FileNotFoundError:
        pass
    time.sleep(0.2)
else:
    sys.exit("type-keys: never saw /%s/" % wait_re)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sock_path)
for b in keys.encode().decode("unicode_escape").encode():
    s.send(bytes([b]))
    time.sleep(0.05)
time.sleep(1)
s.close()

#!/usr/bin/env python3
"""type-keys.py SOCKET LOG WAIT_RE KEYS [HOLD_S]: when WAIT_RE appears in LOG, type KEYS
into the serial port behind SOCKET (a QEMU chardev), one byte at a time, then stay
connected HOLD_S seconds (default 1). What QEMU sends back is read and thrown away
(the log file has it): a socket nobody reads fills up, and QEMU then loses serial output."""
import re, socket, sys, threading, time

sock_path, log, wait_re, keys = sys.argv[1:5]
hold = float(sys.argv[5]) if len(sys.argv) > 5 else 1.0
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


def drain():
    try:
        while s.recv(4096):
            pass
    except OSError:
        pass


threading.Thread(target=drain, daemon=True).start()
for b in keys.encode().decode("unicode_escape").encode():
    s.send(bytes([b]))
    time.sleep(0.05)
time.sleep(hold)
s.close()

#!/usr/bin/env python3
"""type-keys.py SOCKET LOG WAIT_RE KEYS [HOLD_S]: when WAIT_RE (multi-line: ^ is a line start) appears in LOG, type KEYS
into the serial port behind SOCKET (a QEMU chardev), one byte at a time, then stay
connected HOLD_S seconds (default 1). With TYPE_KEYS_STOP=RE in the environment it gives up
as soon as RE is in LOG (the boot has ended). What QEMU sends back is read and thrown away
(the log file has it): a socket nobody reads fills up, and QEMU then loses serial output."""
import os, re, socket, sys, threading, time

sock_path, log, wait_re, keys = sys.argv[1:5]
hold = float(sys.argv[5]) if len(sys.argv) > 5 else 1.0
deadline = time.time() + 600
while time.time() < deadline:
    try:
        text = open(log, errors="replace").read()
        if re.search(wait_re, text, re.M):
            break
        # TYPE_KEYS_STOP: the boot's end; once it is in the log, nothing more will come
        if os.environ.get("TYPE_KEYS_STOP") and re.search(os.environ["TYPE_KEYS_STOP"], text, re.M):
            sys.exit("type-keys: the boot ended before /%s/" % wait_re)
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

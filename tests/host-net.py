#!/usr/bin/env python3
"""host-net.py: the host's side of the network tests (run-dom0.sh, run-net.sh, bench/dom0.sh).

  host-net.py serve DIR PORTFILE     serve DIR over HTTP on 127.0.0.1, a free port written to
                                     PORTFILE once listening (atomically); runs until killed
  host-net.py free-port              print a free TCP port on 127.0.0.1 (for QEMU's hostfwd)
  host-net.py fetch LOG MARKER PORT NAME OUT TIMEOUT
                                     wait until the serial LOG holds MARKER (at most TIMEOUT
                                     seconds), fetch http://127.0.0.1:PORT/NAME into OUT, then
                                     tell the guest's server it is done (cgi-bin/done)
"""
import functools
import http.server
import os
import socket
import sys
import time
import urllib.request


def serve(directory, port_file):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=directory)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    with open(port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(port_file + ".tmp", port_file)
    server.serve_forever()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])


def wait_for(log, marker, timeout):
    end = time.time() + timeout
    while time.time() < end:
        try:
            with open(log, "rb") as f:
                if marker.encode() in f.read():
                    return True
        except OSError:
            pass
        time.sleep(0.2)
    return False


def fetch(log, marker, port, name, out, timeout):
    if not wait_for(log, marker, float(timeout)):
        sys.exit("host-net: no '%s' in %s within %s s" % (marker, log, timeout))
    base = "http://127.0.0.1:%s/" % port
    with open(out, "wb") as f:
        f.write(urllib.request.urlopen(base + name, timeout=120).read())
    urllib.request.urlopen(base + "cgi-bin/done", timeout=60).read()


if __name__ == "__main__":
    cmds = {"serve": (serve, 2), "free-port": (free_port, 0), "fetch": (fetch, 6)}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds or len(sys.argv) - 2 != cmds[sys.argv[1]][1]:
        sys.exit(__doc__)
    fn, _ = cmds[sys.argv[1]]
    fn(*sys.argv[2:])

#!/usr/bin/env python3
"""serial-relay.py QEMU_SOCKET LOG INPUT_SOCKET: carry a QEMU serial line that is a Unix
socket chardev (server=on,wait=on at QEMU_SOCKET) into LOG, byte for byte, and feed it
what clients of INPUT_SOCKET type (one or several clients, one after another or at once).
Clients get nothing back: the log has the output. Ends when QEMU closes the line.

Why not QEMU's own logfile= on the socket chardev: QEMU 7.2 writes a byte to the
logfile when the socket refuses it (EAGAIN, the reader fell behind) and again when its
UART retries it, so the log got doubled bytes ("poweriing off") and a runner missed its
end marker. Here the log is what the socket delivered, once."""
import os
import select
import socket
import sys
import time


def connect_to_qemu(path, timeout_s=120):
    """QEMU creates its socket a moment after it starts (and waits for us before it runs)."""
    deadline = time.time() + timeout_s
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return s
        except OSError:
            s.close()
            if time.time() > deadline:
                sys.exit("serial-relay: QEMU never opened %s" % path)
            time.sleep(0.05)


def listen_for_input(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(4)
    return srv


def relay(qemu, srv, out):
    clients = []
    while True:
        ready, _, _ = select.select([qemu, srv] + clients, [], [])
        if qemu in ready:
            data = qemu.recv(65536)
            if not data:
                return
            out.write(data)
        if srv in ready:
            clients.append(srv.accept()[0])
        for c in [c for c in clients if c in ready]:
            try:
                data = c.recv(4096)
            except OSError:
                data = b""          # a client that reset its end has simply left
            if data:
                qemu.sendall(data)
            else:
                clients.remove(c)
                c.close()


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    qemu_path, log, input_path = sys.argv[1:4]
    srv = listen_for_input(input_path)
    qemu = connect_to_qemu(qemu_path)
    with open(log, "ab", buffering=0) as out:
        try:
            relay(qemu, srv, out)
        except (ConnectionError, OSError):
            pass                    # QEMU went away mid-write: the log has all it sent
    srv.close()
    os.unlink(input_path)


if __name__ == "__main__":
    main()

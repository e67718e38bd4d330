#!/usr/bin/python3
"""A DNS "server" that takes every query and never answers.

It listens on UDP and TCP so that a resolver sees a name server that is up
(TCP connections are accepted, datagrams are read) but silent, which is how a
timing-out authority looks from the outside. UDP datagrams are read and
dropped. TCP connections are accepted and read until the peer closes them; at
most MAX_CONNS are kept open, the oldest one is closed to make room.

Usage: blackhole.py --listen ADDR --port PORT --pidfile FILE
The pidfile (inside the lab's state directory) is also how `tests/lab/down`
recognises this process.
"""

import argparse
import os
import selectors
import signal
import socket
import sys
import time

MAX_CONNS = 256
READ_SIZE = 65536


counts = {"udp": 0, "tcp": 0}


class Stop(Exception):
    pass


def log(msg):
    sys.stderr.write("blackhole: %s\n" % msg)
    sys.stderr.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--listen", required=True)
    ap.add_argument("--port", type=int, default=53)
    ap.add_argument("--pidfile", required=True)
    args = ap.parse_args()

    sel = selectors.DefaultSelector()

    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    udp.bind((args.listen, args.port))
    udp.setblocking(False)
    sel.register(udp, selectors.EVENT_READ, "udp")

    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind((args.listen, args.port))
    tcp.listen(64)
    tcp.setblocking(False)
    sel.register(tcp, selectors.EVENT_READ, "listen")

    with open(args.pidfile + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.replace(args.pidfile + ".tmp", args.pidfile)

    # Raise out of select() at once: Python would otherwise resume the wait
    # after running a handler (PEP 475) and stop only at the next timeout.
    def stop(*_):
        raise Stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    log("listening on %s port %d (udp+tcp), answering nothing" % (args.listen, args.port))

    try:
        serve(sel, udp, tcp)
    except Stop:
        pass
    log("stopping: swallowed %d datagrams and %d connections"
        % (counts["udp"], counts["tcp"]))
    try:
        os.unlink(args.pidfile)
    except OSError:
        pass
    return 0


def serve(sel, udp, tcp):
    conns = {}  # socket -> accept time, oldest first (dicts keep order)
    while True:
        for key, _ in sel.select():
            kind = key.data
            if kind == "udp":
                try:
                    while True:
                        udp.recvfrom(READ_SIZE)
                        counts["udp"] += 1
                except (BlockingIOError, InterruptedError):
                    pass
            elif kind == "listen":
                try:
                    c, _ = tcp.accept()
                except (BlockingIOError, InterruptedError):
                    continue
                counts["tcp"] += 1
                c.setblocking(False)
                if len(conns) >= MAX_CONNS:
                    old = next(iter(conns))
                    sel.unregister(old)
                    old.close()
                    del conns[old]
                conns[c] = time.monotonic()
                sel.register(c, selectors.EVENT_READ, "conn")
            else:
                c = key.fileobj
                try:
                    data = c.recv(READ_SIZE)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    data = b""
                if not data:
                    sel.unregister(c)
                    c.close()
                    conns.pop(c, None)


if __name__ == "__main__":
    sys.exit(main())

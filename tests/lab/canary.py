#!/usr/bin/python3
"""Canary listeners on destinations a validator must never connect to.

Listens (TCP) on every --listen ADDR:PORT and every --optional ADDR:PORT that
can be bound (an optional one that is taken, say port 22 by sshd, is skipped
with a warning). IPv6 addresses are written in brackets, with %IFNAME for a
zone: [fe80::1%lo]:80.

For each accepted connection it appends one line to --log:

    <UTC time>\\t<listener>\\t<peer>

and closes the connection at once: it answers nothing. Tests assert that the
log stays empty (hostile.py appends "tripwire" lines to the same file).

The listeners actually bound are written to --bound, one per line, before
--ready is created. Single-threaded; never blocks on a peer.

Usage: canary.py --listen A:P [...] [--optional A:P ...] --log FILE --bound FILE
                 --pidfile FILE --ready FILE
"""

import sys

sys.dont_write_bytecode = True

import argparse  # noqa: E402
import os  # noqa: E402
import selectors  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import time  # noqa: E402


class Stop(Exception):
    pass


def log(msg):
    sys.stderr.write("canary: %s\n" % msg)
    sys.stderr.flush()


def now_iso():
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % (int(t * 1000) % 1000)


def sockaddr(spec):
    host, _, port = spec.rpartition(":")
    port = int(port)
    if host.startswith("["):
        host = host[1:-1]
        scope = 0
        if "%" in host:
            host, ifname = host.split("%", 1)
            scope = socket.if_nametoindex(ifname)
        return socket.AF_INET6, (host, port, 0, scope)
    return socket.AF_INET, (host, port)


def open_listener(spec):
    fam, addr = sockaddr(spec)
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    try:
        s.bind(addr)
        s.listen(64)
    except OSError:
        s.close()
        raise
    s.setblocking(False)
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--listen", action="append", default=[])
    ap.add_argument("--optional", action="append", default=[])
    ap.add_argument("--log", required=True)
    ap.add_argument("--bound", required=True)
    ap.add_argument("--pidfile", required=True)
    ap.add_argument("--ready", required=True)
    args = ap.parse_args()

    sel = selectors.DefaultSelector()
    bound = []
    for spec in args.listen:
        try:
            s = open_listener(spec)
        except OSError as e:
            log("cannot listen on %s: %s" % (spec, e))
            return 1
        sel.register(s, selectors.EVENT_READ, spec)
        bound.append(spec)
    for spec in args.optional:
        try:
            s = open_listener(spec)
        except OSError as e:
            log("warning: skipping optional listener %s: %s" % (spec, e))
            continue
        sel.register(s, selectors.EVENT_READ, spec)
        bound.append(spec)

    fd = os.open(args.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    with open(args.bound + ".tmp", "w") as f:
        f.write("".join(x + "\n" for x in bound))
    os.replace(args.bound + ".tmp", args.bound)
    with open(args.pidfile + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.replace(args.pidfile + ".tmp", args.pidfile)

    def stop(*_):
        raise Stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    with open(args.ready, "w") as f:
        f.write("ready\n")
    log("listening on %d addresses: %s" % (len(bound), " ".join(bound)))

    hits = 0
    try:
        while True:
            for key, _ in sel.select():
                try:
                    c, peer = key.fileobj.accept()
                except (BlockingIOError, InterruptedError, OSError):
                    continue
                hits += 1
                if c.family == socket.AF_INET6:
                    p = "[%s]:%d" % peer[:2]
                else:
                    p = "%s:%d" % peer[:2]
                os.write(fd, ("%s\t%s\t%s\n" % (now_iso(), key.data, p)).encode())
                log("CONNECTION on %s from %s" % (key.data, p))
                c.close()
    except Stop:
        pass
    log("stopping: %d connection(s) seen" % hits)
    for path in (args.pidfile, args.ready):
        try:
            os.unlink(path)
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Authoritative name server for the lab's DNS rebinding zone (dnslib).

Serves one unsigned zone (--zone, e.g. rebind.test.) on UDP and TCP. Every
name below the apex (any label, any depth, except ns.<zone>) has its own
counter of A queries, and the answer alternates with TTL 0:

  1st, 3rd, 5th, ... A query for a name   A --good  (e.g. 127.0.80.2, allowed)
  2nd, 4th, 6th, ... A query for a name   A --bad   (e.g. 10.255.0.1, forbidden)

So a validator that resolves once, checks the address and connects to exactly
that address reaches the hostile web server; one that lets a second resolution
(in libcurl, say) pick the address is sent to the canary. Use a fresh name per
test (for example r-<random>.rebind.test) to start at query 1.

Other query types for those names: NOERROR without data (NODATA) and the SOA.
ns.<zone>: A --listen, always. The apex: SOA, NS. Names outside the zone:
REFUSED. Names are compared in lower case (0x20-randomised queries count as
the same name). Every query is logged to --log, one JSON object per line,
with its count and answer.

Usage: rebind.py --listen ADDR --port 53 --zone rebind.test. --good A --bad A
                 --log FILE --pidfile FILE --ready FILE
"""

import sys

sys.dont_write_bytecode = True

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import selectors  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import time  # noqa: E402

from dnslib import A, DNSLabel, DNSRecord, NS, QTYPE, RCODE, RR, SOA  # noqa: E402

MAX_NAMES = 100000          # counters kept (the oldest are forgotten beyond)
MAX_TCP = 64
TCP_IDLE = 10.0


class Stop(Exception):
    pass


def log(msg):
    sys.stderr.write("rebind: %s\n" % msg)
    sys.stderr.flush()


def now_iso():
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % (int(t * 1000) % 1000)


class Zone:
    def __init__(self, args):
        self.origin = DNSLabel(args.zone.lower())
        self.ns = DNSLabel("ns." + str(self.origin))
        self.listen, self.good, self.bad = args.listen, args.good, args.bad
        self.counts = {}
        self.logfd = os.open(args.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def soa(self):
        return RR(self.origin, QTYPE.SOA, ttl=0,
                  rdata=SOA(self.ns, "hostmaster.lab.invalid.", (1, 1800, 900, 604800, 0)))

    def answer(self, data, peer, proto):
        try:
            q = DNSRecord.parse(data)
        except Exception:
            return None
        if q.header.qr or not q.questions:
            return None
        qn = DNSLabel(str(q.q.qname).lower())
        qt = q.q.qtype
        r = q.reply()           # copies id, question, RD; sets QR and AA
        r.header.ra = 0
        note = dict(t=now_iso(), peer=peer, proto=proto, qname=str(qn), qtype=QTYPE.get(qt, qt))
        if not qn.matchSuffix(self.origin):
            r.header.aa = 0
            r.header.rcode = RCODE.REFUSED
            note["rcode"] = "REFUSED"
        elif qn == self.origin:
            if qt in (QTYPE.SOA, QTYPE.ANY):
                r.add_answer(self.soa())
            elif qt == QTYPE.NS:
                r.add_answer(RR(self.origin, QTYPE.NS, ttl=60, rdata=NS(self.ns)))
                r.add_ar(RR(self.ns, QTYPE.A, ttl=60, rdata=A(self.listen)))
            else:
                r.add_auth(self.soa())
        elif qn == self.ns:
            if qt == QTYPE.A:
                r.add_answer(RR(self.ns, QTYPE.A, ttl=60, rdata=A(self.listen)))
            else:
                r.add_auth(self.soa())
        elif qt == QTYPE.A:
            key = str(qn)
            n = self.counts.pop(key, 0) + 1
            self.counts[key] = n            # re-inserted: dict order = least recently asked first
            if len(self.counts) > MAX_NAMES:
                self.counts.pop(next(iter(self.counts)))
            addr = self.good if n % 2 == 1 else self.bad
            r.add_answer(RR(q.q.qname, QTYPE.A, ttl=0, rdata=A(addr)))
            note.update(count=n, answer=addr)
        else:
            r.add_auth(self.soa())
        os.write(self.logfd, (json.dumps(note) + "\n").encode())
        return r.pack()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--listen", required=True)
    ap.add_argument("--port", type=int, default=53)
    ap.add_argument("--zone", required=True)
    ap.add_argument("--good", required=True)
    ap.add_argument("--bad", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--pidfile", required=True)
    ap.add_argument("--ready", required=True)
    args = ap.parse_args()
    zone = Zone(args)

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

    def stop(*_):
        raise Stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    with open(args.ready, "w") as f:
        f.write("ready\n")
    log("serving %s on %s port %d (udp+tcp): odd A queries %s, even %s"
        % (zone.origin, args.listen, args.port, args.good, args.bad))

    conns = {}  # socket -> [buffer, last activity]
    try:
        while True:
            for key, _ in sel.select(timeout=1.0):
                kind = key.data
                if kind == "udp":
                    try:
                        while True:
                            data, peer = udp.recvfrom(65535)
                            out = zone.answer(data, "%s:%d" % peer, "udp")
                            if out:
                                udp.sendto(out, peer)
                    except (BlockingIOError, InterruptedError):
                        pass
                elif kind == "listen":
                    try:
                        c, _ = tcp.accept()
                    except (BlockingIOError, InterruptedError):
                        continue
                    if len(conns) >= MAX_TCP:
                        old = next(iter(conns))
                        sel.unregister(old)
                        old.close()
                        del conns[old]
                    c.setblocking(False)
                    conns[c] = [b"", time.monotonic()]
                    sel.register(c, selectors.EVENT_READ, "conn")
                else:
                    c = key.fileobj
                    try:
                        data = c.recv(65535)
                    except (BlockingIOError, InterruptedError):
                        continue
                    except OSError:
                        data = b""
                    if not data:
                        sel.unregister(c)
                        c.close()
                        conns.pop(c, None)
                        continue
                    st = conns[c]
                    st[0] += data
                    st[1] = time.monotonic()
                    while len(st[0]) >= 2:
                        n = int.from_bytes(st[0][:2], "big")
                        if len(st[0]) < 2 + n:
                            break
                        msg, st[0] = st[0][2:2 + n], st[0][2 + n:]
                        try:
                            peer = "%s:%d" % c.getpeername()
                        except OSError:
                            peer = "?"
                        out = zone.answer(msg, peer, "tcp")
                        if out:
                            try:
                                c.setblocking(True)
                                c.settimeout(2.0)
                                c.sendall(len(out).to_bytes(2, "big") + out)
                                c.setblocking(False)
                            except OSError:
                                pass
            idle = [c for c, st in conns.items() if time.monotonic() - st[1] > TCP_IDLE]
            for c in idle:
                sel.unregister(c)
                c.close()
                del conns[c]
    except Stop:
        pass
    log("stopping: %d names asked" % len(zone.counts))
    for path in (args.pidfile, args.ready):
        try:
            os.unlink(path)
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

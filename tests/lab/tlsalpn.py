#!/usr/bin/python3
"""The lab's TLS-ALPN-01 responder (RFC 8737), good and hostile, chosen by SNI.

One process listens on every --listen ADDR:PORT (the lab uses 127.0.80.1:443
and 127.0.80.3:443). For each connection it peeks at the ClientHello (without
consuming it), reads the SNI, the offered ALPN protocols and TLS versions, and
picks the variant that SNI names:

  alpn-<key>.<zone>                         one of VARIANTS below
  tls-alpn.integration-testing.open-mpic.org  the Open MPIC fixture (CASES.md section 4)
  <reverse name of an --ip-target address>  RFC 8738 IP targets (see IP_VARIANTS)

A connection whose SNI names nothing (or that sends none) is closed without a
word. Everything is logged, one JSON object per line, to --log: the peer, the
SNI, the offered ALPN list and versions, the variant, and the handshake's
outcome (negotiated version and ALPN, or the error).

Certificates are made once (labcert.py) in --certs and reused while the recipe
is unchanged. Each connection runs in its own thread; at most MAX_CONNS at a
time, each bounded in time: HANDSHAKE_TIMEOUT for the ClientHello and the
handshake, STALL_MAX for the "stall" variant (which also ends as soon as the
client closes).

Usage: tlsalpn.py --listen ADDR:PORT [...] --certs DIR --log FILE --pidfile FILE
                  --ready FILE --zone ZONE --variants "k1 k2 ..." --ka KA
                  --fixture-name NAME --fixture-hash HEX --ip-target A1,A2
"""

import sys

sys.dont_write_bytecode = True

import argparse  # noqa: E402
import hashlib  # noqa: E402
import ipaddress  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import select  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import ssl  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import labcert  # noqa: E402

MAX_CONNS = 64
HANDSHAKE_TIMEOUT = 10.0
STALL_MAX = 300.0
ALPN = "acme-tls/1"
WRONG_KA = "lab-wrong-key-authorization"

# key -> specification. Fields (defaults in variant()):
#   sans      list of ("dns", NAME) / ("ip", ADDR); NAME may be "{name}" (the SNI
#             name itself) or "{NAME}" (it in upper case)
#   san_mode  "list" / "none" (no SAN extension) / "empty" (empty SAN sequence)
#   ext       the acmeIdentifier extnValue: "good" (04 20 || SHA-256(KA)),
#             "wrong" (digest of WRONG_KA), "raw" (the 32 digest bytes, no DER),
#             "short" (OCTET STRING of 31 bytes), "long" (33 bytes),
#             "trailing" (good DER plus one 00 byte), "utf8" (UTF8String of the
#             hex digest), None (no extension)
#   critical  whether the extension is critical
#   tls       (min, max) TLS version
#   alpn      whether the server selects acme-tls/1 when offered
#   mode      "tls" / "stall" (never answers) / "close" (closes at once)
#   expired   certificate validity ended yesterday
#   expect    what an RFC 8737 validator concludes (documentation, README)
VARIANTS = {
    "ok": dict(expect="pass"),
    "upper": dict(sans=[("dns", "{NAME}")], expect="pass (names compare ignoring case)"),
    "tls12": dict(tls=("TLSv1_2", "TLSv1_2"), expect="pass (TLS 1.2 is allowed)"),
    "expired": dict(expired=True, expect="pass (validity is not checked)"),
    "noalpn": dict(alpn=False, expect="fail: acme-tls/1 not negotiated"),
    "two-sans": dict(sans=[("dns", "{name}"), ("dns", "other.web.test")],
                     expect="fail: two SANs"),
    "san-none": dict(san_mode="none", expect="fail: no SAN extension"),
    "san-empty": dict(san_mode="empty", expect="fail: SAN extension with no names"),
    "san-ip": dict(sans=[("ip", "127.0.80.1")], expect="fail: iPAddress SAN for a name target"),
    "san-other": dict(sans=[("dns", "other.web.test")], expect="fail: SAN names another host"),
    "san-wildcard": dict(sans=[("dns", "*.web.test")], expect="fail: wildcard SAN"),
    "noncritical": dict(critical=False, expect="fail: acmeIdentifier not critical"),
    "ext-missing": dict(ext=None, expect="fail: no acmeIdentifier"),
    "wrong-digest": dict(ext="wrong", expect="fail: digest of another key authorization"),
    "enc-raw": dict(ext="raw", expect="fail: 32 bytes without the OCTET STRING header"),
    "enc-short": dict(ext="short", expect="fail: OCTET STRING of 31 bytes"),
    "enc-long": dict(ext="long", expect="fail: OCTET STRING of 33 bytes"),
    "enc-trailing": dict(ext="trailing", expect="fail: a byte after the OCTET STRING"),
    "enc-utf8": dict(ext="utf8", expect="fail: UTF8String of the hex digest"),
    "tls10": dict(tls=("TLSv1", "TLSv1"), expect="fail: TLS 1.0 only"),
    "tls11": dict(tls=("TLSv1_1", "TLSv1_1"), expect="fail: TLS 1.1 only"),
    "stall": dict(mode="stall", expect="fail: handshake timeout (accepts TCP, never answers)"),
    "close": dict(mode="close", expect="fail: connection closed during the handshake"),
}

# IP targets (RFC 8738): SNI is the reverse name of the address.
#   first --ip-target address:  correct certificate, one iPAddress SAN
#   second --ip-target address: one dNSName SAN spelling the address (wrong type)
IP_VARIANTS = [
    dict(sans=[("ip", "{addr}")], expect="pass"),
    dict(sans=[("dns", "{addr}")], expect="fail: dNSName SAN for an IP target"),
]


class Stop(Exception):
    pass


def log(msg):
    sys.stderr.write("tlsalpn: %s\n" % msg)
    sys.stderr.flush()


class EventLog:
    def __init__(self, path):
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.lock = threading.Lock()

    def write(self, **fields):
        fields = dict(t=time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
                      + ".%03dZ" % (int(time.time() * 1000) % 1000), **fields)
        line = (json.dumps(fields, sort_keys=False) + "\n").encode()
        with self.lock:
            os.write(self.fd, line)


def variant(spec):
    v = dict(sans=[("dns", "{name}")], san_mode="list", ext="good", critical=True,
             tls=("TLSv1_2", "TLSv1_3"), alpn=True, mode="tls", expired=False)
    v.update(spec)
    return v


def ext_value(kind, ka):
    digest = hashlib.sha256(ka.encode()).digest()
    if kind == "good":
        return b"\x04\x20" + digest
    if kind == "wrong":
        return b"\x04\x20" + hashlib.sha256(WRONG_KA.encode()).digest()
    if kind == "raw":
        return digest
    if kind == "short":
        return b"\x04\x1f" + digest[:31]
    if kind == "long":
        return b"\x04\x21" + digest + b"\x00"
    if kind == "trailing":
        return b"\x04\x20" + digest + b"\x00"
    if kind == "utf8":
        h = digest.hex().encode()
        return b"\x0c" + bytes([len(h)]) + h
    raise ValueError(kind)


def build_table(args):
    """SNI (lower case) -> (label, variant dict, cert base name)."""
    table = {}
    for key, spec in VARIANTS.items():
        name = "alpn-%s.%s" % (key, args.zone)
        table[name] = ("alpn-" + key, variant(spec), dict(name=name, ka=args.ka))
    table[args.fixture_name.lower()] = (
        "fixture", variant(dict(ext="fixture")),
        dict(name=args.fixture_name, hash=args.fixture_hash))
    for i, addr in enumerate(args.ip_target):
        if i >= len(IP_VARIANTS):
            break
        rev = ipaddress.ip_address(addr).reverse_pointer
        table[rev.lower()] = ("ip%d" % (i + 1), variant(IP_VARIANTS[i]),
                              dict(name=rev, addr=addr, ka=args.ka))
    return table


def subst(value, ctx):
    return value.replace("{name}", ctx["name"]).replace("{NAME}", ctx["name"].upper()) \
        .replace("{addr}", ctx.get("addr", ""))


def make_certs(args, table):
    os.makedirs(args.certs, exist_ok=True)
    recipe = json.dumps([args.ka, args.zone, args.fixture_name, args.fixture_hash,
                         args.ip_target, sorted(table)])
    files = []
    for label, _, _ in table.values():
        files += [label + ".crt", label + ".key"]
    fresh, stamp, want = labcert.cache_fresh(args.certs, recipe, files, __file__)
    if fresh:
        return False
    for label, v, ctx in table.values():
        if v["mode"] != "tls":
            continue
        if v["ext"] == "fixture":
            extra = [(labcert.ACME_IDENTIFIER_OID,
                      b"\x04\x20" + bytes.fromhex(ctx["hash"]), True)]
        elif v["ext"] is None:
            extra = []
        else:
            extra = [(labcert.ACME_IDENTIFIER_OID, ext_value(v["ext"], ctx["ka"]), v["critical"])]
        sans = [(kind, subst(value, ctx)) for kind, value in v["sans"]]
        labcert.make_cert(os.path.join(args.certs, label), ctx["name"][:64], sans,
                          v["san_mode"], extra, v["expired"])
    # Stall and close variants have no certificate; give them empty files so
    # the cache check above finds everything.
    for label, v, _ in table.values():
        if v["mode"] != "tls":
            for ext in (".crt", ".key"):
                labcert.write_public(os.path.join(args.certs, label + ext), b"")
    labcert.write_public(stamp, (want + "\n").encode())
    return True


def make_context(v, base):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    lo, hi = v["tls"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        if lo in ("TLSv1", "TLSv1_1"):
            # TLS 1.0 and 1.1 need security level 0 (SHA-1 handshake signatures).
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.minimum_version = getattr(ssl.TLSVersion, lo)
        ctx.maximum_version = getattr(ssl.TLSVersion, hi)
    ctx.load_cert_chain(base + ".crt", base + ".key")
    if v["alpn"]:
        ctx.set_alpn_protocols([ALPN])
    return ctx


# ClientHello peeking ------------------------------------------------------------

def peek_hello(conn, deadline):
    """Peek at the first TLS record without consuming it. Returns bytes (maybe
    partial) or None if the peer closed or sent nothing before DEADLINE."""
    data = b""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return data or None
        r, _, _ = select.select([conn], [], [], min(left, 0.05) if data else left)
        if not r:
            if data:
                continue
            return None
        try:
            data = conn.recv(16384 + 5, socket.MSG_PEEK)
        except OSError:
            return None
        if not data:
            return None
        if len(data) >= 5:
            need = 5 + int.from_bytes(data[3:5], "big")
            if len(data) >= need:
                return data
        if data and data[0] != 22:
            return data
        time.sleep(0.005)


def parse_hello(data):
    """(sni, [alpn...], [versions...]) from a ClientHello record; fields that
    cannot be parsed are None."""
    sni, alpn, versions = None, None, None
    try:
        if data[0] != 22 or data[5] != 1:
            return sni, alpn, versions
        p = 5 + 4 + 2 + 32
        p += 1 + data[p]                                  # session id
        p += 2 + int.from_bytes(data[p:p + 2], "big")     # cipher suites
        p += 1 + data[p]                                  # compression
        end = p + 2 + int.from_bytes(data[p:p + 2], "big")
        p += 2
        end = min(end, len(data))
        while p + 4 <= end:
            etype = int.from_bytes(data[p:p + 2], "big")
            elen = int.from_bytes(data[p + 2:p + 4], "big")
            body = data[p + 4:p + 4 + elen]
            p += 4 + elen
            if etype == 0 and len(body) >= 5 and body[2] == 0:
                n = int.from_bytes(body[3:5], "big")
                sni = body[5:5 + n].decode("ascii", "replace")
            elif etype == 16 and len(body) >= 2:
                alpn, q = [], 2
                while q < len(body):
                    n = body[q]
                    alpn.append(body[q + 1:q + 1 + n].decode("ascii", "replace"))
                    q += 1 + n
            elif etype == 43 and len(body) >= 1:
                versions = ["%02x%02x" % (body[q], body[q + 1])
                            for q in range(1, min(1 + body[0], len(body)) - 1, 2)]
        if versions is None:
            versions = ["%02x%02x" % (data[9], data[10])]
    except IndexError:
        pass
    return sni, alpn, versions


VERSION_NAMES = {"0301": "TLSv1", "0302": "TLSv1.1", "0303": "TLSv1.2", "0304": "TLSv1.3"}


def drain(sock, until):
    """Read and discard until the peer closes or UNTIL (monotonic) passes."""
    while True:
        left = until - time.monotonic()
        if left <= 0:
            return "time limit"
        try:
            r, _, _ = select.select([sock], [], [], min(left, 1.0))
            if r and not sock.recv(4096):
                return "peer closed"
        except (OSError, ValueError):
            return "peer closed"


def handle(conn, peer, listener, table, contexts, events, slots):
    ev = dict(peer="%s:%d" % peer[:2], listener=listener)
    try:
        conn.settimeout(HANDSHAKE_TIMEOUT)
        data = peek_hello(conn, time.monotonic() + HANDSHAKE_TIMEOUT)
        if data is None:
            events.write(event="no-hello", **ev)
            return
        sni, offered, versions = parse_hello(data)
        ev.update(sni=sni, offered_alpn=offered,
                  offered_versions=[VERSION_NAMES.get(x, x) for x in (versions or [])])
        entry = table.get((sni or "").lower())
        if entry is None:
            events.write(event="unknown-sni", **ev)
            return
        label, v, _ = entry
        ev["variant"] = label
        if v["mode"] == "close":
            events.write(event="closed", **ev)
            return
        if v["mode"] == "stall":
            events.write(event="stalling", **ev)
            why = drain(conn, time.monotonic() + STALL_MAX)
            events.write(event="stall-ended", reason=why, **ev)
            return
        try:
            tls = contexts[label].wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError) as e:
            events.write(event="handshake-failed", error=str(e)[:200], **ev)
            return
        events.write(event="handshake", version=tls.version(),
                     alpn=tls.selected_alpn_protocol(), **ev)
        # RFC 8737: the client closes once it has the certificate.
        tls.settimeout(HANDSHAKE_TIMEOUT)
        drain(tls, time.monotonic() + HANDSHAKE_TIMEOUT)
        try:
            tls.close()
        except OSError:
            pass
    except Exception as e:  # one connection must never take the server down
        events.write(event="error", error=repr(e)[:200], **ev)
    finally:
        try:
            conn.close()
        except OSError:
            pass
        slots.release()


def parse_listen(s):
    host, _, port = s.rpartition(":")
    return host.strip("[]"), int(port)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--listen", action="append")
    ap.add_argument("--certs")
    ap.add_argument("--log")
    ap.add_argument("--pidfile")
    ap.add_argument("--ready")
    ap.add_argument("--zone")
    ap.add_argument("--variants",
                    help="the variant keys the lab's zone has names for; must match VARIANTS")
    ap.add_argument("--ka", help="key authorization of the alpn-* variants")
    ap.add_argument("--fixture-name")
    ap.add_argument("--fixture-hash")
    ap.add_argument("--ip-target", default="", help="comma-separated IP target addresses")
    ap.add_argument("--list", action="store_true", help="print the variant table and exit")
    args = ap.parse_args()
    args.ip_target = [a for a in args.ip_target.split(",") if a]

    if args.list:
        for key, spec in VARIANTS.items():
            print("%s\t%s" % (key, spec["expect"]))
        return 0
    for opt in ("listen", "certs", "log", "pidfile", "ready", "zone", "variants", "ka",
                "fixture_name", "fixture_hash"):
        if not getattr(args, opt):
            ap.error("--%s is required" % opt.replace("_", "-"))
    if args.variants.split() != list(VARIANTS):
        log("--variants (%s) does not match this script's table (%s)"
            % (args.variants, " ".join(VARIANTS)))
        return 1

    table = build_table(args)
    t0 = time.monotonic()
    made = make_certs(args, table)
    contexts = {}
    for label, v, _ in table.values():
        if v["mode"] == "tls":
            contexts[label] = make_context(v, os.path.join(args.certs, label))
    log("%s %d certificates in %.0f ms" % ("made" if made else "reused", len(contexts),
                                           (time.monotonic() - t0) * 1000))

    events = EventLog(args.log)
    listeners = []
    for spec in args.listen:
        host, port = parse_listen(spec)
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, port))
        s.listen(128)
        listeners.append((s, spec))

    with open(args.pidfile + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.replace(args.pidfile + ".tmp", args.pidfile)

    def stop(*_):
        raise Stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    with open(args.ready, "w") as f:
        f.write("ready\n")
    log("listening on %s; %d SNI names" % (", ".join(x for _, x in listeners), len(table)))

    slots = threading.BoundedSemaphore(MAX_CONNS)
    try:
        while True:
            r, _, _ = select.select([s for s, _ in listeners], [], [])
            for s, spec in listeners:
                if s not in r:
                    continue
                try:
                    conn, peer = s.accept()
                except OSError:
                    continue
                if not slots.acquire(blocking=False):
                    events.write(event="refused-busy", peer="%s:%d" % peer[:2], listener=spec)
                    conn.close()
                    continue
                threading.Thread(target=handle, daemon=True,
                                 args=(conn, peer, spec, table, contexts, events, slots)).start()
    except Stop:
        pass
    log("stopping")
    for path in (args.pidfile, args.ready):
        try:
            os.unlink(path)
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""The lab's hostile HTTP(S) challenge server.

Listens on --http ADDR:PORT (plain) and --https ADDR:PORT (TLS with a
self-signed certificate: a bad certificate must not invalidate an HTTP proof).
The behaviour is chosen by the request path:

  /.well-known/acme-challenge/<name>[/<tail>]   (acme-http-01; "acme")
  /.well-known/pki-validation/<name>[/<tail>]   (website-change; "pki")

<name> is one of CATALOGUE below (or chain-N / rchain-N); every name is
base64url-safe, so it is also a valid acme-http-01 token. Any other path: 404.

"The content" of <name> is what a passing check must read:
  acme: "<name>.<thumbprint>\\n"  (the key authorization of token <name>)
  pki:  "Lab website-change file.\\nValue: <challenge>\\n"
<PFX>/<name>/ok serves the content of <name>. <PFX>/<name>/never serves it
too, but first writes a "tripwire" line to the canary log: redirects that a
correct validator refuses point there, so following one is recorded.

Every response is bounded here as well: bodies at most BOMB_BYTES, drips at
most DRIP_MAX bytes, stalls at most STALL_MAX seconds, and every stall or
drip ends as soon as the client closes. One thread per connection, at most
MAX_CONNS; one request per connection (Connection: close).

Log: one JSON object per request in --log (peer, listener, method, target,
headers, behaviour, status). See tests/lab/README.md for the catalogue.
"""

import sys

sys.dont_write_bytecode = True

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import select  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import ssl  # noqa: E402
import struct  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import zlib  # noqa: E402

import labcert  # noqa: E402

MAX_CONNS = 128
HEAD_MAX = 16384            # request head
HEAD_TIMEOUT = 10.0
SEND_TIMEOUT = 30.0         # a client that stops reading ends the response
STALL_MAX = 300.0
DRIP_MAX = 600              # bytes, one a second
BOMB_BYTES = 100 * 1024 * 1024
GZIP_GIB = 2                # the gzip bombs expand to this many GiB of zeros
CHUNK = 65536

PREFIXES = (("/.well-known/acme-challenge/", "acme"), ("/.well-known/pki-validation/", "pki"))


class Stop(Exception):
    pass


def log(msg):
    sys.stderr.write("hostile: %s\n" % msg)
    sys.stderr.flush()


def now_iso():
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % (int(t * 1000) % 1000)


class AppendLog:
    def __init__(self, path):
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self.lock = threading.Lock()

    def line(self, text):
        with self.lock:
            os.write(self.fd, (text + "\n").encode("utf-8", "replace"))


class Closed(Exception):
    """The client went away (or stopped reading)."""


class Req:
    def __init__(self, conn, peer, listener, scheme, cfg):
        self.conn, self.peer, self.listener, self.scheme, self.cfg = conn, peer, listener, scheme, cfg
        self.method = self.target = self.path = None
        self.headers = []
        self.host = cfg.name
        self.kind = self.name = None
        self.tail = []
        self.status = None
        self.behaviour = None
        self.sent = 0

    # -- helpers used by behaviours
    def pfx(self):
        return "/.well-known/acme-challenge" if self.kind == "acme" else "/.well-known/pki-validation"

    def base(self, host=None):
        return "%s://%s" % (self.scheme, host or self.host)

    def content(self, name=None):
        name = name or self.name
        if self.kind == "acme":
            return ("%s.%s\n" % (name, self.cfg.thumbprint)).encode()
        return ("Lab website-change file.\nValue: %s\n" % self.cfg.challenge).encode()

    def send(self, data):
        try:
            self.conn.sendall(data)
        except (OSError, ValueError) as e:
            raise Closed(str(e))
        self.sent += len(data)

    def head(self, status, headers=(), length=None, reason=None):
        self.status = status
        lines = ["HTTP/1.1 %d %s" % (status, reason or REASONS.get(status, "Lab"))]
        lines.append("Server: lab-hostile")
        lines.append("Connection: close")
        if length is not None:
            lines.append("Content-Length: %d" % length)
        lines += list(headers)
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def respond(self, status, body=b"", headers=("Content-Type: text/plain",), reason=None):
        length = None if status == 304 else len(body)
        self.send(self.head(status, headers, length, reason))
        if status != 304 and self.method != "HEAD":
            self.send(body)

    def redirect(self, status, location):
        body = b"" if status == 304 else b"redirecting\n"
        self.respond(status, body, ("Location: " + location, "Content-Type: text/plain"))

    def wait_closed(self, seconds):
        """Wait up to SECONDS; raise Closed if the client closes meanwhile."""
        end = time.monotonic() + seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return
            try:
                r, _, _ = select.select([self.conn], [], [], left)
                if r and not self.conn.recv(4096):
                    raise Closed("peer closed")
            except (OSError, ValueError) as e:
                raise Closed(str(e))


REASONS = {200: "OK", 201: "Created", 300: "Multiple Choices", 301: "Moved Permanently",
           302: "Found", 303: "See Other", 304: "Not Modified", 305: "Use Proxy",
           306: "Switch Proxy", 307: "Temporary Redirect", 308: "Permanent Redirect",
           400: "Bad Request", 404: "Not Found", 431: "Request Header Fields Too Large",
           500: "Internal Server Error"}

# ---------------------------------------------------------------------------
# The catalogue: name -> (function(req), expected outcome for an RFC-correct
# validator with max_redirects 20 and allow_address 127.0.0.0/8, what it does).
# "canary" in the expectation: following the redirect would reach a canary
# listener or a tripwire path.

CATALOGUE = {}


def entry(name, expect, what):
    def deco(fn):
        CATALOGUE[name] = (fn, expect, what)
        return fn
    return deco


def simple_redirect(name, status, location_fn, expect, what):
    CATALOGUE[name] = (lambda r: r.redirect(status, location_fn(r)), expect, what)


@entry("ok", "pass", "200 with the content")
def b_ok(r):
    r.respond(200, r.content())


@entry("ka-whitespace", "pass (surrounding whitespace is trimmed)",
       "200, the content between CR LF / spaces / tab")
def b_ka_ws(r):
    r.respond(200, b"\r\n  " + r.content().strip() + b"  \n\t\n")


@entry("ka-prefix", "fail (acme: not equal; pki: still contains the value, so pass)",
       "200, 'x' before the content")
def b_ka_prefix(r):
    r.respond(200, b"x" + r.content())


@entry("not-found", "fail (404)", "404 with the content as body")
def b_404(r):
    r.respond(404, r.content())


@entry("status-500", "fail (500)", "500 with the content as body")
def b_500(r):
    r.respond(500, r.content())


@entry("status-201", "BR: pass (any 2xx); Open MPIC: fail (exactly 200)", "201 with the content")
def b_201(r):
    r.respond(201, r.content())


for _code in (301, 302, 307, 308):
    simple_redirect("status-%d" % _code, _code,
                    lambda r, c=_code: "%s/status-%d/ok" % (r.pfx(), c),
                    "pass", "%d to <PFX>/status-%d/ok (root-relative)" % (_code, _code))
for _code in (300, 303, 304, 305, 306):
    simple_redirect("status-%d" % _code, _code,
                    lambda r, c=_code: "%s/status-%d/never" % (r.pfx(), c),
                    "fail (status), canary", "%d to <PFX>/status-%d/never" % (_code, _code))

# Loops -----------------------------------------------------------------------
simple_redirect("loop-a", 302, lambda r: r.pfx() + "/loop-b", "fail (loop)",
                "302 to <PFX>/loop-b, which redirects back to loop-a")
simple_redirect("loop-b", 302, lambda r: r.pfx() + "/loop-a", "fail (loop)",
                "302 to <PFX>/loop-a")
simple_redirect("loop-self", 302, lambda r: r.base() + r.pfx() + "/loop-self", "fail (loop)",
                "302 to its own absolute URL")
simple_redirect("loop-case", 302,
                lambda r: r.base(r.host.upper()) + r.pfx() + "/loop-case", "fail (loop)",
                "302 to its own absolute URL with the host in upper case")


@entry("loop-host", "fail (loop)",
       "302 to http(s)://hostile-b.web.test/<PFX>/loop-host/b, which redirects back")
def b_loop_host(r):
    if r.tail == ["b"]:
        r.redirect(302, "%s%s/loop-host" % (r.base(r.cfg.name), r.pfx()))
    else:
        r.redirect(302, "%s%s/loop-host/b" % (r.base(r.cfg.alt_name), r.pfx()))


@entry("chain-inf", "fail (too many redirects; each URL is new)",
       "302 to <PFX>/chain-inf/1, /2, ... (absolute), up to 1000, then 404")
def b_chain_inf(r):
    k = int(r.tail[0]) if r.tail and r.tail[0].isdigit() else 0
    if k >= 1000:
        r.respond(404, b"end of chain-inf\n")
    else:
        r.redirect(302, "%s%s/chain-inf/%d" % (r.base(), r.pfx(), k + 1))


CHAIN_RE = re.compile(r"^(r?)chain-([0-9]{1,3})$")


def b_chain(r, relative, n):
    """N redirects, then 200: <PFX>/chain-N -> chain-N/1 -> ... -> chain-N/N (200)."""
    k = int(r.tail[0]) if r.tail and r.tail[0].isdigit() else 0
    if k >= n:
        r.respond(200, r.content())
        return
    loc = "%s/%s/%d" % (r.pfx(), r.name, k + 1)
    r.redirect(302, loc if relative else r.base() + loc)


CATALOGUE_PATTERNS = [
    ("chain-N", "N <= 20: pass; N >= 21: fail (too many redirects)",
     "N (1..100) redirects 302 with absolute Locations, then 200 with the content of chain-N"),
    ("rchain-N", "as chain-N", "the same with root-relative Locations"),
]

# Location forms that must pass ----------------------------------------------
simple_redirect("loc-relative", 302, lambda r: "loc-relative/ok", "pass",
                "302 to 'loc-relative/ok' (relative path)")
simple_redirect("loc-long", 302, lambda r: "./" * 3000 + "loc-long/ok",
                "fail (Location too long)",
                "302 to './' x 3000 + 'loc-long/ok': a 6 KB Location that collapses to a short URL")
simple_redirect("loc-dotdot", 302,
                lambda r: "../%s/loc-dotdot/ok" % r.pfx().rsplit("/", 1)[1], "pass",
                "302 to '../<dir>/loc-dotdot/ok' (relative with dot-segments)")
simple_redirect("loc-root", 302, lambda r: r.pfx() + "/loc-root/ok", "pass",
                "302 to '<PFX>/loc-root/ok' (absolute path)")
simple_redirect("loc-absolute", 302, lambda r: r.base() + r.pfx() + "/loc-absolute/ok", "pass",
                "302 to the absolute URL (same scheme and host)")
simple_redirect("loc-scheme-relative", 302,
                lambda r: "//%s%s/loc-scheme-relative/ok" % (r.cfg.name, r.pfx()), "pass",
                "302 to '//hostile.web.test/<PFX>/...' (network-path reference, RFC 3986)")
simple_redirect("loc-scheme-upper", 302,
                lambda r: "HTTP://%s%s/loc-scheme-upper/ok" % (r.cfg.name.upper(), r.pfx()),
                "pass (scheme and host ignore case)", "302 to 'HTTP://HOSTILE.WEB.TEST/...'")
simple_redirect("loc-fragment", 302, lambda r: r.pfx() + "/loc-fragment/ok#frag", "pass",
                "302 to '<PFX>/loc-fragment/ok#frag' (the fragment is not sent)")
simple_redirect("loc-query", 302, lambda r: r.pfx() + "/loc-query/ok?x=1&y=2", "pass",
                "302 to '<PFX>/loc-query/ok?x=1&y=2'")
simple_redirect("loc-ip", 302,
                lambda r: "http://%s%s/loc-ip/ok" % (r.cfg.addr, r.pfx()),
                "pass (127.0.80.2 is inside allow_address)", "302 to http://127.0.80.2/<PFX>/loc-ip/ok")
simple_redirect("port-80", 302,
                lambda r: "http://%s:80%s/port-80/ok" % (r.cfg.name, r.pfx()), "pass",
                "302 to http://hostile.web.test:80/... (explicit default port)")
simple_redirect("loc-https", 302,
                lambda r: "https://%s%s/loc-https/ok" % (r.cfg.name, r.pfx()),
                "pass (self-signed certificate does not matter)",
                "302 to https://hostile.web.test/<PFX>/loc-https/ok")
simple_redirect("port-443", 302,
                lambda r: "https://%s:443%s/port-443/ok" % (r.cfg.name, r.pfx()), "pass",
                "302 to https://hostile.web.test:443/...")
CATALOGUE["loc-missing"] = (
    lambda r: r.respond(302, b"no location\n"), "fail (no Location)", "302 without a Location header")
CATALOGUE["loc-empty"] = (
    lambda r: r.respond(302, b"", ("Location: ",)), "fail (empty Location, or a loop to itself)",
    "302 with an empty Location")
simple_redirect("loc-invalid", 302, lambda r: "http://[::1", "fail (unparsable)",
                "302 to 'http://[::1' (unterminated IPv6 literal)")

# Bad schemes -----------------------------------------------------------------
for _name, _loc, _what, _canary in (
        ("scheme-ftp", "ftp://{name}{pfx}/scheme-ftp/never", "ftp: (canary on 127.0.80.2:21)", 1),
        ("scheme-file", "file:///etc/passwd", "file:///etc/passwd", 0),
        ("scheme-gopher", "gopher://{name}/_GET%20{pfx}/scheme-gopher/never%20HTTP/1.0%0D%0A%0D%0A",
         "gopher: (canary on 127.0.80.2:70)", 1),
        ("scheme-dict", "dict://{name}/d:never", "dict: (canary on 127.0.80.2:2628)", 1),
        ("scheme-data", "data:text/plain,{content}", "data: URL holding the content", 0),
        ("scheme-javascript", "javascript:alert(1)", "javascript:", 0),
        ("scheme-ws", "ws://{name}{pfx}/scheme-ws/never", "ws: (port 80: tripwire path)", 1),
        ("scheme-relative-metadata", "//169.254.169.254/latest/meta-data/",
         "'//169.254.169.254/...' (network-path reference to a forbidden address)", 1)):
    simple_redirect(
        _name, 302,
        lambda r, l=_loc: l.format(name=r.cfg.name, pfx=r.pfx(),
                                   content=r.content().decode().strip().replace(" ", "%20")
                                   .replace("\n", "%0A")),
        ("fail (address: the scheme is inherited), canary" if _loc.startswith("//") else
         "fail (scheme)" + (", canary" if _canary else "")), "302 to " + _what)

# Bad ports -------------------------------------------------------------------
for _port in ("8080", "22", "0", "65536"):
    simple_redirect("port-" + _port, 302,
                    lambda r, p=_port: "http://%s:%s%s/port-%s/never" % (r.cfg.name, p, r.pfx(), p),
                    "fail (port)" + (", canary" if _port in ("8080", "22") else ""),
                    "302 to http://hostile.web.test:%s/..." % _port)
simple_redirect("port-8080-ip", 302,
                lambda r: "http://%s:8080%s/port-8080-ip/never" % (r.cfg.addr, r.pfx()),
                "fail (port), canary", "302 to http://127.0.80.2:8080/...")

# Forbidden addresses in every spelling --------------------------------------
# Every one is local to this machine (the lab adds 10.255.0.1, 169.254.169.254
# and the IPv6 ones to lo), so even a broken validator's traffic stays here and
# the canary records it. Innocent readings of the tricky ones land on
# hostile.web.test paths that answer 404.
ADDRESS_CASES = (
    ("addr-dotted", "http://10.255.0.1/", "10.255.0.1"),
    ("addr-decimal", "http://184483841/", "10.255.0.1 as one decimal number"),
    ("addr-hex", "http://0x0aff0001/", "10.255.0.1 as one hex number"),
    ("addr-hex-dotted", "http://0x0a.0xff.0x00.0x01/", "10.255.0.1, hex per byte"),
    ("addr-octal", "http://012.0377.0.01/", "10.255.0.1 in octal"),
    ("addr-short", "http://10.255.1/", "10.255.0.1 as a.b.c"),
    ("addr-percent", "http://%31%30.255.0.1/", "10.255.0.1 with percent-encoded digits"),
    ("addr-private-name", "http://private.web.test/", "a name whose A is 10.255.0.1"),
    ("addr-metadata", "http://169.254.169.254/latest/meta-data/", "169.254.169.254"),
    ("addr-metadata-https", "https://169.254.169.254/latest/meta-data/", "169.254.169.254, https"),
    ("addr-metadata-name", "http://metadata.web.test/latest/meta-data/",
     "a name whose A is 169.254.169.254"),
    ("addr-metadata-dot", "http://169.254.169.254./latest/meta-data/",
     "169.254.169.254 with a trailing dot"),
    ("addr-zero", "http://0.0.0.0/", "0.0.0.0 (Linux connects it to 127.0.0.1: canary)"),
    ("addr-zero-short", "http://0/", "0 (= 0.0.0.0)"),
    ("addr-v6-loopback", "http://[::1]/", "::1 (outside allow_address)"),
    ("addr-v6-unspecified", "http://[::]/", ":: (Linux connects it to ::1)"),
    ("addr-v6-loopback-name", "http://loopback6.web.test/", "a name whose AAAA is ::1"),
    ("addr-v4mapped", "http://[::ffff:10.255.0.1]/", "IPv4-mapped 10.255.0.1"),
    ("addr-v4mapped-metadata", "http://[::ffff:a9fe:a9fe]/", "IPv4-mapped 169.254.169.254"),
    ("addr-v4mapped-name", "http://mapped6.web.test/", "a name whose AAAA is ::ffff:169.254.169.254"),
    ("addr-v4compat", "http://[::a9fe:a9fe]/", "IPv4-compatible ::169.254.169.254"),
    ("addr-6to4", "http://[2002:0aff:0001::1]/", "6to4 embedding 10.255.0.1"),
    ("addr-nat64", "http://[64:ff9b::a9fe:a9fe]/", "NAT64 well-known prefix, 169.254.169.254"),
    ("addr-linklocal6", "http://[fe80::1%25lo]/", "link-local with a zone id"),
    ("addr-userinfo", "http://{name}@169.254.169.254/", "userinfo that looks like the host"),
    ("addr-userinfo-port", "http://{name}:80@169.254.169.254/", "userinfo with a port"),
    ("addr-backslash", "http://169.254.169.254\\@{name}/",
     "backslash before @ (WHATWG reads the host as 169.254.169.254)"),
)
for _name, _loc, _what in ADDRESS_CASES:
    simple_redirect(_name, 302, lambda r, l=_loc: l.format(name=r.cfg.name),
                    "fail (address), canary", "302 to %s: %s" % (_loc.replace("{name}", "hostile.web.test"), _what))
simple_redirect("addr-mixed-name", 302,
                lambda r: "http://mixed.web.test%s/addr-mixed-name/ok" % r.pfx(),
                "never 10.255.0.1 (canary); refusing the name or using only 127.0.80.2 are both correct",
                "302 to a name with A 127.0.80.2 and A 10.255.0.1")

# Bodies ------------------------------------------------------------------------


def send_chunked(r, total):
    block = b"A" * CHUNK
    chunk = b"%x\r\n" % CHUNK + block + b"\r\n"
    for _ in range(total // CHUNK):
        r.send(chunk)
    r.send(b"0\r\n\r\n")


@entry("body-bomb", "fail (body cap)", "200, chunked, 100 MiB of 'A', no Content-Length")
def b_bomb(r):
    r.send(r.head(200, ("Content-Type: text/plain", "Transfer-Encoding: chunked")))
    send_chunked(r, BOMB_BYTES)


@entry("body-bomb-close", "fail (body cap)",
       "200, no Content-Length, no chunking: 100 MiB of 'A' ended by closing")
def b_bomb_close(r):
    r.send(r.head(200, ("Content-Type: text/plain",)))
    block = b"A" * CHUNK
    for _ in range(BOMB_BYTES // CHUNK):
        r.send(block)


@entry("body-bomb-cl", "fail (body cap)", "200, Content-Length 104857600, 100 MiB of 'A'")
def b_bomb_cl(r):
    r.send(r.head(200, ("Content-Type: text/plain",), BOMB_BYTES))
    block = b"A" * CHUNK
    for _ in range(BOMB_BYTES // CHUNK):
        r.send(block)


_gzip_lock = threading.Lock()
_gzip = {}


def gzip_bombs():
    """(single, nested): gzip of GZIP_GIB GiB of zeros (about 1 MiB per GiB),
    and that gzip file gzipped again (a few KiB). Made once, on first use, in
    about 0.4 s per GiB: identical full-flushed deflate blocks are repeated
    instead of compressing gigabytes."""
    with _gzip_lock:
        if not _gzip:
            zero = bytes(1 << 20)
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            first = c.compress(zero) + c.flush(zlib.Z_FULL_FLUSH)
            again = c.compress(zero) + c.flush(zlib.Z_FULL_FLUSH)
            end = c.flush(zlib.Z_FINISH)
            n = GZIP_GIB * 1024
            crc = 0
            for _ in range(n):
                crc = zlib.crc32(zero, crc)
            single = (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + first + again * (n - 1) + end
                      + struct.pack("<II", crc, (n << 20) & 0xFFFFFFFF))
            c2 = zlib.compressobj(9, zlib.DEFLATED, 31)
            _gzip["single"] = single
            _gzip["nested"] = c2.compress(single) + c2.flush()
        return _gzip["single"], _gzip["nested"]


@entry("gzip-bomb", "fail (no decoding: the raw bytes do not match; or body cap)",
       "200, Content-Encoding: gzip (not asked for), ~2 MiB expanding to 2 GiB of zeros")
def b_gzip(r):
    body = gzip_bombs()[0]
    r.send(r.head(200, ("Content-Type: text/plain", "Content-Encoding: gzip"), len(body)))
    r.send(body)


@entry("gzip-bomb-nested", "fail (as gzip-bomb)",
       "200, Content-Encoding: gzip, gzip: ~4 KiB expanding to ~2 MiB, then to 2 GiB")
def b_gzip2(r):
    body = gzip_bombs()[1]
    r.send(r.head(200, ("Content-Type: text/plain", "Content-Encoding: gzip, gzip"), len(body)))
    r.send(body)


def drip(r, data):
    for i in range(min(len(data), DRIP_MAX)):
        r.send(data[i:i + 1])
        r.wait_closed(1.0)


def padded(content, size):
    """CONTENT followed by spaces up to SIZE bytes: still a match once trimmed."""
    return content + b" " * max(0, size - len(content))


@entry("drip-body", "fail (low-speed or total deadline)",
       "200 and Content-Length 600 at once, then the content padded with spaces to 600 bytes,"
       " one byte a second (10 minutes)")
def b_drip_body(r):
    body = padded(r.content(), DRIP_MAX)
    r.send(r.head(200, ("Content-Type: text/plain",), len(body)))
    drip(r, body)


@entry("drip-headers", "fail (deadline)",
       "the whole response (600 bytes: headers, then the content padded with spaces),"
       " one byte a second from the status line on")
def b_drip_headers(r):
    head_len = len(r.head(200, ("Content-Type: text/plain",), DRIP_MAX))
    body = padded(r.content(), DRIP_MAX - head_len)
    drip(r, r.head(200, ("Content-Type: text/plain",), len(body)) + body)


@entry("stall-headers", "fail (deadline)", "200 and Content-Length, then nothing")
def b_stall_headers(r):
    r.send(r.head(200, ("Content-Type: text/plain",), len(r.content())))
    r.wait_closed(STALL_MAX)


@entry("stall", "fail (deadline)", "reads the request, never sends a byte")
def b_stall(r):
    r.status = 0
    r.wait_closed(STALL_MAX)


@entry("huge-header", "fail or pass, bounded (libcurl refuses a header over 100 KiB)",
       "200 with one 200 KiB header line, then the content")
def b_huge_header(r):
    body = r.content()
    r.send(r.head(200, ("Content-Type: text/plain", "X-Lab-Huge: " + "a" * (200 * 1024)), len(body)))
    r.send(body)


@entry("many-headers", "fail or pass, bounded (about 190 KiB of headers)",
       "200 with 10,000 header lines, then the content")
def b_many_headers(r):
    body = r.content()
    r.send(r.head(200, ["Content-Type: text/plain"] + ["X-Lab-%05d: %d" % (i, i) for i in range(10000)],
                  len(body)))
    r.send(body)


# website-change files ----------------------------------------------------------


def wc(r, before, value):
    r.respond(200, before + value.encode() + b"\n")


CATALOGUE["wc-ok"] = (lambda r: r.respond(200, ("Lab website-change file.\nValue: %s\n"
                                                % r.cfg.challenge).encode()),
                      "website-change: pass", "the challenge value at byte 32")
CATALOGUE["wc-late"] = (lambda r: wc(r, b"." * 199 + b"\n", r.cfg.challenge),
                        "website-change: pass if more than 100 bytes are read (Open MPIC reads 100: fail)",
                        "the value starts at byte 200")
CATALOGUE["wc-far"] = (lambda r: wc(r, (b"." * 1023 + b"\n") * 1024, r.cfg.challenge),
                       "website-change: fail (past any sane body cap)", "the value starts at byte 1 MiB")
CATALOGUE["wc-case"] = (lambda r: wc(r, b"Value: ", r.cfg.challenge.upper()),
                        "website-change: fail with require_exact_case (the default); pass without",
                        "the value in upper case")
CATALOGUE["wc-lower"] = (lambda r: wc(r, b"Value: ", r.cfg.challenge.lower()),
                         "website-change: fail with require_exact_case; pass without",
                         "the value in lower case")


# ---------------------------------------------------------------------------


def read_head(conn):
    buf = b""
    end = time.monotonic() + HEAD_TIMEOUT
    while b"\r\n\r\n" not in buf:
        if len(buf) > HEAD_MAX:
            return buf, "too large"
        left = end - time.monotonic()
        if left <= 0:
            return buf, "timeout"
        conn.settimeout(left)
        try:
            data = conn.recv(4096)
        except (socket.timeout, OSError):
            return buf, "timeout"
        if not data:
            return buf, "closed"
        buf += data
    return buf, None


HOST_RE = re.compile(r"^[A-Za-z0-9.\-]{1,253}(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:[0-9]{1,5})?$")


def parse(r, head):
    lines = head.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3:
        return False
    r.method, r.target = parts[0], parts[1]
    for ln in lines[1:]:
        k, sep, v = ln.partition(":")
        if sep:
            r.headers.append((k.strip(), v.strip()))
            if k.strip().lower() == "host" and HOST_RE.match(v.strip()):
                r.host = v.strip()
    r.path = r.target.split("?", 1)[0].split("#", 1)[0]
    for prefix, kind in PREFIXES:
        if r.path.startswith(prefix):
            segs = r.path[len(prefix):].split("/")
            r.kind, r.name, r.tail = kind, segs[0], segs[1:]
    return True


def dispatch(r):
    if r.kind is None or not r.name:
        r.behaviour = "none"
        r.respond(404, b"not found\n")
        return
    if r.tail == ["never"]:
        r.cfg.canary.line("%s\ttripwire %s://%s%s\t%s" % (now_iso(), r.scheme, r.listener, r.path,
                                                          "%s:%d" % r.peer[:2]))
        r.behaviour = "tripwire"
        r.respond(200, r.content())
        return
    if r.tail == ["ok"] and (r.name in CATALOGUE or CHAIN_RE.match(r.name)):
        r.behaviour = "ok-target"
        r.respond(200, r.content())
        return
    m = CHAIN_RE.match(r.name)
    if m and 1 <= int(m.group(2)) <= 100:
        r.behaviour = "chain"
        b_chain(r, m.group(1) == "r", int(m.group(2)))
        return
    if r.name in CATALOGUE:
        r.behaviour = r.name
        CATALOGUE[r.name][0](r)
        return
    r.behaviour = "unknown"
    r.respond(404, b"no such behaviour\n")


def handle(conn, peer, listener, scheme, cfg, slots):
    r = Req(conn, peer, listener, scheme, cfg)
    note = None
    t0 = time.monotonic()
    try:
        if scheme == "https":
            conn.settimeout(HEAD_TIMEOUT)
            try:
                conn = cfg.tls.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError) as e:
                note = "tls: " + str(e)[:150]
                return
            r.conn = conn
        head, err = read_head(conn)
        if err and not head:
            note = "no request (%s)" % err
            return
        if err == "too large":
            r.respond(431, b"request head too large\n")
            return
        if not parse(r, head):
            r.respond(400, b"bad request line\n")
            return
        conn.settimeout(SEND_TIMEOUT)
        dispatch(r)
    except Closed as e:
        note = "client went away: %s" % e
    except Exception as e:  # never let one request kill the server
        note = "error: %r" % e
    finally:
        try:
            conn.close()
        except OSError:
            pass
        cfg.events.line(json.dumps(dict(
            t=now_iso(), peer="%s:%d" % peer[:2], listener=listener, scheme=scheme,
            method=r.method, target=r.target, host=r.host,
            headers=[[k[:64], v[:200]] for k, v in r.headers[:50]],
            behaviour=r.behaviour, status=r.status, bytes_sent=r.sent,
            ms=int((time.monotonic() - t0) * 1000), note=note)))
        slots.release()


class Cfg:
    pass


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--http", action="append", default=[], help="ADDR:PORT, plain HTTP")
    ap.add_argument("--https", action="append", default=[], help="ADDR:PORT, HTTPS")
    ap.add_argument("--name", default="hostile.web.test")
    ap.add_argument("--alt-name", default="hostile-b.web.test")
    ap.add_argument("--addr", default="127.0.80.2", help="the address the names point at")
    ap.add_argument("--thumbprint")
    ap.add_argument("--challenge")
    ap.add_argument("--certs", help="directory for the self-signed certificate")
    ap.add_argument("--log", help="JSON lines, one per request")
    ap.add_argument("--canary-log", help="tripwire lines are appended here")
    ap.add_argument("--pidfile")
    ap.add_argument("--ready")
    ap.add_argument("--list", action="store_true", help="print the catalogue and exit")
    args = ap.parse_args()

    if args.list:
        for name, (_, expect, what) in CATALOGUE.items():
            print("%s\t%s\t%s" % (name, what, expect))
        for name, expect, what in CATALOGUE_PATTERNS:
            print("%s\t%s\t%s" % (name, what, expect))
        return 0
    for opt in ("thumbprint", "challenge", "log", "canary_log", "pidfile", "ready"):
        if not getattr(args, opt):
            ap.error("--%s is required" % opt.replace("_", "-"))

    cfg = Cfg()
    cfg.name, cfg.alt_name, cfg.addr = args.name, args.alt_name, args.addr
    cfg.thumbprint, cfg.challenge = args.thumbprint, args.challenge
    cfg.events = AppendLog(args.log)
    cfg.canary = AppendLog(args.canary_log)
    cfg.tls = None
    if args.https:
        if not args.certs:
            ap.error("--https needs --certs")
        os.makedirs(args.certs, exist_ok=True)
        recipe = json.dumps([args.name, args.alt_name, args.addr])
        fresh, stamp, want = labcert.cache_fresh(args.certs, recipe, ["hostile.crt", "hostile.key"],
                                                 __file__)
        base = os.path.join(args.certs, "hostile")
        if not fresh:
            labcert.make_cert(base, args.name, [("dns", args.name), ("dns", args.alt_name),
                                                ("ip", args.addr)])
            labcert.write_public(stamp, (want + "\n").encode())
        cfg.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        cfg.tls.load_cert_chain(base + ".crt", base + ".key")
        cfg.tls.set_alpn_protocols(["http/1.1"])

    listeners = []
    for scheme, specs in (("http", args.http), ("https", args.https)):
        for spec in specs:
            host, _, port = spec.rpartition(":")
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, int(port)))
            s.listen(128)
            listeners.append((s, spec, scheme))

    with open(args.pidfile + ".tmp", "w") as f:
        f.write("%d\n" % os.getpid())
    os.replace(args.pidfile + ".tmp", args.pidfile)

    def stop(*_):
        raise Stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    with open(args.ready, "w") as f:
        f.write("ready\n")
    log("listening on %s; %d behaviours" % (", ".join("%s://%s" % (sc, sp) for _, sp, sc in listeners),
                                            len(CATALOGUE) + len(CATALOGUE_PATTERNS)))

    # Make the gzip bombs now, in the background (about 1 s of CPU), so the
    # first request for one is not slow.
    threading.Thread(target=gzip_bombs, daemon=True).start()

    slots = threading.BoundedSemaphore(MAX_CONNS)
    try:
        while True:
            ready, _, _ = select.select([s for s, _, _ in listeners], [], [])
            for s, spec, scheme in listeners:
                if s not in ready:
                    continue
                try:
                    conn, peer = s.accept()
                except OSError:
                    continue
                if not slots.acquire(blocking=False):
                    conn.close()
                    log("busy: refused a connection from %s:%d" % peer[:2])
                    continue
                threading.Thread(target=handle, daemon=True,
                                 args=(conn, peer, spec, scheme, cfg, slots)).start()
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

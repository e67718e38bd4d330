"""Certificate helpers shared by the lab's TLS servers (tlsalpn.py, hostile.py).

Imported, not run. Uses Debian's python3-cryptography (run the servers with
/usr/bin/python3). Every key is EC P-256, every certificate self-signed with
ECDSA-SHA256: nothing in the lab's HTTP and TLS-ALPN checks looks at chains.

Certificates are cached in a directory: a stamp file holds a hash of this
module, of the calling script and of the caller's recipe string (names,
values), and everything is made again when that hash changes or the stamp is
older than REMAKE_DAYS.
"""

import datetime
import hashlib
import ipaddress
import os
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID, ObjectIdentifier

ACME_IDENTIFIER_OID = ObjectIdentifier("1.3.6.1.5.5.7.1.31")
SAN_OID = ObjectIdentifier("2.5.29.17")
VALID_DAYS = 3650
REMAKE_DAYS = 300


def write_private(path, data):
    """Write DATA to PATH with mode 0600, atomically."""
    tmp = path + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def write_public(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def general_name(entry):
    kind, value = entry
    if kind == "dns":
        return x509.DNSName(value)
    if kind == "ip":
        return x509.IPAddress(ipaddress.ip_address(value))
    raise ValueError("unknown SAN kind %r" % kind)


def make_cert(base, cn, sans=(), san_mode="list", extra=(), expired=False, key=None):
    """Make BASE.crt and BASE.key, self-signed.

    sans      sequence of ("dns", name) / ("ip", address)
    san_mode  "list": a SAN extension with SANS; "none": no SAN extension;
              "empty": a SAN extension whose GeneralNames sequence is empty
              (not valid per RFC 5280, which is the point)
    extra     sequence of (oid, raw DER extnValue bytes, critical)
    expired   valid from now - 30 days to now - 1 day
    """
    if key is None:
        key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.datetime.utcnow().replace(microsecond=0)
    if expired:
        nb, na = now - datetime.timedelta(days=30), now - datetime.timedelta(days=1)
    else:
        nb, na = now - datetime.timedelta(days=1), now + datetime.timedelta(days=VALID_DAYS)
    b = (x509.CertificateBuilder()
         .subject_name(name).issuer_name(name)
         .public_key(key.public_key())
         .serial_number(x509.random_serial_number())
         .not_valid_before(nb).not_valid_after(na)
         .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True))
    if san_mode == "list":
        b = b.add_extension(x509.SubjectAlternativeName([general_name(e) for e in sans]),
                            critical=False)
    elif san_mode == "empty":
        b = b.add_extension(x509.UnrecognizedExtension(SAN_OID, b"\x30\x00"), critical=False)
    elif san_mode != "none":
        raise ValueError("unknown san_mode %r" % san_mode)
    for oid, value, critical in extra:
        b = b.add_extension(x509.UnrecognizedExtension(oid, value), critical=critical)
    cert = b.sign(key, hashes.SHA256())
    write_private(base + ".key", key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    write_public(base + ".crt", cert.public_bytes(serialization.Encoding.PEM))


def cache_fresh(directory, recipe, files, script):
    """True if DIRECTORY/.stamp matches RECIPE and every file in FILES exists."""
    stamp = os.path.join(directory, ".stamp-" + os.path.basename(script))
    want = recipe_hash(recipe, script)
    try:
        with open(stamp) as f:
            got = f.read().strip()
        age = time.time() - os.stat(stamp).st_mtime
    except OSError:
        return False, stamp, want
    if got != want or age > REMAKE_DAYS * 86400:
        return False, stamp, want
    for name in files:
        if not os.path.exists(os.path.join(directory, name)):
            return False, stamp, want
    return True, stamp, want


def recipe_hash(recipe, script):
    h = hashlib.sha256()
    for path in (__file__, script):
        with open(path, "rb") as f:
            h.update(f.read())
    h.update(recipe.encode())
    return h.hexdigest()

#!/usr/bin/python3
"""sign-dkimpy.py - sign files with dkimpy, a reference signer for tests.

    sign-dkimpy.py --key PEM --domain D --selector S [--canon H/B]
                   [--timestamp T] [--headers a:b:c] --out DIR FILE...

Writes DIR/BASENAME for each FILE that dkimpy can sign (the others get
a line on stderr): one DKIM-Signature field, with the
file's own line endings (CRLF if its first line ends in CRLF), then the
file byte for byte. The algorithm follows the key: rsa-sha256 for an RSA
key, ed25519-sha256 for an Ed25519 one. PEM may be PKCS#8 (dkimpipe's
keystore, "BEGIN PRIVATE KEY") or PKCS#1 ("BEGIN RSA PRIVATE KEY").

Used to check the test harness (the verifier scripts, the DNS server)
without dkimpipe, and to make signed input for dkimpipe-verify's tests.
Needs python3-dkim (and python3-nacl, its dependency, for Ed25519).
"""

import argparse
import base64
import os
import re
import sys
import types

import dkim

RSA_OID = bytes.fromhex("2a864886f70d010101")		# 1.2.840.113549.1.1.1
ED25519_OID = bytes.fromhex("2b6570")			# 1.3.101.112


def der(data, pos):
    """(tag, content, next position) of the DER element at pos."""
    tag = data[pos]
    n = data[pos + 1]
    pos += 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(data[pos:pos + k], "big")
        pos += k
    return tag, data[pos:pos + n], pos + n


def load_key(path):
    """('rsa', PKCS#1 PEM bytes) or ('ed25519', base64 seed) for dkimpy."""
    with open(path, "rb") as f:
        pem = f.read()
    m = re.search(rb"-----BEGIN ([A-Z ]+)-----(.*?)-----END", pem, re.S)
    if not m:
        sys.exit("%s: no PEM block" % path)
    body = base64.b64decode(b"".join(m.group(2).split()))
    if m.group(1) == b"RSA PRIVATE KEY":
        return "rsa", pem
    if m.group(1) != b"PRIVATE KEY":
        sys.exit("%s: %s: not a private key" % (path, m.group(1).decode()))
    # PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier,
    #                               privateKey OCTET STRING, ... }
    _, seq, _ = der(body, 0)
    _, _, p = der(seq, 0)				# version
    _, alg, p = der(seq, p)
    _, oid, _ = der(alg, 0)
    _, key, _ = der(seq, p)
    if oid == RSA_OID:
        b64 = base64.encodebytes(key).replace(b"\n", b"")
        lines = [b64[i:i + 64] for i in range(0, len(b64), 64)]
        return "rsa", (b"-----BEGIN RSA PRIVATE KEY-----\n"
                       + b"\n".join(lines)
                       + b"\n-----END RSA PRIVATE KEY-----\n")
    if oid == ED25519_OID:
        _, seed, _ = der(key, 0)			# CurvePrivateKey
        return "ed25519", base64.b64encode(seed)
    sys.exit("%s: unknown key algorithm" % path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--key", required=True)
    ap.add_argument("--domain", required=True)
    ap.add_argument("--selector", required=True)
    ap.add_argument("--canon", default="relaxed/relaxed")
    ap.add_argument("--timestamp", type=int)
    ap.add_argument("--headers", help="colon-separated h= list")
    ap.add_argument("--out", required=True)
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    kind, key = load_key(a.key)
    alg = b"rsa-sha256" if kind == "rsa" else b"ed25519-sha256"
    hc, _, bc = a.canon.partition("/")
    canon = (hc.encode(), (bc or hc).encode())
    include = ([h.encode() for h in a.headers.split(":")]
               if a.headers else None)
    if a.timestamp is not None:
        # dkimpy takes t= from time.time() through its module's "time"
        dkim.time = types.SimpleNamespace(time=lambda: a.timestamp)
    os.makedirs(a.out, exist_ok=True)
    for fn in a.files:
        with open(fn, "rb") as f:
            msg = f.read()
        nl = msg.find(b"\n")
        eol = b"\r\n" if nl > 0 and msg[nl - 1:nl] == b"\r" else b"\n"
        try:
            d = dkim.DKIM(msg, signature_algorithm=alg, linesep=eol)
            sig = d.sign(a.selector.encode(), a.domain.encode(), key,
                         canonicalize=canon, include_headers=include)
        except dkim.DKIMException as e:
            # e.g. "Subject :" (RFC 5322 4.5.4 obsolete syntax) is
            # beyond dkimpy's header parser
            print("sign-dkimpy.py: %s: not signed: %s" % (fn, e),
                  file=sys.stderr)
            continue
        with open(os.path.join(a.out, os.path.basename(fn)), "wb") as f:
            f.write(sig + msg)


if __name__ == "__main__":
    main()

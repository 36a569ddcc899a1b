#!/usr/bin/python3
"""peer-sign-dkimpy.py - sign a batch of messages with dkimpy.

    peer-sign-dkimpy.py --domain D --out DIR [--timestamp T]
        [--rsa-key PKCS1.pem --rsa-selector S]
        [--ed25519-seed FILE --ed25519-selector S]  FILE...

One process signs every FILE with each key given (rsa-sha256 with
--rsa-key, ed25519-sha256 with --ed25519-seed) and each canonicalization,
relaxed/relaxed and simple/simple, through dkim.sign() with dkimpy's own
choice of header fields (h=). A batch is one algorithm and one
canonicalization; it goes to DIR/ALG.HC-BC/:

    DIR/rsa-sha256.relaxed-relaxed/BASENAME    the signed copy of FILE
    DIR/rsa-sha256.relaxed-relaxed.unsigned    BASENAME<TAB>why, for each
                                               FILE dkimpy would not sign

A signed copy is one DKIM-Signature field, folded with the file's own line
ending (CRLF if its first line ends in CRLF, else LF), then the file byte
for byte. dkimpy reads LF files as CRLF ones itself (its parser splits
lines on CRLF or LF).

--rsa-key is PKCS#1 PEM ("BEGIN RSA PRIVATE KEY"), what dkimpy 1.1.4
parses; --ed25519-seed is a file holding the base64 of the 32-byte private
key (RFC 8032 seed), what dkimpy hands to PyNaCl. --timestamp pins t=.

Needs Debian's python3-dkim (python3-nacl for Ed25519): the system python3.
Exit status 0 when every batch was written, whatever dkimpy refused.
"""

import argparse
import os
import sys
import types

import dkim

CANONS = ((b"relaxed", b"relaxed"), (b"simple", b"simple"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--domain", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--timestamp", type=int)
    ap.add_argument("--rsa-key")
    ap.add_argument("--rsa-selector")
    ap.add_argument("--ed25519-seed")
    ap.add_argument("--ed25519-selector")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()

    keys = []
    if a.rsa_key:
        if not a.rsa_selector:
            ap.error("--rsa-key needs --rsa-selector")
        with open(a.rsa_key, "rb") as f:
            keys.append((b"rsa-sha256", a.rsa_selector.encode(), f.read()))
    if a.ed25519_seed:
        if not a.ed25519_selector:
            ap.error("--ed25519-seed needs --ed25519-selector")
        with open(a.ed25519_seed, "rb") as f:
            keys.append((b"ed25519-sha256", a.ed25519_selector.encode(),
                         f.read().strip()))
    if not keys:
        ap.error("no key: give --rsa-key and/or --ed25519-seed")
    if a.timestamp is not None:
        # dkimpy takes t= from time.time() through its module's "time"
        dkim.time = types.SimpleNamespace(time=lambda: a.timestamp)

    batches = []
    for alg, sel, key in keys:
        for hc, bc in CANONS:
            name = "%s.%s-%s" % (alg.decode(), hc.decode(), bc.decode())
            path = os.path.join(a.out, name)
            os.makedirs(path, exist_ok=True)
            batches.append((alg, sel, key, (hc, bc), path,
                            open(path + ".unsigned", "w")))

    for fn in a.files:
        with open(fn, "rb") as f:
            msg = f.read()
        base = os.path.basename(fn)
        nl = msg.find(b"\n")
        eol = b"\r\n" if nl > 0 and msg[nl - 1:nl] == b"\r" else b"\n"
        for alg, sel, key, canon, path, unsigned in batches:
            try:
                sig = dkim.sign(msg, sel, a.domain.encode(), key,
                                canonicalize=canon, signature_algorithm=alg,
                                linesep=eol)
            except Exception as e:	# DKIMException, and plain ones too
                why = " ".join(str(e).split()) or type(e).__name__
                unsigned.write("%s\t%s: %s\n" % (base, type(e).__name__, why))
                continue
            with open(os.path.join(path, base), "wb") as f:
                f.write(sig + msg)

    for b in batches:
        b[5].close()


if __name__ == "__main__":
    main()

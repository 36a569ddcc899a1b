#!/usr/bin/python3
"""peer-sign-opendkim.py - sign a batch of messages with libopendkim.

    peer-sign-opendkim.py --domain D --out DIR [--timestamp T]
        [--rsa-key PEM --rsa-selector S]
        [--ed25519-key PEM --ed25519-selector S]  FILE...

One process signs every FILE with each key given (rsa-sha256 with
--rsa-key, ed25519-sha256 with --ed25519-key) and each canonicalization,
relaxed/relaxed and simple/simple, with libopendkim's own choice of header
fields (h=). Batches go where t/peer-sign-dkimpy.py puts them:

    DIR/ed25519-sha256.simple-simple/BASENAME  the signed copy of FILE
    DIR/ed25519-sha256.simple-simple.unsigned  BASENAME<TAB>why, for each
                                               FILE libopendkim refused

Why not a command: Debian 12 packages the opendkim milter (whose "-t"
test mode would sign) separately from opendkim-tools, and the tools'
opendkim-testmsg signs with rsa-sha1 and c=relaxed/simple only (both are
fixed in its source; it has no option for them). So this script calls
libopendkim.so.11 (libopendkim11, which opendkim-tools pulls in) through
ctypes the way opendkim-testmsg does: dkim_init, dkim_sign, dkim_chunk,
dkim_eom, dkim_getsighdr_d. Nothing else of OpenDKIM is in the way.

Each file goes in as the milter gets a message from its MTA, and as
Mail::DKIM's dkimsign.pl feeds it: each line (the last one too, newline or
not) without one CR before its LF, then CRLF; a bare CR inside a line
stays. The signed copy is one DKIM-Signature field, folded with the file's
own line ending (CRLF if its first line ends in CRLF, else LF), then the
file byte for byte. Keys are PEM, PKCS#8 or PKCS#1 (libopendkim reads
them with PEM_read_bio_PrivateKey). --timestamp pins t=
(DKIM_OPTS_FIXEDTIME).

Exit status: 0 when every batch was written, 77 when libopendkim.so.11
cannot be loaded (the reason on stderr), 1 on other errors.
"""

import argparse
import ctypes
import os
import re
import sys

# libopendkim's dkim.h (OpenDKIM 2.11)
DKIM_STAT_OK = 0
DKIM_CANON = {"simple": 0, "relaxed": 1}
DKIM_SIGN = {"rsa-sha256": 1, "ed25519-sha256": 2}
DKIM_OP_SETOPT = 1
DKIM_OPTS_FIXEDTIME = 8
CANONS = (("relaxed", "relaxed"), ("simple", "simple"))

c_p = ctypes.c_void_p


def load():
    try:
        lib = ctypes.CDLL("libopendkim.so.11")
    except OSError as e:
        print("peer-sign-opendkim.py: cannot load libopendkim.so.11 "
              "(apt-get install libopendkim11): %s" % e, file=sys.stderr)
        sys.exit(77)
    proto = {
        "dkim_init": (c_p, [c_p, c_p]),
        "dkim_close": (None, [c_p]),
        "dkim_options": (ctypes.c_int, [c_p, ctypes.c_int, ctypes.c_int,
                                        c_p, ctypes.c_size_t]),
        "dkim_sign": (c_p, [c_p, ctypes.c_char_p, c_p, ctypes.c_char_p,
                            ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int,
                            ctypes.c_int, ctypes.c_int, ctypes.c_ssize_t,
                            ctypes.POINTER(ctypes.c_int)]),
        "dkim_chunk": (ctypes.c_int, [c_p, ctypes.c_char_p, ctypes.c_size_t]),
        "dkim_eom": (ctypes.c_int, [c_p, ctypes.POINTER(ctypes.c_bool)]),
        "dkim_getsighdr_d": (ctypes.c_int,
                             [c_p, ctypes.c_size_t,
                              ctypes.POINTER(ctypes.c_char_p),
                              ctypes.POINTER(ctypes.c_size_t)]),
        "dkim_free": (ctypes.c_int, [c_p]),
        "dkim_geterror": (ctypes.c_char_p, [c_p]),
        "dkim_getresultstr": (ctypes.c_char_p, [ctypes.c_int]),
    }
    for name, (res, args) in proto.items():
        f = getattr(lib, name)
        f.restype = res
        f.argtypes = args
    return lib


def crlf(data):
    """dkimsign.pl's input: every line, the last one too, ends in CRLF."""
    lines = re.findall(rb"[^\n]*\n|[^\n]+\Z", data)
    return b"".join(re.sub(rb"\r?\n\Z", b"", l) + b"\r\n" for l in lines)


class Refused(Exception):
    pass


def sign(L, lib, key, sel, domain, alg, hc, bc, data):
    """The DKIM-Signature field's value, CRLF-folded, as libopendkim makes it."""
    st = ctypes.c_int()
    d = L.dkim_sign(lib, b"peer-sign", None, key, sel, domain,
                    DKIM_CANON[hc], DKIM_CANON[bc], DKIM_SIGN[alg], -1,
                    ctypes.byref(st))
    if not d:
        raise Refused("dkim_sign(): %s" % L.dkim_getresultstr(st.value).decode())
    testkey = ctypes.c_bool()
    try:
        for what, r in (("dkim_chunk()", lambda: L.dkim_chunk(d, data, len(data))),
                        ("dkim_chunk(NULL)", lambda: L.dkim_chunk(d, None, 0)),
                        ("dkim_eom()", lambda: L.dkim_eom(d, ctypes.byref(testkey)))):
            s = r()
            if s != DKIM_STAT_OK:
                err = L.dkim_geterror(d)
                raise Refused("%s: %s%s" % (
                    what, L.dkim_getresultstr(s).decode(),
                    ": " + err.decode("utf-8", "replace") if err else ""))
        buf = ctypes.c_char_p()
        n = ctypes.c_size_t()
        s = L.dkim_getsighdr_d(d, len("DKIM-Signature"), ctypes.byref(buf),
                               ctypes.byref(n))
        if s != DKIM_STAT_OK:
            raise Refused("dkim_getsighdr_d(): %s"
                          % L.dkim_getresultstr(s).decode())
        return ctypes.string_at(buf, n.value)
    finally:
        L.dkim_free(d)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--domain", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--timestamp", type=int)
    ap.add_argument("--rsa-key")
    ap.add_argument("--rsa-selector")
    ap.add_argument("--ed25519-key")
    ap.add_argument("--ed25519-selector")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()

    keys = []
    for alg, kf, sel in (("rsa-sha256", a.rsa_key, a.rsa_selector),
                         ("ed25519-sha256", a.ed25519_key, a.ed25519_selector)):
        if kf is None:
            continue
        if not sel:
            ap.error("%s key without a selector" % alg)
        with open(kf, "rb") as f:
            keys.append((alg, sel.encode(), f.read()))
    if not keys:
        ap.error("no key: give --rsa-key and/or --ed25519-key")

    L = load()
    lib = L.dkim_init(None, None)
    if not lib:
        sys.exit("peer-sign-opendkim.py: dkim_init() failed")
    if a.timestamp is not None:
        t = ctypes.c_uint64(a.timestamp)
        if L.dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FIXEDTIME,
                          ctypes.byref(t), ctypes.sizeof(t)) != DKIM_STAT_OK:
            sys.exit("peer-sign-opendkim.py: cannot set DKIM_OPTS_FIXEDTIME")

    batches = []
    for alg, sel, key in keys:
        for hc, bc in CANONS:
            path = os.path.join(a.out, "%s.%s-%s" % (alg, hc, bc))
            os.makedirs(path, exist_ok=True)
            batches.append((alg, sel, key, hc, bc, path,
                            open(path + ".unsigned", "w")))

    domain = a.domain.encode()
    for fn in a.files:
        with open(fn, "rb") as f:
            msg = f.read()
        base = os.path.basename(fn)
        nl = msg.find(b"\n")
        eol = b"\r\n" if nl > 0 and msg[nl - 1:nl] == b"\r" else b"\n"
        data = crlf(msg)
        for alg, sel, key, hc, bc, path, unsigned in batches:
            try:
                value = sign(L, lib, key, sel, domain, alg, hc, bc, data)
            except Refused as e:
                unsigned.write("%s\t%s\n" % (base, " ".join(str(e).split())))
                continue
            field = b"DKIM-Signature: " + re.sub(rb"\r?\n", eol, value) + eol
            with open(os.path.join(path, base), "wb") as f:
                f.write(field + msg)

    for b in batches:
        b[6].close()
    L.dkim_close(lib)


if __name__ == "__main__":
    main()

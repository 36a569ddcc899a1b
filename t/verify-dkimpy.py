#!/usr/bin/python3
"""verify-dkimpy.py - verify every DKIM signature in files with dkimpy.

    verify-dkimpy.py --port PORT [--server 127.0.0.1] FILE...

Keys come from the DNS server at SERVER:PORT (t/dnsserver.sh), asked
directly with dnspython: no resolver configuration, nothing leaves the
machine. One line per signature on stdout, tab-separated:

    FILE  INDEX  ALGORITHM  RESULT  DETAIL

INDEX counts DKIM-Signature fields from the top (0); ALGORITHM is the a=
tag; RESULT is pass, fail (the signature or body hash does not match) or
error (the message, signature or key could not be used); DETAIL says why.
A file without a signature gives "FILE - - nosig -". Exit status 0 unless
the arguments are wrong: judging the results is the caller's business.

Needs Debian's python3-dkim and python3-dnspython (the system python3).
"""

import argparse
import logging
import re
import sys

import dkim
import dns.exception
import dns.rdatatype
import dns.resolver


def make_dnsfunc(server, port):
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = [server]
    res.port = port
    cache = {}

    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode("ascii", "replace")
        if name in cache:
            return cache[name]
        try:
            ans = res.resolve(name, dns.rdatatype.TXT, lifetime=timeout,
                              search=False)
            txt = b"".join(ans.rrset[0].strings)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            txt = None
        except dns.exception.Timeout as e:
            raise dkim.DnsTimeoutError(str(e))
        cache[name] = txt
        return txt

    return dnsfunc


SIG_RE = re.compile(rb"^dkim-signature[ \t]*:", re.I)
ALG_RE = re.compile(rb"(?:^|;)\s*a\s*=\s*([A-Za-z0-9-]+)")


def algorithms(d):
    """a= of each DKIM-Signature, from dkimpy's own header parse."""
    out = []
    for name, value in d.headers:
        if name.lower() == b"dkim-signature":
            m = ALG_RE.search(value)
            out.append(m.group(1).decode() if m else "?")
    return out


class Last(logging.Handler):
    """Keeps the last error dkimpy logged (a key it could not use)."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.text = None

    def emit(self, record):
        self.text = record.getMessage()


def clean(s):
    return re.sub(r"[\t\r\n]+", " ", str(s)).strip() or "-"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--server", default="127.0.0.1")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    dnsfunc = make_dnsfunc(a.server, a.port)
    quiet = logging.getLogger("verify-dkimpy")
    last = Last()
    quiet.addHandler(last)
    quiet.propagate = False
    for fn in a.files:
        with open(fn, "rb") as f:
            msg = f.read()
        try:
            d = dkim.DKIM(msg, logger=quiet)
            algs = algorithms(d)
        except Exception as e:	# dkimpy raises plain errors on some input
            print("%s\t-\t-\terror\tparse: %s" % (fn, clean(e)))
            continue
        if not algs:
            print("%s\t-\t-\tnosig\t-" % fn)
            continue
        for i, alg in enumerate(algs):
            last.text = None
            try:
                d = dkim.DKIM(msg, logger=quiet)
                if d.verify(idx=i, dnsfunc=dnsfunc):
                    res, detail = "pass", "-"
                elif last.text is not None:
                    res, detail = "error", clean(last.text)
                else:
                    res, detail = "fail", "signature does not match"
            except dkim.ValidationError as e:
                res, detail = "fail", clean(e)
            except dkim.DKIMException as e:
                res, detail = "error", clean(e)
            except Exception as e:
                res, detail = "error", "%s: %s" % (type(e).__name__, clean(e))
            print("%s\t%d\t%s\t%s\t%s" % (fn, i, alg, res, detail))
    sys.stdout.flush()


if __name__ == "__main__":
    main()

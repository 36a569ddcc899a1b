#!/usr/bin/python3
"""arc-dkimpy.py - seal and validate ARC chains with dkimpy, for tests.

    arc-dkimpy.py seal --port P --key PEM --domain D --selector S
                  --srv-id ID [--timestamp T] < MESSAGE > SEALED
        dkimpy's arc_sign: the new ARC set (from the Authentication-Results
        of ID in MESSAGE) on top of MESSAGE; exit 1 if it added none.
    arc-dkimpy.py verify --port P FILE...
        dkimpy's arc_verify: "FILE<TAB>CV<TAB>REASON" per file, CV pass,
        fail, none or ended (dkimpy's None: a chain marked failed).

Keys come from the DNS server at 127.0.0.1:P (t/dnsserver.sh), asked
directly with dnspython; nothing leaves the machine. Needs Debian's
python3-dkim, python3-authres and python3-dnspython.
"""

import argparse
import logging
import sys

import dkim
import dns.exception
import dns.rdatatype
import dns.resolver


def make_dnsfunc(port):
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = ["127.0.0.1"]
    res.port = port

    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode("ascii", "replace")
        try:
            ans = res.resolve(name, dns.rdatatype.TXT, lifetime=timeout,
                              search=False)
            return b"".join(ans.rrset[0].strings)
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return None
        except dns.exception.Timeout as e:
            raise dkim.DnsTimeoutError(str(e))

    return dnsfunc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("seal", "verify"))
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--key")
    ap.add_argument("--domain")
    ap.add_argument("--selector")
    ap.add_argument("--srv-id")
    ap.add_argument("--timestamp", type=int)
    ap.add_argument("files", nargs="*")
    a = ap.parse_intermixed_args()
    logging.basicConfig(level=logging.CRITICAL)
    if a.mode == "seal":
        msg = sys.stdin.buffer.read()
        with open(a.key, "rb") as f:
            key = f.read()
        lf = b"\r\n" not in msg
        crlf = msg if not lf else msg.replace(b"\n", b"\r\n")
        d = dkim.ARC(crlf, logger=logging.getLogger("arc"))
        hdrs = d.sign(a.selector.encode(), a.domain.encode(), key,
                      a.srv_id.encode(), timestamp=a.timestamp)
        if not hdrs:
            return 1
        new = b"".join(hdrs)
        if lf:
            new = new.replace(b"\r\n", b"\n")
        sys.stdout.buffer.write(new + msg)
        return 0
    dnsfunc = make_dnsfunc(a.port)
    for path in a.files:
        with open(path, "rb") as f:
            msg = f.read()
        if b"\r\n" not in msg:
            msg = msg.replace(b"\n", b"\r\n")
        try:
            cv, _, reason = dkim.arc_verify(msg, dnsfunc=dnsfunc)
            cv = "ended" if cv is None else cv.decode()
        except Exception as e:  # a peer's crash is a result too
            cv, reason = "error", str(e)
        print("%s\t%s\t%s" % (path, cv, reason))
    return 0


if __name__ == "__main__":
    sys.exit(main())

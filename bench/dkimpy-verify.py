#!/usr/bin/python3
"""dkimpy-verify.py - dkimpy's dkimverify, asking the test DNS server.

    dkimpy-verify.py PORT [--index N] < message

Does what /usr/bin/dkimverify (python3-dkim) does: read the message from
stdin, dkim.DKIM(message).verify() with dkimpy's own key lookup
(dkim.dnsplug.get_txt, which calls dns.resolver.query), print the result.
Two differences, both for bench/verify.sh:

- Before anything is looked up, dnspython's default resolver object (the
  one dns.resolver.query uses) is replaced by one made without reading
  /etc/resolv.conf (configure=False), with nameservers ['127.0.0.1'] and
  port PORT: every key query goes to t/dnsserver.sh's NSD, nothing else is
  asked, and nothing on the system is changed. dnspython does not
  validate DNSSEC, so dkimpy trusts whatever answer it gets.
- Every DKIM-Signature is verified, topmost first, as dkimpipe-verify
  does; dkimverify checks only --index N (default 0). --index N here
  checks only that one too.

Prints "signature N ok" or "signature N verification failed" per
signature. Exit status: 0 if every signature checked passes, 1 if one
fails (or raises, as dkimverify would), 2 if there is none, 64 for usage.
Needs Debian's python3-dkim (and python3-dnspython): run with
/usr/bin/python3.
"""

import sys

import dkim
import dns.resolver


def main(argv):
    if len(argv) not in (2, 4) or (len(argv) == 4 and argv[2] != "--index"):
        print("usage: dkimpy-verify.py PORT [--index N] < message",
              file=sys.stderr)
        return 64
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = ["127.0.0.1"]
    res.port = int(argv[1])
    dns.resolver.default_resolver = res

    message = sys.stdin.buffer.read()
    d = dkim.DKIM(message)
    n = sum(1 for name, _ in d.headers if name.lower() == b"dkim-signature")
    if n == 0:
        print("no signature")
        return 2
    which = [int(argv[3])] if len(argv) == 4 else range(n)
    bad = 0
    for i in which:
        try:
            ok = d.verify(idx=i)
        except dkim.DKIMException as e:
            ok = False
            print("signature %d: %s" % (i, e))
        print("signature %d %s" % (i, "ok" if ok else "verification failed"))
        bad += not ok
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

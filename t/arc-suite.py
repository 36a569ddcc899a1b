#!/usr/bin/python3
"""arc-suite.py - the ValiMail ARC test suite as files, for t/arc-suite.sh.

    arc-suite.py extract SUITE_DIR OUT_DIR
        OUT_DIR/validate.list   "case<TAB>expect" (arc=pass|fail|none, from
                                the MANIFEST, which settles the empty cv:)
        OUT_DIR/v/CASE.eml      the message, CRLF line ends
        OUT_DIR/sign.list       "case"
        OUT_DIR/s/CASE.eml      the message to seal, CRLF
        OUT_DIR/s/CASE.args     t=, srv-id, sig-headers, one a line
        OUT_DIR/s/CASE.want     the expected AAR, AMS and AS values
        OUT_DIR/sign.key        the signing suite's private key (PEM)
        OUT_DIR/sign.domain, OUT_DIR/sign.selector
    arc-suite.py compare WANT SEALED
        compare the ARC fields at the top of the message SEALED with WANT,
        each value unfolded and with whitespace runs made one space (the
        suite's normal form, README.upstream.md); prints the differences
        and exits 1 if there are any.
    arc-suite.py compare-topmost WANT SEALED INPUT
        the same, but the AAR wanted carries only the topmost
        Authentication-Results of the srv-id in INPUT, and the AS (which
        signs it) is left to validation.
"""
import os
import re
import sys

import yaml


def crlf(text):
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def load(path):
    with open(path, encoding="utf-8") as f:
        return list(yaml.safe_load_all(f))


def norm(value):
    """One line, whitespace runs made one space, none inside b= and bh=
    (base64 ignores FWS; the suite's YAML folds inside b=)."""
    v = re.sub(r"\s+", " ", value.replace("\r\n", " ")).strip()
    return re.sub(r"(^|; )(bh?)=([^;]*)",
                  lambda m: m.group(1) + m.group(2) + "=" +
                  re.sub(r"\s", "", m.group(3)), v)


def extract(suite, out):
    os.makedirs(os.path.join(out, "v"), exist_ok=True)
    os.makedirs(os.path.join(out, "s"), exist_ok=True)
    docs = {}
    vlist = open(os.path.join(out, "validate.list"), "w")
    slist = open(os.path.join(out, "sign.list"), "w")
    with open(os.path.join(suite, "MANIFEST"), encoding="utf-8") as man:
        for line in man:
            if line.startswith("#") or not line.strip():
                continue
            case, kind, inp, expect = line.rstrip("\n").split("\t")[:4]
            yml, _, rest = inp.partition("#")
            idx, _, name = rest.partition("/")
            if yml not in docs:
                docs[yml] = load(os.path.join(suite, yml))
            scen = docs[yml][int(idx)]
            test = scen["tests"][name]
            msg = test.get("message") or ""
            if kind == "arc-validate":
                with open(os.path.join(out, "v", case + ".eml"), "wb") as f:
                    f.write(crlf(msg))
                vlist.write("%s\t%s\n" % (case, expect))
                continue
            with open(os.path.join(out, "s", case + ".eml"), "wb") as f:
                f.write(crlf(msg))
            with open(os.path.join(out, "s", case + ".args"), "w") as f:
                f.write("%s\n%s\n%s\n" % (test["t"], test["srv-id"],
                                         test["sig-headers"]))
            with open(os.path.join(out, "s", case + ".want"), "w") as f:
                for k in ("AAR", "AMS", "AS"):
                    f.write("%s\t%s\n" % (k, norm(test[k])))
            for k, v in (("sign.key", scen["privatekey"]),
                         ("sign.domain", scen["domain"]),
                         ("sign.selector", scen["sel"])):
                with open(os.path.join(out, k), "w") as f:
                    f.write(v if k == "sign.key" else v + "\n")
            slist.write(case + "\n")
    vlist.close()
    slist.close()


FIELDS = {"arc-authentication-results": "AAR",
          "arc-message-signature": "AMS", "arc-seal": "AS"}


def fields(path):
    with open(path, "rb") as f:
        text = f.read().decode("utf-8", "replace")
    head = text.replace("\r\n", "\n").split("\n\n", 1)[0]
    for field in re.split(r"\n(?![ \t])", head):
        name, _, value = field.partition(":")
        yield name.strip().lower(), value


def compare(want_path, sealed_path, topmost_of=None):
    """With topmost_of (the input message), the AAR expected is the one
    made of the topmost Authentication-Results of the suite's srv-id
    alone, and the AS (which signs that AAR) is not compared."""
    want = {}
    with open(want_path, encoding="utf-8") as f:
        for line in f:
            k, v = line.rstrip("\n").split("\t", 1)
            want[k] = v
    got = {}
    for name, value in fields(sealed_path):
        k = FIELDS.get(name)
        if k is not None and k not in got:  # the topmost: the new set
            got[k] = norm(value)
    kinds = ("AAR", "AMS", "AS")
    if topmost_of is not None:
        srv = want["AAR"].split(";")[1].strip()
        for name, value in fields(topmost_of):
            v = norm(value)
            if name == "authentication-results" and \
                    v.split(";")[0].strip().lower() == srv.lower():
                want["AAR"] = "i=1; " + v
                break
        kinds = ("AAR", "AMS")
    bad = 0
    for k in kinds:
        if got.get(k) != want[k]:
            print("%s differs:\n  want %s\n  got  %s" % (k, want[k],
                                                        got.get(k)))
            bad = 1
    return bad


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "extract":
        extract(sys.argv[2], sys.argv[3])
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "compare":
        return compare(sys.argv[2], sys.argv[3])
    if len(sys.argv) == 5 and sys.argv[1] == "compare-topmost":
        return compare(sys.argv[2], sys.argv[3], sys.argv[4])
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main())

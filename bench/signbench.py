#!/usr/bin/env python3
"""Helper for bench/sign.sh: deterministic messages, key conversion for
dkimpy, output checks, medians and the result tables.

Standard library only, except `verify`, which needs dkimpy (python3-dkim).
Nothing here touches the network: `verify` answers DKIM key queries from a
local file.
"""

import base64
import hashlib
import json
import os
import statistics
import sys

DOMAIN = "bench.example"

# Fixed headers: a message as it reaches a submission MTA's signing filter.
# {domain} is DOMAIN unless the caller asks for another (bench/verify.sh
# uses good.test, the DNSSEC-signed zone of t/dnsserver.sh).
HEADERS = (
    "Received: from [192.0.2.10] (client.{domain} [192.0.2.10])\n"
    "\tby mx.{domain} with ESMTPSA id 4AbCdEfGhIjK\n"
    "\tfor <bob@recipient.example>; Tue, 05 Mar 2024 09:15:02 +0000\n"
    "From: Alice Sender <alice@{domain}>\n"
    "To: Bob Recipient <bob@recipient.example>\n"
    "Cc: carol@recipient.example, dave@recipient.example\n"
    "Subject: Benchmark message {name} - quarterly figures and\n"
    " the attached report\n"
    "Date: Tue, 05 Mar 2024 09:15:00 +0000\n"
    "Message-ID: <bench-{name}@client.{domain}>\n"
    "MIME-Version: 1.0\n"
    "User-Agent: dkimpipe-bench/1\n"
)

WORDS = (
    "the quarterly report shows that revenue grew while costs stayed flat "
    "please find attached figures for each region and let me know if you "
    "have questions before the meeting on thursday we will review budget "
    "plans staffing and the schedule for next release of the product line"
).split()


def stream(seed, n):
    """n deterministic pseudo-random bytes (SHAKE-256 of a fixed seed)."""
    return hashlib.shake_256(seed.encode()).digest(n)


def text_lines(seed, nbytes):
    """Deterministic English-like text, lines <= 72 chars, about nbytes."""
    rnd = stream(seed, max(64, nbytes))
    out, line, size, i = [], [], 0, 0
    while size < nbytes:
        w = WORDS[rnd[i % len(rnd)] % len(WORDS)]
        i += 1
        if line and len(" ".join(line)) + 1 + len(w) > 72:
            s = " ".join(line) + "\n"
            out.append(s)
            size += len(s)
            line = []
        line.append(w)
    if line:
        out.append(" ".join(line) + "\n")
    return "".join(out)


def gen_message(path, name, target, domain=DOMAIN):
    """Write a message of exactly `target` bytes (LF line ends), from
    alice@domain."""
    head = HEADERS.format(name=name, domain=domain)
    if target <= 8192:
        # Plain text mail.
        head += "Content-Type: text/plain; charset=us-ascii\n\n"
        body = text_lines("text-" + name, target)
        data = (head + body).encode()
        data = fit(data, target)
        with open(path, "wb") as f:
            f.write(data)
        return
    # multipart/mixed: short text part + base64 attachment filling the rest.
    b = "=_bench_boundary_" + name
    pre = (
        head
        + 'Content-Type: multipart/mixed; boundary="%s"\n\n' % b
        + "This is a multi-part message in MIME format.\n\n"
        + "--%s\nContent-Type: text/plain; charset=us-ascii\n\n" % b
        + text_lines("text-" + name, 1500)
        + "\n--%s\n" % b
        + "Content-Type: application/octet-stream; name=\"report.bin\"\n"
        + "Content-Transfer-Encoding: base64\n"
        + "Content-Disposition: attachment; filename=\"report.bin\"\n\n"
    ).encode()
    post = ("\n--%s--\n" % b).encode()
    room = target - len(pre) - len(post)
    if room < 200:
        raise SystemExit("size %d too small" % target)
    with open(path, "wb") as f:
        f.write(pre)
        written = 0
        chunk_raw = 57 * 1000  # 1000 lines of 76 base64 chars
        k = 0
        # Chunk k is SHAKE-256("attach-NAME-k"): deterministic, and the
        # 100 MB message never has to be held in memory.
        while written < room:
            raw = hashlib.shake_256(
                ("attach-%s-%d" % (name, k)).encode()).digest(chunk_raw)
            k += 1
            enc = base64.b64encode(raw)
            lines = b"".join(enc[i:i + 76] + b"\n"
                             for i in range(0, len(enc), 76))
            left = room - written
            if len(lines) >= left:
                lines = lines[:left]
                if left >= 1:
                    # end on a line break
                    lines = lines[:-1] + b"\n"
            f.write(lines)
            written += len(lines)
        f.write(post)
    if os.path.getsize(path) != target:
        raise SystemExit("internal: %s is %d bytes, wanted %d"
                         % (path, os.path.getsize(path), target))


def fit(data, target):
    """Cut to exactly target bytes, ending in LF (data is long enough)."""
    if len(data) < target:
        raise SystemExit("internal: text too short")
    return data[:target - 1] + b"\n"


def cmd_gen(outdir, *specs):
    """gen OUTDIR name:bytes ..."""
    for spec in specs:
        name, size = spec.split(":")
        gen_message(os.path.join(outdir, "msg-%s.eml" % name), name, int(size))


def cmd_ed25519_seed(pem_path):
    """Print the base64 Ed25519 seed of a PKCS#8 PEM key (dkimpy's format)."""
    pem = open(pem_path, "rb").read()
    b64 = b"".join(l for l in pem.splitlines() if not l.startswith(b"-----"))
    der = base64.b64decode(b64)
    i = der.find(b"\x04\x22\x04\x20")  # OCTET STRING { OCTET STRING(32) }
    if i < 0:
        raise SystemExit("%s: not an Ed25519 PKCS#8 key" % pem_path)
    print(base64.b64encode(der[i + 4:i + 36]).decode())


def cmd_verify(signed_path, input_path, dnsfile, want):
    """Check a signer's output: `want` DKIM-Signature headers prepended to the
    byte-identical input, each verifying with dkimpy against dnsfile
    (lines "selector TXT-value")."""
    import dkim  # python3-dkim
    records = {}
    for line in open(dnsfile):
        sel, val = line.rstrip("\n").split(" ", 1)
        records[("%s._domainkey.%s." % (sel, DOMAIN)).encode()] = val.encode()

    def dnsfunc(name, timeout=5):
        if not name.endswith(b"."):
            name += b"."
        return records.get(name)

    out = open(signed_path, "rb").read()
    inp = open(input_path, "rb").read()
    if not out.endswith(inp):
        print("output does not end with the unchanged input")
        return 1
    added = out[:len(out) - len(inp)]
    n = 0
    for line in added.splitlines():
        if line[:15].lower() == b"dkim-signature:":
            n += 1
    if n != int(want):
        print("%d DKIM-Signature header(s) added, expected %s" % (n, want))
        return 1
    d = dkim.DKIM(out, minkey=1024)
    for idx in range(n):
        try:
            ok = d.verify(idx=idx, dnsfunc=dnsfunc)
        except Exception as e:  # dkim.DKIMException and friends
            print("signature %d: %s" % (idx, e))
            return 1
        if not ok:
            print("signature %d does not verify" % idx)
            return 1
    print("ok (%d signature%s verified by dkimpy)" % (n, "" if n == 1 else "s"))
    return 0


def cmd_hf_medians(json_path):
    """Print 'name<TAB>median_ms' from a hyperfine --export-json file."""
    res = json.load(open(json_path))["results"]
    for r in res:
        print("%s\t%.3f" % (r["command"], r["median"] * 1000.0))


def cmd_median_ns(path):
    """Median (ms) of one wall time per line, in ns."""
    vals = [int(l) for l in open(path) if l.strip()]
    print("%.3f" % (statistics.median(vals) / 1e6))


def fmt_ms(v):
    if v is None:
        return "-"
    v = float(v)
    if v >= 100:
        return "%.0f" % v
    if v >= 10:
        return "%.1f" % v
    return "%.2f" % v


def cmd_table(results_tsv, kind, sizes, commands):
    """Print a table from results.tsv rows "kind<TAB>cmd<TAB>size<TAB>value".
    kind: time (ms) | rss (KiB; printed as MiB) | wall1 (s)."""
    sizes = sizes.split(",")
    cmds = commands.split(",")
    vals = {}
    for line in open(results_tsv):
        k, c, s, v = line.rstrip("\n").split("\t")
        vals[(k, c, s)] = v
    cols = []
    if kind == "time":
        for s in sizes:
            cols.append((s, [fmt_ms(vals.get(("time", c, s))) for c in cmds]))
    else:
        for s in sizes:
            col = []
            for c in cmds:
                v = vals.get(("rss", c, s))
                col.append("-" if v is None else "%.1f" % (int(v) / 1024.0))
            cols.append((s, col))
        if any(("wall1", c, sizes[-1]) in vals for c in cmds):
            cols.append(("%s s" % sizes[-1],
                         [vals.get(("wall1", c, sizes[-1]), "-") for c in cmds]))
    w0 = max(len("command"), max(len(c) for c in cmds))
    ws = [max(len(h), max(len(x) for x in col)) for h, col in cols]
    print("| " + "command".ljust(w0) + " | "
          + " | ".join(h.rjust(w) for (h, _), w in zip(cols, ws)) + " |")
    print("|" + "-" * (w0 + 2) + "|"
          + "|".join("-" * (w + 1) + ":" for w in ws) + "|")
    for i, c in enumerate(cmds):
        print("| " + c.ljust(w0) + " | "
              + " | ".join(col[i].rjust(w) for (_, col), w in zip(cols, ws))
              + " |")


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__)
    f = {
        "gen": cmd_gen,
        "ed25519-seed": cmd_ed25519_seed,
        "verify": cmd_verify,
        "hf-medians": cmd_hf_medians,
        "median-ns": cmd_median_ns,
        "table": cmd_table,
    }.get(argv[1])
    if f is None:
        raise SystemExit("unknown subcommand %s" % argv[1])
    return f(*argv[2:]) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
"""Helper for bench/compare.sh: the corpus (sized messages and the mix),
key formats, output checks, statistics and the report tables.

Standard library only, except the signature checks (check-sign), which
need dkimpy (python3-dkim): run with Debian's /usr/bin/python3. Nothing
here touches the network: check-sign answers key queries from a file.
"""

import hashlib
import json
import os
import re
import statistics
import sys

sys.dont_write_bytecode = True  # no bench/__pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import signbench  # noqa: E402  (the message generator sign.sh uses)

DOMAIN = "good.test"  # t/dnsserver.sh --dnssec signs this zone

# The mix: (share, smallest, largest) in bytes, sizes log-uniform within a
# class. Mostly short text mail, some with attachments, a few large ones:
# median about 7 KB, mean about 70 KB.
MIX = ((0.55, 1024, 8192),
       (0.30, 8192, 65536),
       (0.12, 65536, 524288),
       (0.03, 524288, 2097152))

OPS = ("sign-rsa", "sign-ed25519", "verify-rsa", "verify-ed25519")
OP_TITLE = {"sign-rsa": "sign RSA-2048", "sign-ed25519": "sign Ed25519",
            "verify-rsa": "verify RSA-2048", "verify-ed25519": "verify Ed25519",
            "floor": "floor (no DKIM)"}


# --- corpus -------------------------------------------------------------------

def cmd_gen(outdir, *specs):
    """gen OUTDIR name:bytes ... -> OUTDIR/msg-NAME.eml from alice@good.test"""
    for spec in specs:
        name, size = spec.split(":")
        signbench.gen_message(os.path.join(outdir, "msg-%s.eml" % name),
                              name, int(size), domain=DOMAIN)


def mix_size(i):
    """Size of mix message i: depends on i only."""
    h = hashlib.shake_256(b"mix-size-%d" % i).digest(16)
    u1 = int.from_bytes(h[:8], "big") / 2.0 ** 64
    u2 = int.from_bytes(h[8:], "big") / 2.0 ** 64
    acc = 0.0
    for share, lo, hi in MIX:
        acc += share
        if u1 < acc:
            break
    return int(lo * (float(hi) / lo) ** u2)


def cmd_gen_mix(outdir, count):
    """gen-mix DIR N -> DIR/mNNNNN.eml, DIR/list (paths), DIR/sizes.txt.
    Reuses files already there with the right size."""
    os.makedirs(outdir, exist_ok=True)
    paths, total = [], 0
    for i in range(1, int(count) + 1):
        size = mix_size(i)
        p = os.path.join(outdir, "m%05d.eml" % i)
        if not (os.path.exists(p) and os.path.getsize(p) == size):
            signbench.gen_message(p, "mix-%05d" % i, size, domain=DOMAIN)
        paths.append(p)
        total += size
    with open(os.path.join(outdir, "list"), "w") as f:
        f.write("".join(p + "\n" for p in paths))
    sizes = sorted(os.path.getsize(p) for p in paths)
    with open(os.path.join(outdir, "sizes.txt"), "w") as f:
        f.write("messages %d bytes %d mean %d median %d p90 %d max %d\n" % (
            len(sizes), total, total // len(sizes), statistics.median(sizes),
            sizes[int(0.9 * (len(sizes) - 1))], sizes[-1]))
    print(open(os.path.join(outdir, "sizes.txt")).read().strip())


def cmd_mix_digest(listfile):
    """mix-digest LIST: SHA-256 over the mix's files, in order (16 hex)."""
    h = hashlib.sha256()
    for p in open(listfile).read().split():
        with open(p, "rb") as f:
            h.update(hashlib.sha256(f.read()).digest())
    print(h.hexdigest()[:16])


# --- keys -----------------------------------------------------------------------

def cmd_pubkeys(records, out):
    """pubkeys RECORDS OUT: zone lines from `dkimpipe-keys dns` -> lines
    "NAME VALUE" (no trailing dot; the TXT strings joined): libopendkim's
    DKIM_QUERY_FILE and opendkim's TestPublicKeys format."""
    lines = []
    for line in open(records):
        line = line.strip()
        if not line or line.startswith(";"):
            continue
        name = line.split()[0].rstrip(".")
        val = "".join(re.findall(r'"([^"]*)"', line))
        lines.append("%s %s\n" % (name, val))
    with open(out, "w") as f:
        f.write("".join(lines))


def load_pubkeys(path):
    keys = {}
    for line in open(path):
        name, val = line.rstrip("\n").split(" ", 1)
        keys[name.lower().encode() + b"."] = val.encode()
    return keys


# --- checks -----------------------------------------------------------------------

def fields_of(text):
    """Header fields (with their folded lines) in a block of text."""
    out = []
    for line in text.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t") and out:
            out[-1] += line
        else:
            out.append(line)
    return out


def cmd_check_sign(kind, out_path, in_path, pubkeys, alg):
    """check-sign KIND OUT IN PUBKEYS ALG: a signer's output OUT for input
    IN. KIND message: OUT is one DKIM-Signature field, then IN unchanged;
    field: OUT is the field alone (dkimproxy-sign); opendkim: a line
    "opendkim: NAME:" then the field (opendkim -t). The field must have
    a=ALG, d=good.test and c=relaxed/relaxed, and verify with dkimpy
    (keys from PUBKEYS, no DNS)."""
    import dkim  # python3-dkim
    out = open(out_path, "rb").read()
    inp = open(in_path, "rb").read()
    if kind == "message":
        if not out.endswith(inp):
            print("output does not end with the unchanged input")
            return 1
        added = out[:len(out) - len(inp)]
    elif kind == "field":
        added = out
    elif kind == "opendkim":
        first, _, added = out.partition(b"\n")
        if not first.startswith(b"opendkim: "):
            print("no 'opendkim: NAME:' line: %r" % out[:80])
            return 1
    else:
        raise SystemExit("check-sign: unknown kind %s" % kind)
    if not inp.split(b"\n", 1)[0].endswith(b"\r"):
        added = added.replace(b"\r\n", b"\n")
    fields = fields_of(added)
    sigs = [f for f in fields if f[:15].lower() == b"dkim-signature:"]
    if len(sigs) != 1 or len(fields) != 1:
        print("expected one DKIM-Signature field, got %d field(s), %d "
              "signature(s): %r" % (len(fields), len(sigs), added[:200]))
        return 1
    tags = re.sub(rb"\s+", b"", sigs[0][15:])
    tag = dict(t.split(b"=", 1) for t in tags.split(b";") if b"=" in t)
    if (tag.get(b"a") != alg.encode() or tag.get(b"d") != DOMAIN.encode()
            or tag.get(b"c") != b"relaxed/relaxed"):
        print("a=%r d=%r c=%r, expected a=%s d=%s c=relaxed/relaxed"
              % (tag.get(b"a"), tag.get(b"d"), tag.get(b"c"), alg, DOMAIN))
        return 1
    keys = load_pubkeys(pubkeys)

    def dnsfunc(name, timeout=5):
        if not name.endswith(b"."):
            name += b"."
        return keys.get(name.lower())

    try:
        ok = dkim.DKIM(added + inp, minkey=1024).verify(idx=0,
                                                        dnsfunc=dnsfunc)
    except Exception as e:  # dkim.DKIMException and friends
        print("dkimpy: %s" % e)
        return 1
    if not ok:
        print("the signature does not verify (dkimpy)")
        return 1
    print("ok (%s, h=%s, verified by dkimpy)"
          % (alg, tag.get(b"h", b"?").decode("ascii", "replace")))
    return 0


def cmd_check_verify(kind, out_path, in_path, rc, alg):
    """check-verify KIND OUT IN RC ALG: a verifier's output OUT (exit
    status RC) for the input IN, which has one signature, a=ALG: it must
    say pass."""
    out = open(out_path, "rb").read()
    inp = open(in_path, "rb").read()
    rc = int(rc)
    txt = out.decode("ascii", "replace")

    def fail(why):
        print("%s (exit %d): %s" % (why, rc, re.sub(r"\s+", " ", txt[:300])))
        return 1

    if kind in ("dkimpipe", "driver"):
        if not out.endswith(inp):
            return fail("output does not end with the unchanged input")
        added = out[:len(out) - len(inp)].decode("ascii", "replace")
        if len(fields_of(added.encode())) != 1 or \
                not added.startswith("Authentication-Results:"):
            return fail("expected one Authentication-Results field on top")
        ar = re.sub(r"\s+", " ", added)
        res = re.findall(r"dkim=([a-z]+)", ar)
        if res != ["pass"] or rc != 0:
            return fail("expected exit 0 and one dkim=pass")
        if kind == "dkimpipe" and not re.search(
                r"dkim=pass \([^)]*DNSSEC secure\)", ar):
            return fail("expected dkim=pass (..., DNSSEC secure)")
        if alg not in ar:
            return fail("expected header.a=%s" % alg)
        return print("ok (%s)" % ar.split(";", 1)[1].strip()) or 0
    if kind == "opendkim":
        ok = re.findall(r"verification \(s=[^)]*\) succeeded", txt)
        if rc != 0 or len(ok) != 1 or "failed" in txt:
            return fail("expected one 'verification (...) succeeded'")
        return print("ok (%s)" % ok[0]) or 0
    if kind == "dkimpy":
        if rc != 0 or txt.split("\n")[0:1] != ["signature 0 ok"]:
            return fail("expected 'signature 0 ok'")
        return print("ok (signature 0 ok)") or 0
    if kind == "maildkim":
        if rc != 0 or len(re.findall(r"(?m)^verify result: pass$", txt)) != 1:
            return fail("expected 'verify result: pass'")
        return print("ok (verify result: pass)") or 0
    raise SystemExit("check-verify: unknown kind %s" % kind)


def cmd_check_many(manifest, pubkeys):
    """check-many MANIFEST PUBKEYS: lines "op impl check out in rc alg";
    check-sign or check-verify each, print "op impl input result" per
    line; stop at the first that fails (exit 1)."""
    import contextlib
    import io
    for line in open(manifest):
        op, impl, check, out, inp, rc, alg = line.rstrip("\n").split("\t")
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            if op.startswith("sign-"):
                r = cmd_check_sign(check, out, inp, pubkeys, alg)
            else:
                r = cmd_check_verify(check, out, inp, rc, alg)
        print("%s\t%s\t%s\t%s" % (op, impl, os.path.basename(inp),
                                   buf.getvalue().strip()))
        if r:
            return 1
    return 0


def cmd_count(path, pattern):
    """count FILE REGEX: number of lines matching (opendkim batch check)."""
    r = re.compile(pattern)
    print(sum(1 for line in open(path, errors="replace") if r.search(line)))


# --- statistics -------------------------------------------------------------------

def quartiles(xs):
    xs = sorted(xs)
    if len(xs) == 1:
        return xs[0], xs[0], xs[0]
    q = statistics.quantiles(xs, n=4, method="inclusive")
    return q[0], statistics.median(xs), q[2]


def cmd_hf_pool(*json_paths):
    """hf-pool JSON...: one command's runs from several hyperfine JSON
    files, pooled -> "median<TAB>p25<TAB>p75<TAB>cpu<TAB>runs", ms; cpu:
    mean user+system over all runs."""
    times, cpu = [], 0.0
    for p in json_paths:
        for r in json.load(open(p))["results"]:
            times += [t * 1000.0 for t in r["times"]]
            cpu += (r.get("user", 0.0) + r.get("system", 0.0)) * 1000.0 \
                * len(r["times"])
    p25, med, p75 = quartiles(times)
    print("%.3f\t%.3f\t%.3f\t%.3f\t%d" % (med, p25, p75, cpu / len(times),
                                         len(times)))


def cmd_hf(json_path):
    """hf JSON: per command "name<TAB>median<TAB>p25<TAB>p75<TAB>cpu<TAB>
    runs", ms; cpu = mean user+system (hyperfine's, shell subtracted)."""
    for r in json.load(open(json_path))["results"]:
        p25, med, p75 = quartiles([t * 1000.0 for t in r["times"]])
        cpu = (r.get("user", 0.0) + r.get("system", 0.0)) * 1000.0
        print("%s\t%.3f\t%.3f\t%.3f\t%.3f\t%d" % (
            r["command"], med, p25, p75, cpu, len(r["times"])))


def read_times(path, skip=0):
    """seqrun -t lines -> (wall ns list, cpu ns list), the first `skip`
    lines left out (warmup)."""
    wall, cpu = [], []
    for line in open(path).read().splitlines()[int(skip):]:
        f = line.split("\t")
        wall.append(int(f[0]))
        cpu.append(int(f[1]))
    return wall, cpu


def cmd_times(path):
    """times FILE: seqrun -t output -> "n<TAB>sum_s<TAB>median_ms<TAB>
    p90_ms<TAB>cpu_median_ms"."""
    ns, cpu = read_times(path)
    ns.sort()
    print("%d\t%.3f\t%.3f\t%.3f\t%.3f" % (
        len(ns), sum(ns) / 1e9, statistics.median(ns) / 1e6,
        ns[int(0.9 * (len(ns) - 1))] / 1e6, statistics.median(cpu) / 1e6))


def cmd_times_stats(path, skip):
    """times-stats FILE SKIP: "median_ms<TAB>p25<TAB>p75<TAB>
    cpu_median_ms" of seqrun -t output without its first SKIP lines."""
    wall, cpu = read_times(path, skip)
    p25, med, p75 = quartiles([x / 1e6 for x in wall])
    print("%.3f\t%.3f\t%.3f\t%.3f" % (med, p25, p75,
                                     statistics.median(cpu) / 1e6))


# --- report -----------------------------------------------------------------------

def fmt(v):
    return "-" if v is None else signbench.fmt_ms(v)


def fmt_mib(kb):
    return "-" if kb is None else "%.1f" % (int(kb) / 1024.0)


def print_table(head, rows, left=1):
    """Markdown table; the first `left` columns left-aligned."""
    ws = [max([len(head[i])] + [len(r[i]) for r in rows])
          for i in range(len(head))]

    def line(cells):
        return "| " + " | ".join(
            c.ljust(w) if i < left else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, ws))) + " |"
    print(line(head))
    print("|" + "|".join("-" * (w + 2) if i < left else "-" * (w + 1) + ":"
                         for i, w in enumerate(ws)) + "|")
    for r in rows:
        print(line(r))


def load(results):
    """results.tsv -> dict of row kind -> list of fields."""
    rows = {}
    for line in open(results):
        f = line.rstrip("\n").split("\t")
        rows.setdefault(f[0], []).append(f[1:])
    return rows


def impls_in(rows, kind, op):
    seen = []
    for f in rows.get(kind, []):
        if f[0] == op and f[1] not in seen:
            seen.append(f[1])
    return seen


def cmd_ratio_table(results):
    """ratio-table RESULTS: rows "ratio OP ROUND dp_med drv_med dp_cpu
    drv_cpu" -> the headline table."""
    rows = load(results)
    by = {}
    for op, rnd, dm, rm, dc, rc in rows.get("ratio", []):
        by.setdefault(op, []).append(tuple(float(x) for x in (dm, rm, dc, rc)))
    target = {"sign-ed25519": "<= 0.6", "sign-rsa": "<= 0.7"}
    head = ["2 KB message", "dkimpipe ms", "driver ms", "ratio (wall)",
            "rounds min-max", "ratio (CPU)", "CPU min-max", "target"]
    out = []
    for op in ("sign-ed25519", "sign-rsa", "verify-rsa", "verify-ed25519"):
        if op not in by:
            continue
        rs = by[op]
        wall = [d / r for d, r, _, _ in rs]
        cpu = [dc / rc for _, _, dc, rc in rs if rc > 0]
        note = target.get(op, "- (DNS)")
        out.append([OP_TITLE[op],
                    fmt(statistics.median(d for d, _, _, _ in rs)),
                    fmt(statistics.median(r for _, r, _, _ in rs)),
                    "%.2fx" % statistics.median(wall),
                    "%.2f-%.2f" % (min(wall), max(wall)),
                    "%.2fx" % statistics.median(cpu) if cpu else "-",
                    "%.2f-%.2f" % (min(cpu), max(cpu)) if cpu else "-",
                    note])
    print_table(head, out)


def cmd_floor_table(results, libs_file):
    """floor-table RESULTS LIBS: rows "floor NAME ROUND median p25 p75
    cpu" -> medians over the rounds."""
    rows = load(results)
    libs = dict(line.rstrip("\n").split("\t", 1) for line in open(libs_file))
    by = {}
    for name, rnd, med, p25, p75, cpu in rows.get("floor", []):
        by.setdefault(name, []).append((float(med), float(cpu)))
    head = ["empty main() linked like", "libraries", "wall ms", "CPU ms"]
    out = []
    for name in libs:
        if name not in by:
            continue
        out.append([name,
                    " ".join(l[3:].split(".so")[0] for l in libs[name].split())
                    if libs[name].startswith("-l:") else libs[name],
                    fmt(statistics.median(m for m, _ in by[name])),
                    fmt(statistics.median(c for _, c in by[name]))])
    print_table(head, out, left=2)


def cmd_size_table(results, sizes, op):
    """size-table RESULTS SIZES OP: median ms [p25-p75] per implementation
    and size, and the MB/s from the last two sizes."""
    rows = load(results)
    sizes = sizes.split(",")
    vals = {}
    for f in rows.get("time", []):
        vals[(f[0], f[1], f[2])] = [float(x) for x in f[3:7]]
    impls = impls_in(rows, "time", op)
    if not impls:
        return
    bytes_of = dict((s.split(":")[0], int(s.split(":")[1])) for s in
                    open(results + ".sizes").read().split())
    head = ["implementation"] + sizes
    if len(sizes) >= 2:
        head.append("MB/s %s-%s" % (sizes[-2], sizes[-1]))
    out = []
    for impl in impls:
        row = [impl]
        for s in sizes:
            v = vals.get((op, impl, s))
            row.append("-" if v is None else "%s [%s-%s]" % (
                fmt(v[0]), fmt(v[1]), fmt(v[2])))
        if len(sizes) >= 2:
            a, b = vals.get((op, impl, sizes[-2])), vals.get((op, impl, sizes[-1]))
            if a and b and b[0] > a[0]:
                mb = (bytes_of[sizes[-1]] - bytes_of[sizes[-2]]) / 1e6
                row.append("%.0f" % (mb / ((b[0] - a[0]) / 1000.0)))
            else:
                row.append("-")
        out.append(row)
    print_table(head, out)


def cmd_cpu_table(results, size):
    """cpu-table RESULTS SIZE: mean CPU (user+system) ms per message."""
    rows = load(results)
    vals = {}
    for f in rows.get("time", []):
        if f[2] == size:
            vals[(f[0], f[1])] = float(f[6])
    impls = []
    for op in ("floor",) + OPS:
        for i in impls_in(rows, "time", op):
            if i not in impls:
                impls.append(i)
    ops = [op for op in ("floor",) + OPS if impls_in(rows, "time", op)]
    head = ["implementation"] + [OP_TITLE[o] for o in ops]
    out = []
    for impl in impls:
        out.append([impl] + [fmt(vals.get((o, impl))) for o in ops])
    print_table(head, out)


def cmd_rss_table(results, sizes):
    """rss-table RESULTS SIZES: peak RSS MiB, one row per op and impl."""
    rows = load(results)
    sizes = sizes.split(",")
    vals = {}
    for f in rows.get("rss", []):
        vals[(f[0], f[1], f[2])] = f[3]
    head = ["operation", "implementation"] + sizes
    out = []
    for op in ("floor",) + OPS:
        for impl in impls_in(rows, "rss", op):
            out.append([OP_TITLE[op], impl] +
                       [fmt_mib(vals.get((op, impl, s))) for s in sizes])
    print_table(head, out, left=2)


def cmd_cg_parse(incl, excl):
    """cg-parse INCL EXCL: callgrind_annotate output, --inclusive=yes and
    plain (self cost, --threshold=100) -> "total<TAB>ld.so start-up<TAB>
    main<TAB>libs": instructions; libs: self cost per shared object, the
    four largest (name share%)."""
    line_re = re.compile(r"\s*([0-9,]+) \(\s*[0-9.]+%\)\s+(.*)$")
    total = start = main = 0
    for line in open(incl, errors="replace"):
        m = line_re.match(line)
        if not m:
            continue
        n, what = int(m.group(1).replace(",", "")), m.group(2)
        if what.startswith("PROGRAM TOTALS"):
            total = n
        elif re.search(r":_dl_start \[", what) and not start:
            start = n
        elif re.search(r":main \[", what) and not main:
            main = n
    per, obj = {}, "?"
    for line in open(excl, errors="replace"):
        m = line_re.match(line)
        if not m or m.group(2).startswith("PROGRAM TOTALS"):
            continue
        o = re.search(r"\[([^\]]*)\]\s*$", m.group(2))
        if o:  # a line without [object] is in the one before it
            obj = o.group(1).rsplit("/", 1)[-1]
            obj = re.sub(r"\.so[.0-9]*$", "", obj).replace("ld-linux-x86-64", "ld.so")
        per[obj] = per.get(obj, 0) + int(m.group(1).replace(",", ""))
    libs = sorted(per.items(), key=lambda kv: -kv[1])[:4]
    print("%d\t%d\t%d\t%s" % (total, start, main, ", ".join(
        "%s %.0f%%" % (k, 100.0 * v / total) for k, v in libs)))


def cmd_cg_table(results):
    """cg-table RESULTS: rows "cg OP IMPL total start main top"."""
    rows = load(results)
    vals = {}
    for f in rows.get("cg", []):
        vals[(f[0], f[1])] = (int(f[2]), int(f[3]), int(f[4]), f[5])
    head = ["2 KB message", "dkimpipe Mi", "ld.so", "main",
            "driver Mi", "ld.so", "main", "ratio"]
    out, tops = [], []
    for op in ("sign-ed25519", "sign-rsa", "verify-rsa", "verify-ed25519"):
        d, r = vals.get((op, "dkimpipe")), vals.get((op, "libopendkim driver"))
        if not d or not r:
            continue
        mi = lambda x: "%.1f" % (x / 1048576.0)
        out.append([OP_TITLE[op], mi(d[0]), mi(d[1]), mi(d[2]),
                    mi(r[0]), mi(r[1]), mi(r[2]), "%.2fx" % (d[0] / r[0])])
        tops.append("%s: dkimpipe: %s; driver: %s" % (OP_TITLE[op], d[3], r[3]))
    print_table(head, out)
    print()
    print("Where the instructions are (self cost per shared object, share of the total):")
    print()
    for t in tops:
        print("- " + t)


def cmd_batch_table(results):
    """batch-table RESULTS: rows "batch OP IMPL STEP n sum_s median p90
    cpu_median wall_s"."""
    rows = load(results)
    head = ["operation", "implementation", "messages", "wall s",
            "messages/s", "median ms", "p90 ms", "CPU ms"]
    out = []
    for op in ("floor",) + OPS:
        for f in rows.get("batch", []):
            if f[0] != op:
                continue
            impl, step, n, _, med, p90, cpu, wall = f[1:]
            n, wall = int(n), float(wall)
            rate = n / wall
            out.append([OP_TITLE[op], impl + ("" if step == "1" else
                        " (1 in %s)" % step), str(n), "%.1f" % wall,
                        "%.0f" % rate if rate >= 100 else "%.1f" % rate,
                        fmt(float(med)), fmt(float(p90)), fmt(float(cpu))])
    print_table(head, out, left=2)


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__)
    f = {
        "gen": cmd_gen,
        "gen-mix": cmd_gen_mix,
        "mix-digest": cmd_mix_digest,
        "pubkeys": cmd_pubkeys,
        "ed25519-seed": signbench.cmd_ed25519_seed,
        "check-sign": cmd_check_sign,
        "check-verify": cmd_check_verify,
        "check-many": cmd_check_many,
        "count": cmd_count,
        "hf": cmd_hf,
        "hf-pool": cmd_hf_pool,
        "times": cmd_times,
        "times-stats": cmd_times_stats,
        "ratio-table": cmd_ratio_table,
        "size-table": cmd_size_table,
        "floor-table": cmd_floor_table,
        "cpu-table": cmd_cpu_table,
        "rss-table": cmd_rss_table,
        "batch-table": cmd_batch_table,
        "cg-parse": cmd_cg_parse,
        "cg-table": cmd_cg_table,
    }.get(argv[1])
    if f is None:
        raise SystemExit("unknown subcommand %s" % argv[1])
    return f(*argv[2:]) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

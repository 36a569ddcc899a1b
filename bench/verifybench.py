#!/usr/bin/env python3
"""Helper for bench/verify.sh: messages from good.test (signbench.py's
generator), stripping signatures, output checks, medians and the result
tables.

Standard library only. Nothing here touches the network.
"""

import os
import re
import statistics
import sys

sys.dont_write_bytecode = True  # no bench/__pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import signbench  # noqa: E402  (the same generator and tables as sign.sh)

DOMAIN = "good.test"  # signed by t/dnsserver.sh --dnssec


def cmd_gen(outdir, *specs):
    """gen OUTDIR name:bytes ... -> OUTDIR/msg-NAME.eml, from alice@good.test"""
    for spec in specs:
        name, size = spec.split(":")
        signbench.gen_message(os.path.join(outdir, "msg-%s.eml" % name),
                              name, int(size), domain=DOMAIN)


def cmd_gen_batch(outdir, count, size="2048"):
    """gen-batch OUTDIR N [BYTES] -> OUTDIR/b0001.eml ...: N different
    messages (name 2KB-0001 ...: own subject, Message-ID and text)."""
    os.makedirs(outdir, exist_ok=True)
    for i in range(1, int(count) + 1):
        signbench.gen_message(os.path.join(outdir, "b%04d.eml" % i),
                              "2KB-%04d" % i, int(size), domain=DOMAIN)


def split_header(data):
    """(list of header fields, each with its continuation lines; body)"""
    end = data.find(b"\n\n")
    head, body = (data, b"") if end < 0 else (data[:end + 1], data[end + 1:])
    fields = []
    for line in head.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1] += line
        else:
            fields.append(line)
    return fields, body


def cmd_strip(inp, out):
    """strip IN OUT: IN without its DKIM-Signature fields."""
    fields, body = split_header(open(inp, "rb").read())
    keep = [f for f in fields if f[:15].lower() != b"dkim-signature:"]
    with open(out, "wb") as f:
        f.write(b"".join(keep) + body)


def judge_dkimpipe(out_path, in_path, want):
    """dkimpipe-verify's output OUT_PATH must be one Authentication-Results
    field, then the input IN_PATH unchanged; with want > 0 it says
    dkim=pass (..., DNSSEC secure) `want` times and nothing else, with
    want = 0 dkim=none. Returns None if so, else what is wrong."""
    out = open(out_path, "rb").read()
    inp = open(in_path, "rb").read()
    if not out.endswith(inp):
        return "output does not end with the unchanged input"
    added = out[:len(out) - len(inp)].decode("ascii", "replace")
    if not added.startswith("Authentication-Results:"):
        return "no Authentication-Results on top: %r" % added[:80]
    if len(re.findall(r"(?im)^Authentication-Results:", added)) != 1:
        return "more than one field added: %r" % added
    ar = re.sub(r"\s+", " ", added).strip()
    results = re.findall(r"dkim=([a-z]+)", ar)
    if want == 0:
        return None if results == ["none"] else "expected dkim=none: " + ar
    secure = re.findall(r"dkim=pass \([^)]*DNSSEC secure\)", ar)
    if results != ["pass"] * want or len(secure) != want:
        return "expected %d x dkim=pass (..., DNSSEC secure): %s" % (want, ar)
    return None


def cmd_check_dkimpipe(out_path, in_path, want):
    """check-dkimpipe OUT IN N: judge_dkimpipe, one line on stdout."""
    want = int(want)
    why = judge_dkimpipe(out_path, in_path, want)
    if why:
        print(why)
        return 1
    print("ok (dkim=none, no signature)" if want == 0 else
          "ok (%d x dkim=pass, DNSSEC secure)" % want)
    return 0


def cmd_check_dkimpipe_batch(outdir, indir, want):
    """check-dkimpipe-batch OUTDIR INDIR N: judge_dkimpipe for every
    OUTDIR/bNNNN.eml, input INDIR/bNNNN.signed."""
    want = int(want)
    names = sorted(f for f in os.listdir(outdir) if f.endswith(".eml"))
    if not names:
        print("no outputs in %s" % outdir)
        return 1
    for name in names:
        why = judge_dkimpipe(os.path.join(outdir, name),
                             os.path.join(indir, name[:-4] + ".signed"), want)
        if why:
            print("%s: %s" % (name, why))
            return 1
    print("ok (%d messages, each %d x dkim=pass, DNSSEC secure)"
          % (len(names), want))
    return 0


def merged_rows(kind, size, times):
    """rows "KIND label SIZE median" and "KIND-min label SIZE min" (ms)
    from {label: [seconds...]}, in the order the labels came."""
    for label, t in times.items():
        print("%s\t%s\t%s\t%.3f" % (kind, label, size,
                                     statistics.median(t) * 1000.0))
        print("%s-min\t%s\t%s\t%.3f" % (kind, label, size, min(t) * 1000.0))


def cmd_hf_merge(kind, size, *json_paths):
    """hf-merge KIND SIZE FILE...: the runs of several hyperfine
    --export-json files (rounds of the same commands) taken together."""
    import json
    times = {}
    for path in json_paths:
        for r in json.load(open(path))["results"]:
            times.setdefault(r["command"], []).extend(r["times"])
    merged_rows(kind, size, times)


def cmd_loop_merge(kind, size, path):
    """loop-merge KIND SIZE FILE: lines "label<TAB>ns" of the date loop."""
    times = {}
    for line in open(path):
        label, ns = line.rstrip("\n").split("\t")
        times.setdefault(label, []).append(int(ns) / 1e9)
    merged_rows(kind, size, times)


def cmd_batch_table(results_tsv, order):
    """batch-table RESULTS LABELS: rows "batch<TAB>label<TAB>workers<TAB>
    messages<TAB>seconds[,seconds...]" -> a table of medians."""
    rows = {}
    for line in open(results_tsv):
        f = line.rstrip("\n").split("\t")
        if f[0] == "batch":
            rows[(f[1], f[2])] = (int(f[3]), [float(x) for x in f[4].split(",")])
    head = ["command", "workers", "messages", "runs", "wall s (median)",
            "messages/s", "ms/message"]
    out = []
    for label in order.split(","):
        for workers in ("1", "2"):
            if (label, workers) not in rows:
                continue
            n, secs = rows[(label, workers)]
            s = statistics.median(secs)
            out.append([label, workers, str(n), str(len(secs)), "%.2f" % s,
                        "%.1f" % (n / s) if n / s < 100 else "%.0f" % (n / s),
                        signbench.fmt_ms(1000.0 * s / n)])
    print_table(head, out, left=1)


def print_table(head, rows, left=1):
    """Markdown table; the first `left` columns left-aligned."""
    ws = [max([len(head[i])] + [len(r[i]) for r in rows])
          for i in range(len(head))]
    cell = lambda i, x: x.ljust(ws[i]) if i < left else x.rjust(ws[i])
    print("| " + " | ".join(cell(i, h) for i, h in enumerate(head)) + " |")
    print("|" + "|".join("-" * (w + 2) if i < left else "-" * (w + 1) + ":"
                         for i, w in enumerate(ws)) + "|")
    for r in rows:
        print("| " + " | ".join(cell(i, x) for i, x in enumerate(r)) + " |")


UB_PHASES = [
    ("ub_ctx_create", "create"),
    ("ub_ctx_async + ub_ctx_config (reads the file)", "config"),
    ("first TXT lookup: finalize, thread, chain of trust, TXT, validation",
     "first"),
    ("second TXT lookup, other selector (chain cached)", "second"),
    ("the first name again (cache)", "cached"),
    ("ub_ctx_delete (stops the thread)", "delete"),
]


def cmd_ub_table(path):
    """ub-table FILE: ubstart's lines -> medians per phase."""
    runs = [[float(x) for x in l.split()] for l in open(path) if l.strip()]
    rows = []
    for i, (what, _) in enumerate(UB_PHASES):
        vals = [r[i] for r in runs]
        rows.append([what, "%.3f" % statistics.median(vals),
                     "%.3f" % min(vals), "%.3f" % max(vals)])
    tot = [sum(r) for r in runs]
    rows.append(["all of the above", "%.3f" % statistics.median(tot),
                 "%.3f" % min(tot), "%.3f" % max(tot)])
    print_table(["phase (%d fresh processes)" % len(runs), "median ms",
                 "min", "max"], rows)


def cmd_first_table(results_tsv, base, *labels):
    """first-table RESULTS BASE LABEL...: the 'first' rows (median and
    fastest run, ms) and each median's difference from BASE's."""
    med, low = {}, {}
    for line in open(results_tsv):
        f = line.rstrip("\n").split("\t")
        if f[0] == "first":
            med[f[1]] = float(f[3])
        elif f[0] == "first-min":
            low[f[1]] = float(f[3])
    rows = []
    for l in labels:
        if l in med:
            d = "" if l == base else "%+.2f" % (med[l] - med[base])
            rows.append([l, "%.2f" % med[l], d, "%.2f" % low[l]])
    print_table(["command (2KB)", "median ms", "minus %s" % base,
                 "fastest run ms"], rows)


def main(argv):
    if len(argv) < 2:
        raise SystemExit(__doc__)
    f = {
        "gen": cmd_gen,
        "gen-batch": cmd_gen_batch,
        "strip": cmd_strip,
        "check-dkimpipe": cmd_check_dkimpipe,
        "check-dkimpipe-batch": cmd_check_dkimpipe_batch,
        "batch-table": cmd_batch_table,
        "ub-table": cmd_ub_table,
        "first-table": cmd_first_table,
        # shared with bench/sign.sh
        "hf-merge": cmd_hf_merge,
        "loop-merge": cmd_loop_merge,
        "table": signbench.cmd_table,
    }.get(argv[1])
    if f is None:
        raise SystemExit("unknown subcommand %s" % argv[1])
    return f(*argv[2:]) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

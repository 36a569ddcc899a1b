#!/usr/bin/env python3
"""docs-examples - the configuration the docs show is the configuration
the tests run.

    python3 t/docs-examples.py TOP_SRCDIR [TOP_BUILDDIR]

Prints TAP. Reads every literal block of README.md (``` fences) and of
man/*.1 and man/*.5 (.Bd -literal ... .Ed, roff escapes undone), and
every file of packaging/examples/.

1. A block that shows a mail server's or a delivery agent's
   configuration, or a wrapper script (see CONFIG below), must be a
   contiguous run of lines of one file in packaging/examples/, byte for
   byte (the file's whole-line comments may be left out), or be marked as an untested sketch: a line
       <!-- untested sketch -->        (README.md)
       .\\" untested sketch             (man pages)
   right above the block, whose text must then say so in words too (the
   word "sketch" in the paragraph above the block).
2. A block that shows a section of dkimpipe.conf ("[dkimpipe-verify]" and
   "name value" lines) names only options that the section's program
   takes (its --help), so no example in the docs sets an option that
   does not exist.
3. Every file in packaging/examples/ is quoted by some block or named in
   the prose of README.md or a man page (so nobody ships a file that no
   text explains), and is named by a test in t/mta-*.sh (so every file
   runs in a real mail server or delivery agent).

Blocks that show commands, program output, header fields, keystore files
or unbound.conf resolver set-ups are not mail server configuration and
are not checked.
"""
import os
import re
import subprocess
import sys

# A line that only a mail server's or delivery agent's configuration, or a
# script, would have.
CONFIG = [
    (r"^#!/bin/sh", "a shell script"),
    (r"^\s+driver\s*=", "an Exim driver"),
    (r"^\s*transport_filter\s*=", "an Exim transport filter"),
    (r"^(deny|defer|warn|accept|drop|require)\s+\S+\s*=", "an Exim ACL"),
    (r"^\S+\s+(unix|inet|fifo|pass)\s+[-yn]\s+[-yn]\s+[-yn]\s", "a Postfix master.cf service"),
    (r"^\s+-o\s+[a-z_]+=", "a Postfix master.cf option"),
    (r"^\s+(flags|argv)=", "a Postfix pipe(8) option"),
    (r"^(smtpd|smtp|local|cleanup|header|disable|cyrus|broken)_[a-z_]+\s*=",
     "a Postfix main.cf parameter"),
    (r"^/.*/\s*$|^/.*/\s+(FILTER|HOLD|DISCARD|REJECT|PREPEND|WARN)\b",
     "Postfix header_checks"),
    (r"^\s+(FILTER|HOLD|DISCARD|REJECT|PREPEND)\s", "Postfix header_checks"),
    (r"^:0", "a procmail recipe"),
    (r"^\s*(xfilter|to|cc)\s+[\"'/$.]", "a maildrop rule"),
    (r"^(pwcheck_method|mech_list|auxprop_plugin|sasldb_path):",
     "a Cyrus SASL configuration"),
]

SKETCH_MD = "<!-- untested sketch -->"
SKETCH_MAN = '.\\" untested sketch'


def unroff(line):
    """A line of a roff literal block as the reader sees it."""
    out = []
    i = 0
    named = {"aq": "'", "dq": '"', "rs": "\\", "ti": "~", "ha": "^",
             "ga": "`", "at": "@", "lq": '"', "rq": '"', "em": "--",
             "en": "-", "ba": "|", "bu": "*"}
    while i < len(line):
        c = line[i]
        if c != "\\" or i + 1 == len(line):
            out.append(c)
            i += 1
            continue
        n = line[i + 1]
        if n in "e\\":
            out.append("\\")
            i += 2
        elif n in "&":
            i += 2
        elif n in "-":
            out.append("-")
            i += 2
        elif n == "(" and line[i + 2:i + 4] in named:
            out.append(named[line[i + 2:i + 4]])
            i += 4
        elif n == " ":
            out.append(" ")
            i += 2
        else:			# an escape this reader does not know
            out.append(line[i:i + 2])
            i += 2
    return "".join(out)


def md_blocks(path):
    """(line, lines, marked, prose) of each ``` block of a Markdown file."""
    lines = open(path, encoding="utf-8").read().split("\n")
    blocks = []
    cur = None
    for i, line in enumerate(lines):
        if line.startswith("```"):
            if cur is None:
                cur = (i + 1, [])
            else:
                start = cur[0]
                prev = [l for l in lines[max(0, start - 16):start - 1]]
                marked = any(l.strip() == SKETCH_MD for l in prev[-2:])
                blocks.append((start, cur[1], marked, paragraph(prev, "```")))
                cur = None
            continue
        if cur is not None:
            cur[1].append(line)
    return blocks


def man_blocks(path):
    """(line, lines, marked, prose) of each .Bd -literal block of a page."""
    lines = open(path, encoding="utf-8").read().split("\n")
    blocks = []
    cur = None
    for i, line in enumerate(lines):
        if cur is None and line.startswith(".Bd -literal"):
            cur = (i + 1, [])
            continue
        if cur is not None:
            if line.startswith(".Ed"):
                start = cur[0]
                prev = lines[max(0, start - 16):start - 1]
                marked = any(l.strip() == SKETCH_MAN for l in prev[-2:])
                blocks.append((start, [unroff(l) for l in cur[1]], marked,
                               paragraph(prev, ".Ed")))
                cur = None
            else:
                cur[1].append(line)
    return blocks


def paragraph(prev, end):
    """The text above a block, back to the previous block or heading."""
    text = []
    for line in reversed(prev):
        if line.startswith(end) or line.startswith("#") or \
                line.startswith(".Sh") or line.startswith(".Ss"):
            break
        text.append(line)
    return " ".join(reversed(text))


def trim(block):
    while block and block[0].strip() == "":
        block = block[1:]
    while block and block[-1].strip() == "":
        block = block[:-1]
    return block


def contains(haystack, needle):
    n = len(needle)
    return any(haystack[i:i + n] == needle for i in range(len(haystack) - n + 1))


def uncommented(lines):
    """lines without whole-line comments (a script's #! line stays), and
    with runs of empty lines made one: a block may leave out the comments
    of the file it quotes, nothing else."""
    out = []
    for line in lines:
        if re.match(r"^\s*#(?!!)", line):
            continue
        if line.strip() == "" and out and out[-1].strip() == "":
            continue
        out.append(line)
    return trim(out)


def quotes(text, block):
    """Whether block is a run of lines of text, or of text without its
    comment lines."""
    return contains(text, block) or contains(uncommented(text),
                                             uncommented(block))


def config_kind(block):
    for line in block:
        for rx, kind in CONFIG:
            if re.search(rx, line):
                return kind, line
    return None, None


def help_options(builddir, prog, cache={}):
    """The long options that prog's --help lists, or None."""
    if prog not in cache:
        path = os.path.join(builddir, prog)
        try:
            out = subprocess.run([path, "--help"], capture_output=True,
                                 text=True, timeout=60).stdout
            cache[prog] = set(re.findall(r"--([a-z][a-z0-9-]*)", out))
        except OSError:
            cache[prog] = None
    return cache[prog]


def conf_sections(block):
    """(program, [(name, line)]) of each [section] of a dkimpipe.conf
    block."""
    out = []
    for line in block:
        m = re.match(r"^\[(dkimpipe-[a-z]+)\]\s*$", line)
        if m:
            out.append((m.group(1), []))
            continue
        m = re.match(r"^([a-z][a-z0-9-]*)(\s|$)", line)
        if m and out:
            out[-1][1].append((m.group(1), line))
    return out


def main():
    top = sys.argv[1]
    builddir = sys.argv[2] if len(sys.argv) > 2 else top
    exdir = os.path.join(top, "packaging", "examples")
    examples = {}
    for root, _, files in os.walk(exdir):
        for f in sorted(files):
            p = os.path.join(root, f)
            rel = os.path.relpath(p, top)
            if os.path.basename(rel) == "README.md":
                continue
            examples[rel] = open(p, encoding="utf-8").read().split("\n")

    docs = [("README.md", md_blocks(os.path.join(top, "README.md")))]
    mandir = os.path.join(top, "man")
    for f in sorted(os.listdir(mandir)):
        if re.search(r"\.[15]$", f):
            docs.append(("man/" + f, man_blocks(os.path.join(mandir, f))))

    results = []		# (ok, description, diagnostics)
    quoted = set()
    nconfig = 0
    for doc, blocks in docs:
        for start, block, marked, prose in blocks:
            block = trim(block)
            if not block:
                continue
            where = "%s:%d" % (doc, start)
            for prog, names in conf_sections(block):
                known = help_options(builddir, prog)
                if known is None:
                    results.append((False, "%s: [%s] names options of %s"
                                    % (where, prog, prog),
                                    ["%s is not built in %s" % (prog, builddir)]))
                    continue
                bad = [n for n, _ in names if n not in known]
                results.append((not bad, "%s: [%s] names only options of %s "
                                "(%d)" % (where, prog, prog, len(names)),
                                ["not an option of %s: %s" % (prog, n)
                                 for n in bad]))
            kind, line = config_kind(block)
            files = [rel for rel, text in examples.items()
                     if quotes(text, block)]
            quoted.update(files)
            if kind is None:
                continue
            nconfig += 1
            if files:
                results.append((True, "%s (%s) is %s" %
                                (where, kind, " and ".join(files)), []))
            elif marked:
                says = "sketch" in prose.lower()
                results.append((says, "%s (%s) is marked as an untested "
                                "sketch and its text says so" % (where, kind),
                                [] if says else ["the paragraph above the "
                                                 "block does not say "
                                                 "\"sketch\""]))
            else:
                diag = ["it shows %s (%r)" % (kind, line),
                        "but is no run of lines of any file in "
                        "packaging/examples/,"]
                best = closest(block, examples)
                if best:
                    diag.append("closest: %s; first difference:" % best[0])
                    diag.extend(best[1])
                results.append((False, "%s (%s) is a file in "
                                "packaging/examples/" % (where, kind), diag))

    prose = ""
    for doc, _ in docs:
        prose += open(os.path.join(top, doc), encoding="utf-8").read()
    prose = unroff(prose)
    tests = ""
    tdir = os.path.join(top, "t")
    for f in sorted(os.listdir(tdir)):
        if f.startswith("mta-") and f.endswith(".sh"):
            tests += open(os.path.join(tdir, f), encoding="utf-8").read()
    for rel in sorted(examples):
        base = os.path.basename(rel)
        named = rel in quoted or re.search(
            r"(^|[^\w.-])%s($|[^\w-])" % re.escape(base), prose)
        results.append((bool(named), "%s is quoted or named in README.md "
                        "or a man page" % rel, []))
        results.append((re.search(r"(^|[^\w.-])%s($|[^\w-])"
                                  % re.escape(base), tests) is not None,
                        "%s is run by a test in t/mta-*.sh" % rel, []))

    print("1..%d" % len(results))
    for i, (ok, desc, diag) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, desc))
        for d in diag:
            print("#   " + d)
    print("# %d configuration blocks in the docs, %d example files"
          % (nconfig, len(examples)))
    return 0


def closest(block, examples):
    """The example file sharing the longest run with block, and the first
    line where they part."""
    best = None
    for rel, text in examples.items():
        for i in range(len(text)):
            if text[i] != block[0]:
                continue
            k = 0
            while k < len(block) and i + k < len(text) and \
                    text[i + k] == block[k]:
                k += 1
            if best is None or k > best[0]:
                theirs = text[i + k] if i + k < len(text) else "(end of file)"
                best = (k, rel, ["  doc:  %r" % block[k], "  file: %r" % theirs]
                        if k < len(block) else ["  (the file ends first)"])
    if best is None:
        return None
    return best[1], best[2]


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""authres-property.py - the Authentication-Results field dkimpipe-verify
prepends, against an RFC 8601 parser (Debian's python3-authres), for
generated hostile values; t/authres-property.sh runs it.

    authres-property.py --verify PROG --out DIR [--cases N] [--seed S]
        [--timeout T] [--selector SEL] [--signed FILE ...] -- VERIFY-ARGS...

VERIFY-ARGS (the resolver configuration and trust anchor of the test DNS
server) go to every run. Each case is a message and a set of options, made
from a fixed seed: the named cases of issue 11 first, then random mixes of
hostile pieces. Every run must hold these properties; a case that breaks
one is written, one line each, to DIR/PROPERTY (the first line of each
says what the property is), and DIR/summary counts the cases:

  exit      the exit status is 0, 64 (a hostile option), 75 (the same
            from the config file), 77 or 65 (only when a refusal was asked
            for); not 0: nothing on stdout
  field     exit 0: there is an Authentication-Results field, and it is
            ours alone: what comes before it is the input's mbox "From "
            line(s), what comes after it is the rest of the input (less
            the forged fields with our authserv-id, RFC 8601 5), after an
            empty line only where that rest would continue our field or
            is no header; so no input byte joins our field
  bytes     the field, unfolded, holds only printable US-ASCII and tab
  parse     it parses as RFC 8601 (python3-authres, strict)
  id        its authserv-id is the one we passed (compared without case)
  methods   its results are exactly the ones computed, in order: one dkim
            per DKIM-Signature field (or one dkim=none; exactly one
            dkim=permerror when the message was not parsed), one arc
            unless --no-arc, one spf with --spf, one dmarc with --dmarc
  values    the properties that echo input decode to it: smtp.mailfrom,
            smtp.helo, header.d, header.i, header.s, header.from,
            smtp.remote-ip (in the normalised forms authres.h and
            dkimpipe-verify(1) document: a byte no quoted-string can carry
            is '?', angle brackets around MAIL FROM dropped and a MAIL
            FROM that is no address not repeated, d= and the author
            domain in lower case, i= with its dkim-quoted-printable undone)

--only TEXT runs the cases whose name has TEXT; --show prints each run.
"""

import argparse
import base64
import os
import random
import re
import subprocess
import sys

import authres
import authres.core

# ---------------------------------------------------------------- parser --


class StrictHeader(authres.core.AuthenticationResultsHeader):
    """authres's header, strict: a property it cannot parse is an error,
    not silently skipped (the default drops it and carries on, which
    would hide exactly what this test looks for)."""

    def __init__(self, *args, **kwargs):
        authres.core.AuthenticationResultsHeader.__init__(self, *args,
                                                          **kwargs)
        self.strict = True

    def _parse_pvalue(self):
        # RFC 8601 2.2: resinfo = methodspec [reasonspec] *(CFWS propspec),
        # so a pvalue that is a quoted-string may be followed by another
        # propspec. authres 1.2.0 looks ahead for ';' or the end only and
        # refuses that valid form (smtp.mailfrom="..." smtp.helo=...).
        # Accept exactly that one more case: a quoted-string, CFWS, then
        # the start of a propspec (ptype "."). Everything else is
        # authres's own reading.
        saved = self._parse_text
        v = authres.core.AuthenticationResultsHeader._parse_pvalue(self)
        if v is not None:
            return v
        self._parse_text = saved
        self._parse_rfc5322_cfws()
        if self._parse_text.startswith('"'):
            q = self._parse_rfc5322_quoted_string()   # and its CFWS
            if q is not None and not self._parse_text.startswith('@') and \
                    re.match(r"[A-Za-z0-9!#$%&'*+?^_`{|}~-]+\s*\.",
                             self._parse_text):
                return q
        self._parse_text = saved
        return None


FEATURES = authres.all_features()

TOKEN = re.compile(rb"[!#$%&'*+\-.0-9A-Z^_`a-z{|}~]+")   # RFC 2045


def unquote(q):
    """The content of a quoted-string as authres returns it (quoted-pairs
    still in) -> the value it carries."""
    return re.sub(r'\\(.)', r'\1', q)


def decode_pvalue(v):
    """A pvalue as authres returns it -> its value: "local"@domain loses
    its quotes; the content of a bare quoted-string its quoted-pairs (a
    token or dot-atom has no backslash to lose)."""
    m = re.match(r'^"((?:[^"\\]|\\.)*)"(@.*)$', v)
    if m:
        return unquote(m.group(1)) + m.group(2)
    return unquote(v)


def read_authserv_id(text):
    """RFC 8601 2.2: the authserv-id is a value (RFC 2045: a token or a
    quoted-string) after the field name and CFWS. authres 1.2.0 reads a
    dot-atom only, so it cannot read a valid quoted-string or a token
    like "mx..test"; read it here, strictly, and hand authres the field
    with a dot-atom in its place. Returns (id, rest) or (None, why)."""
    m = re.match(rb'(?i)authentication-results:[ \t]*', text)
    if not m:
        return None, 'no field name'
    p = m.end()
    while text[p:p + 1] == b'(':         # a comment before the id
        depth = 0
        while p < len(text):
            c = text[p:p + 1]
            if c == b'\\':
                p += 1
            elif c == b'(':
                depth += 1
            elif c == b')':
                depth -= 1
                if depth == 0:
                    p += 1
                    break
            p += 1
        while text[p:p + 1] in (b' ', b'\t'):
            p += 1
    if text[p:p + 1] == b'"':
        m = re.compile(rb'"((?:[\x20\x21\x23-\x5b\x5d-\x7e\t]|\\[\x20-\x7e\t])*)"').match(text, p)
        if not m:
            return None, 'authserv-id: a bad quoted-string'
        v = re.sub(rb'\\(.)', rb'\1', m.group(1))
    else:
        m = TOKEN.match(text, p)
        if not m:
            return None, 'authserv-id: neither token nor quoted-string'
        v = m.group(0)
    return v, text[m.end():]


def parse_field(unfolded):
    """(authserv-id bytes, [results]) or raises ValueError."""
    aid, rest = read_authserv_id(unfolded)
    if aid is None:
        raise ValueError(rest)
    hdr = StrictHeader.parse_value(FEATURES,
                                   'authserv-id.invalid' + rest.decode('latin-1'))
    return aid, hdr.results


def props(result):
    """{'header.d': [values...], ...} of one result."""
    out = {}
    for p in result.properties:
        out.setdefault('%s.%s' % (p.type.lower(), p.name.lower()),
                       []).append(decode_pvalue(p.value))
    return out

# ----------------------------------------------------------- the model --


def norm(b):
    """authres.h: a byte no quoted-string can carry (control, DEL, 8-bit)
    becomes '?'."""
    return ''.join(chr(c) if 0x20 <= c <= 0x7e else '?' for c in b)


def is_addr(b):
    """[local-part] "@" domain-name, as authres_is_addr() reads it."""
    at = b.rfind(b'@')
    return at >= 0 and re.fullmatch(rb'[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*',
                                    b[at + 1:]) is not None


def qp_decode(b):
    return re.sub(rb'=([0-9A-Fa-f]{2})',
                  lambda m: bytes([int(m.group(1), 16)]), b)


class Sig:
    """A DKIM-Signature field we wrote, and what header.d/i/s must say."""

    def __init__(self, d, s, i=None, good=True):
        self.d, self.s, self.i = d, s, i
        self.line = (b'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;'
                     b' d=' + d + b'; s=' + s + b';' +
                     (b' i=' + i + b';' if i is not None else b'') +
                     b' t=1700000000; h=from:to:subject;'
                     b' bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;'
                     b' b=' + base64.b64encode(b'\x5a' * 256))

    def expect(self):
        d = re.sub(rb'[ \t\r\n]', b'', self.d).lower()
        exp = {'header.d': norm(d), 'header.s': norm(self.s)}
        if self.i is None:
            exp['header.i'] = '@' + norm(d)
        else:
            i = qp_decode(re.sub(rb'[ \t\r\n]', b'', self.i))
            exp['header.i'] = None if b'\0' in i else norm(i)
        return exp


# From fields: (lines, author domain or None when it is no one mailbox)
FROMS = [
    (b'From: Ann <ann@good.test>', 'good.test'),
    (b'From: "Ann \\"the\\" Admin; (x)" <ann@good.test>', 'good.test'),
    (b'From: "a\\\\b\\\\" <ann@good.test>', 'good.test'),
    (b'From: =?utf-8?q?=C3=84nn?= <ann@good.test>', 'good.test'),
    (b'From: \xc3\x84nn <ann@good.test>', 'good.test'),
    (b'From: ann@good.test (comment; dmarc=pass (nested))', 'good.test'),
    (b'From: <ann@GOOD.Test>', 'good.test'),
    (b'From: "x@evil.test" <ann@good.test>', 'good.test'),
    (b'From: Ann\n <ann@good.test>', 'good.test'),
    (b'From: ann@good.test', 'good.test'),
    (b'From: ann@dm.good.test', 'dm.good.test'),
    (b'From: <alice@good.test> <x@evil.test>', None),
    (b'From: alice@good.test <x@evil.test>', None),
    (b'From: alice@good.test\t<x@evil.test>', None),
    (b'From: alice@good.test:x@evil.test', None),
    (b'From: a@good.test, b@evil.test', None),
    (b'From: ;dmarc=pass header.from=good.test', None),
    (b'From: \xff@good.test', None),
    (b'From: a\x7f@good.test', None),
    (b'From:', None),
    (b'From: a@good.test\nFrom: x@evil.test', None),
    (b'', None),
]

# DKIM-Signature fields: d=, s=, i= as they appear in the tag list
SIGS = [
    lambda sel: Sig(b'good.test', sel),
    lambda sel: Sig(b'good.test', sel, b'ann@good.test'),
    lambda sel: Sig(b'GOOD.test', b'nosel', b'@good.test'),
    lambda sel: Sig(b'good.test', sel, b'a=3Bdkim=3Dpass@good.test'),
    lambda sel: Sig(b'good.test', sel, b'a=22=5C=28x=29@good.test'),
    lambda sel: Sig(b'good.test', sel, b'=7F=FF@good.test'),
    lambda sel: Sig(b'good.test', sel, b'a=0D=0A=09dkim=3Dpass=3B@good.test'),
    lambda sel: Sig(b'good.test', sel, b'a b@good.test'),
    lambda sel: Sig(b'good.test', b'nosel', b'x@sub.good.test'),
    lambda sel: Sig(b'good.test', sel, b'a=40b@good.test'),
    lambda sel: Sig(b'good.test', sel, b'=C3=A4@good.test'),
    lambda sel: Sig(b'good.test', sel, b'a"b@good.test'),
    lambda sel: Sig(b'good.test', sel, b'a(b)"c\\@good.test'),
    lambda sel: Sig(b'good.test', sel, b'\xc3\xa4@good.test'),
    lambda sel: Sig(b'good.test', sel, b'=22=29=3B dmarc=3Dpass =28@good.test'),
    lambda sel: Sig(b'"good.test"', sel),
    lambda sel: Sig(b'good.test\x7f', sel),
    lambda sel: Sig(b'g\xc3\xb6od.test', sel),
    lambda sel: Sig(b'good..test', sel),
    lambda sel: Sig(b'good.test', b'a(b'),
    lambda sel: Sig(b'good.test', b's\xff'),
    lambda sel: Sig(b'evil.test)', sel, b'x@evil.test)'),
    lambda sel: Sig(b'good.test', b'hostile', b'h@good.test'),
]

# Values an MTA passes on from the SMTP session
MAIL_FROMS = [
    'ann@good.test', 'b@x);dmarc=pass header.from=good.test (.fwd.good.test',
    '<a@good.test>', 'a=b,c@good.test', '"a b"@x.test', '\xe4@good.test',
    'a\x7fb@good.test', '\xff@good.test', 'a"b\\c@good.test', 'a(b)c@good.test',
    'a;b@good.test', 'a@b@good.test', 'postmaster', '', '<>',
    'a@good.test;dkim=pass', 'a@[192.0.2.1]', ' a@good.test',
    'a@good.test\r\n\tdkim=pass', 'a\tb@good.test', 'A@GOOD.TEST',
    'x' * 300 + '@good.test', 'x' * 400 + '@good.test',
    'bounce@fwd.good.test', '<b@x)(;.fwd.good.test>', '"@good.test',
    '\\@good.test', 'a@good.test)', '@good.test', 'x@bad.good.test',
    'dkim=pass;(@exp.good.test', 'a@exp.good.test',
]
HELOS = [
    'mx.good.test', '[192.0.2.1]', '[IPv6:2001:db8::1]', 'mx;dkim=pass',
    'mx(x', 'MX.Good.Test.', 'a b', '\xe4.test', 'x\x7f', '"q"',
    'mx\r\n dmarc=pass', '', 'a\\b', 'h' * 300, 'x=y', 'mx.good.test)',
]
CLIENT_IPS = [None, '192.0.2.1', '2001:db8::1', '', '::ffff:192.0.2.1',
              '192.0.2.300', '192.0.2.1;x']
AUTHSERV_IDS = [
    'mx.dest.test', 'MX.Dest.Test', 'mx.dest.test.', 'mx\\.dest.test',
    'a,b.test', 'a@b.test', 'a=b', 'x/y', 'mx..test', '.mx', '\xfc.test',
    'mx\x7f', 'a[b]', 'a:b', 'a?b', "o'reilly.test", '-', 'localhost',
    'a;b', 'a b', '"q"', '(c)', '', 'mx\x01', 'a' * 255,
]
DEFAULT_ID = 'mx.dest.test'
# values an MTA passes on for ordinary mail: never refused (64 is a
# bounce under Postfix), whatever is done with the others
BENIGN = {
    '--authserv-id': {DEFAULT_ID, 'MX.Dest.Test', 'mx.dest.test.',
                      'localhost'},
    '--helo': {'mx.good.test', 'MX.Good.Test.', '[192.0.2.1]',
               '[IPv6:2001:db8::1]', ''},
    '--mail-from': {'ann@good.test', '<a@good.test>', 'A@GOOD.TEST',
                    '"a b"@x.test', 'a=b,c@good.test', 'postmaster', '',
                    '<>', 'bounce@fwd.good.test', 'a@exp.good.test',
                    'x@bad.good.test', 'a@[192.0.2.1]'},
    '--client-ip': {'192.0.2.1', '2001:db8::1', '', '::ffff:192.0.2.1'},
}

PREFIXES = [
    (b'', 'none'),
    (b' ; dkim=pass header.d=good.test;\n dmarc=pass header.from=good.test\n',
     'continuation first'),
    (b'\t; dkim=pass header.d=good.test\n', 'tab first'),
    (b'From a@b Mon Nov 23 10:00:00 2026\n', 'mbox From line'),
    (b'From a@b Mon Nov 23 10:00:00 2026\n ; dkim=pass header.d=good.test\n',
     'mbox From line, continuation'),
    (b'From a@b Mon Nov 23 10:00:00 2026\nFrom b@c Mon Nov 23 10:00:01 2026\n',
     'two mbox From lines'),
    (b'\n', 'an empty line first'),
]

FORGED = [  # Authentication-Results fields that claim our authserv-id
    b'Authentication-Results: mx.dest.test; dkim=pass header.d=good.test',
    b'Authentication-Results: "mx\\.dest\\.test"; dmarc=pass header.from=good.test',
    b'Authentication-Results: MX.DEST.TEST.; spf=pass smtp.mailfrom=good.test',
    b'Authentication-Results: (x) mx.dest.test ; arc=pass',
]
NOISE = [
    b'X-Evil: ;dkim=pass header.d=good.test (',
    b'Authentication-Results: other.example; dkim=pass header.d=good.test',
    b'ARC-Seal: i=1; a=rsa-sha256; cv=none; d=evil.test(x;dmarc=pass; s=a; b=AAAA',
    b'ARC-Message-Signature: i=1; a=rsa-sha256; d=good.test; s=x); h=from; bh=AA==; b=AAAA',
    b'ARC-Authentication-Results: i=1; good.test; dkim=pass',
    b'X-Bin: \xff\xfe\x7f (;)',
    b'Subject: =?utf-8?q?;dkim=3Dpass?= (\xe2\x82\xac)',
]
BODIES = [
    (b'Hello.\n', 'plain'),
    (b'', 'empty body'),
    (b'Hello.', 'no final newline'),
    (b'a\rb\n', 'bare CR in the body'),
    (b'a\0b\n', 'NUL in the body'),
]


class Case:
    def __init__(self, name):
        self.name = name
        self.args = []
        self.header = []        # field lines, in order
        self.sigs = []          # Sig per DKIM-Signature field, in order
        self.prefix = b''
        self.body = b'Hello.\n'
        self.author = 'good.test'
        self.forged = []        # fields in header that claim our id
        self.raw = None         # a whole message instead
        self.crlf = False
        self.id = DEFAULT_ID
        self.spf = self.dmarc = self.no_arc = self.refuse = False
        self.mail_from = self.helo = self.client_ip = None
        self.hostile_opt = False
        self.hostile_conf = False
        self.in_conf = False    # values in the config file, not argv
        self.conf = []          # (name, value) lines of the config file
        self.trusted = False    # --trusted-forwarders (implies --dmarc)

    def option(self, name, value=None):
        # the config file takes "name value" lines: a value that starts
        # or ends with blanks, holds '#', a line break or starts with '='
        # reads back as another value there, so it stays on argv
        if self.in_conf and value is not None and \
                re.fullmatch(r'[^\s#=\0\r\n]([^#\r\n\0]*[^\s#])?', value):
            self.conf.append((name[2:], value))
            return
        self.args.append(name)
        if value is not None:
            self.args.append(value)

    def conf_file(self):
        return b'[dkimpipe-verify]\n' + b''.join(
            n.encode() + b' ' + v.encode('latin-1') + b'\n'
            for n, v in self.conf)

    def message(self):
        if self.raw is not None:
            msg = self.raw
        else:
            msg = self.prefix + b''.join(f + b'\n' for f in self.header if f)
            msg += b'\n' + self.body
        if self.crlf:
            msg = re.sub(rb'\r?\n', b'\r\n', msg)
        return msg

    def forged_lines(self):
        return [(f + b'\n') if not self.crlf else (f + b'\r\n')
                for f in self.forged]


def base_case(name, sel):
    c = Case(name)
    c.header = [b'From: Ann <ann@good.test>', b'To: bob@dest.test',
                b'Subject: hello', b'Date: Tue, 14 Nov 2023 22:13:20 +0000',
                b'Message-ID: <p.1@good.test>']
    return c


def finish(c):
    """Turn a case's choices into options."""
    n = len(c.conf)
    c.option('--authserv-id', c.id)
    c.hostile_opt = c.id not in BENIGN['--authserv-id']
    if c.spf:
        c.option('--spf')
    if c.dmarc:
        c.option('--dmarc')
    if c.no_arc:
        c.option('--no-arc')
    if c.refuse:
        c.option('--dmarc-reject')
    if c.client_ip is not None:
        c.option('--client-ip', c.client_ip)
        c.hostile_opt |= c.client_ip not in BENIGN['--client-ip']
    if c.helo is not None:
        c.option('--helo', c.helo)
        c.hostile_opt |= c.helo not in BENIGN['--helo']
    if c.mail_from is not None:
        c.option('--mail-from', c.mail_from)
        c.hostile_opt |= c.mail_from not in BENIGN['--mail-from']
    # a value the file gives is a configuration fault when bad: 75
    c.hostile_conf = c.hostile_opt and len(c.conf) > n
    return c


def named_cases(sel, signed):
    """Issue 11's examples, one case each."""
    cs = []

    def add(name, **kw):
        c = base_case(name, sel)
        c.spf = c.dmarc = True
        c.client_ip, c.helo, c.mail_from = '192.0.2.1', 'mx.good.test', \
            'ann@good.test'
        for k, v in kw.items():
            setattr(c, k, v)
        cs.append(finish(c))
        return c

    add('plain, no hostile value')
    add('issue 11 class 2: MAIL FROM closing the override comment',
        mail_from='b@x);dmarc=pass header.from=good.test (.fwd.good.test',
        client_ip='192.0.2.1', trusted=True).option('--trusted-forwarders',
                                                     'fwd.good.test')
    for mf in ('<a@good.test>', 'a=b,c@good.test', '\xe4@good.test',
               'a\x7fb@good.test', '"a b"@x.test', 'a@good.test\r\n\tdkim=pass'):
        add('MAIL FROM %r' % mf, mail_from=mf)
    add("HELO '[192.0.2.1]'", helo='[192.0.2.1]', mail_from='')
    add("HELO '[IPv6:2001:db8::1]'", helo='[IPv6:2001:db8::1]', mail_from='')
    add("HELO 'mx;dkim=pass'", helo='mx;dkim=pass', mail_from='<>')
    add('DNS: an SPF explanation quoting the local part',
        mail_from='dkim=pass;(@exp.good.test')
    add('DNS: an SPF record with a hostile mechanism',
        mail_from='x@bad.good.test')
    c = add('DNS: a hostile DMARC record')
    c.header[0], c.author = b'From: ann@dm.good.test', 'dm.good.test'
    c = add('DNS: a hostile DKIM key record')
    c.sigs = [SIGS[-1](sel)]
    c.header = [c.sigs[0].line] + c.header
    c = add('header.i with 0x7F and 0xFF')
    c.sigs = [SIGS[5](sel)]
    c.header = [c.sigs[0].line] + c.header
    for pfx, what in PREFIXES[1:]:
        c = add('message: ' + what)
        c.prefix = pfx
    c = add('message: a bare CR hides a second From')
    c.header = [b'X-A: a\rFrom: alice@good.test', b'From: x@evil.test'] + \
        c.header[1:]
    c.author = None
    c = add('message: NUL in a header field')
    c.header.append(b'X-N: a\0b')
    c = add('message: no final newline in the header')
    c.raw = b'From: ann@good.test\nSubject: x'
    c = add('message: an mbox From line alone, no newline')
    c.raw = b'From a@b Mon Nov 23 10:00:00 2026'
    c.author = None
    c = add('message: empty input')
    c.raw = b''
    c.author = None
    for f in FORGED:
        c = add('forged field: ' + f.decode()[24:40])
        c.header.insert(1, f)
        c.forged = [f]
    for i, (s, sname) in enumerate(signed):
        c = add('signed by dkimpipe-sign (%s)' % sname)
        c.raw = s
        c.author = 'good.test'
        c.nsigs = s.split(b'\n\n')[0].count(b'\nDKIM-Signature:') + \
            s.startswith(b'DKIM-Signature:')
        c = add('signed, then a continuation line first (%s)' % sname)
        c.raw = b' ; dmarc=pass header.from=good.test\n' + s
    return cs


def insert_field(rnd, header, f):
    """Insert field f between two fields, never between a field and its
    continuation lines."""
    at = [k for k in range(len(header) + 1)
          if k == len(header) or header[k][:1] not in (b' ', b'\t')]
    header.insert(rnd.choice(at), f)


def random_case(rnd, n, sel, signed):
    c = base_case('random %d' % n, sel)
    c.spf = rnd.random() < 0.6
    c.dmarc = rnd.random() < 0.6
    c.no_arc = rnd.random() < 0.2
    c.refuse = rnd.random() < 0.1
    if rnd.random() < 0.05:
        c.option('--bad-input', 'refuse')
    c.in_conf = rnd.random() < 0.2
    if c.in_conf:
        c.name += ' (values in the config file)'
    if rnd.random() < 0.25:
        c.id = rnd.choice(AUTHSERV_IDS)
    if rnd.random() < 0.8:
        c.client_ip = rnd.choice(CLIENT_IPS)
    if rnd.random() < 0.8:
        c.helo = rnd.choice(HELOS)
    if rnd.random() < 0.8:
        c.mail_from = rnd.choice(MAIL_FROMS)
    if rnd.random() < 0.15:
        c.option('--trusted-forwarders', 'fwd.good.test')
        c.trusted = True
    if signed and rnd.random() < 0.2:
        raw, _ = rnd.choice(signed)
        head, _, body = raw.partition(b'\n\n')
        c.header = head.split(b'\n')
        c.sigs = [None] * sum(1 for f in c.header
                              if f.lower().startswith(b'dkim-signature:'))
        c.body = body
    else:
        fl, c.author = rnd.choice(FROMS)
        c.header[0] = fl
    for _ in range(rnd.choice((0, 0, 1, 1, 2, 3))):
        s = rnd.choice(SIGS)(sel)
        c.header.insert(0, s.line)
        c.sigs.insert(0, s)
    for _ in range(rnd.choice((0, 0, 0, 1, 2))):
        insert_field(rnd, c.header, rnd.choice(NOISE))
    if rnd.random() < 0.1 and c.id == DEFAULT_ID:
        f = rnd.choice(FORGED)
        insert_field(rnd, c.header, f)
        c.forged.append(f)
    if rnd.random() < 0.25:
        c.prefix, what = rnd.choice(PREFIXES)
        c.name += ' (%s)' % what
        if c.prefix == b'\n':      # the whole message is a body
            c.sigs, c.forged, c.author = [], [], None
    if rnd.random() < 0.3:
        c.body, what = rnd.choice(BODIES)
    c.crlf = rnd.random() < 0.2
    return finish(c)

# ----------------------------------------------------------- checking --


def unparsed(unfolded):
    """Our field says the message was not parsed: the header was not
    read as one (and so no forged field in it could be removed)."""
    return re.match(rb'[^;]*;\s*dkim=permerror \(message not parsed',
                    unfolded) is not None


class Checker:
    PROPS = {
        'exit': 'exit status 0, 64 (a hostile option), 75 (one in the '
                'config file), 77/65 only when a refusal was asked for; '
                'not 0: nothing on stdout',
        'field': 'the added field is ours alone: input before it is mbox '
                 'From lines only, after it the rest of the input (an '
                 'empty line between only before a continuation or '
                 'unparsed input), less forged fields of our id',
        'bytes': 'the field, unfolded, is printable US-ASCII and tab only',
        'parse': 'the field parses as RFC 8601 (python3-authres, strict)',
        'id': 'the authserv-id is the one we passed',
        'methods': 'exactly the results computed, in order',
        'values': 'echoed values decode to the input (normalised form)',
    }

    def __init__(self, out):
        self.out = out
        self.files = {}
        self.counts = {'cases': 0, 'exit0': 0, 'parsed': 0, 'values': 0}
        for p, what in self.PROPS.items():
            f = open(os.path.join(out, p), 'w')
            f.write('# %s\n' % what)
            self.files[p] = f
        self.failed = set()

    def fail(self, prop, case, why):
        self.failed.add(prop)
        self.files[prop].write('%s: %s\n' % (case.name, why))

    def check(self, case, rc, out, err):
        self.counts['cases'] += 1
        refusal = case.refuse or '--bad-input' in case.args
        if rc != 0:
            k = 'exit%d' % rc
            self.counts[k] = self.counts.get(k, 0) + 1
            if out:
                self.fail('exit', case, 'exit %d with %d bytes on stdout'
                          % (rc, len(out)))
            if not (rc == 64 and case.hostile_opt) and \
                    not (rc == 75 and case.hostile_conf) and \
                    not (rc in (77, 65) and refusal):
                self.fail('exit', case, 'exit %d: %s' %
                          (rc, err.decode('latin-1').strip()[:200]))
            return
        self.counts['exit0'] += 1
        msg = case.message()
        lines = out.split(b'\n')
        start = None
        pos = 0
        for k, ln in enumerate(lines):
            if re.match(rb'(?i)authentication-results:', ln):
                start = k
                break
            pos += len(ln) + 1
        if start is None:
            self.fail('field', case, 'no Authentication-Results field')
            return
        k = start + 1
        while k < len(lines) and lines[k][:1] in (b' ', b'\t'):
            k += 1
        field = b'\n'.join(lines[start:k])
        end = pos + len(field) + (1 if k < len(lines) else 0)
        unfolded = re.sub(rb'\r?\n(?=[ \t])', b'', field).rstrip(b'\r\n')
        self.check_field_alone(case, msg, out, pos, end, unparsed(unfolded))
        bad = sorted(set(c for c in unfolded
                         if not (0x20 <= c <= 0x7e or c == 9)))
        if bad:
            self.fail('bytes', case, 'bytes %s in %r' %
                      (' '.join('%02x' % c for c in bad), unfolded[:300]))
        try:
            aid, results = parse_field(unfolded)
        except Exception as e:      # authres.core.SyntaxError and ours
            self.fail('parse', case, '%s: %r' % (type(e).__name__, unfolded))
            return
        self.counts['parsed'] += 1
        if aid.decode('latin-1').lower() != case.id.lower():
            self.fail('id', case, 'authserv-id %r, want %r' %
                      (aid, case.id))
        self.check_methods(case, unfolded, results)

    def check_field_alone(self, case, msg, out, s, e, unparsed):
        before, after = out[:s], out[e:]
        want = msg
        for f in case.forged_lines() if not unparsed else []:
            want = want.replace(f, b'', 1)
        if before and not re.fullmatch(rb'(From [^\n]*\n)+', before):
            self.fail('field', case, 'before the field: %r' % before[:200])
            return
        if not want.startswith(before):
            self.fail('field', case, 'the lines before the field are not '
                      'the input\'s: %r' % before[:200])
            return
        rest = want[len(before):]
        # an empty line goes between only where the input would continue
        # our field, or cannot be read as a header at all
        blank = unparsed or rest[:1] in (b' ', b'\t')
        ok = after == rest or blank and any(after == nl + rest
                                            for nl in (b'\n', b'\r\n'))
        if not ok:
            self.fail('field', case, 'what follows the field is not the '
                      'rest of the input: got %r, want %r' %
                      (after[:120], rest[:120]))

    def check_methods(self, case, unfolded, results):
        got = [r.method.lower() for r in results]
        dmarc = case.dmarc or case.refuse or case.trusted
        if unparsed(unfolded):
            # input that is not parsed gets one dkim=permerror, arc= and
            # dmarc= "message not parsed"; SPF is not evaluated for it
            # (the filter asks no DNS then): cmd/dkimpipe-verify.c
            want = ['dkim'] + ([] if case.no_arc else ['arc']) + \
                (['dmarc'] if dmarc else [])
        else:
            n = getattr(case, 'nsigs', None)     # a message we did not build
            if n is None:
                n = len(case.sigs)
            want = ['dkim'] * max(n, 1) + ([] if case.no_arc else ['arc']) + \
                (['spf'] if case.spf else []) + (['dmarc'] if dmarc else [])
        if got != want:
            self.fail('methods', case, 'results %s, want %s: %r' %
                      (' '.join(got), ' '.join(want), unfolded))
            return
        self.check_values(case, results, unparsed(unfolded))

    def check_values(self, case, results, unparsed):
        def same(what, got, want):
            self.counts['values'] += 1
            if got != want:
                self.fail('values', case, '%s %r, want %r' % (what, got, want))

        dk = [r for r in results if r.method.lower() == 'dkim']
        for k, r in enumerate(dk):
            p = props(r)
            for name, vs in p.items():
                if len(vs) > 1:
                    self.fail('values', case, 'dkim %d: %s %d times' %
                              (k + 1, name, len(vs)))
            if unparsed or k >= len(case.sigs) or case.sigs[k] is None:
                continue
            if 'header.d' not in p:
                if r.result.lower() != 'permerror':
                    self.fail('values', case, 'dkim=%s without header.d'
                              % r.result)
                continue
            for name, want in case.sigs[k].expect().items():
                if want is not None:
                    same('dkim %d: %s' % (k + 1, name),
                         p.get(name, [None])[0], want)
        for r in results:
            p = props(r)
            m = r.method.lower()
            if m == 'spf':
                mf = case.mail_from if case.mail_from is not None else ''
                mfb = mf.encode('latin-1')
                if len(mfb) >= 2 and mfb[:1] == b'<' and mfb[-1:] == b'>':
                    mfb = mfb[1:-1]
                # dkimpipe-verify(1): a MAIL FROM that is no address
                # (authres_is_addr) is not repeated as smtp.mailfrom
                same('smtp.mailfrom', p.get('smtp.mailfrom', [None])[0],
                     norm(mfb) if is_addr(mfb) else None)
                h = (case.helo or '').encode('latin-1')
                same('smtp.helo', p.get('smtp.helo', [None])[0],
                     norm(h) if h else None)
            elif m == 'dmarc':
                hf = p.get('header.from', [None])[0]
                if hf is not None and case.author is not None:
                    same('header.from', hf, case.author)
                elif hf is not None:
                    if not re.fullmatch(r'[a-z0-9_-]+(\.[a-z0-9_-]+)*', hf) \
                            or hf.encode() not in case.message().lower():
                        self.fail('values', case, 'header.from %r is no '
                                  'domain of the From field' % hf)
            elif m == 'arc':
                ip = p.get('smtp.remote-ip', [None])[0]
                if ip is not None:
                    same('smtp.remote-ip', ip, case.client_ip)

    def close(self):
        for f in self.files.values():
            f.close()
        with open(os.path.join(self.out, 'summary'), 'w') as f:
            for k, v in self.counts.items():
                f.write('%s %d\n' % (k, v))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--verify', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--cases', type=int, default=400)
    ap.add_argument('--seed', type=int, default=11)
    ap.add_argument('--timeout', default='2s')
    ap.add_argument('--selector', default='sel')
    ap.add_argument('--signed', action='append', default=[])
    ap.add_argument('--show', action='store_true',
                    help='print each case and its output')
    ap.add_argument('--only', help='run only the cases whose name has this')
    ap.add_argument('rest', nargs='*')
    a = ap.parse_args()
    signed = [(open(f, 'rb').read(), os.path.basename(f)) for f in a.signed]
    rnd = random.Random(a.seed)
    sel = a.selector.encode()
    cases = named_cases(sel, signed)
    for n in range(max(a.cases - len(cases), 0)):
        cases.append(random_case(rnd, n + 1, sel, signed))
    ck = Checker(a.out)
    conf = os.path.join(a.out, 'verify.conf')
    for c in cases:
        if a.only is not None and a.only not in c.name:
            continue
        # every run has its own config file, so none of the system's
        with open(conf, 'wb') as f:
            f.write(c.conf_file())
        argv = [a.verify, '--config', conf, '--timeout', a.timeout,
                '--now', '1700000000'] + a.rest + c.args
        argv = [x.encode('latin-1') if isinstance(x, str) else x
                for x in argv]
        p = subprocess.run(argv, input=c.message(), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE)
        if a.show:
            sys.stdout.write('== %s: %r %r\n-- exit %d\n' % (
                c.name, c.conf, argv[7:], p.returncode))
            sys.stdout.write(p.stdout.decode('latin-1')[:1500] + '\n')
        ck.check(c, p.returncode, p.stdout, p.stderr)
    ck.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())

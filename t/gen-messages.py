#!/usr/bin/env python3
"""gen-messages.py - write RFC 5322 messages with awkward shapes for tests.

    gen-messages.py --domain example.org [--seed N] [--rounds N] DIR

Writes NNN-SHAPE-lf.eml and NNN-SHAPE-crlf.eml for each shape, the same
message with LF and with CRLF line endings (a bare CR inside a line stays
bare in both). Round 2 and later repeat every shape but the big one with
other random content, as NNN-SHAPE-vR-lf.eml. The output depends only on
the arguments (and this file): the same seed gives the same bytes, so a
failing file can be named in a bug report and made again.

Every message has exactly one From: field with one address at --domain
(in whatever case or form the shape needs), so a signer that finds its
domain there signs it. Header lines stay within 998 octets and 1000 fields
(RFC 5322 2.1.1; dkimpipe's limits.h); there is no NUL anywhere.

Only the standard library: any Python 3 runs it.
"""

import argparse
import base64
import os
import random
import sys

WORDS = (
    "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo "
    "lima mike november oscar papa quebec romeo sierra tango uniform "
    "victor whiskey xray yankee zulu signature canonical header body "
    "relaxed simple domain selector key record message transport filter"
).split()
LOCALS = ("alice", "bob", "carol", "dave", "first.last", "x+tag",
          "o'neil", "postmaster", "a_b-c", "u123")
NAMES = ("Alice Example", "Bob Q. Public", "Carol", "Dave van der Berg",
         "Eve O'Neil")
MONTHS = ("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec").split()
DAYS = ("Mon Tue Wed Thu Fri Sat Sun").split()


class Shape:
    """What one shape function gets: a seeded rng and the domain."""

    def __init__(self, rng, domain, name, number):
        self.rng = rng
        self.domain = domain
        self.name = name
        self.number = number

    def words(self, lo, hi):
        return " ".join(self.rng.choice(WORDS)
                        for _ in range(self.rng.randint(lo, hi)))

    def local(self):
        return self.rng.choice(LOCALS)

    def addr(self):
        return "%s@%s" % (self.local(), self.domain)

    def other(self):
        """A recipient somewhere else."""
        return "%s@%s.example.net" % (self.local(), self.rng.choice(WORDS))

    def date(self):
        r = self.rng
        return "%s, %d %s %d %02d:%02d:%02d %s" % (
            r.choice(DAYS), r.randint(1, 28), r.choice(MONTHS),
            r.randint(2019, 2026), r.randint(0, 23), r.randint(0, 59),
            r.randint(0, 59), r.choice(("+0000", "-0500", "+0130")))

    def msgid(self):
        return "<%d.%s.%08x@%s>" % (self.number, self.name,
                                    self.rng.getrandbits(32), self.domain)

    def para(self, lines=4):
        return "\n".join(self.words(3, 12) for _ in range(lines)) + "\n"

    def std(self, from_=None, subject=None, extra=()):
        """The usual header fields, From first. Returns a str."""
        h = "From: %s\n" % (from_ or "%s <%s>" % (self.rng.choice(NAMES),
                                                  self.addr()))
        h += "To: %s\n" % self.other()
        h += "Subject: %s\n" % (subject if subject is not None
                                else self.words(2, 6))
        h += "Date: %s\n" % self.date()
        h += "Message-ID: %s\n" % self.msgid()
        for e in extra:
            h += e + "\n"
        return h


def mk(head, body="", sep=True):
    """head and body as str (latin-1 for 8-bit bytes) or bytes."""
    if isinstance(head, str):
        head = head.encode("latin-1")
    if isinstance(body, str):
        body = body.encode("latin-1")
    return head + (b"\n" if sep else b"") + body


def u8(s):
    """UTF-8 text, as a str whose code points are its bytes."""
    return s.encode("utf-8").decode("latin-1")


def fold(name, items, sep, width=72, cont="\n\t"):
    """name: items joined by sep; a line that would pass width is folded
    before its next item (cont is the line break and the WSP after it)."""
    out = name + ":"
    col = len(out)
    for i, it in enumerate(items):
        lead = sep if i else ""
        if i and col + len(lead) + 1 + len(it) > width:
            out += lead + cont + it
            col = len(cont) - 1 + len(it)
        else:
            out += lead + " " + it
            col += len(lead) + 1 + len(it)
    return out


# ------------------------------------------------------------- shapes --
# Each takes a Shape and returns the message as bytes with LF endings.

def s_plain(s):
    return mk(s.std(), s.para(5))


def s_folded(s):
    tos = [s.other() for _ in range(12)]
    refs = [s.msgid() for _ in range(8)]
    head = s.std(extra=(fold("Cc", tos, ","),
                        fold("References", refs, "", cont="\n "),
                        "X-Folded: first part\n\tsecond part\n  third part"))
    head = head.replace("Subject: ", "Subject: a subject that is\n folded: ",
                        1)
    return mk(head, s.para(3))


def s_folded_from(s):
    head = s.std()
    return mk("From: \"%s\"\n <%s>\n" % (s.rng.choice(NAMES), s.addr())
              + head[head.index("\n") + 1:], s.para(2))


def s_tab_folded(s):
    head = s.std(extra=("X-Tabbed:\tvalue\twith\ttabs",
                        "X-Long:\tone\n\ttwo\n\tthree\n\t\tfour"))
    return mk(head, "tab\tseparated\tbody\n\tleading tab\n")


def s_duplicate(s):
    head = s.std(extra=("Subject: a second subject",
                        "To: %s" % s.other(),
                        "X-Dup: 1", "X-Dup: 2", "X-Dup: 3",
                        "Received: from a by b; %s" % s.date(),
                        "Received: from c by d; %s" % s.date()))
    return mk(head, s.para(3))


def s_odd_spacing(s):
    head = ("From:    %s   \n" % s.addr()
            + "Subject :  %s  \n" % s.words(2, 4)
            + "To:\t%s\n" % s.other()
            + "Date:%s\n" % s.date()
            + "Message-ID:   %s\t\n" % s.msgid()
            + "X-Spaces   :   a   b    c   \n"
            + "X-Tab\t:\tx\t \ty\t\n")
    return mk(head, "body  with   inner    spaces  \n  and \t tabs\t\n")


def s_header_trailing_ws(s):
    head = s.std(extra=("X-Trail: value   ", "X-Trail-Tab: value\t\t",
                        "X-Folded-Trail: one  \n  two  "))
    return mk(head.replace("\nDate:", "  \nDate:", 1), s.para(2))


def s_empty_values(s):
    return mk(s.std(subject="", extra=("X-Empty:", "X-Space: ",
                                       "X-Tabs:\t\t", "Comments:")),
              s.para(2))


def s_trailing_ws_body(s):
    lines = [s.words(2, 8) + s.rng.choice(("  ", "\t", " \t ", "   "))
             for _ in range(8)]
    return mk(s.std(), "\n".join(lines) + "\n")


def s_trailing_blank_lines(s):
    return mk(s.std(), s.para(3) + "\n" * s.rng.randint(3, 12))


def s_trailing_ws_lines(s):
    return mk(s.std(), s.para(3) + " \n\t\n  \t  \n\n \n")


def s_empty_body(s):
    return mk(s.std(), "")


def s_only_newline_body(s):
    return mk(s.std(), "\n")


def s_blank_only_body(s):
    return mk(s.std(), "\n" * s.rng.randint(2, 9))


def s_ws_only_body(s):
    return mk(s.std(), "   \n\t\n \t \n\n  \n")


def s_ws_only_body_nonl(s):
    return mk(s.std(), "  \n\t \n   ")


def s_header_only(s):
    return mk(s.std(), sep=False)


def s_header_only_nonl(s):
    return mk(s.std()[:-1], sep=False)


def s_from_only(s):
    return mk("From: %s\n" % s.addr(), sep=False)


def s_from_only_nonl(s):
    return mk("From: %s" % s.addr(), sep=False)


def s_minimal(s):
    return mk("From: %s\n" % s.addr(), "hi\n")


def s_no_final_newline(s):
    return mk(s.std(), s.para(3) + s.words(2, 5))


def s_no_final_newline_ws(s):
    return mk(s.std(), s.para(2) + s.words(2, 5) + "  \t ")


def s_single_char_body(s):
    return mk(s.std(), "x")


def s_leading_blank_body(s):
    return mk(s.std(), "\n\n\n" + s.para(2))


def s_utf8_headers(s):
    head = s.std(from_=u8("J\u00f6rg M\u00fcller-\u0141\u00f3d\u017a <%s>")
                 % s.addr(),
                 subject=u8("Gr\u00fc\u00dfe \u2013 \u65e5\u672c\u8a9e "
                            "\U0001f600 %s") % s.words(1, 3),
                 extra=(u8("X-Unicode: \u00e9\u00e8\u00ea \u20ac"),))
    return mk(head, "ascii body\n")


def s_latin1_headers(s):
    head = s.std(from_="J\xf6rg M\xfcller <%s>" % s.addr(),
                 subject="Gr\xfc\xdfe aus K\xf6ln %s" % s.words(1, 3),
                 extra=("X-Latin1: \xe9\xe8\xea \xa3 \xff",))
    return mk(head, "ascii body\n")


def s_utf8_body(s):
    head = s.std(extra=("MIME-Version: 1.0",
                        "Content-Type: text/plain; charset=utf-8",
                        "Content-Transfer-Encoding: 8bit"))
    body = u8("Gr\u00fc\u00dfe!\n\u65e5\u672c\u8a9e\u306e\u30c6\u30ad"
              "\u30b9\u30c8\n\u0417\u0434\u0440\u0430\u0432\u0441\u0442"
              "\u0432\u0443\u0439\u0442\u0435 \U0001f600  \n"
              "caf\u00e9\u00a0na\u00efve\n")
    return mk(head, body + s.para(2))


def s_latin1_body(s):
    head = s.std(extra=("MIME-Version: 1.0",
                        "Content-Type: text/plain; charset=iso-8859-1",
                        "Content-Transfer-Encoding: 8bit"))
    return mk(head, "Gr\xfc\xdfe aus K\xf6ln\n\xe9t\xe9 \xa0\xa0 \xff\xfe\n"
              + s.para(2))


def s_encoded_words(s):
    head = s.std(from_="=?utf-8?q?J=C3=B6rg_M=C3=BCller?= <%s>" % s.addr(),
                 subject="=?iso-8859-1?q?Gr=FC=DFe?= =?utf-8?b?"
                 "5pel5pys6Kqe?= %s" % s.words(1, 2))
    return mk(head, s.para(2))


def s_long_body_line(s):
    n = s.rng.randint(2000, 4000)
    line = "".join(s.rng.choice("abcdefghij ") for _ in range(n))
    return mk(s.std(), "short\n" + line + "\nshort again\n")


def s_long_body_lines(s):
    lines = ["".join(s.rng.choice("xyz \t") for _ in range(
        s.rng.randint(900, 3000))) for _ in range(10)]
    return mk(s.std(), "\n".join(lines) + "\n")


def s_long_line_utf8(s):
    line = u8("\u00e9\u65e5 " * s.rng.randint(500, 800))
    head = s.std(extra=("Content-Type: text/plain; charset=utf-8",))
    return mk(head, line + "\n")


def s_long_line_nonl(s):
    return mk(s.std(), "a" * s.rng.randint(2000, 5000))


def s_long_header_folded(s):
    refs = [s.msgid() for _ in range(120)]
    return mk(s.std(extra=(fold("References", refs, "", cont="\n "),)),
              s.para(2))


def s_header_998(s):
    name = "X-Long: "
    value = "".join(s.rng.choice("abcdefgh") for _ in range(998 - len(name)))
    return mk(s.std(extra=(name + value,)), s.para(1))


def s_long_subject_folded(s):
    parts = [s.words(2, 5) for _ in range(40)]
    return mk(s.std(subject="\n ".join(parts)), s.para(1))


def s_many_headers(s):
    n = s.rng.randint(250, 400)
    extra = ["X-Filler-%d: %s" % (i, s.words(1, 4)) for i in range(n)]
    return mk(s.std(extra=extra), s.para(2))


def s_very_many_headers(s):
    extra = ["X-F%d: %d" % (i, i) for i in range(900)]
    return mk(s.std(extra=extra), "x\n")


def s_received_chain(s):
    extra = []
    for _ in range(20):
        extra.append("Received: from %s.example.net (%s [192.0.2.%d])\n"
                     "\tby mx.%s with ESMTPS id %08x\n\tfor <%s>; %s"
                     % (s.rng.choice(WORDS), s.rng.choice(WORDS),
                        s.rng.randint(1, 254), s.domain,
                        s.rng.getrandbits(32), s.other(), s.date()))
    return mk(s.std(extra=extra), s.para(2))


def s_to_long_list(s):
    tos = ["\"%s\" <%s>" % (s.rng.choice(NAMES), s.other())
           for _ in range(150)]
    return mk(s.std(extra=(fold("Cc", tos, ","),)), s.para(1))


def _b64(data):
    t = base64.b64encode(data).decode("ascii")
    return "\n".join(t[i:i + 76] for i in range(0, len(t), 76)) + "\n"


def _rand_bytes(s, n):
    return bytes(s.rng.getrandbits(8) for _ in range(n))


def s_mime_multipart(s):
    b = "=_b%08x" % s.rng.getrandbits(32)
    head = s.std(extra=("MIME-Version: 1.0",
                        "Content-Type: multipart/mixed;\n\tboundary=\"%s\""
                        % b))
    body = ("--%s\nContent-Type: text/plain; charset=us-ascii\n\n%s\n"
            "--%s\nContent-Type: application/octet-stream; name=\"a.bin\"\n"
            "Content-Transfer-Encoding: base64\n"
            "Content-Disposition: attachment; filename=\"a.bin\"\n\n%s"
            "--%s--\n" % (b, s.para(3), b, _b64(_rand_bytes(s, 3000)), b))
    return mk(head, body)


def s_mime_nested(s):
    b1 = "outer%06x" % s.rng.getrandbits(24)
    b2 = "inner%06x" % s.rng.getrandbits(24)
    head = s.std(extra=("MIME-Version: 1.0",
                        "Content-Type: multipart/mixed; boundary=%s" % b1))
    body = ("This is a multi-part message in MIME format.\n"
            "--%s\nContent-Type: multipart/alternative; boundary=\"%s\"\n\n"
            "--%s\nContent-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: quoted-printable\n\n"
            "caf=C3=A9 soft line=\n break and a trailing space=20\n"
            "--%s\nContent-Type: text/html; charset=utf-8\n\n"
            "<p>%s</p>\n--%s--\n\n"
            "--%s\nContent-Type: image/png; name=x.png\n"
            "Content-Transfer-Encoding: base64\n\n%s"
            "--%s\nContent-Type: text/plain; name=\"notes.txt\"\n"
            "Content-Disposition: attachment\n\n%s"
            "--%s--\nepilogue  \n\n"
            % (b1, b2, b2, b2, s.words(3, 9), b2, b1,
               _b64(b"\x89PNG\r\n\x1a\n" + _rand_bytes(s, 5000)), b1,
               s.para(2), b1))
    return mk(head, body)


def s_mime_preamble(s):
    b = "b%d" % s.rng.randint(1000, 9999)
    head = s.std(extra=("MIME-Version: 1.0",
                        "Content-Type: multipart/mixed; boundary=\"%s\"" % b))
    body = ("preamble line  \n\n--%s\n\nno headers in this part\n--%s\n"
            "Content-Type: text/plain\n\n  indented\t\n--%s--  \n"
            "epilogue\n\n\n" % (b, b, b))
    return mk(head, body)


def s_big_attachment(s):
    """Past DP_SPOOL_MEM (1 MiB): the body goes through the spool file."""
    b = "big%d" % s.rng.randint(1000, 9999)
    head = s.std(extra=("MIME-Version: 1.0",
                        "Content-Type: multipart/mixed; boundary=%s" % b))
    body = ("--%s\nContent-Type: text/plain\n\nsee attachment\n--%s\n"
            "Content-Type: application/octet-stream\n"
            "Content-Transfer-Encoding: base64\n\n%s--%s--\n"
            % (b, b, _b64(_rand_bytes(s, 1100 * 1024)), b))
    return mk(head, body)


def s_bare_cr(s):
    return mk(s.std(), "one\rtwo\nthree \r four\n\r leading cr\nend\r end\n")


def s_bare_cr_header(s):
    # RFC 5322 forbids it; some mail has it. Only in a non-From field.
    return mk(s.std(extra=("X-Bare-CR: a\rb",)), "body\n")


def s_qp_body(s):
    head = s.std(extra=("MIME-Version: 1.0",
                        "Content-Type: text/plain; charset=utf-8",
                        "Content-Transfer-Encoding: quoted-printable"))
    return mk(head, "soft=\nbreak =3D equals\ntrailing space=20\n"
              "long " + "=C3=A9" * 12 + "=\n" + "end\n")


def s_html_alternative(s):
    b = "alt%d" % s.rng.randint(10, 99)
    head = s.std(extra=("MIME-Version: 1.0",
                        "Content-Type: multipart/alternative; boundary=%s"
                        % b))
    body = ("--%s\nContent-Type: text/plain\n\n%s--%s\n"
            "Content-Type: text/html\n\n<html>\n <body>  <b>%s</b>  \n"
            " </body>\n</html>\n--%s--\n"
            % (b, s.para(2), b, s.words(2, 5), b))
    return mk(head, body)


def s_dots_and_from(s):
    return mk(s.std(), ".\n..\n. leading dot\nFrom the start of a line\n"
              ">From quoted\n.\n")


def s_inner_ws(s):
    return mk(s.std(), "a  b\t\tc \t d\n \t leading\n  \n x   y  \n")


def s_from_display(s):
    return mk(s.std(from_="\"Example, Alice\" <%s>" % s.addr()), s.para(2))


def s_from_comments(s):
    return mk(s.std(from_="Alice (the boss) <%s> (sent via web)"
                    % s.addr()), s.para(2))


def s_from_comment_only(s):
    return mk(s.std(from_="%s (Alice Example)" % s.addr()), s.para(1))


def s_from_quoted_local(s):
    return mk(s.std(from_="\"alice smith\"@%s" % s.domain), s.para(1))


def s_from_quoted_local_angle(s):
    return mk(s.std(from_="\"Smith, A.\" <\"a.smith@home\"@%s>"
                    % s.domain), s.para(1))


def s_from_quoted_specials(s):
    return mk(s.std(from_="\"Q \\\"quoted\\\" <x@y> name\" <%s>"
                    % s.addr()), s.para(1))


def s_from_angle_only(s):
    return mk(s.std(from_="<%s>" % s.addr()), s.para(1))


def s_from_no_space(s):
    head = s.std()
    head = "From:%s\n" % s.addr() + head[head.index("\n") + 1:]
    return mk(head, s.para(1))


def s_from_lowercase_name(s):
    head = s.std()
    head = "from: %s\n" % s.addr() + head[head.index("\n") + 1:]
    return mk(head, s.para(1))


def s_from_upper_name(s):
    head = s.std()
    head = "FROM: %s\n" % s.addr() + head[head.index("\n") + 1:]
    return mk(head, s.para(1))


def s_from_upper_domain(s):
    return mk(s.std(from_="%s@%s" % (s.local(), s.domain.upper())),
              s.para(1))


def s_from_latin1_display(s):
    return mk(s.std(from_="Ren\xe9 Fran\xe7ois <%s>" % s.addr()), s.para(1))


def s_from_last(s):
    head = s.std()
    first, rest = head.split("\n", 1)
    return mk(rest + first + "\n", s.para(1))


def s_from_middle_folded(s):
    head = ("Received: from x by y; %s\n" % s.date()
            + "Subject: %s\n" % s.words(2, 4)
            + "From:\n \"%s\"\n\t<%s>\n" % (s.rng.choice(NAMES), s.addr())
            + "To: %s\n" % s.other())
    return mk(head, s.para(1))


def s_sender_and_reply(s):
    return mk(s.std(extra=("Sender: %s" % s.addr(),
                           "Reply-To: %s" % s.other(),
                           "Resent-From: %s" % s.other(),
                           "X-Original-From: %s" % s.other())), s.para(2))


def s_header_no_space_colon(s):
    return mk(s.std(extra=("X-A:b", "X-B:  c", "X-C:\t")), s.para(1))


def s_long_header_name(s):
    return mk(s.std(extra=("X-" + "N" * 200 + ": v",)), s.para(1))


def s_mailing_list(s):
    return mk(s.std(extra=("List-Id: <list.%s>" % s.domain,
                           "List-Unsubscribe: <mailto:leave@%s>,\n"
                           " <https://%s/leave>" % (s.domain, s.domain),
                           "Precedence: list")),
              s.para(3) + "-- \nsignature line\n")


SHAPES = [
    ("plain", s_plain), ("folded", s_folded), ("folded-from", s_folded_from),
    ("tab-folded", s_tab_folded), ("duplicate", s_duplicate),
    ("odd-spacing", s_odd_spacing),
    ("header-trailing-ws", s_header_trailing_ws),
    ("empty-values", s_empty_values),
    ("trailing-ws-body", s_trailing_ws_body),
    ("trailing-blank-lines", s_trailing_blank_lines),
    ("trailing-ws-lines", s_trailing_ws_lines),
    ("empty-body", s_empty_body), ("only-newline-body", s_only_newline_body),
    ("blank-only-body", s_blank_only_body),
    ("ws-only-body", s_ws_only_body),
    ("ws-only-body-nonl", s_ws_only_body_nonl),
    ("header-only", s_header_only), ("header-only-nonl", s_header_only_nonl),
    ("from-only", s_from_only), ("from-only-nonl", s_from_only_nonl),
    ("minimal", s_minimal),
    ("no-final-newline", s_no_final_newline),
    ("no-final-newline-ws", s_no_final_newline_ws),
    ("single-char-body", s_single_char_body),
    ("leading-blank-body", s_leading_blank_body),
    ("utf8-headers", s_utf8_headers), ("latin1-headers", s_latin1_headers),
    ("utf8-body", s_utf8_body), ("latin1-body", s_latin1_body),
    ("encoded-words", s_encoded_words),
    ("long-body-line", s_long_body_line),
    ("long-body-lines", s_long_body_lines),
    ("long-line-utf8", s_long_line_utf8),
    ("long-line-nonl", s_long_line_nonl),
    ("long-header-folded", s_long_header_folded),
    ("header-998", s_header_998),
    ("long-subject-folded", s_long_subject_folded),
    ("many-headers", s_many_headers),
    ("very-many-headers", s_very_many_headers),
    ("received-chain", s_received_chain), ("to-long-list", s_to_long_list),
    ("mime-multipart", s_mime_multipart), ("mime-nested", s_mime_nested),
    ("mime-preamble", s_mime_preamble),
    ("big-attachment", s_big_attachment),
    ("bare-cr", s_bare_cr), ("bare-cr-header", s_bare_cr_header),
    ("qp-body", s_qp_body), ("html-alternative", s_html_alternative),
    ("dots-and-from", s_dots_and_from), ("inner-ws", s_inner_ws),
    ("from-display", s_from_display), ("from-comments", s_from_comments),
    ("from-comment-only", s_from_comment_only),
    ("from-quoted-local", s_from_quoted_local),
    ("from-quoted-local-angle", s_from_quoted_local_angle),
    ("from-quoted-specials", s_from_quoted_specials),
    ("from-angle-only", s_from_angle_only),
    ("from-no-space", s_from_no_space),
    ("from-lowercase-name", s_from_lowercase_name),
    ("from-upper-name", s_from_upper_name),
    ("from-upper-domain", s_from_upper_domain),
    ("from-latin1-display", s_from_latin1_display),
    ("from-last", s_from_last),
    ("from-middle-folded", s_from_middle_folded),
    ("sender-and-reply", s_sender_and_reply),
    ("header-no-space-colon", s_header_no_space_colon),
    ("long-header-name", s_long_header_name),
    ("mailing-list", s_mailing_list),
]
ONCE = {"big-attachment"}	# 1.1 MB each: one round is enough


def check(name, data, domain):
    """The promises in the docstring, so a new shape cannot break them."""
    text = data.replace(b"\r\n", b"\n")
    head = text.split(b"\n\n", 1)[0] if b"\n\n" in text else text
    lines = head.split(b"\n")
    fields = []
    for x in lines:
        if x[:1] in (b" ", b"\t") and fields:
            fields[-1] += x
        elif x:
            fields.append(x)
    froms = [f for f in fields if f.split(b":", 1)[0].strip().lower()
             == b"from"]
    assert len(froms) == 1, "%s: %d From: fields" % (name, len(froms))
    assert ("@" + domain).lower().encode() in froms[0].lower(), name
    assert len(fields) <= 1000, name
    assert max(len(x) for x in lines) <= 998, name
    assert b"\0" not in data, name


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--domain", required=True,
                    help="domain of every From: address")
    ap.add_argument("--seed", default="5322", help="seed (default 5322)")
    ap.add_argument("--rounds", type=int, default=2,
                    help="messages per shape and line ending (default 2)")
    ap.add_argument("dir", help="output directory (made if missing)")
    a = ap.parse_args()
    os.makedirs(a.dir, exist_ok=True)
    n = 0
    for rnd in range(1, a.rounds + 1):
        for shape, fn in SHAPES:
            if rnd > 1 and shape in ONCE:
                continue
            # a str seed is hashed with SHA-512: the same on every Python 3
            rng = random.Random("%s/%s/%d" % (a.seed, shape, rnd))
            name = shape if rnd == 1 else "%s-v%d" % (shape, rnd)
            msg = fn(Shape(rng, a.domain, name, n + 1))
            assert b"\r\n" not in msg, shape
            for eol, data in (("lf", msg),
                              ("crlf", msg.replace(b"\n", b"\r\n"))):
                n += 1
                fname = "%03d-%s-%s.eml" % (n, name, eol)
                check(fname, data, a.domain)
                with open(os.path.join(a.dir, fname), "wb") as f:
                    f.write(data)
    print("%d messages in %s" % (n, a.dir), file=sys.stderr)


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""mta-postfix-submit.py - the mail client of t/mta-postfix-sign.sh (stdlib only).

    mta-postfix-submit.py --port P [--cafile PEM] [--no-tls]
                          [--user NAME --password WORD]
                          --sender ADDR --rcpt ADDR... FILE

One session with the submission service on 127.0.0.1:P: EHLO, STARTTLS
(the server's certificate checked against PEM, for 127.0.0.1), EHLO
again, AUTH PLAIN when --user is given, then one MAIL/RCPT/DATA for FILE
to every --rcpt. --no-tls skips STARTTLS (and needs no --cafile). Prints
one line, tab-separated: STAGE CODE TEXT, where STAGE is the step whose
answer ended the session: starttls, auth (no AUTH offered is "auth 0"),
mail, rcpt, or data for the answer after the message.

FILE is read as bytes with LF line endings and sent with CRLF, dot-stuffed
by smtplib. Exit status: 0 when the session ran (whatever the server
answered), 1 when it could not (no connection, TLS failed), 64 for bad
arguments.
"""

import argparse
import smtplib
import ssl
import sys

HOST = "127.0.0.1"


def wire(path):
    with open(path, "rb") as f:
        data = f.read()
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def session(a):
    smtp = smtplib.SMTP(HOST, a.port, local_hostname="client.test", timeout=60)
    try:
        smtp.ehlo()
        if not a.no_tls:
            ctx = ssl.create_default_context(cafile=a.cafile)
            code, text = smtp.starttls(context=ctx)
            if code != 220:
                return "starttls", code, text
            smtp.ehlo()
        if a.user is not None:
            if not smtp.has_extn("auth"):
                return "auth", 0, b"no AUTH offered"
            try:
                smtp.login(a.user, a.password)
            except smtplib.SMTPAuthenticationError as e:
                return "auth", e.smtp_code, e.smtp_error
        code, text = smtp.mail(a.sender)
        if code != 250:
            return "mail", code, text
        for r in a.rcpt:
            code, text = smtp.rcpt(r)
            if code not in (250, 251):
                return "rcpt", code, text
        code, text = smtp.data(wire(a.file))
        return "data", code, text
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass


def main():
    p = argparse.ArgumentParser(prog="mta-postfix-submit.py")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--cafile")
    p.add_argument("--no-tls", action="store_true")
    p.add_argument("--user")
    p.add_argument("--password", default="")
    p.add_argument("--sender", required=True)
    p.add_argument("--rcpt", action="append", required=True)
    p.add_argument("file")
    try:
        a = p.parse_args()
    except SystemExit:
        return 64
    if not a.no_tls and not a.cafile:
        print("STARTTLS needs --cafile", file=sys.stderr)
        return 64
    try:
        stage, code, text = session(a)
    except (OSError, ssl.SSLError, smtplib.SMTPException) as e:
        print("mta-postfix-submit.py: %s" % e, file=sys.stderr)
        return 1
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    print("%s\t%d\t%s" % (stage, code, text.replace("\n", " ")))
    return 0


if __name__ == "__main__":
    sys.exit(main())

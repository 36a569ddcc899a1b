#!/usr/bin/python3
"""mta-postfix-smtp.py - the SMTP client of t/mta-postfix.sh (stdlib only).

    mta-postfix-smtp.py port
        print a free TCP port on 127.0.0.1
    mta-postfix-smtp.py wait PORT [SECONDS]
        wait until a server on 127.0.0.1:PORT greets with 220 (default 10 s)
    mta-postfix-smtp.py send --port P --sender ADDR --rcpt ADDR... FILE...
        one SMTP session, one transaction per FILE, to every --rcpt; one
        line per FILE on stdout, tab-separated: FILE STAGE CODE TEXT, where
        STAGE is the command whose answer ended the transaction (mail,
        rcpt, or data for the answer after the message). --sender '' is
        the null sender (MAIL FROM:<>).
    mta-postfix-smtp.py bench --port P --sender ADDR --rcpt ADDR
                              --maildir DIR --count N FILE
        send FILE N times, one at a time, each after the one before has
        arrived in DIR/new; print "N MEAN MEDIAN MIN MAX" in milliseconds,
        each message timed from MAIL to its file appearing in DIR/new.
    mta-postfix-smtp.py burst (same options)
        send FILE N times in one session as fast as the server takes them,
        then wait for all N in DIR/new; print "N TOTAL PER-MESSAGE" in
        milliseconds, from the first MAIL to the last file.

FILE is read as bytes with LF line endings and sent with CRLF, dot-stuffed
by smtplib, exactly as it is otherwise: no line is added, not even the
empty one before the final dot that some clients send. Exit status: 0 when
the session ran (whatever the server answered), 1 when it could not (no
connection, a message that did not arrive within 30 s), 64 for bad
arguments.
"""

import argparse
import os
import smtplib
import socket
import statistics
import sys
import time

HOST = "127.0.0.1"
ARRIVAL_TIMEOUT = 30.0


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((HOST, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait(port, seconds):
    end = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection((HOST, port), timeout=2) as s:
                if s.recv(4)[:3] == b"220":
                    s.sendall(b"QUIT\r\n")
                    return True
        except OSError:
            pass
        if time.monotonic() > end:
            return False
        time.sleep(0.05)


def wire(path):
    with open(path, "rb") as f:
        data = f.read()
    # LF to CRLF; smtplib adds a CRLF only when the data does not end in one
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def transaction(smtp, sender, rcpts, data):
    """One MAIL/RCPT/DATA; returns (stage, code, text)."""
    code, text = smtp.mail(sender)
    if code != 250:
        smtp.rset()
        return "mail", code, text
    for r in rcpts:
        code, text = smtp.rcpt(r)
        if code not in (250, 251):
            smtp.rset()
            return "rcpt", code, text
    code, text = smtp.data(data)
    return "data", code, text


def connect(port):
    smtp = smtplib.SMTP(HOST, port, local_hostname="client.test", timeout=30)
    smtp.ehlo()
    return smtp


def count_new(maildir):
    try:
        return len(os.listdir(os.path.join(maildir, "new")))
    except FileNotFoundError:
        return 0


def wait_count(maildir, n, deadline):
    while count_new(maildir) < n:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.002)
    return True


def cmd_send(a):
    smtp = connect(a.port)
    for path in a.files:
        stage, code, text = transaction(smtp, a.sender, a.rcpt, wire(path))
        text = text.decode("utf-8", "replace").replace("\n", " ")
        print("%s\t%s\t%d\t%s" % (path, stage, code, text))
    smtp.quit()
    return 0


def cmd_bench(a):
    data = wire(a.files[0])
    smtp = connect(a.port)
    times = []
    for _ in range(a.count):
        before = count_new(a.maildir)
        t0 = time.monotonic()
        stage, code, text = transaction(smtp, a.sender, a.rcpt, data)
        if code != 250:
            print("refused at %s: %d %s" % (stage, code, text), file=sys.stderr)
            return 1
        if not wait_count(a.maildir, before + 1, t0 + ARRIVAL_TIMEOUT):
            print("a message did not arrive in %s" % a.maildir, file=sys.stderr)
            return 1
        times.append((time.monotonic() - t0) * 1000.0)
    smtp.quit()
    print("%d %.1f %.1f %.1f %.1f" % (len(times), statistics.mean(times),
                                      statistics.median(times), min(times),
                                      max(times)))
    return 0


def cmd_burst(a):
    data = wire(a.files[0])
    before = count_new(a.maildir)
    smtp = connect(a.port)
    t0 = time.monotonic()
    for _ in range(a.count):
        stage, code, text = transaction(smtp, a.sender, a.rcpt, data)
        if code != 250:
            print("refused at %s: %d %s" % (stage, code, text), file=sys.stderr)
            return 1
    smtp.quit()
    if not wait_count(a.maildir, before + a.count, t0 + ARRIVAL_TIMEOUT):
        print("only %d of %d arrived in %s" %
              (count_new(a.maildir) - before, a.count, a.maildir),
              file=sys.stderr)
        return 1
    total = (time.monotonic() - t0) * 1000.0
    print("%d %.1f %.1f" % (a.count, total, total / a.count))
    return 0


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "port":
        print(free_port())
        return 0
    if len(sys.argv) >= 3 and sys.argv[1] == "wait":
        secs = float(sys.argv[3]) if len(sys.argv) > 3 else 10.0
        return 0 if wait(int(sys.argv[2]), secs) else 1
    p = argparse.ArgumentParser(prog="mta-postfix-smtp.py")
    p.add_argument("command", choices=["send", "bench", "burst"])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--sender", required=True)
    p.add_argument("--rcpt", action="append", required=True)
    p.add_argument("--maildir")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("files", nargs="+")
    try:
        a = p.parse_args()
    except SystemExit:
        return 64
    if a.command != "send" and not a.maildir:
        print("%s needs --maildir" % a.command, file=sys.stderr)
        return 64
    try:
        return {"send": cmd_send, "bench": cmd_bench,
                "burst": cmd_burst}[a.command](a)
    except (OSError, smtplib.SMTPException) as e:
        print("mta-postfix-smtp.py: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""mta-exim-client.py - the SMTP client of t/mta-exim.sh (stdlib only).

    mta-exim-client.py port
        print a free TCP port on 127.0.0.1
    mta-exim-client.py wait PORT [SECONDS]
        wait until a server on 127.0.0.1:PORT greets with 220 (default 10 s)
    mta-exim-client.py send --port P [--user U --password PW]
                            [--helo NAME] --sender ADDR --rcpt ADDR FILE...
        one SMTP session (EHLO NAME, default client.test; --timeout
        SECONDS for each answer, default 30; AUTH PLAIN
        without TLS when --user is given), one
        transaction per FILE; one line per FILE on stdout, tab-separated:
            FILE  STAGE  CODE  TEXT
        STAGE is the command whose answer ended the transaction: mail or
        rcpt when refused there, data for the answer after the message.
    mta-exim-client.py bench --port P --user U --password PW --sender ADDR
                             --rcpt ADDR --from HEADER --maildir DIR --count N
                             [--times FILE]
        send N messages, one at a time, each after the one before has
        arrived in DIR/new; print "N MEAN MEDIAN MIN MAX" in milliseconds,
        each message timed from MAIL to its file appearing in DIR/new, and
        append each time to FILE, one a line.

FILE messages are read as bytes, their line endings made CRLF, and sent
dot-stuffed by smtplib. Exit status: 0 when the session ran (whatever the
server answered), 1 when it could not (no connection, a message that never
arrived), 64 for bad arguments.
"""

import argparse
import os
import re
import smtplib
import socket
import statistics
import sys
import time

HOST = "127.0.0.1"


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


def crlf(msg):
    """smtplib sends bytes as they are: give it CRLF line endings."""
    return re.sub(rb"\r?\n", b"\r\n", msg)


def connect(args):
    s = smtplib.SMTP(HOST, args.port, local_hostname=args.helo,
                     timeout=args.timeout)
    s.ehlo()
    if args.user is not None:
        s.login(args.user, args.password)
    return s


def one_line(text):
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(text.split())


def send(args):
    s = connect(args)
    for path in args.files:
        with open(path, "rb") as f:
            msg = crlf(f.read())
        code, text = s.mail(args.sender)
        stage = "mail"
        if code == 250:
            code, text = s.rcpt(args.rcpt)
            stage = "rcpt"
            if code in (250, 251):
                code, text = s.data(msg)
                stage = "data"
        print("%s\t%s\t%d\t%s" % (path, stage, code, one_line(text)))
        sys.stdout.flush()
        if stage != "data" or code != 250:
            s.rset()
    s.quit()
    return 0


def arrived(new_dir):
    try:
        return len(os.listdir(new_dir))
    except FileNotFoundError:
        return 0


def bench(args):
    new_dir = os.path.join(args.maildir, "new")
    s = connect(args)
    times = []
    for i in range(args.count):
        before = arrived(new_dir)
        msg = ("From: %s\nTo: <%s>\nSubject: bench %d\n\n"
               "Message %d of a benchmark run through Exim.\n"
               % (args.header_from, args.rcpt, i, i)).encode()
        msg = crlf(msg)
        t0 = time.monotonic()
        code, text = s.mail(args.sender)
        if code == 250:
            code, text = s.rcpt(args.rcpt)
            if code == 250:
                code, text = s.data(msg)
        if code != 250:
            print("message %d refused: %d %s" % (i, code, one_line(text)),
                  file=sys.stderr)
            return 1
        end = t0 + 20
        while arrived(new_dir) <= before:
            if time.monotonic() > end:
                print("message %d did not arrive in 20 s" % i,
                      file=sys.stderr)
                return 1
            time.sleep(0.0005)
        times.append((time.monotonic() - t0) * 1000)
    s.quit()
    if args.times:
        with open(args.times, "a") as f:
            f.writelines("%.2f\n" % t for t in times)
    print("%d %.1f %.1f %.1f %.1f" % (len(times), statistics.mean(times),
                                      statistics.median(times), min(times),
                                      max(times)))
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("port")
    w = sub.add_parser("wait")
    w.add_argument("port", type=int)
    w.add_argument("seconds", type=float, nargs="?", default=10)
    for name in ("send", "bench"):
        c = sub.add_parser(name)
        c.add_argument("--port", type=int, required=True)
        c.add_argument("--helo", default="client.test")
        c.add_argument("--timeout", type=float, default=30)
        c.add_argument("--user")
        c.add_argument("--password", default="")
        c.add_argument("--sender", required=True)
        c.add_argument("--rcpt", required=True)
        if name == "send":
            c.add_argument("files", nargs="+")
        else:
            c.add_argument("--from", dest="header_from", required=True)
            c.add_argument("--maildir", required=True)
            c.add_argument("--count", type=int, default=50)
            c.add_argument("--times")
    try:
        args = p.parse_args()
    except SystemExit as e:
        return 64 if e.code else 0
    if args.cmd == "port":
        print(free_port())
        return 0
    if args.cmd == "wait":
        return 0 if wait(args.port, args.seconds) else 1
    try:
        return send(args) if args.cmd == "send" else bench(args)
    except (OSError, smtplib.SMTPException) as e:
        print("mta-exim-client.py: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

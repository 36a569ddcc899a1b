#!/usr/bin/python3
"""mta-list-manager.py - the mailing list of t/mta-exim-arc.sh (stdlib only).

    mta-list-manager.py serve --lmtp-port P --smtp-port Q --list ADDR
                              --subscribers ADDR,... [--log FILE]
        an LMTP server on 127.0.0.1:P that does what Mailman does with a
        post, in small: to each message for ADDR it prefixes the Subject
        with "[list] ", adds List-Id, appends a footer, and submits the
        changed message over SMTP to 127.0.0.1:Q (MAIL FROM the list's
        -bounces address) for the subscribers, every other field kept
        (the Authentication-Results among them). To a message for the
        -request address it answers with a notice of its own, a new
        message to the envelope sender. The LMTP reply for a recipient
        is 250 only once the SMTP server took the message(s) made for
        it, else 451. One line per message handled goes to FILE.
        Runs until killed.
    mta-list-manager.py send --port Q [--source IP] [--timeout SECONDS]
                             --sender ADDR --rcpt ADDR FILE
        one SMTP message to 127.0.0.1:Q from the local address IP
        (default 127.0.0.1; 127.0.0.2 is "outside" for the list host's
        routers), its line endings made CRLF; prints "CODE TEXT", the
        server's answer after the message, or the one that refused it
        earlier (each answer awaited SECONDS, default 60).

Exit status: 0, 1 when the SMTP session failed, 64 for bad arguments.
"""

import argparse
import re
import smtplib
import itertools
import socketserver
import sys
import threading

HOST = "127.0.0.1"
NOTICES = itertools.count(1)
FOOTER = b"_______________________________________________\r\n" \
         b"list mailing list -- %s\r\n" \
         b"To unsubscribe send an email to %s\r\n"


def split_message(msg):
    """header bytes (ending in CRLF), body bytes"""
    m = re.search(rb"\r\n\r\n", msg)
    if m is None:
        return msg, b""
    return msg[:m.start() + 2], msg[m.end():]


def post(msg, list_addr):
    """the message as the list sends it on"""
    head, body = split_message(msg)
    head = re.sub(rb"(?im)^Subject:[ \t]*", b"Subject: [list] ", head,
                  count=1)
    local, domain = list_addr.split("@", 1)
    head += b"List-Id: <%s.%s>\r\n" % (local.encode(), domain.encode())
    if body and not body.endswith(b"\r\n"):
        body += b"\r\n"
    body += FOOTER % (list_addr.encode(), (local + "-leave@" + domain).encode())
    return head + b"\r\n" + body


def notice(to, list_addr):
    local, domain = list_addr.split("@", 1)
    req = "%s-request@%s" % (local, domain)
    return ("From: %s\r\nTo: <%s>\r\nSubject: Your request to %s\r\n"
            "Message-ID: <notice.%d@%s>\r\n\r\n"
            "This is the list manager's answer to your request.\r\n"
            % (req, to, list_addr, next(NOTICES), domain)).encode(), \
        "%s-bounces@%s" % (local, domain)


class Lmtp(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        cfg = self.server.cfg
        self.reply("220 lists.example.org LMTP list manager")
        sender, rcpts = None, []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.strip().decode("ascii", "replace")
            verb = cmd.split(" ", 1)[0].upper()
            if verb == "LHLO":
                self.reply("250-lists.example.org")
                self.reply("250 8BITMIME")
            elif verb == "MAIL":
                m = re.match(r"(?i)MAIL FROM:\s*<([^>]*)>", cmd)
                sender, rcpts = (m.group(1) if m else ""), []
                self.reply("250 OK")
            elif verb == "RCPT":
                m = re.match(r"(?i)RCPT TO:\s*<([^>]*)>", cmd)
                addr = m.group(1).lower() if m else ""
                local, domain = cfg.list.split("@", 1)
                if addr in (cfg.list, "%s-request@%s" % (local, domain)):
                    rcpts.append(addr)
                    self.reply("250 OK")
                else:
                    self.reply("550 no such list")
            elif verb == "DATA":
                if not rcpts:
                    self.reply("503 no recipients")
                    continue
                self.reply("354 go ahead")
                data = []
                while True:
                    line = self.rfile.readline()
                    if not line or line in (b".\r\n", b".\n"):
                        break
                    if line.startswith(b"."):
                        line = line[1:]
                    data.append(line if line.endswith(b"\r\n")
                                else line.rstrip(b"\n") + b"\r\n")
                msg = b"".join(data)
                for r in rcpts:
                    self.reply(self.server.deliver(sender, r, msg))
                sender, rcpts = None, []
            elif verb == "RSET":
                sender, rcpts = None, []
                self.reply("250 OK")
            elif verb == "NOOP":
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("500 unknown command")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, cfg):
        super().__init__((HOST, cfg.lmtp_port), Lmtp)
        self.cfg = cfg
        self.lock = threading.Lock()

    def log(self, text):
        if self.cfg.log:
            with self.lock, open(self.cfg.log, "a") as f:
                f.write(text + "\n")

    def deliver(self, sender, rcpt, msg):
        cfg = self.cfg
        local, domain = cfg.list.split("@", 1)
        if rcpt == cfg.list:
            out, frm, to = post(msg, cfg.list), \
                "%s-bounces@%s" % (local, domain), cfg.subscribers
            what = "post"
        else:
            out, frm = notice(sender, cfg.list)
            to, what = [sender], "notice"
        try:
            with smtplib.SMTP(HOST, cfg.smtp_port, local_hostname=domain,
                              timeout=60) as s:
                refused = s.sendmail(frm, to, out)
        except (OSError, smtplib.SMTPException) as e:
            self.log("%s from <%s>: not submitted: %s" % (what, sender, e))
            return "451 4.3.0 cannot submit now"
        self.log("%s from <%s>: submitted to %s%s" %
                 (what, sender, ",".join(to),
                  " (refused: %s)" % refused if refused else ""))
        return "250 2.0.0 %s taken" % what


def send(a):
    with open(a.file, "rb") as f:
        msg = re.sub(rb"\r?\n", b"\r\n", f.read())
    s = smtplib.SMTP(HOST, a.port, local_hostname="client.test",
                     timeout=a.timeout, source_address=(a.source, 0))
    s.ehlo()
    code, text = s.mail(a.sender)
    if code == 250:
        code, text = s.rcpt(a.rcpt)
        if code in (250, 251):
            code, text = s.data(msg)
    print("%d %s" % (code, " ".join(text.decode("utf-8", "replace").split())))
    s.quit()
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    v = sub.add_parser("serve")
    v.add_argument("--lmtp-port", type=int, required=True)
    v.add_argument("--smtp-port", type=int, required=True)
    v.add_argument("--list", required=True)
    v.add_argument("--subscribers", required=True)
    v.add_argument("--log")
    c = sub.add_parser("send")
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--source", default=HOST)
    c.add_argument("--timeout", type=float, default=60)
    c.add_argument("--sender", required=True)
    c.add_argument("--rcpt", required=True)
    c.add_argument("file")
    try:
        a = p.parse_args()
    except SystemExit as e:
        return 64 if e.code else 0
    if a.cmd == "send":
        try:
            return send(a)
        except (OSError, smtplib.SMTPException) as e:
            print("mta-list-manager.py: %s" % e, file=sys.stderr)
            return 1
    a.list = a.list.lower()
    a.subscribers = a.subscribers.split(",")
    with Server(a) as srv:
        srv.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""mta-postfix-list.py - the list manager of t/mta-postfix-arc.sh (stdlib only).

    mta-postfix-list.py --port-file FILE --submit PORT --list ADDR
                        --member ADDR... --log FILE

An LMTP server on 127.0.0.1, as Mailman 3 runs one for Postfix
(transport_maps: lmtp:[127.0.0.1]:PORT). It listens on a free port, writes
the port number to FILE once it listens, and serves until its parent
process is gone or it gets SIGTERM.

For each message it takes:
  - to the list ADDR (list@DOMAIN): a post. It tags the Subject with
    "[list] ", adds List-Id, appends a footer to the body, and submits the
    changed message over SMTP to 127.0.0.1:PORT (the list's own smtpd),
    from list-bounces@DOMAIN to every --member, as a list manager sends
    mail out;
  - to list-request@DOMAIN: a request. It sends the envelope sender a
    notice of its own, the same way: a new message that never went
    through the verifier (no Authentication-Results field in its header),
    with the request attached as message/rfc822, whose header does have
    the verifier's field.
Any other recipient gets 550. The LMTP answer for a recipient is 250 once
its message has been submitted, 451 when the submission failed (Postfix
then defers and tries again). One line per message goes to the log FILE:
"post MESSAGE-ID" or "notice TO" and the submission's outcome; "bounce
MESSAGE-ID" for a message with the null sender, which a list manager takes
as a bounce and does not pass on.
"""

import argparse
import os
import smtplib
import socket
import socketserver
import sys
import threading
import time

HOST = "127.0.0.1"
TAG = b"[list] "


def split_message(data):
    """header and body of a CRLF message (the empty line goes to body)."""
    i = data.find(b"\r\n\r\n")
    if i < 0:
        return data, b""
    return data[:i + 2], data[i + 2:]


def header_value(header, name):
    """the first NAME field's value, unfolded, or b''."""
    lname = name.lower() + b":"
    lines = header.split(b"\r\n")
    for n, line in enumerate(lines):
        if line.lower().startswith(lname):
            v = line[len(lname):]
            for cont in lines[n + 1:]:
                if cont[:1] not in (b" ", b"\t"):
                    break
                v += cont
            return v.strip()
    return b""


def change(data, listaddr):
    """the post as the list sends it: tagged Subject, List-Id, footer."""
    header, body = split_message(data)
    local, domain = listaddr.split("@")
    out = []
    tagged = False
    for line in header.split(b"\r\n"):
        if not tagged and line.lower().startswith(b"subject:"):
            v = line[len(b"subject:"):].lstrip(b" \t")
            if not v.startswith(TAG):
                line = b"Subject: " + TAG + v
            tagged = True
        out.append(line)
    if not tagged:
        out.insert(len(out) - 1, b"Subject: " + TAG.strip())
    # the list's own field, before the empty line that ends the header
    out.insert(len(out) - 1, ("List-Id: <%s.%s>" % (local, domain)).encode())
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    footer = ("_______________________________________________\r\n"
              "%s mailing list -- %s\r\n"
              "To unsubscribe send an email to %s-leave@%s\r\n"
              % (local, listaddr, local, domain)).encode()
    return b"\r\n".join(out) + body + footer


def notice(to, listaddr, about):
    """the list manager's own message to TO, with the message ABOUT
    attached (message/rfc822), as a list manager attaches the message a
    notice is about (a held post, to the owner) or the posts of a MIME
    digest: their header fields, ours among them, come along."""
    local, domain = listaddr.split("@")
    now = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
    boundary = "notice-%d" % time.time_ns()
    return ("From: %s-request@%s\r\n"
            "To: %s\r\n"
            "Subject: Your request to the %s mailing list\r\n"
            "Date: %s\r\n"
            "Message-ID: <notice.%d.%d@%s>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"%s\"\r\n"
            "\r\n"
            "--%s\r\n"
            "Content-Type: text/plain; charset=us-ascii\r\n"
            "\r\n"
            "This is a notice from the %s mailing list manager.\r\n"
            "Your request is attached.\r\n"
            "\r\n"
            "--%s\r\n"
            "Content-Type: message/rfc822\r\n"
            "\r\n"
            % (local, domain, to, local, now, os.getpid(), time.time_ns(),
               domain, boundary, boundary, listaddr, boundary)).encode() + \
        about + ("\r\n--%s--\r\n" % boundary).encode()


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


class LMTP(socketserver.StreamRequestHandler):
    timeout = 300

    def reply(self, text):
        self.wfile.write(text.encode() + b"\r\n")
        self.wfile.flush()

    def log(self, line):
        with self.server.lock:
            with open(self.server.opts.log, "a") as f:
                f.write(line + "\n")

    def submit(self, sender, rcpts, data):
        try:
            with smtplib.SMTP(HOST, self.server.opts.submit,
                              local_hostname="lists-manager.test",
                              timeout=120) as s:
                refused = s.sendmail(sender, rcpts, data)
            if refused:
                return "refused %r" % refused
            return "sent"
        except (OSError, smtplib.SMTPException) as e:
            return "failed: %s" % e

    def deliver(self, sender, rcpt, data):
        """the answer to DATA for one recipient"""
        opts = self.server.opts
        local, domain = opts.list.split("@")
        bounces = "%s-bounces@%s" % (local, domain)
        header, _ = split_message(data)
        msgid = header_value(header, b"Message-ID").decode("ascii", "replace")
        if sender == "":
            self.log("bounce %s" % msgid)
            return "250 2.0.0 bounce taken"
        if rcpt.lower() == opts.list.lower():
            r = self.submit(bounces, opts.member, change(data, opts.list))
            self.log("post %s %s" % (msgid, r))
        else:
            r = self.submit(bounces, [sender], notice(sender, opts.list, data))
            self.log("notice %s %s" % (sender, r))
        if r == "sent":
            return "250 2.0.0 ok"
        return "451 4.3.0 cannot send the list's mail now"

    def handle(self):
        opts = self.server.opts
        local, domain = opts.list.split("@")
        known = (opts.list.lower(), "%s-request@%s" % (local.lower(), domain.lower()))
        self.reply("220 %s LMTP list manager" % domain)
        sender, rcpts = None, []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode("ascii", "replace").rstrip("\r\n")
            verb = cmd[:4].upper()
            arg = cmd[4:].strip()
            if verb == "LHLO":
                self.reply("250-%s\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES" % domain)
            elif verb == "MAIL" and arg.upper().startswith("FROM:"):
                sender = addr(arg[5:])
                rcpts = []
                self.reply("250 2.1.0 ok")
            elif verb == "RCPT" and arg.upper().startswith("TO:"):
                r = addr(arg[3:])
                if sender is None:
                    self.reply("503 5.5.1 MAIL first")
                elif r.lower() in known:
                    rcpts.append(r)
                    self.reply("250 2.1.5 ok")
                else:
                    self.reply("550 5.1.1 no such list")
            elif verb == "DATA":
                if not rcpts:
                    self.reply("503 5.5.1 RCPT first")
                    continue
                self.reply("354 go ahead")
                data = self.read_data()
                if data is None:
                    return
                for r in rcpts:
                    self.reply(self.deliver(sender, r, data))
                sender, rcpts = None, []
            elif verb == "RSET":
                sender, rcpts = None, []
                self.reply("250 2.0.0 ok")
            elif verb == "NOOP":
                self.reply("250 2.0.0 ok")
            elif verb == "QUIT":
                self.reply("221 2.0.0 bye")
                return
            else:
                self.reply("500 5.5.2 what")

    def read_data(self):
        lines = []
        while True:
            line = self.rfile.readline()
            if not line:
                return None
            if line in (b".\r\n", b".\n"):
                break
            if line.startswith(b"."):
                line = line[1:]
            if not line.endswith(b"\r\n"):
                line = line.rstrip(b"\n") + b"\r\n"
            lines.append(line)
        return b"".join(lines)


def addr(s):
    """the address of "<a@b> PARAM..." (MAIL FROM:, RCPT TO: arguments)"""
    s = s.strip()
    if s.startswith("<"):
        return s[1:s.find(">")] if ">" in s else s[1:]
    return s.split()[0] if s else ""


def main():
    p = argparse.ArgumentParser(prog="mta-postfix-list.py")
    p.add_argument("--port-file", required=True)
    p.add_argument("--submit", type=int, required=True)
    p.add_argument("--list", required=True)
    p.add_argument("--member", action="append", required=True)
    p.add_argument("--log", required=True)
    opts = p.parse_args()
    srv = Server((HOST, 0), LMTP)
    srv.opts = opts
    srv.lock = threading.Lock()
    tmp = opts.port_file + ".new"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, opts.port_file)
    parent = os.getppid()

    def orphan_watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)
    threading.Thread(target=orphan_watch, daemon=True).start()
    srv.serve_forever(poll_interval=0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main())

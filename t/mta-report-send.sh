#!/bin/sh
# mta-report-send - DMARC aggregate reports end to end through a real
# Postfix: messages of three policy domains through dkimpipe-verify
# --report-spool, then dkimpipe-report send with the sendmail of a
# private Postfix instance (unpacked as for t/mta-postfix.sh, on
# 127.0.0.1, delivering into maildirs), and the mails Postfix delivered
# through dkimpipe-report read and summary.
#
# What it shows:
#   - send exits 0, one report mail per policy domain reaches the rua=
#     mailbox (an outside destination only with its _report._dmarc
#     record), and the day's spool files are removed;
#   - as delivered (Postfix's Return-Path, Delivered-To and Received on
#     top), each mail's gzip attachment is valid against RFC 9990's schema
#     and its DKIM signature verifies, in dkimpipe-verify (dkim=pass,
#     DNSSEC secure) and in dkimpy;
#   - dkimpipe-report read takes each delivered mail, and summary --format
#     csv counts per source address what dkimpipe-verify judged;
#   - a second send sends nothing more;
#   - with Postfix stopped, its sendmail still takes the reports (they
#     wait in the maildrop queue), so send exits 0 and removes the day;
#     Postfix started again delivers them, with the first report IDs;
#   - with a sendmail that cannot run (the path of a broken installation),
#     send exits 75 and keeps the day; with the working one the next run
#     delivers the reports, with the report IDs of the first delivery.
#     (Not used: a missing maildrop directory, where Postfix's postdrop
#     waits and retries for ever instead of failing.)
#
# Postfix runs as in t/mta-postfix.sh (root needed: master(8) switches
# users); only pickup, cleanup, qmgr and virtual(8) are used: no smtpd,
# no port. The sendmail that send runs is a two-line wrapper that gives
# the unpacked sendmail its instance (MAIL_CONFIG) and its libraries
# (LD_LIBRARY_PATH). DKIMPIPE_TEST_KEEP=1 keeps the directory.
. "$(dirname "$0")/lib.sh"

verify=$(t_prog dkimpipe-verify)
sign=$(t_prog dkimpipe-sign)
keys=$(t_prog dkimpipe-keys)
report=$(t_prog dkimpipe-report)
[ "$(id -u)" = 0 ] ||
    skip_all "Postfix's master(8) must run as root (run as root)"
t_need_dns
t_need xmllint libxml2-utils
t_need gzip
py=/usr/bin/python3
"$py" -c 'import dkim, dns.resolver' 2>/dev/null ||
    skip_all "python3-dkim and python3-dnspython needed"
xsd=$top_srcdir/t/data/dmarc-reports/rfc9990/dmarc-xml-0.2.xsd

umask 022
mktmpdir tmp
chmod 0755 "$tmp"
cache=$(sh "$t_dir/mta-postfix-get.sh" 2>"$tmp/get.err") ||
    skip_all "no Postfix to run: $(tail -n 1 "$tmp/get.err")"
pf=$tmp/postfix
cp -a "$cache" "$pf" || bail_out "cannot copy $cache"
PF_LIB=$pf/usr/lib/postfix

plan 37

. "$t_dir/mta-postfix-lib.sh"

# ------------------------------------------------------------ DNS, keys --
ks=$tmp/ks
T=1700000000	# 2023-11-14 22:13:20 UTC
NEXT=1700100000	# the day after
{
	"$keys" -k "$ks" new -d good.test -s sel -a rsa &&
	"$keys" -k "$ks" new -d other.test -s ed -a ed25519 &&
	"$keys" -k "$ks" new -d dest.test -s rep -a rsa
} >"$tmp/records" 2>"$tmp/keys.err" ||
    { diag_file "$tmp/keys.err"; bail_out "dkimpipe-keys new failed"; }
cat >>"$tmp/records" <<'EOF'
good.test.		3600 IN TXT "v=spf1 ip4:192.0.2.1 -all"
other.test.		3600 IN TXT "v=spf1 ip4:192.0.2.2 -all"
_dmarc.good.test.	3600 IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@good.test"
_dmarc.other.test.	3600 IN TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc@other.test"
_dmarc.ext.test.	3600 IN TXT "v=DMARC1; p=none; rua=mailto:ext@good.test"
ext.test._report._dmarc.good.test. 3600 IN TXT "v=DMARC1"
EOF
t_dns_start "$tmp/dns" "$tmp/records" --dnssec
V="$verify --resolver-conf $UNBOUND_CONF --trust-anchor $ANCHOR --now $T --timeout $(t_timeout 5s) --authserv-id mx.dest.test --spf --dmarc"

# ------------------------------------------------- the day's verdicts --
mail()	# mail FROM-DOMAIN SUBJECT
{
	printf 'From: Ann <ann@%s>\nTo: bob@dest.test\nSubject: %s\n' "$1" "$2"
	printf 'Date: Tue, 14 Nov 2023 22:13:20 +0000\nMessage-ID: <%s@%s>\n\n' "$2" "$1"
	printf 'Hello.\n'
}
mail good.test signed | "$sign" -k "$ks" --timestamp $T >"$tmp/signed"
mail other.test osigned | "$sign" -k "$ks" --timestamp $T >"$tmp/osigned"
mail good.test forged >"$tmp/forged"
mail other.test oforged >"$tmp/oforged"
mail ext.test ext >"$tmp/ext"

# good.test: 3 pass from 192.0.2.1, 2 fail from 192.0.2.9; other.test:
# 2 pass from 192.0.2.2, 1 fail from 203.0.113.5; ext.test: 1 (no
# signature, no SPF record) from 198.51.100.7
sp=$tmp/spool
mkdir "$sp"
bad=0
v()	# v HOST IP MAIL-FROM FILE
{
	$V --report-spool "$sp" --report-host "$1" --client-ip "$2" \
	    --mail-from "$3" <"$4" >/dev/null 2>>"$tmp/verify.err" ||
	    bad=$((bad + 1))
}
v mx1 192.0.2.1 ann@good.test "$tmp/signed"
v mx1 192.0.2.1 ann@good.test "$tmp/signed"
v mx2 192.0.2.1 ann@good.test "$tmp/signed"
v mx1 192.0.2.9 x@good.test "$tmp/forged"
v mx2 192.0.2.9 x@good.test "$tmp/forged"
v mx1 192.0.2.2 ann@other.test "$tmp/osigned"
v mx2 192.0.2.2 ann@other.test "$tmp/osigned"
v mx1 203.0.113.5 x@other.test "$tmp/oforged"
v mx2 198.51.100.7 e@ext.test "$tmp/ext"
is "$bad" 0 "nine messages of three policy domains verified with --report-spool"
[ "$bad" = 0 ] || diag_file "$tmp/verify.err"
cp -R "$sp" "$tmp/spool.orig"

# ------------------------------------------------------------ Postfix --
conf=$tmp/conf
queue=$tmp/queue
mail=$tmp/mail
mkdir "$conf" "$tmp/meta" "$mail" "$queue"
chown nobody "$mail"
cp -a "$pf/etc/postfix/." "$tmp/meta/"
cp "$pf/usr/share/postfix/dynamicmaps.cf" "$tmp/meta/"
# the maildrop directory as a set-gid postdrop would not need it (see
# t/mta-postfix.sh)
mkdir "$queue/maildrop" "$queue/public"
chown postfix:postdrop "$queue/maildrop" "$queue/public"
chmod 1733 "$queue/maildrop"
chmod 0711 "$queue/public"
printf '%s %s/\n' dmarc@good.test good dmarc@other.test other \
    ext@good.test ext >"$conf/vmailbox"
{ pf_main_cf mta-report-send.sh; cat <<EOF
myhostname = mx.dest.test
mydomain = dest.test
myorigin = dest.test
mydestination =
alias_maps =
alias_database =
local_recipient_maps =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
EOF
pf_main_cf_mailboxes "good.test other.test"
} >"$conf/main.cf"
# Debian's master.cf without its smtp line: nothing listens
sed '/^smtp[[:space:]][[:space:]]*inet[[:space:]]/d' \
    "$pf/usr/share/postfix/master.cf.dist" >"$conf/master.cf"

at_exit "pf_stop"
pickup_up() { [ -S "$queue/public/pickup" ] && pf postfix status; }
try_start()
{
	pf postfix start >"$tmp/start.out" 2>&1 &&
	    wait_until "$(t_timeout 10)" pickup_up
}
pf_start_tries try_start
ok 0 "Postfix $(cat "$pf/VERSION" 2>/dev/null) runs, delivering good.test and other.test into maildirs"

# the sendmail send runs: the instance's, found through MAIL_CONFIG
cat >"$tmp/sendmail" <<EOF
#!/bin/sh
MAIL_CONFIG=$conf LD_LIBRARY_PATH=$PF_LIB exec $pf/usr/sbin/sendmail "\$@"
EOF
chmod 0755 "$tmp/sendmail"
S="$report send --spool $sp --org-name Dest --email dmarc@dest.test --domain dest.test --keystore $ks --now $NEXT --resolver-conf $UNBOUND_CONF --trust-anchor $ANCHOR --timeout $(t_timeout 5s) --log stderr"

# reports: every delivered report mail, one path a line
reports()
{
	find "$mail/good/new" "$mail/other/new" "$mail/ext/new" -type f \
	    2>/dev/null | sort
}
nreports() { reports | wc -l | tr -d ' '; }
at_least_reports() { [ "$(nreports)" -ge "$1" ]; }
# ids: the Report-IDs in the subjects of the delivered mails, sorted
ids()
{
	reports | while read -r f; do
		field Subject "$f" | sed -n 's/^Subject: .*Report-ID: <\(.*\)>$/\1/p'
	done | sort
}

# ----------------------------------------------------------- send --
run $S --sendmail "$tmp/sendmail"
is "$status" 0 "send through Postfix's sendmail: exit 0"
[ "$status" = 0 ] || diag "$err"
wait_until "$(t_timeout 20)" at_least_reports 3
is "$(nreports)" 3 "three report mails delivered, one per policy domain"
g=$(new_file "$mail/good" '^Subject: Report Domain: good\.test Submitter: dest\.test ') || g=/nonexistent
o=$(new_file "$mail/other" '^Subject: Report Domain: other\.test Submitter: dest\.test ') || o=/nonexistent
x=$(new_file "$mail/ext" '^Subject: Report Domain: ext\.test Submitter: dest\.test ') || x=/nonexistent
check "good.test's report in dmarc@good.test's maildir, other.test's in dmarc@other.test's, ext.test's (authorized by its _report._dmarc record) in ext@good.test's" \
    test -f "$g" -a -f "$o" -a -f "$x"
is "$(ls "$sp" | grep -c '\.spool$\|\.sent$')" 0 "every report accepted: the day's spool files are gone"
like "$(grep 'to=<dmarc@good.test>' "$tmp/maillog")" 'relay=virtual, .*status=sent \(delivered to maildir\)' \
    "the mail log: Postfix's virtual(8) delivered it"
is "$(fields "$g" | cut -d' ' -f1-5)" "Return-Path X-Original-To Delivered-To Received DKIM-Signature" \
    "as delivered: Postfix's fields, then the report's signature"
is "$(field Return-Path "$g")" "Return-Path: <dmarc@dest.test>" \
    "the envelope sender is --email"
first_ids=$(ids)

# the attachments, as delivered
att=$tmp/att
mkdir "$att"
# shellcheck disable=SC2046 # file names without spaces
run "$py" - "$att" $(reports) <<'EOF'
import email, email.policy, gzip, os, sys
out = sys.argv[1]
for i, path in enumerate(sys.argv[2:]):
    with open(path, "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.default)
    parts = [p for p in m.walk() if p.get_content_type() == "application/gzip"]
    if len(parts) != 1:
        print("%s: %d gzip parts" % (path, len(parts)))
        continue
    name = parts[0].get_filename()
    with open(os.path.join(out, "%d.xml" % i), "wb") as f:
        f.write(gzip.decompress(parts[0].get_payload(decode=True)))
    print(name)
EOF
is "$(printf '%s\n' "$out" | grep -c '^dest\.test!\(good\|other\|ext\)\.test!1699920000!1700006399![0-9a-f]\{32\}\.xml\.gz$')" 3 \
    "each delivered mail has one gzip attachment, named receiver!policy-domain!begin!end!id.xml.gz"
[ -z "$err" ] || diag "$err"
nvalid=0
for f in "$att"/*.xml; do
	xmllint --noout --schema "$xsd" "$f" 2>>"$tmp/xmllint.err" &&
	    nvalid=$((nvalid + 1))
done
is "$nvalid" 3 "every delivered report is valid against RFC 9990's schema (xmllint --schema)"
[ "$nvalid" = 3 ] || diag_file "$tmp/xmllint.err"

# the signatures, as delivered
nvpass=0
for f in $(reports); do
	$verify --resolver-conf "$UNBOUND_CONF" --trust-anchor "$ANCHOR" \
	    --now "$NEXT" --timeout "$(t_timeout 10s)" \
	    --authserv-id mx.good.test --results-only <"$f" \
	    >"$tmp/ar" 2>&1
	if tr -d '\n' <"$tmp/ar" |
	    grep -q 'dkim=pass ([0-9]*-bit key, DNSSEC secure)[[:space:]]*header\.d=dest\.test'
	then
		nvpass=$((nvpass + 1))
	else
		diag_file "$tmp/ar"
	fi
done
is "$nvpass" 3 "every delivered report's DKIM signature verifies in dkimpipe-verify (d=dest.test, DNSSEC secure)"
# shellcheck disable=SC2046 # file names without spaces
run "$py" "$top_srcdir/t/verify-dkimpy.py" --port "$PORT" $(reports)
is "$(printf '%s\n' "$out" | awk -F'\t' '$4 == "pass"' | wc -l | tr -d ' ')" 3 \
    "and in dkimpy"

# ------------------------------------------- read, summary: the counts --
store=$tmp/store
mkdir "$store"
nread=0
for f in $(reports); do
	"$report" read --store "$store" <"$f" 2>>"$tmp/read.err" &&
	    nread=$((nread + 1))
done
is "$nread" 3 "dkimpipe-report read takes every delivered report mail (exit 0)"
[ "$nread" = 3 ] || diag_file "$tmp/read.err"
csv()	# csv DOMAIN: the summary's rows, without reverse names and selectors
{
	"$report" summary --store "$store" --domain "$1" --format csv --no-dns \
	    2>>"$tmp/summary.err" | tr -d '\r' | sed 1d |
	    awk -F, '{ print $1, $3, $4, $5, $6, $7, $8, $9, $10 }'
}
# source_ip messages dkim_pass dkim_fail spf_pass spf_fail dmarc_pass
# dmarc_fail lost_at_reject
is "$(csv good.test)" "192.0.2.1 3 3 0 3 0 3 0 no
192.0.2.9 2 0 2 0 2 0 2 yes" \
    "summary of good.test: 3 passed from 192.0.2.1, 2 failed from 192.0.2.9"
is "$(csv other.test)" "192.0.2.2 2 2 0 2 0 2 0 no
203.0.113.5 1 0 1 0 1 0 1 yes" \
    "summary of other.test: 2 passed from 192.0.2.2, 1 failed from 203.0.113.5"
is "$(csv ext.test)" "198.51.100.7 1 0 1 0 1 0 1 yes" \
    "summary of ext.test: 1 failed from 198.51.100.7"
like "$("$report" summary --store "$store" --domain good.test --format csv --no-dns 2>/dev/null | tr -d '\r' | grep '^192\.0\.2\.1,')" ',good\.test/sel$' \
    "and the selector seen"

# ------------------------------------------------ a second run --
run $S --sendmail "$tmp/sendmail"
is "$status" 0 "a second send: exit 0"
t_sleep 1
pf postqueue -f >/dev/null 2>&1
is "$(nreports)" 3 "it sends nothing more"

# ------------------------------------- Postfix stopped: queued, kept --
# postfix stop, not pf_stop: that one would end the DNS server too
master_gone() { [ -z "$(pf_procs "$1")" ]; }
m=$(tr -d ' \n' <"$queue/pid/master.pid")
pf postfix stop >/dev/null 2>&1
wait_until "$(t_timeout 10)" master_gone "$m" ||
    bail_out "Postfix did not stop"
rm -rf "$sp"
cp -R "$tmp/spool.orig" "$sp"
run $S --sendmail "$tmp/sendmail"
is "$status" 0 "Postfix stopped: its sendmail still takes the reports: exit 0"
[ "$status" = 0 ] || diag "$err"
is "$(find "$queue/maildrop" -type f | wc -l | tr -d ' ')" 3 \
    "they wait in the maildrop queue"
is "$(ls "$sp" | grep -c '\.spool$\|\.sent$')" 0 "accepted: the day is removed"
is "$(nreports)" 3 "nothing delivered while Postfix is stopped"
pf_start_tries try_start
wait_until "$(t_timeout 20)" at_least_reports 6
is "$(nreports)" 6 "Postfix started again: pickup delivers the three reports"
is "$(ids | uniq)" "$first_ids" "with the report IDs of the first delivery"

# ------------------------------------------ sendmail failing: kept --
# a sendmail that cannot run (the path a broken installation leaves)
cat >"$tmp/sendmail-broken" <<EOF
#!/bin/sh
MAIL_CONFIG=$conf LD_LIBRARY_PATH=$PF_LIB exec $pf/usr/sbin/sendmail.missing "\$@"
EOF
chmod 0755 "$tmp/sendmail-broken"
rm -rf "$sp"
cp -R "$tmp/spool.orig" "$sp"
run $S --sendmail "$tmp/sendmail-broken"
is "$status" 75 "sendmail fails: send exits 75"
like "$err" 'report [0-9a-f]{32} for good\.test: not sent: .* exited 127' \
    "and says which report was not sent"
failed_ids=$(printf '%s\n' "$err" | sed -n 's/.*report \([0-9a-f]\{32\}\) for [a-z.]*: not sent.*/\1/p' | sort -u)
is "$(ls "$sp" | grep -c '\.spool$')" 2 "the day's spool files are kept"
is "$(ls "$sp" | grep -c '\.sent$')" 0 "no report is recorded as sent"
run $S --sendmail "$tmp/sendmail"
is "$status" 0 "sendmail works again: the next run exits 0"
wait_until "$(t_timeout 20)" at_least_reports 9
is "$(nreports)" 9 "it delivers the three reports"
is "$(ids | uniq -c | awk '{ print $1 }' | sort -u)" 3 \
    "each report ID three times: the same IDs as the first delivery"
is "$failed_ids" "$first_ids" "the IDs the failed run named"
is "$(ls "$sp" | grep -c '\.spool$\|\.sent$')" 0 "then the day is removed"

# ------------------------------------------------------------ the end --
is "$(grep -E 'postfix/[a-z-]+\[[0-9]+\]: (fatal|panic):' "$tmp/maillog" | grep -v 'postfix/postfix-script' | head -n 3)" "" \
    "no fatal or panic line in the mail log"
pf_stop
ok $? "postfix stop: no process of the instance is left"

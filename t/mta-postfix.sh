#!/bin/sh
# mta-postfix - dkimpipe-verify as a Postfix content filter, end to end:
# a Postfix instance of its own on 127.0.0.1, built from the files in
# packaging/examples/postfix/ (master.cf, dkimverify-postfix, dkimpipe.conf)
# with only paths and ports changed, delivering into maildirs, with keys
# from a DNSSEC-signed zone on 127.0.0.1 (t/dnsserver.sh).
#
# What it shows:
#   - the wrapper alone (fake dkimpipe-verify and sendmail): sendmail gets
#     -G -i -f SENDER -- RECIPIENT... and the checked message, and only
#     when the filter exited 0; the filter's own status otherwise, 75 when
#     the filter dies or sendmail fails;
#   - through Postfix: a signed message reaches both its recipients with
#     our Authentication-Results (dkim=pass, DNSSEC secure) between the
#     Received fields of pickup (re-injection) and smtpd, and the rest byte
#     for byte; an unsigned one gets dkim=none and loses a forged field
#     with our authserv-id; a tampered one gets dkim=fail; a bounce's null
#     sender stays null;
#   - with "reject no-pass" uncommented in dkimpipe.conf, Postfix bounces
#     unsigned and tampered mail (5.7.0) and the sender's DSN carries
#     dkimpipe-verify's one line; signed mail still goes through;
#   - when DNS does not answer (the resolver configuration swapped for one
#     whose servers never answer), tempfail-on-dns makes Postfix defer:
#     the message waits in the deferred queue, and once DNS answers again
#     "postfix flush" delivers it, with dkim=pass, once;
#   - the time a message takes through Postfix with and without the
#     filter (diagnostics only: 30 messages one at a time, then 30 at once).
#
# How Postfix runs here (root needed: master(8) and pipe(8) switch users):
#   - Debian's postfix package is unpacked, not installed
#     (t/mta-postfix-get.sh says why), and copied into the temporary
#     directory; its programs find their libraries through LD_LIBRARY_PATH,
#     which main.cf passes on (import_environment, export_environment);
#   - config_directory, queue_directory, data_directory, meta_directory
#     and the mail log are in the temporary directory; nothing under /etc
#     or /var is read or written, except that the accounts Postfix needs,
#     postfix (mail_owner) and postdrop (setgid_group), are created when
#     missing, as Debian's postinst would;
#   - the wrapper's sendmail finds this instance through MAIL_CONFIG, which
#     pipe(8) exports by default; the unpacked postdrop is not set-gid (a
#     set-gid one would refuse a configuration directory not listed in
#     /etc/postfix/main.cf), so the maildrop directory is opened to
#     everyone (1733, and public/ 0711), as Postfix allows;
#   - the pipe(8) service runs as nobody instead of the example's dkimpipe
#     (an account the test would otherwise have to create): the one
#     change to master.cf that is not a path or a port. A second smtpd,
#     the example's smtp line without its content_filter, gives the
#     unfiltered times.
#
# Every daemon (Postfix, NSD) is stopped at exit, however the test ends.
# DKIMPIPE_TEST_KEEP=1 keeps the directory: conf/, queue/, mail/, maillog.
. "$(dirname "$0")/lib.sh"

verify=$(t_prog dkimpipe-verify)
sign=$(t_prog dkimpipe-sign)
keys=$(t_prog dkimpipe-keys)
examples=$top_srcdir/packaging/examples/postfix
[ "$(id -u)" = 0 ] ||
    skip_all "Postfix's master(8) and pipe(8) must run as root (run as root)"
t_which nsd >/dev/null || bail_out "nsd is required (apt-get install nsd ldnsutils)"
py=$(t_find_python3 smtplib) || skip_all "python3 not found (apt-get install python3)"
client=$t_dir/mta-postfix-smtp.py
AUTHSERV=mx.example.net		# dkimpipe.conf's, as it is

# Everything the pipe(8) user (nobody) reads or runs is under $tmp.
umask 022
mktmpdir tmp
chmod 0755 "$tmp"

cache=$(sh "$t_dir/mta-postfix-get.sh" 2>"$tmp/get.err") ||
    skip_all "no Postfix to run: $(tail -n 1 "$tmp/get.err")"
pf=$tmp/postfix
cp -a "$cache" "$pf" || bail_out "cannot copy $cache"
PF_LIB=$pf/usr/lib/postfix

plan 53

. "$t_dir/mta-postfix-lib.sh"

# ------------------------------------------------------ the wrapper alone --
# The example wrapper with fakes for dkimpipe-verify and sendmail: what
# it hands sendmail, and which status it returns.
fake=$tmp/fake
mkdir "$fake" "$fake/tmp"
cat >"$fake/verify" <<'EOF'
#!/bin/sh
# FAKE_VERIFY: pass (add a field), kill (die by SIGKILL), or an exit status
echo "$*" >"$FAKE_DIR/verify.args"
case $FAKE_VERIFY in
pass)	echo 'X-Checked: yes'; exec cat ;;
kill)	kill -KILL $$ ;;
*)	cat >/dev/null
	echo "dkimpipe-verify: fatal: fake status $FAKE_VERIFY" >&2
	exit "$FAKE_VERIFY" ;;
esac
EOF
cat >"$fake/sendmail" <<'EOF'
#!/bin/sh
for a; do printf '<%s>\n' "$a"; done >"$FAKE_DIR/sendmail.args"
cat >"$FAKE_DIR/sendmail.in"
exit "${FAKE_SENDMAIL:-0}"
EOF
chmod 0755 "$fake/verify" "$fake/sendmail"
sed -e "s|^DKIMPIPE_VERIFY=/usr/bin/dkimpipe-verify\$|DKIMPIPE_VERIFY=$fake/verify|" \
    -e "s|^DKIMPIPE_CONF=/etc/dkimpipe/dkimpipe.conf\$|DKIMPIPE_CONF=$fake/dkimpipe.conf|" \
    -e "s|^SENDMAIL=/usr/sbin/sendmail\$|SENDMAIL=$fake/sendmail|" \
    "$examples/dkimverify-postfix" >"$fake/wrapper"
chmod 0755 "$fake/wrapper"
[ "$(grep -c "^[A-Z_]*=$fake/" "$fake/wrapper")" = 3 ] ||
    bail_out "$examples/dkimverify-postfix: no DKIMPIPE_VERIFY=, DKIMPIPE_CONF= and SENDMAIL= lines to point at the test's programs"
printf 'From: a@good.test\nSubject: s\n\nbody\n' >"$fake/msg"

# wrap VERIFY SENDMAIL_STATUS ARG...: run the wrapper with the fakes
wrap()
{
	_wr_v=$1
	_wr_s=$2
	shift 2
	rm -f "$fake/verify.args" "$fake/sendmail.args" "$fake/sendmail.in"
	run env FAKE_DIR="$fake" FAKE_VERIFY="$_wr_v" FAKE_SENDMAIL="$_wr_s" \
	    TMPDIR="$fake/tmp" "$fake/wrapper" "$@" <"$fake/msg"
}

wrap pass 0 alice@good.test bob@dest.test -odd@dest.test
is "$status" 0 "wrapper: the filter passes, sendmail queues it: exit 0"
is "$(tr '\n' ' ' <"$fake/sendmail.args" 2>/dev/null)" \
    "<-G> <-i> <-f> <alice@good.test> <--> <bob@dest.test> <-odd@dest.test> " \
    "wrapper: sendmail -G -i -f SENDER -- RECIPIENT... (a leading - stays a recipient)"
{ echo 'X-Checked: yes'; cat "$fake/msg"; } >"$fake/want"
check "wrapper: sendmail gets the filter's output" cmp "$fake/want" "$fake/sendmail.in"
is "$(cat "$fake/verify.args")" "--config $fake/dkimpipe.conf" \
    "wrapper: the filter reads the configuration file named in the wrapper"
wrap pass 0 '' bob@dest.test
is "$(sed -n '3,4p' "$fake/sendmail.args" 2>/dev/null | tr '\n' ' ')" "<-f> <> " \
    "wrapper: the null sender stays null (-f '')"
wrap 77 0 alice@good.test bob@dest.test
is "$status:$(test -e "$fake/sendmail.args" && echo sendmail)" "77:" \
    "wrapper: the filter refuses (77): exit 77, sendmail not run"
is "$err" "dkimpipe-verify: fatal: fake status 77" \
    "wrapper: the filter's line is all pipe(8) gets for the bounce"
wrap 75 0 alice@good.test bob@dest.test
is "$status:$(test -e "$fake/sendmail.args" && echo sendmail)" "75:" \
    "wrapper: the filter defers (75): exit 75, sendmail not run"
wrap 65 0 alice@good.test bob@dest.test
is "$status:$(test -e "$fake/sendmail.args" && echo sendmail)" "65:" \
    "wrapper: the filter refuses with --reject-code 65: exit 65, sendmail not run"
wrap 70 0 alice@good.test bob@dest.test
is "$status:$(test -e "$fake/sendmail.args" && echo sendmail)" "75:" \
    "wrapper: an exit status the filter does not document (70): exit 75"
wrap kill 0 alice@good.test bob@dest.test
is "$status:$(test -e "$fake/sendmail.args" && echo sendmail)" "75:" \
    "wrapper: the filter killed by a signal: exit 75 (a defer, not pipe(8)'s bounce for 137)"
wrap pass 1 alice@good.test bob@dest.test
is "$status" 75 "wrapper: sendmail fails after a clean check: exit 75, never 0 or 1"
wrap pass 0 alice@good.test
is "$status:$(test -e "$fake/verify.args" && echo verify)" "75:" \
    "wrapper: no recipient (a master.cf mistake): exit 75 before the filter runs"
is "$(find "$fake/tmp" -type f | wc -l | tr -d ' ')" 0 \
    "wrapper: no temporary file left behind"

# ------------------------------------------------------------ DNS, keys --
"$keys" --keystore "$tmp/ks" new --domain good.test >"$tmp/records" ||
    bail_out "cannot make keys for good.test"
sh "$top_srcdir/t/dnsserver.sh" start "$tmp/dns" "$tmp/records" --dnssec \
    >/dev/null 2>"$tmp/dns.err" ||
    { diag_file "$tmp/dns.err"; bail_out "the test DNS server did not start"; }
at_exit "sh '$top_srcdir/t/dnsserver.sh' stop '$tmp/dns' >/dev/null 2>&1"
. "$tmp/dns/vars"
# The filter's resolver configuration is $tmp/unbound.conf: the DNS
# server's, or one that sends every query to the port that never answers.
sed "s/\(stub-addr: 127\.0\.0\.1@\)[0-9]*/\1$BLACKHOLE_PORT/" "$UNBOUND_CONF" \
    >"$tmp/unbound-dead.conf"
cp "$UNBOUND_CONF" "$tmp/unbound.conf"
# resolver live|dead: swap the file the filter reads, in one rename
resolver()
{
	case $1 in
	live)	cp "$UNBOUND_CONF" "$tmp/unbound.conf.new" ;;
	dead)	cp "$tmp/unbound-dead.conf" "$tmp/unbound.conf.new" ;;
	esac
	mv "$tmp/unbound.conf.new" "$tmp/unbound.conf"
}

# ---------------------------------------------------- the filter's files --
bin=$tmp/bin
mkdir "$bin"
cp "$verify" "$bin/dkimpipe-verify"
sed -e "s|^DKIMPIPE_VERIFY=/usr/bin/dkimpipe-verify\$|DKIMPIPE_VERIFY=$bin/dkimpipe-verify|" \
    -e "s|^DKIMPIPE_CONF=/etc/dkimpipe/dkimpipe.conf\$|DKIMPIPE_CONF=$tmp/dkimpipe.conf|" \
    -e "s|^SENDMAIL=/usr/sbin/sendmail\$|SENDMAIL=$pf/usr/sbin/sendmail|" \
    "$examples/dkimverify-postfix" >"$bin/dkimverify-postfix"
chmod 0755 "$bin/dkimverify-postfix"
sed "s|^resolver-conf /etc/dkimpipe/unbound.conf\$|resolver-conf $tmp/unbound.conf|" \
    "$examples/dkimpipe.conf" >"$tmp/dkimpipe.conf.accept"
grep -q "^resolver-conf $tmp/unbound.conf\$" "$tmp/dkimpipe.conf.accept" ||
    bail_out "$examples/dkimpipe.conf: no resolver-conf /etc/dkimpipe/unbound.conf line"
grep -q "^authserv-id $AUTHSERV\$" "$tmp/dkimpipe.conf.accept" ||
    bail_out "$examples/dkimpipe.conf: the authserv-id is no longer $AUTHSERV"
sed 's/^#reject no-pass$/reject no-pass/' "$tmp/dkimpipe.conf.accept" \
    >"$tmp/dkimpipe.conf.reject"
grep -q '^reject no-pass$' "$tmp/dkimpipe.conf.reject" ||
    bail_out "$examples/dkimpipe.conf: no #reject no-pass line to uncomment"
# mode accept|reject: the filter's configuration, in one rename
mode()
{
	cp "$tmp/dkimpipe.conf.$1" "$tmp/dkimpipe.conf.new"
	mv "$tmp/dkimpipe.conf.new" "$tmp/dkimpipe.conf"
}
mode accept

# ------------------------------------------------------------ Postfix --
conf=$tmp/conf
queue=$tmp/queue
mail=$tmp/mail
mkdir "$conf" "$tmp/meta" "$mail" "$queue"
chown nobody "$mail"
# meta_directory: postfix-files (what "postfix start" checks and creates)
# and the map list, where Debian keeps them
cp -a "$pf/etc/postfix/." "$tmp/meta/"
cp "$pf/usr/share/postfix/dynamicmaps.cf" "$tmp/meta/"
# The maildrop directory as a set-gid postdrop would not need it (see top)
mkdir "$queue/maildrop" "$queue/public"
chown postfix:postdrop "$queue/maildrop" "$queue/public"
chmod 1733 "$queue/maildrop"
chmod 0711 "$queue/public"
printf '%s@dest.test %s/\n' bob bob carol carol sender sender \
    plain plain filtered filtered >"$conf/vmailbox"
{ pf_main_cf mta-postfix.sh; cat <<EOF
myhostname = mx.test
mydomain = test
myorigin = mx.test
mydestination =
alias_maps =
alias_database =
local_recipient_maps =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
EOF
pf_main_cf_mailboxes "dest.test"
} >"$conf/main.cf"

# master.cf: Debian's (master.cf.dist) without its smtp line, then the
# example's lines with the wrapper's path, the pipe user and a port;
# then the example's smtp line again, on another port and without the
# content_filter line, for the unfiltered times.
write_master_cf()
{
	{
		sed '/^smtp[[:space:]][[:space:]]*inet[[:space:]]/d' \
		    "$pf/usr/share/postfix/master.cf.dist"
		echo
		echo "# ---- $examples/master.cf, for the test"
		sed -e "s|^smtp\([[:space:]][[:space:]]*inet[[:space:]]\)|127.0.0.1:$PORT_FILTERED\1|" \
		    -e "s|/usr/local/libexec/dkimverify-postfix|$bin/dkimverify-postfix|" \
		    -e 's|user=dkimpipe |user=nobody |' \
		    "$examples/master.cf"
		echo "# ---- the same smtpd without the filter, for the unfiltered times"
		sed -n "s|^smtp\([[:space:]][[:space:]]*inet[[:space:]]\)|127.0.0.1:$PORT_PLAIN\1|p" \
		    "$examples/master.cf"
	} >"$conf/master.cf"
	# shellcheck disable=SC2015 # any check failing is the same failure
	grep -q "^127.0.0.1:${PORT_FILTERED}[[:space:]]" "$conf/master.cf" &&
	    grep -q "^  -o content_filter=dkimverify:dummy\$" "$conf/master.cf" &&
	    grep -q "^dkimverify[[:space:]][[:space:]]*unix[[:space:]].*[[:space:]]pipe\$" "$conf/master.cf" &&
	    grep -q "user=nobody " "$conf/master.cf" &&
	    grep -q "argv=$bin/dkimverify-postfix \${sender} \${recipient}\$" "$conf/master.cf" ||
	    bail_out "$examples/master.cf: the smtp and dkimverify lines are not as the test expects"
}

at_exit "pf_stop"

try_start()
{
	PORT_FILTERED=$("$py" "$client" port)
	PORT_PLAIN=$("$py" "$client" port)
	[ "$PORT_FILTERED" != "$PORT_PLAIN" ] || return 1
	write_master_cf
	pf postfix start >"$tmp/start.out" 2>&1 &&
	    "$py" "$client" wait "$PORT_FILTERED" 10 &&
	    "$py" "$client" wait "$PORT_PLAIN" 10
}
pf_start_tries try_start
ok 0 "Postfix $(cat "$pf/VERSION" 2>/dev/null) runs, smtpd with the filter on 127.0.0.1:$PORT_FILTERED"

# ------------------------------------------------------------ messages --
msg()
{
	printf 'From: Alice <alice@good.test>\nTo: Bob <bob@dest.test>, carol@dest.test\nSubject: %s\nDate: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <%s@good.test>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\nHello Bob,\n\n.\n..two dots, and a line with only one above\nFrom the top: a line an mbox would quote\ntrailing spaces   \n\n\nsee you.\n' "$1" "$1"
}
msg good | "$sign" --keystore "$tmp/ks" >"$tmp/good.eml"
msg null | "$sign" --keystore "$tmp/ks" >"$tmp/null.eml"
sed 's/^see you\.$/see you!/' "$tmp/good.eml" >"$tmp/tampered.eml"
{ printf 'Authentication-Results: %s; dkim=pass header.d=bank.example\n' "$AUTHSERV"
  printf 'Authentication-Results: other.example; dkim=fail\n'
  msg unsigned; } >"$tmp/unsigned.eml"

# ------------------------------------------- through Postfix: delivery --
send "$PORT_FILTERED" sender@dest.test "$tmp/good.eml" bob@dest.test carol@dest.test
is "$sent" "data 250" "a signed message is queued (250 after DATA)"
wait_until 20 has_file "$mail/bob" '^Message-ID: <good@good.test>'
wait_until 20 has_file "$mail/carol" '^Message-ID: <good@good.test>'
bob_good=$(new_file "$mail/bob" '^Message-ID: <good@good.test>') || bob_good=/nonexistent
carol_good=$(new_file "$mail/carol" '^Message-ID: <good@good.test>') || carol_good=/nonexistent
check "delivered to bob" test -f "$bob_good"
check "and to carol, the other recipient of the same run" test -f "$carol_good"
is "$(results "$bob_good")" "pass pass" "our Authentication-Results says dkim=pass for both signatures"
like "$(ar "$bob_good")" "^Authentication-Results: $AUTHSERV; dkim=pass \\(2048-bit key, DNSSEC secure\\) header.d=good.test" \
    "with the authserv-id of dkimpipe.conf and the key's DNSSEC status"
is "$(field Authentication-Results "$bob_good" | wc -l | tr -d ' ')" 1 \
    "exactly one Authentication-Results field"
is "$(fields "$bob_good" | cut -d' ' -f1-6)" \
    "Return-Path X-Original-To Delivered-To Received Authentication-Results Received" \
    "Postfix's fields around ours: pickup's Received above it, smtpd's below"
like "$(field Received "$bob_good" | head -n 1)" "^Received: by mx.test \\(Postfix, from userid $NOBODY_UID\\)" \
    "the checked message came back through sendmail and pickup, as the pipe user"
drop_fields 6 "$bob_good" >"$tmp/good.rest"
check "below them the message is the one sent, byte for byte" cmp "$tmp/good.rest" "$tmp/good.eml"
drop_fields 6 "$carol_good" | cmp -s - "$tmp/good.eml" &&
    [ "$(field Authentication-Results "$carol_good")" = "$(field Authentication-Results "$bob_good")" ]
ok $? "carol's copy: the same Authentication-Results and message"
like "$(grep ' relay=dkimverify, ' "$tmp/maillog")" "to=<bob@dest.test>, relay=dkimverify,.* status=sent" \
    "the mail log shows the dkimverify pipe(8) service delivered it"

send "$PORT_FILTERED" sender@dest.test "$tmp/unsigned.eml" bob@dest.test
wait_until 20 has_file "$mail/bob" '^Message-ID: <unsigned@good.test>'
f=$(new_file "$mail/bob" '^Message-ID: <unsigned@good.test>') || f=/nonexistent
is "$(results "$f")" "none" "an unsigned message: dkim=none"
is "$(field Authentication-Results "$f" | tr '\n' '|')" \
    "Authentication-Results: $AUTHSERV; dkim=none; arc=none|Authentication-Results: other.example; dkim=fail|" \
    "a forged field with our authserv-id is gone, another host's stays"

send "$PORT_FILTERED" sender@dest.test "$tmp/tampered.eml" bob@dest.test
wait_until 20 has_file "$mail/bob" '^see you!$'
f=$(new_file "$mail/bob" '^see you!$') || f=/nonexistent
is "$(results "$f")" "fail fail" "a message changed after signing: dkim=fail"
like "$(ar "$f")" 'body hash did not verify' "says why"

send "$PORT_FILTERED" '' "$tmp/null.eml" bob@dest.test
wait_until 20 has_file "$mail/bob" '^Message-ID: <null@good.test>'
f=$(new_file "$mail/bob" '^Message-ID: <null@good.test>') || f=/nonexistent
is "$(field Return-Path "$f")" "Return-Path: <>" \
    "a bounce (null sender) is re-injected with the null sender"
is "$(results "$f")" "pass pass" "and checked like any message"

# ------------------------------------------------------- reject no-pass --
mode reject
bob_before=$(count_new "$mail/bob")
send "$PORT_FILTERED" sender@dest.test "$tmp/unsigned.eml" bob@dest.test
is "$sent" "data 250" "reject no-pass: an unsigned message is still queued (the filter runs after the queue)"
send "$PORT_FILTERED" sender@dest.test "$tmp/tampered.eml" bob@dest.test
# the sender's mailbox gets only these bounces; each quotes the header of
# the message it returns
wait_until 20 at_least "$mail/sender" 2
dsn=$(new_file "$mail/sender" '^Message-ID: <unsigned@good.test>') || dsn=/nonexistent
check "it bounces: the sender gets a delivery status notification" test -f "$dsn"
tr '\n' ' ' <"$dsn" 2>/dev/null | sed 's/[[:space:]]\{1,\}/ /g' >"$tmp/dsn.flat"
like "$(cat "$tmp/dsn.flat")" 'Status: 5\.7\.0' "Status: 5.7.0 (pipe(8) for exit 77)"
like "$(cat "$tmp/dsn.flat")" 'Diagnostic-Code: x-unix; dkimpipe-verify: fatal: rejected: no valid DKIM signature' \
    "with dkimpipe-verify's one line as the Diagnostic-Code"
like "$(grep 'relay=dkimverify,.*status=bounced' "$tmp/maillog")" \
    'dsn=5\.7\.0, status=bounced \(.*dkimpipe-verify: fatal: rejected: no valid DKIM signature' \
    "and in the mail log"
dsn=$(new_file "$mail/sender" '^Message-ID: <good@good.test>') || dsn=/nonexistent
like "$(tr '\n' ' ' <"$dsn" 2>/dev/null | sed 's/[[:space:]]\{1,\}/ /g')" \
    'Diagnostic-Code: x-unix; dkimpipe-verify: fatal: rejected: no valid DKIM signature' \
    "the tampered message bounces too"
is "$(count_new "$mail/bob")" "$bob_before" "neither reached bob"
msg good2 | "$sign" --keystore "$tmp/ks" >"$tmp/good2.eml"
send "$PORT_FILTERED" sender@dest.test "$tmp/good2.eml" bob@dest.test
wait_until 20 has_file "$mail/bob" '^Message-ID: <good2@good.test>'
f=$(new_file "$mail/bob" '^Message-ID: <good2@good.test>') || f=/nonexistent
is "$(results "$f")" "pass pass" "reject no-pass: a message that passes is delivered"
mode accept

# ---------------------------------------------------------- measurement --
# Not assertions: the same signed message, 30 times one at a time (each
# sent when the one before has arrived), then 30 at once, through the
# smtpd without the filter and the one with it.
bench_ok=0
for how in bench burst; do
	for l in plain filtered; do
		port=$PORT_PLAIN
		[ $l = plain ] || port=$PORT_FILTERED
		if ! r=$("$py" "$client" $how --port "$port" --sender sender@dest.test \
		    --rcpt "$l@dest.test" --maildir "$mail/$l" --count 30 \
		    "$tmp/good.eml" 2>&1); then
			bench_ok=1
			diag "$how $l: $r"
			continue
		fi
		case $how in
		bench)	echo "$r" | awk -v l="$l" '{ printf "# %-8s one at a time: %d messages, mean %.1f ms, median %.1f ms, min %.1f ms, max %.1f ms\n", l, $1, $2, $3, $4, $5 }' ;;
		burst)	echo "$r" | awk -v l="$l" '{ printf "# %-8s 30 at once:    %d messages in %.0f ms, %.1f ms a message\n", l, $1, $2, $3 }' ;;
		esac
	done
done
# what dkimpipe-verify itself takes, run by hand 30 times (new process,
# empty DNS cache, DNSSEC validation from the trust anchor each time)
t0=$(date +%s%N)
i=0
while [ $i -lt 30 ]; do
	"$verify" --config "$tmp/dkimpipe.conf" <"$tmp/good.eml" >/dev/null ||
	    bench_ok=1
	i=$((i + 1))
done
diag "$(echo "$t0 $(date +%s%N)" | awk '{ printf "dkimpipe-verify alone:   30 runs one after another, %.1f ms a message", ($2 - $1) / 30e6 }')"
ok $bench_ok "measurement: 120 more messages, every one delivered"
f=$(find "$mail/filtered/new" -type f | head -n 1)
is "$(results "${f:-/nonexistent}")" "pass pass" "(and those through the filter passed)"

# ------------------------------------------------- DNS timeout: deferred --
resolver dead
msg late | "$sign" --keystore "$tmp/ks" >"$tmp/late.eml"
send "$PORT_FILTERED" sender@dest.test "$tmp/late.eml" bob@dest.test
is "$sent" "data 250" "DNS not answering: the message is queued"
wait_until 20 grep -q 'relay=dkimverify,.*status=deferred' "$tmp/maillog"
like "$(grep 'relay=dkimverify,.*status=deferred' "$tmp/maillog")" \
    'dsn=4\.3\.0, status=deferred \(.*dkimpipe-verify: fatal: every signature: temporary error \(key lookup: DNS timeout\)' \
    "the filter's budget runs out: exit 75, Postfix defers (4.3.0) with its line"
diag "$(grep 'relay=dkimverify,.*status=deferred' "$tmp/maillog" | sed -n 's/.* delay=\([0-9.]*\),.*/deferred after \1 s (the budget: timeout 5s in dkimpipe.conf)/p' | head -n 1)"
pf postqueue -p >"$tmp/mailq" 2>&1
like "$(cat "$tmp/mailq")" 'sender@dest\.test' "the message waits in the queue (postqueue -p)"
is "$(find "$queue/deferred" -type f | wc -l | tr -d ' ')" 1 "in the deferred queue"
check "and was not delivered" test -z "$(new_file "$mail/bob" '^Message-ID: <late@good.test>')"
resolver live
pf postfix flush >/dev/null 2>&1
wait_until 20 has_file "$mail/bob" '^Message-ID: <late@good.test>'
f=$(new_file "$mail/bob" '^Message-ID: <late@good.test>') || f=/nonexistent
check "DNS answers again, postfix flush: delivered" test -f "$f"
is "$(results "$f")" "pass pass" "with dkim=pass"
drop_fields 6 "$f" | cmp -s - "$tmp/late.eml"
ok $? "and the message the sender sent, byte for byte: nothing lost"
# queue_files: messages in Postfix's queue, in any state
queue_files()
{
	find "$queue/maildrop" "$queue/incoming" "$queue/active" \
	    "$queue/deferred" "$queue/hold" -type f | wc -l | tr -d ' '
}
queue_empty() { [ "$(queue_files)" = 0 ]; }
wait_until 10 queue_empty
is "$(queue_files)" 0 "the queue is empty"

# ------------------------------------------------------------ the end --
is "$(grep -E 'postfix/[a-z-]+\[[0-9]+\]: (fatal|panic):' "$tmp/maillog" | grep -v 'postfix/postfix-script' | head -n 3)" "" \
    "no fatal or panic line in the mail log"
pf_stop
ok $? "postfix stop: no process of the instance is left"

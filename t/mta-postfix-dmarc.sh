#!/bin/sh
# mta-postfix-dmarc - dkimverify-postfix-dmarc (SPF and DMARC, refusing
# what the From domain asks to reject) under a Postfix of its own on
# 127.0.0.1, set up as t/mta-postfix.sh sets up its instance (see there
# for how Postfix runs here), from master.cf-dmarc, the wrapper and
# dkimpipe_hold_checks of packaging/examples/postfix/, with only paths, a
# port and the pipe user (nobody) changed.
#
# What it shows: a pipe(8) filter runs after the queue, so a refusal is a
# bounce; the wrapper bounces only to a verified envelope sender.
#   - a good message (SPF pass, aligned) is delivered with spf=pass and
#     dmarc=pass;
#   - a forgery of a p=reject domain whose envelope sender failed SPF is
#     not bounced: it waits in the hold queue with the X-Dkimpipe-Hold:
#     field giving our reason, nothing is delivered and no bounce is made
#     (queue and mail log); postsuper -H releases it;
#   - with UNVERIFIED=discard it is dropped with a log line instead;
#   - the same forgery with an envelope sender that passed SPF, or whose
#     domain's DKIM signature passed, bounces to
#     that sender, with dkimpipe-verify's reason in the DSN.
# DKIMPIPE_TEST_KEEP=1 keeps the directory: conf/, queue/, mail/, maillog.
. "$(dirname "$0")/lib.sh"

verify=$(t_prog dkimpipe-verify)
sign=$(t_prog dkimpipe-sign)
keys=$(t_prog dkimpipe-keys)
# shellcheck disable=SC2154 # lib.sh sets top_srcdir and t_dir
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
# shellcheck disable=SC2154 # mktmpdir set it
chmod 0755 "$tmp"

cache=$(sh "$t_dir/mta-postfix-get.sh" 2>"$tmp/get.err") ||
    skip_all "no Postfix to run: $(tail -n 1 "$tmp/get.err")"
pf=$tmp/postfix
cp -a "$cache" "$pf" || bail_out "cannot copy $cache"
PF_LIB=$pf/usr/lib/postfix

plan 20

. "$t_dir/mta-postfix-lib.sh"

# ------------------------------------------------------------ DNS --
# good.test: SPF for 127.0.0.1, p=reject; unsigned.test: SPF for another
# address only, p=reject
cat >"$tmp/records" <<'EOF'
good.test. 300 IN TXT "v=spf1 ip4:127.0.0.1 -all"
_dmarc.good.test. 300 IN TXT "v=DMARC1; p=reject"
unsigned.test. 300 IN TXT "v=spf1 ip4:192.0.2.1 -all"
_dmarc.unsigned.test. 300 IN TXT "v=DMARC1; p=reject"
EOF
# and keys for unsigned.test (its zone is not signed, its keys are fine)
"$keys" --keystore "$tmp/ks" new --domain unsigned.test >>"$tmp/records" ||
    bail_out "cannot make keys for unsigned.test"
t_dns_start "$tmp/dns" "$tmp/records" --dnssec
chmod -R a+rX "$tmp/dns"

# ---------------------------------------------------- the filter's files --
bin=$tmp/bin
mkdir "$bin"
cp "$verify" "$bin/dkimpipe-verify"
# a logger that writes where the test reads it
cat >"$bin/logger" <<EOF
#!/bin/sh
echo "\$*" >>"$tmp/logger.out"
EOF
: >"$tmp/logger.out"
chown nobody "$tmp/logger.out"
chmod 0755 "$bin/logger"
# unverified hold|discard: the wrapper, with UNVERIFIED= that, in one rename
unverified()
{
	sed -e "s|^DKIMPIPE_VERIFY=/usr/bin/dkimpipe-verify\$|DKIMPIPE_VERIFY=$bin/dkimpipe-verify|" \
	    -e "s|^DKIMPIPE_CONF=/etc/dkimpipe/dkimpipe.conf\$|DKIMPIPE_CONF=$tmp/dkimpipe.conf|" \
	    -e "s|^SENDMAIL=/usr/sbin/sendmail\$|SENDMAIL=$pf/usr/sbin/sendmail|" \
	    -e "s|^LOGGER=/usr/bin/logger\$|LOGGER=$bin/logger|" \
	    -e "s|^UNVERIFIED=hold\$|UNVERIFIED=$1|" \
	    "$examples/dkimverify-postfix-dmarc" >"$bin/wrapper.new"
	[ "$(grep -c -e "^[A-Z_]*=$tmp/" -e "^UNVERIFIED=$1\$" "$bin/wrapper.new")" = 5 ] ||
	    bail_out "$examples/dkimverify-postfix-dmarc: its five settings are not as the test expects"
	chmod 0755 "$bin/wrapper.new"
	mv "$bin/wrapper.new" "$bin/dkimverify-postfix-dmarc"
}
unverified hold
sed "s|^resolver-conf /etc/dkimpipe/unbound.conf\$|resolver-conf $UNBOUND_CONF|" \
    "$examples/dkimpipe.conf" >"$tmp/dkimpipe.conf"
grep -q "^resolver-conf $UNBOUND_CONF\$" "$tmp/dkimpipe.conf" ||
    bail_out "$examples/dkimpipe.conf: no resolver-conf /etc/dkimpipe/unbound.conf line"
cp "$examples/dkimpipe_hold_checks" "$tmp/hold_checks"

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
{
	printf 'bob@dest.test bob/\n'
	printf 'sender@good.test sender/\n'
	printf 'signer@unsigned.test signer/\n'
} >"$conf/vmailbox"
{ pf_main_cf mta-postfix-dmarc.sh; cat <<EOF
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
pf_main_cf_mailboxes "dest.test good.test unsigned.test"
} >"$conf/main.cf"

# master.cf: Debian's (master.cf.dist) without its smtp and pickup lines,
# then master.cf-dmarc's lines with the wrapper's and the map's paths, the
# pipe user and a port.
write_master_cf()
{
	{
		sed -e '/^smtp[[:space:]][[:space:]]*inet[[:space:]]/d' \
		    -e '/^pickup[[:space:]][[:space:]]*unix[[:space:]]/d' \
		    "$pf/usr/share/postfix/master.cf.dist"
		echo
		echo "# ---- $examples/master.cf-dmarc, for the test"
		sed -e "s|^smtp\([[:space:]][[:space:]]*inet[[:space:]]\)|127.0.0.1:$PORT_FILTERED\1|" \
		    -e "s|/usr/local/libexec/dkimverify-postfix-dmarc|$bin/dkimverify-postfix-dmarc|" \
		    -e "s|regexp:/etc/postfix/dkimpipe_hold_checks|regexp:$tmp/hold_checks|" \
		    -e 's|user=dkimpipe |user=nobody |' \
		    "$examples/master.cf-dmarc"
	} >"$conf/master.cf"
	# shellcheck disable=SC2015 # any check failing is the same failure
	grep -q "^127.0.0.1:${PORT_FILTERED}[[:space:]]" "$conf/master.cf" &&
	    grep -q "^  -o content_filter=dkimverify:dummy\$" "$conf/master.cf" &&
	    grep -q "user=nobody " "$conf/master.cf" &&
	    grep -q "^  argv=$bin/dkimverify-postfix-dmarc " "$conf/master.cf" &&
	    grep -q "^  -o header_checks=regexp:$tmp/hold_checks\$" "$conf/master.cf" &&
	    [ "$(grep -c '^pickup[[:space:]]' "$conf/master.cf")" = 1 ] ||
	    bail_out "$examples/master.cf-dmarc: the lines are not as the test expects"
}

at_exit "pf_stop"

try_start()
{
	PORT_FILTERED=$("$py" "$client" port)
	write_master_cf
	pf postfix start >"$tmp/start.out" 2>&1 &&
	    "$py" "$client" wait "$PORT_FILTERED" "$(t_timeout 10)"
}
pf_start_tries try_start
ok 0 "Postfix $(cat "$pf/VERSION" 2>/dev/null) runs, smtpd with the filter on 127.0.0.1:$PORT_FILTERED"

# held: the queue IDs in the hold queue, one a line
held()
{
	pf postqueue -j 2>/dev/null | grep '"queue_name": *"hold"' |
	    sed 's/.*"queue_id": *"\([0-9A-Za-z]*\)".*/\1/'
}
has_held() { [ -n "$(held)" ]; }
queue_empty() { [ -z "$(pf postqueue -j 2>/dev/null)" ]; }
# msg NAME FROM: a message file
msg()
{
	printf 'From: <%s>\nTo: <bob@dest.test>\nSubject: %s\nDate: Mon, 07 Dec 2026 12:00:00 +0000\nMessage-ID: <%s@test>\n\nHello Bob.\n' \
	    "$2" "$1" "$1" >"$tmp/$1.eml"
}
bounces() { grep -c -e 'status=bounced' -e 'from=<>' "$tmp/maillog"; }

# ------------------------------------------------------ a good message --
msg good alice@good.test
send "$PORT_FILTERED" sender@good.test "$tmp/good.eml" bob@dest.test
is "$sent" "data 250" "a good message is queued"
wait_until "$(t_timeout 20)" has_file "$mail/bob" '^Message-ID: <good@test>'
f=$(new_file "$mail/bob" '^Message-ID: <good@test>') || f=/nonexistent
like "$(ar "$f")" 'spf=pass .*smtp\.mailfrom=sender@good\.test.*dmarc=pass' \
    "delivered with spf=pass for the client's MAIL FROM and dmarc=pass" ||
    diag_file "$f"

# ----------------------------------- a forgery, sender not verified: hold --
msg forged ceo@unsigned.test
send "$PORT_FILTERED" forger@unsigned.test "$tmp/forged.eml" bob@dest.test
is "$sent" "data 250" "a forgery of a p=reject domain is accepted (after the queue)"
wait_until "$(t_timeout 20)" has_held
ok $? "its sender failed SPF: it waits in the hold queue" || {
	pf postqueue -p 2>&1 | diag_file /dev/stdin
	tail -n 20 "$tmp/maillog" | diag_file /dev/stdin
}
id=$(held | head -n 1)
pf postcat -h -q "${id:-none}" >"$tmp/held.txt" 2>&1
like "$(grep '^X-Dkimpipe-Hold:' "$tmp/held.txt")" \
    '^X-Dkimpipe-Hold: DMARC: unsigned\.test asks to reject' \
    "postcat -q shows our reason in X-Dkimpipe-Hold:" || diag_file "$tmp/held.txt"
is "$(bounces)" 0 "no bounce: nothing bounced, no message from <> in the mail log"
check "nothing delivered" sh -c "! grep -q '^Message-ID: <forged@test>' '$mail/bob/new/'* 2>/dev/null"
pf postsuper -H "${id:-none}" >/dev/null 2>&1
pf postqueue -i "${id:-none}" >/dev/null 2>&1
wait_until "$(t_timeout 20)" has_file "$mail/bob" '^Message-ID: <forged@test>'
ok $? "postsuper -H releases it, postqueue -i delivers it" || tail -n 20 "$tmp/maillog" | diag_file /dev/stdin
wait_until "$(t_timeout 20)" queue_empty
ok $? "the queue is empty again"

# ---------------------------------- a forgery, sender not verified: discard --
unverified discard
msg forged2 ceo@unsigned.test
send "$PORT_FILTERED" forger@unsigned.test "$tmp/forged2.eml" bob@dest.test
is "$sent" "data 250" "UNVERIFIED=discard: the next forgery is accepted"
wait_until "$(t_timeout 20)" grep -q 'discarded' "$tmp/logger.out"
like "$(cat "$tmp/logger.out")" \
    'discarded, not bounced to <forger@unsigned\.test> \(not verified\): DMARC: unsigned\.test' \
    "and discarded, with a log line naming the sender and our reason"
wait_until "$(t_timeout 20)" queue_empty
ok $? "nothing queued or held"
is "$(bounces)" 0 "no bounce"
check "nothing delivered" sh -c "! grep -q '^Message-ID: <forged2@test>' '$mail/bob/new/'* 2>/dev/null"
unverified hold

# ------------------------------------------- a verified sender: a bounce --
msg verified ceo@unsigned.test
send "$PORT_FILTERED" sender@good.test "$tmp/verified.eml" bob@dest.test
is "$sent" "data 250" "the same forgery, MAIL FROM sender@good.test (SPF pass): accepted"
wait_until "$(t_timeout 20)" at_least "$mail/sender" 1
f=$(new_file "$mail/sender" 'verified@test') || f=/nonexistent
check "the verified sender gets the bounce" test -f "$f" ||
    tail -n 20 "$tmp/maillog" | diag_file /dev/stdin
like "$(tr -d '\n' <"$f" 2>/dev/null)" 'rejected: DMARC: unsigned\.test asks to reject' \
    "with dkimpipe-verify's reason"

# A sender verified by DKIM: SPF fails for unsigned.test from 127.0.0.1,
# but the message carries a passing signature of unsigned.test; its From:
# is good.test (p=reject), with which neither aligns.
msg dkimsender ceo@good.test
"$sign" --keystore "$tmp/ks" --domain unsigned.test <"$tmp/dkimsender.eml" \
    >"$tmp/dkimsender.signed" || bail_out "dkimpipe-sign failed"
send "$PORT_FILTERED" signer@unsigned.test "$tmp/dkimsender.signed" bob@dest.test
wait_until "$(t_timeout 20)" at_least "$mail/signer" 1
f=$(new_file "$mail/signer" 'dkimsender@test') || f=/nonexistent
check "a sender whose domain's DKIM signature passed (SPF failed) gets the bounce" \
    test -f "$f" || tail -n 20 "$tmp/maillog" | diag_file /dev/stdin
like "$(tr -d '\n' <"$f" 2>/dev/null)" 'rejected: DMARC: good\.test asks to reject' \
    "with dkimpipe-verify's reason"

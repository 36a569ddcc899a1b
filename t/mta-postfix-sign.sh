#!/bin/sh
# mta-postfix-sign - dkimpipe-sign as the content filter of Postfix's
# submission service, end to end: a Postfix instance of its own on
# 127.0.0.1, built from the files in packaging/examples/postfix/
# (master.cf-sign, main.cf-sign, dkimpipe-postfix, sasl/smtpd.conf) with
# only paths, ports and the pipe(8) user changed, STARTTLS with a
# certificate made here, Cyrus SASL logins checked against a sasldb
# database (saslpasswd2, package sasl2-bin; inside smtpd, no daemon),
# delivering into maildirs, with keys from a DNSSEC-signed zone on
# 127.0.0.1 (t/dnsserver.sh).
#
# What it shows:
#   - the wrapper alone (fake dkimpipe-sign and sendmail): sendmail gets
#     -G -i -f SENDER -- RECIPIENT... and the signed message, only when
#     signing succeeded; the signer's 77 otherwise, 75 when it dies or
#     sendmail fails, or when master.cf gives the wrong arguments;
#   - the submission service: no AUTH before STARTTLS; no relaying
#     without a login; a wrong password refused; a user sending with an
#     envelope sender that the sender login map (from dkimpipe-keys authz
#     postfix) does not give them gets 553 5.7.1 during SMTP and nothing
#     is queued; a user allowed a whole domain may use an address that
#     another user has on a line of its own; an address extension passes
#     Postfix's check, and dkimpipe-sign refuses it in From:;
#   - the mail of a user who logged in arrives signed by the domain's
#     keys, and both signatures verify with dkimpipe-verify (DNSSEC
#     secure) and with dkimpy; a user with a key of their own is signed
#     with it (s= and d= of that key);
#   - a From: the user may not use passes SMTP (Postfix does not read it)
#     and dkimpipe-sign refuses it after the queue: Postfix bounces the
#     message (5.7.0) to the user's envelope sender with dkimpipe-sign's
#     line, and it reaches no recipient;
#   - a keystore dkimpipe-sign refuses (a private key readable by
#     others) makes Postfix defer: the message waits in the deferred
#     queue; once the key is fixed, "postqueue -f" delivers it, signed,
#     once.
#
# How Postfix runs here (root needed: master(8) and pipe(8) switch
# users) is as in t/mta-postfix.sh: Debian's postfix package unpacked
# (t/mta-postfix-get.sh), every directory and the mail log under the
# temporary directory, the maildrop directory opened to everyone for the
# unpacked (not set-gid) postdrop. Further:
#   - the pipe(8) service runs as nobody instead of the example's
#     dkimpipe, and the keystore belongs to nobody, made with
#     dkimpipe-keys run as nobody, as the README tells the user to;
#   - the sasldb database is made with saslpasswd2 in the realm of
#     myhostname and given to the group postfix, mode 0640, as the README
#     says for /etc/sasldb2 (there with dpkg-statoverride), but in the
#     temporary directory;
#   - the certificate is self-signed for 127.0.0.1, and the client checks
#     it (t/mta-postfix-submit.py).
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
t_need_dns
t_need saslpasswd2 sasl2-bin
t_need openssl
t_need runuser util-linux
py=$(t_find_python3 smtplib ssl) || skip_all "python3 not found (apt-get install python3)"
dkpy=$(t_find_python3 dkim dns.resolver) || dkpy=
client=$t_dir/mta-postfix-submit.py
AUTHSERV=mx.test	# of the test's own dkimpipe-verify runs

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
# The example wrapper with fakes for dkimpipe-sign and sendmail: what it
# hands sendmail, and which status it returns.
fake=$tmp/fake
mkdir "$fake" "$fake/tmp"
cat >"$fake/sign" <<'EOS'
#!/bin/sh
# FAKE_SIGN: pass (add a field), kill (die by SIGKILL), or an exit status
echo "$*" >"$FAKE_DIR/sign.args"
case $FAKE_SIGN in
pass)	echo 'DKIM-Signature: fake'; exec cat ;;
kill)	kill -KILL $$ ;;
*)	cat >/dev/null
	echo "dkimpipe-sign: fatal: fake status $FAKE_SIGN" >&2
	exit "$FAKE_SIGN" ;;
esac
EOS
cat >"$fake/sendmail" <<'EOS'
#!/bin/sh
for a; do printf '<%s>\n' "$a"; done >"$FAKE_DIR/sendmail.args"
cat >"$FAKE_DIR/sendmail.in"
exit "${FAKE_SENDMAIL:-0}"
EOS
chmod 0755 "$fake/sign" "$fake/sendmail"
sed -e "s|^DKIMPIPE_SIGN=/usr/bin/dkimpipe-sign\$|DKIMPIPE_SIGN=$fake/sign|" \
    -e "s|^KEYSTORE=/etc/dkimpipe/keys\$|KEYSTORE=$fake/keys|" \
    -e "s|^SENDMAIL=/usr/sbin/sendmail\$|SENDMAIL=$fake/sendmail|" \
    "$examples/dkimpipe-postfix" >"$fake/wrapper"
chmod 0755 "$fake/wrapper"
[ "$(grep -c "^[A-Z_]*=$fake/" "$fake/wrapper")" = 3 ] ||
    bail_out "$examples/dkimpipe-postfix: no DKIMPIPE_SIGN=, KEYSTORE= and SENDMAIL= lines to point at the test's programs"
printf 'From: a@good.test\nSubject: s\n\nbody\n' >"$fake/msg"

# wrap SIGN SENDMAIL_STATUS ARG...: run the wrapper with the fakes
wrap()
{
	_wr_v=$1
	_wr_s=$2
	shift 2
	rm -f "$fake/sign.args" "$fake/sendmail.args" "$fake/sendmail.in"
	run env FAKE_DIR="$fake" FAKE_SIGN="$_wr_v" FAKE_SENDMAIL="$_wr_s" \
	    TMPDIR="$fake/tmp" "$fake/wrapper" "$@" <"$fake/msg"
}
ran() { test -e "$fake/$1.args" && echo "$1"; }

wrap pass 0 alice -f alice@good.test -- bob@dest.test -odd@dest.test
is "$status" 0 "wrapper: signed, and sendmail queues it: exit 0"
is "$(tr '\n' ' ' <"$fake/sendmail.args" 2>/dev/null)" \
    "<-G> <-i> <-f> <alice@good.test> <--> <bob@dest.test> <-odd@dest.test> " \
    "wrapper: sendmail -G -i -f SENDER -- RECIPIENT... (a leading - stays a recipient)"
{ echo 'DKIM-Signature: fake'; cat "$fake/msg"; } >"$fake/want"
cmp -s "$fake/want" "$fake/sendmail.in" &&
    [ "$(cat "$fake/sign.args")" = "--keystore $fake/keys --auth-user alice" ]
ok $? "wrapper: the signer gets the keystore and the login name, sendmail its output"
wrap pass 0 '' -f '' -- bob@dest.test
is "$(cat "$fake/sign.args"):$(sed -n '3,4p' "$fake/sendmail.args" 2>/dev/null | tr '\n' ' ')" \
    "--keystore $fake/keys --auth-user :<-f> <> " \
    "wrapper: no login name is an empty --auth-user; the null sender stays null"
wrap 77 0 alice -f alice@good.test -- bob@dest.test
is "$status:$(ran sendmail):$err" "77::dkimpipe-sign: fatal: fake status 77" \
    "wrapper: the signer refuses (77): exit 77 with its line, sendmail not run"
wrap 75 0 alice -f alice@good.test -- bob@dest.test
is "$status:$(ran sendmail)" "75:" "wrapper: the signer defers (75): exit 75, sendmail not run"
wrap kill 0 alice -f alice@good.test -- bob@dest.test
is "$status:$(ran sendmail)" "75:" \
    "wrapper: the signer killed by a signal: exit 75 (a defer, not pipe(8)'s bounce for 137)"
wrap pass 1 alice -f alice@good.test -- bob@dest.test
is "$status" 75 "wrapper: sendmail fails after signing: exit 75, never 0 or 1"
wrap pass 0 alice alice@good.test bob@dest.test
is "$status:$(ran sign)" "75:" \
    "wrapper: arguments not as master.cf-sign gives them: exit 75 before signing"
is "$(find "$fake/tmp" -type f | wc -l | tr -d ' ')" 0 \
    "wrapper: no temporary file left behind"

# ------------------------------------------------------------ DNS, keys --
# The keystore as the README makes it: a directory of the pipe(8) user,
# keys made by dkimpipe-keys running as that user.
bin=$tmp/bin
mkdir "$bin"
cp "$sign" "$bin/dkimpipe-sign"
cp "$keys" "$bin/dkimpipe-keys"
ks=$tmp/keys
install -d -m 0755 -o nobody -g "$NOBODY_GID" "$ks"
# as_nobody CMD...: run CMD as the pipe(8) user, as the README does
as_nobody() { runuser -u nobody -- "$@"; }
{
	as_nobody "$bin/dkimpipe-keys" --keystore "$ks" new --domain good.test &&
	    as_nobody "$bin/dkimpipe-keys" --keystore "$ks" new --domain good.test \
		--user carol &&
	    as_nobody "$bin/dkimpipe-keys" --keystore "$ks" authz add alice alice@good.test &&
	    as_nobody "$bin/dkimpipe-keys" --keystore "$ks" authz add bob @good.test &&
	    as_nobody "$bin/dkimpipe-keys" --keystore "$ks" authz add carol carol@good.test &&
	    as_nobody "$bin/dkimpipe-keys" --keystore "$ks" dns >"$tmp/records"
} >"$tmp/keys.out" 2>&1 || { diag_file "$tmp/keys.out"; bail_out "cannot make the keystore"; }
t_dns_start "$tmp/dns" "$tmp/records" --dnssec

# ------------------------------------------------------------ Postfix --
conf=$tmp/conf
queue=$tmp/queue
mail=$tmp/mail
mkdir "$conf" "$conf/sasl" "$tmp/meta" "$mail" "$queue"
chown nobody "$mail"
cp -a "$pf/etc/postfix/." "$tmp/meta/"
cp "$pf/usr/share/postfix/dynamicmaps.cf" "$tmp/meta/"
mkdir "$queue/maildrop" "$queue/public"
chown postfix:postdrop "$queue/maildrop" "$queue/public"
chmod 1733 "$queue/maildrop"
chmod 0711 "$queue/public"
# the users' own mailboxes (good.test) take the bounces
printf '%s %s/\n' bob@dest.test bob alice@good.test alice \
    bob@good.test bob-good carol@good.test carol >"$conf/vmailbox"

# The certificate, as a site's own would be: for the name the clients
# use, here 127.0.0.1.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -days 2 -subj /CN=mx.test -addext subjectAltName=IP:127.0.0.1,DNS:mx.test \
    -keyout "$conf/key.pem" -out "$conf/cert.pem" >"$tmp/openssl.out" 2>&1 ||
    { diag_file "$tmp/openssl.out"; bail_out "openssl cannot make a certificate"; }
chmod 0600 "$conf/key.pem"

# The SASL back end: sasl/smtpd.conf, with the database in $tmp, and the
# users as saslpasswd2 makes them. smtpd runs as postfix and opens the
# database at each login.
sed "s|^sasldb_path: /etc/sasldb2\$|sasldb_path: $tmp/sasldb2|" \
    "$examples/sasl/smtpd.conf" >"$conf/sasl/smtpd.conf"
grep -q "^sasldb_path: $tmp/sasldb2\$" "$conf/sasl/smtpd.conf" ||
    bail_out "$examples/sasl/smtpd.conf: no sasldb_path: /etc/sasldb2 line"

# The sender login map, as the README builds it.
"$bin/dkimpipe-keys" --keystore "$ks" authz postfix >"$conf/dkimpipe_senders" ||
    bail_out "dkimpipe-keys authz postfix failed"

{ pf_main_cf mta-postfix-sign.sh; cat <<EOS
myhostname = mx.test
mydomain = test
myorigin = mx.test
mydestination =
alias_maps =
alias_database =
local_recipient_maps =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks =
EOS
pf_main_cf_mailboxes "dest.test good.test"
cat <<EOS
# as in Debian's main.cf
recipient_delimiter = +
EOS
} >"$conf/main.cf"
{
	echo
	echo "# ---- $examples/main.cf-sign, for the test"
	sed -e "s|/etc/ssl/certs/ssl-cert-snakeoil\\.pem\$|$conf/cert.pem|" \
	    -e "s|/etc/ssl/private/ssl-cert-snakeoil\\.key\$|$conf/key.pem|" \
	    -e "s|= /etc/postfix/sasl\$|= $conf/sasl|" \
	    -e "s|hash:/etc/postfix/dkimpipe_senders\$|hash:$conf/dkimpipe_senders|" \
	    "$examples/main.cf-sign"
} >>"$conf/main.cf"
# shellcheck disable=SC2015 # either check failing is the same failure
[ "$(grep -c "= $conf/" "$conf/main.cf")" = 3 ] &&
    grep -q "= hash:$conf/dkimpipe_senders\$" "$conf/main.cf" ||
    bail_out "$examples/main.cf-sign: the certificate, SASL and map lines are not as the test expects"

pf postmap "hash:$conf/dkimpipe_senders" ||
    bail_out "postmap hash:$conf/dkimpipe_senders failed"
# The users, as the README adds them: in the realm of myhostname, which
# is what Postfix gives Cyrus SASL for a login name without a realm.
realm=$(pf postconf -h myhostname 2>/dev/null)
for u in alice bob carol; do
	echo "pw-$u" | saslpasswd2 -f "$tmp/sasldb2" -p -c -u "$realm" "$u" ||
	    bail_out "saslpasswd2 cannot add $u"
done
chgrp postfix "$tmp/sasldb2"
chmod 0640 "$tmp/sasldb2"

# The wrapper, with the test's paths
sed -e "s|^DKIMPIPE_SIGN=/usr/bin/dkimpipe-sign\$|DKIMPIPE_SIGN=$bin/dkimpipe-sign|" \
    -e "s|^KEYSTORE=/etc/dkimpipe/keys\$|KEYSTORE=$ks|" \
    -e "s|^SENDMAIL=/usr/sbin/sendmail\$|SENDMAIL=$pf/usr/sbin/sendmail|" \
    "$examples/dkimpipe-postfix" >"$bin/dkimpipe-postfix"
chmod 0755 "$bin/dkimpipe-postfix"

# master.cf: Debian's (master.cf.dist, with its commented-out submission
# block) without its smtp line, then the example's lines with the
# wrapper's path, the pipe user and a port.
write_master_cf()
{
	{
		sed '/^smtp[[:space:]][[:space:]]*inet[[:space:]]/d' \
		    "$pf/usr/share/postfix/master.cf.dist"
		echo
		echo "# ---- $examples/master.cf-sign, for the test"
		sed -e "s|^submission\([[:space:]][[:space:]]*inet[[:space:]]\)|127.0.0.1:$SUBMIT_PORT\1|" \
		    -e "s|/usr/local/libexec/dkimpipe-postfix |$bin/dkimpipe-postfix |" \
		    -e 's|user=dkimpipe |user=nobody |' \
		    "$examples/master.cf-sign"
	} >"$conf/master.cf"
	# shellcheck disable=SC2015 # any check failing is the same failure
	grep -q "^127.0.0.1:${SUBMIT_PORT}[[:space:]]" "$conf/master.cf" &&
	    grep -q "^  -o content_filter=dkimsign:dummy\$" "$conf/master.cf" &&
	    grep -q "^dkimsign[[:space:]][[:space:]]*unix[[:space:]].*[[:space:]]pipe\$" "$conf/master.cf" &&
	    grep -q "user=nobody " "$conf/master.cf" &&
	    grep -q "argv=$bin/dkimpipe-postfix \${sasl_username}\$" "$conf/master.cf" ||
	    bail_out "$examples/master.cf-sign: the submission and dkimsign lines are not as the test expects"
}

at_exit "pf_stop"

smtp=$t_dir/mta-postfix-smtp.py
try_start()
{
	SUBMIT_PORT=$("$py" "$smtp" port)
	write_master_cf
	pf postfix start >"$tmp/start.out" 2>&1 &&
	    "$py" "$smtp" wait "$SUBMIT_PORT" "$(t_timeout 10)"
}
pf_start_tries try_start
ok 0 "Postfix $(cat "$pf/VERSION" 2>/dev/null) runs, its submission service on 127.0.0.1:$SUBMIT_PORT"

# submit [--no-tls] USER PASSWORD SENDER FILE RCPT...: one session
# (USER - for no login); $sent is the server's answer "STAGE CODE", the
# whole line in $tmp/sent
submit()
{
	_s_tls=
	if [ "$1" = --no-tls ]; then
		_s_tls=--no-tls
		shift
	fi
	_s_user=$1
	_s_pw=$2
	_s_from=$3
	_s_file=$4
	shift 4
	set -- "$@" ""	# the recipients, as --rcpt options
	_s_args=
	for _s_r; do
		[ -n "$_s_r" ] && _s_args="$_s_args --rcpt $_s_r"
	done
	[ "$_s_user" = - ] || _s_args="$_s_args --user $_s_user --password $_s_pw"
	# shellcheck disable=SC2086 # names and addresses have no spaces
	"$py" "$client" --port "$SUBMIT_PORT" --cafile "$conf/cert.pem" $_s_tls \
	    --sender "$_s_from" $_s_args "$_s_file" >"$tmp/sent" 2>&1
	sent=$(cut -f1,2 "$tmp/sent" | tr '\t' ' ')
}

# ------------------------------------------------------------ helpers --
# the longest wait for a message to arrive or a log line to appear,
# in seconds (20, scaled with DKIMPIPE_TEST_SLOW)
WAIT=$(t_timeout 20)
# msg FROM ID: a message from FROM to bob@dest.test, Message-ID <ID@good.test>
msg()
{
	printf 'From: %s\nTo: Bob <bob@dest.test>\nSubject: %s\nDate: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <%s@good.test>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\nHello Bob,\n.\n..two dots, and a line with only one above\ntrailing spaces   \n\nsee you.\n' "$1" "$2" "$2" >"$tmp/$2.eml"
}
# queue_files: messages in Postfix's queue, in any state
queue_files()
{
	find "$queue/maildrop" "$queue/incoming" "$queue/active" \
	    "$queue/deferred" "$queue/hold" -type f 2>/dev/null | wc -l | tr -d ' '
}
queue_empty() { [ "$(queue_files)" = 0 ]; }
# verified FILE: dkimpipe-verify's Authentication-Results for FILE, unfolded
verified()
{
	"$verify" --resolver-conf "$UNBOUND_CONF" --authserv-id "$AUTHSERV" \
	    <"$1" >"$tmp/verified" 2>"$tmp/verify.err"
	ar "$tmp/verified"
}
# dkimpy FILE: dkimpy's result for each signature, space-separated
dkimpy()
{
	"$dkpy" "$t_dir/verify-dkimpy.py" --port "$PORT" "$1" >"$tmp/dkimpy.out" 2>&1
	cut -f 4 "$tmp/dkimpy.out" | tr '\n' ' ' | sed 's/ $//'
}
# sigtags FILE: "d=D s=S" of each DKIM-Signature, space-separated (read
# before bh=, so that no base64 is taken for a tag)
sigtags()
{
	field DKIM-Signature "$1" | sed 's/;[[:space:]]*bh=.*//' | while read -r _sg; do
		printf '%s ' "$(echo "$_sg" | grep -o '[[:space:];]d=[^;]*' | tr -d ' \t;')"
		printf '%s ' "$(echo "$_sg" | grep -o '[[:space:];]s=[^;]*' | tr -d ' \t;')"
	done | sed 's/ $//'
}
# arrived MAILBOX ID: the one file in MAILBOX with Message-ID <ID@good.test>
arrived()
{
	wait_until "$WAIT" has_file "$mail/$1" "^Message-ID: <$2@good.test>"
	new_file "$mail/$1" "^Message-ID: <$2@good.test>" || echo /nonexistent
}

# ------------------------------------------------- the submission service --
msg 'Alice <alice@good.test>' first
submit --no-tls alice pw-alice alice@good.test "$tmp/first.eml" bob@dest.test
is "$sent" "auth 0" "no STARTTLS: AUTH is not offered (smtpd_tls_auth_only)"
submit - - alice@good.test "$tmp/first.eml" bob@dest.test
like "$(cat "$tmp/sent")" '^rcpt	553	5\.7\.1 <alice@good\.test>: Sender address rejected: not logged in' \
    "STARTTLS but no login, as a sender of the map: 553 5.7.1 not logged in"
submit - - someone@dest.test "$tmp/first.eml" bob@dest.test
like "$(cat "$tmp/sent")" '^rcpt	554	5\.7\.1 <bob@dest\.test>: Recipient address rejected: Access denied' \
    "no login, another sender: refused (554 5.7.1 Access denied)"
submit alice wrong alice@good.test "$tmp/first.eml" bob@dest.test
like "$(cat "$tmp/sent")" '^auth	535	5\.7\.8 ' "a wrong password: 535 5.7.8"
submit alice pw-alice alice@good.test "$tmp/first.eml" bob@dest.test
is "$sent" "data 250" "alice logs in and sends as alice@good.test: queued (250)" ||
    diag_file "$tmp/sent"
f=$(arrived bob first)
check "it reaches bob" test -f "$f"
# the selectors of the domain's keys and of carol's, from the keystore
dsel=$(awk '!/^#/ && $1 == "good.test" && NF == 4 { printf "d=good.test s=%s ", $2 }' \
    "$ks/selectors" | sed 's/ $//')
csel=$(awk '!/^#/ && $1 == "good.test" && $5 == "carol" { printf "d=good.test s=%s ", $2 }' \
    "$ks/selectors" | sed 's/ $//')
is "$(sigtags "$f")" "$dsel" "two signatures, by the domain's RSA and Ed25519 keys ($dsel)"
like "$(verified "$f")" '; dkim=pass \(2048-bit key, DNSSEC secure\) header\.d=good\.test .*; dkim=pass \(256-bit key, DNSSEC secure\) header\.d=good\.test ' \
    "dkimpipe-verify: both pass, keys DNSSEC secure" || diag_file "$tmp/verify.err"
if [ -n "$dkpy" ]; then
	is "$(dkimpy "$f")" "pass pass" "dkimpy: both signatures pass" ||
	    diag_file "$tmp/dkimpy.out"
else
	skip "dkimpy not found (apt-get install python3-dkim python3-dnspython)"
fi
is "$(fields "$f")" \
    "Return-Path X-Original-To Delivered-To Received DKIM-Signature DKIM-Signature Received From To Subject Date Message-ID MIME-Version Content-Type" \
    "the signatures between pickup's Received (the signed message queued again) and submission's"
drop_fields 7 "$f" | cmp -s - "$tmp/first.eml"
ok $? "below them the message is the one sent, byte for byte"
like "$(field Received "$f" | head -n 1)" "^Received: by mx.test \\(Postfix, from userid $NOBODY_UID\\)" \
    "the signed message came back through sendmail and pickup, as the pipe user"
like "$(grep ' relay=dkimsign, ' "$tmp/maillog")" "to=<bob@dest.test>, relay=dkimsign,.* status=sent" \
    "the mail log shows the dkimsign pipe(8) service delivered it"

# No Date: and no Message-ID: cleanup adds them (local_header_rewrite_clients)
# before the message reaches the filter, so they are signed.
printf 'From: Alice <alice@good.test>\nTo: Bob <bob@dest.test>\nSubject: no date\n\nHi Bob.\n' \
    >"$tmp/nodate.eml"
submit alice pw-alice alice@good.test "$tmp/nodate.eml" bob@dest.test
wait_until "$WAIT" has_file "$mail/bob" '^Subject: no date$'
f=$(new_file "$mail/bob" '^Subject: no date$') || f=/nonexistent
like "$(field DKIM-Signature "$f" | head -n 1 | tr -d ' \t')" 'h=From:To:Subject:Message-Id:Date:' \
    "a message without Date: and Message-ID: gets Postfix's, and they are signed"
like "$(verified "$f")" '; dkim=pass .*; dkim=pass ' "and both signatures pass"

# -------------------------------------------- the sender login map --
msg 'Bob <bob@good.test>' notyours
submit alice pw-alice bob@good.test "$tmp/notyours.eml" bob@dest.test
like "$(cat "$tmp/sent")" '^rcpt	553	5\.7\.1 <bob@good\.test>: Sender address rejected: not owned by user alice' \
    "alice as bob@good.test, which the map does not give her: 553 5.7.1 during SMTP"
like "$(grep 'NOQUEUE: reject: RCPT from .* 553 5\.7\.1 <bob@good\.test>' "$tmp/maillog")" \
    'Sender address rejected: not owned by user alice; from=<bob@good\.test>' \
    "the mail log: NOQUEUE, nothing was queued"
wait_until "$WAIT" queue_empty
is "$(queue_files)" 0 "and the queue is empty"
like "$(grep '^alice@good\.test	' "$conf/dkimpipe_senders")" '^alice@good\.test	alice,bob$' \
    "dkimpipe-keys authz postfix puts bob (@good.test) on alice's line too"
msg 'Bob <bob@good.test>' forbob
submit bob pw-bob alice@good.test "$tmp/forbob.eml" bob@dest.test
is "$sent" "data 250" "so bob, allowed all of good.test, may use alice@good.test as envelope sender"
f=$(arrived bob forbob)
is "$(sigtags "$f")" "$dsel" "his mail is signed with the domain's keys"

# An address extension: Postfix looks alice+news@good.test up as
# alice@good.test too (CAVEATS in dkimpipe-keys(1)); dkimpipe-sign does not.
msg 'Alice <alice+news@good.test>' ext
submit alice pw-alice alice+news@good.test "$tmp/ext.eml" bob@dest.test
is "$sent" "data 250" "alice as alice+news@good.test: Postfix accepts it (recipient_delimiter +)"
wait_until "$WAIT" has_file "$mail/alice" '^Message-ID: <ext@good.test>'
dsn=$(new_file "$mail/alice" '^Message-ID: <ext@good.test>') || dsn=/nonexistent
like "$(tr '\n' ' ' <"$dsn" 2>/dev/null | sed 's/[[:space:]]\{1,\}/ /g')" \
    'Diagnostic-Code: x-unix; dkimpipe-sign: fatal: refused: user alice may not send as alice\+news@good\.test' \
    "and dkimpipe-sign refuses the same address in From: (bounced to alice)"

# -------------------------------------------------- a per-user key --
msg 'Carol <carol@good.test>' carol
submit carol pw-carol carol@good.test "$tmp/carol.eml" bob@dest.test
is "$sent" "data 250" "carol, who has keys of her own, sends"
f=$(arrived bob carol)
is "$(sigtags "$f")" "$csel" "signed with carol's keys ($csel)"
like "$(verified "$f")" '; dkim=pass \(2048-bit key, DNSSEC secure\) header\.d=good\.test .*; dkim=pass \(256-bit key, DNSSEC secure\) header\.d=good\.test ' \
    "dkimpipe-verify: both pass" || diag_file "$tmp/verify.err"
if [ -n "$dkpy" ]; then
	is "$(dkimpy "$f")" "pass pass" "dkimpy: both pass" || diag_file "$tmp/dkimpy.out"
else
	skip "dkimpy not found (apt-get install python3-dkim python3-dnspython)"
fi

# ------------------------------------- a From: the user may not use --
# Postfix checks the envelope sender only; dkimpipe-sign checks From:
# after the queue, and its 77 is a bounce to the envelope sender, which
# the map made alice's own address.
msg 'Dave <dave@good.test>' dave
submit alice pw-alice alice@good.test "$tmp/dave.eml" bob@dest.test
is "$sent" "data 250" "alice with From: dave@good.test: Postfix accepts it (250)"
wait_until "$WAIT" has_file "$mail/alice" '^Message-ID: <dave@good.test>'
dsn=$(new_file "$mail/alice" '^Message-ID: <dave@good.test>') || dsn=/nonexistent
check "then bounces it to alice, the envelope sender" test -f "$dsn"
tr '\n' ' ' <"$dsn" 2>/dev/null | sed 's/[[:space:]]\{1,\}/ /g' >"$tmp/dsn.flat"
like "$(cat "$tmp/dsn.flat")" 'Status: 5\.7\.0 .*Diagnostic-Code: x-unix; dkimpipe-sign: fatal: refused: user alice may not send as dave@good\.test' \
    "the DSN: 5.7.0, and dkimpipe-sign's line naming the user and the address" ||
    diag "$(grep 'relay=dkimsign,.*status=bounced' "$tmp/maillog")"
check "the message reached no recipient" test -z "$(new_file "$mail/bob" '^Message-ID: <dave@good.test>')"

# ------------------------------------------------- a broken keystore --
rsa=$ks/keys/good.test/$(awk '!/^#/ && $1 == "good.test" && NF == 4 && $3 == "rsa" { print $2 }' "$ks/selectors").pem
chmod 0644 "$rsa"
msg 'Alice <alice@good.test>' late
submit alice pw-alice alice@good.test "$tmp/late.eml" bob@dest.test
is "$sent" "data 250" "the domain's RSA key readable by all: the message is queued"
wait_until "$WAIT" grep -q 'relay=dkimsign,.*status=deferred' "$tmp/maillog"
like "$(grep 'relay=dkimsign,.*status=deferred' "$tmp/maillog")" \
    'dsn=4\.3\.0, status=deferred \(.*dkimpipe-sign: fatal: key .*202612r\.pem: private key is group- or world-accessible' \
    "dkimpipe-sign exits 75: Postfix defers (4.3.0) with its line"
diag "$(grep 'relay=dkimsign,.*status=deferred' "$tmp/maillog" | sed 's/.*status=deferred/deferred/' | head -n 1)"
is "$(find "$queue/deferred" -type f | wc -l | tr -d ' ')" 1 "the message waits in the deferred queue"
check "and was neither delivered nor bounced" \
    test -z "$(new_file "$mail/bob" '^Message-ID: <late@good.test>')$(new_file "$mail/alice" '^Message-ID: <late@good.test>')"
chmod 0600 "$rsa"
pf postqueue -f >/dev/null 2>&1
f=$(arrived bob late)
check "key fixed, postqueue -f: delivered" test -f "$f"
is "$(sigtags "$f")" "$dsel" "signed by both keys"
like "$(verified "$f")" '; dkim=pass .*; dkim=pass ' "which pass"
drop_fields 7 "$f" | cmp -s - "$tmp/late.eml"
ok $? "and the message alice sent, byte for byte: nothing lost"
wait_until "$WAIT" queue_empty
is "$(queue_files)$(grep -l '^Message-ID: <late@good.test>' "$mail/bob/new"/* | wc -l | tr -d ' ')" 01 \
    "the queue is empty, and bob has it once"

# ------------------------------------------------------------ the end --
is "$(grep -E 'postfix/[a-z/-]+\[[0-9]+\]: (fatal|panic):' "$tmp/maillog" | grep -v 'postfix/postfix-script' | head -n 3)" "" \
    "no fatal or panic line in the mail log"
pf_stop
ok $? "postfix stop: no process of the instance is left"

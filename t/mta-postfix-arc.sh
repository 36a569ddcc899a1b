#!/bin/sh
# mta-postfix-arc - ARC sealing on a mailing-list server under Postfix, end
# to end: a Postfix instance of its own on 127.0.0.1 as the list host
# lists.example.org, built from the files in packaging/examples/postfix/
# (master.cf and dkimverify-postfix for the way in; master.cf-seal,
# arcseal_header_checks, arcseal-postfix and dkimpipe.conf-seal for the
# way out) with only paths, ports and the pipe user changed, with keys
# from a DNSSEC-signed zone on 127.0.0.1 (t/dnsserver.sh; author.example,
# fwd.example and lists.example.org are served unsigned beside it).
#
# The list manager is t/mta-postfix-list.py, an LMTP server on 127.0.0.1
# to which Postfix hands the list's mail (transport_maps: lmtp, as with
# Mailman 3); it tags the Subject, adds List-Id and a footer, and sends the
# changed message to the list's smtpd (master.cf-seal's 127.0.0.1:10025,
# here another port) for the members, bob and carol at dest.test, whose
# mail the same Postfix delivers into maildirs: what the members get is
# the message as it leaves the list host, with virtual(8)'s three fields on
# top.
#
# What it shows:
#   - the wrapper alone (fake dkimpipe-seal and sendmail): sendmail gets
#     -G -i -f SENDER -- RECIPIENT... and the sealed message, and only
#     when dkimpipe-seal exited 0; dkimpipe-seal's own 64, 65 or 75
#     otherwise, 75 for any other status, when it dies or sendmail fails;
#   - a post signed by its author's domain arrives with one ARC set, i=1
#     and cv=none, sealed by lists.example.org, whose
#     ARC-Authentication-Results carry the dkim=pass of the way in, above
#     the Received field of the list's smtpd; both members' copies carry
#     the same seal (one run for both);
#   - at the destination, dkimpipe-verify finds arc=pass and dkim=fail for
#     the author (the list changed the message), and dkimpy's arc_verify
#     passes; the Subject tag and the footer are there;
#   - an Authentication-Results field with the list's authserv-id forged
#     by the sender is removed on the way in and never reaches the seal;
#   - a post that arrives with an ARC chain (sealed by fwd.example) leaves
#     with i=2, cv=pass, and validates;
#   - the list manager's own notice (no Authentication-Results field in
#     its header, one in the request it attaches as message/rfc822) goes
#     out unsealed, without the arcseal service, even while sealing fails
#     (master.cf-seal empties nested_header_checks for that);
#   - when the keystore cannot be read by the pipe user, the post is
#     deferred: it waits in the deferred queue, nothing is delivered and
#     nothing bounced; once the keystore is given back, "postfix flush"
#     delivers it, sealed, once.
#
# How Postfix runs here: as in t/mta-postfix.sh (see there; root needed):
# Debian's postfix package unpacked and copied into the temporary
# directory, its own configuration, queue and mail log there, pipe(8)
# services as nobody instead of the examples' dkimpipe, nothing under /etc
# or /var read or written but the accounts Postfix needs. The keystore of
# lists.example.org belongs to nobody, as it would to dkimpipe.
#
# Every daemon (Postfix, NSD, the list manager) is stopped at exit, however
# the test ends. DKIMPIPE_TEST_KEEP=1 keeps the directory: conf/, queue/,
# mail/, maillog, list.log.
. "$(dirname "$0")/lib.sh"

verify=$(t_prog dkimpipe-verify)
seal=$(t_prog dkimpipe-seal)
sign=$(t_prog dkimpipe-sign)
keys=$(t_prog dkimpipe-keys)
# shellcheck disable=SC2154 # lib.sh sets top_srcdir and t_dir
examples=$top_srcdir/packaging/examples/postfix
[ "$(id -u)" = 0 ] ||
    skip_all "Postfix's master(8) and pipe(8) must run as root (run as root)"
t_which nsd >/dev/null || bail_out "nsd is required (apt-get install nsd ldnsutils)"
py=$(t_find_python3 smtplib socketserver) ||
    skip_all "python3 not found (apt-get install python3)"
dkimpy=$(t_find_python3 dkim authres dns.resolver) || dkimpy=
client=$t_dir/mta-postfix-smtp.py
AUTHSERV=lists.example.org	# dkimpipe.conf-seal's and arcseal_header_checks'
LIST=list@lists.example.org
DEST=mx.dest.test		# the authserv-id of the members' verifier
# seconds to wait for a delivery or a log line: generous, and scaled
W=$(t_timeout 30)

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

plan 53

. "$t_dir/mta-postfix-lib.sh"

# ------------------------------------------------------ the wrapper alone --
# arcseal-postfix with fakes for dkimpipe-seal and sendmail: what it hands
# sendmail, and which status it returns.
fake=$tmp/fake
mkdir "$fake" "$fake/tmp"
cat >"$fake/seal" <<'EOF'
#!/bin/sh
# FAKE_SEAL: pass (add a field), kill (die by SIGKILL), or an exit status
echo "$*" >"$FAKE_DIR/seal.args"
case $FAKE_SEAL in
pass)	echo 'ARC-Seal: i=1; fake'; exec cat ;;
kill)	kill -KILL $$ ;;
*)	cat >/dev/null
	echo "dkimpipe-seal: fatal: fake status $FAKE_SEAL" >&2
	exit "$FAKE_SEAL" ;;
esac
EOF
cat >"$fake/sendmail" <<'EOF'
#!/bin/sh
for a; do printf '<%s>\n' "$a"; done >"$FAKE_DIR/sendmail.args"
cat >"$FAKE_DIR/sendmail.in"
exit "${FAKE_SENDMAIL:-0}"
EOF
chmod 0755 "$fake/seal" "$fake/sendmail"
sed -e "s|^DKIMPIPE_SEAL=/usr/bin/dkimpipe-seal\$|DKIMPIPE_SEAL=$fake/seal|" \
    -e "s|^DKIMPIPE_CONF=/etc/dkimpipe/dkimpipe.conf\$|DKIMPIPE_CONF=$fake/dkimpipe.conf|" \
    -e "s|^SENDMAIL=/usr/sbin/sendmail\$|SENDMAIL=$fake/sendmail|" \
    "$examples/arcseal-postfix" >"$fake/wrapper"
chmod 0755 "$fake/wrapper"
[ "$(grep -c "^[A-Z_]*=$fake/" "$fake/wrapper")" = 3 ] ||
    bail_out "$examples/arcseal-postfix: no DKIMPIPE_SEAL=, DKIMPIPE_CONF= and SENDMAIL= lines to point at the test's programs"
printf 'Authentication-Results: %s; dkim=pass\nFrom: a@author.example\nSubject: s\n\nbody\n' \
    "$AUTHSERV" >"$fake/msg"

# wrap SEAL SENDMAIL_STATUS ARG...: run the wrapper with the fakes
wrap()
{
	_wr_v=$1
	_wr_s=$2
	shift 2
	rm -f "$fake/seal.args" "$fake/sendmail.args" "$fake/sendmail.in"
	run env FAKE_DIR="$fake" FAKE_SEAL="$_wr_v" FAKE_SENDMAIL="$_wr_s" \
	    TMPDIR="$fake/tmp" "$fake/wrapper" "$@" <"$fake/msg"
}
# ran: "sendmail" if the fake sendmail ran
ran() { test -e "$fake/sendmail.args" && echo sendmail; }

wrap pass 0 list-bounces@lists.example.org bob@dest.test -odd@dest.test
is "$status" 0 "wrapper: dkimpipe-seal passes, sendmail queues it: exit 0"
is "$(tr '\n' ' ' <"$fake/sendmail.args" 2>/dev/null)" \
    "<-G> <-i> <-f> <list-bounces@lists.example.org> <--> <bob@dest.test> <-odd@dest.test> " \
    "wrapper: sendmail -G -i -f SENDER -- RECIPIENT... (a leading - stays a recipient)"
{ echo 'ARC-Seal: i=1; fake'; cat "$fake/msg"; } >"$fake/want"
check "wrapper: sendmail gets the sealed message" cmp "$fake/want" "$fake/sendmail.in"
is "$(cat "$fake/seal.args")" "--config $fake/dkimpipe.conf" \
    "wrapper: dkimpipe-seal reads the configuration file named in the wrapper"
wrap pass 0 '' bob@dest.test
is "$(sed -n '3,4p' "$fake/sendmail.args" 2>/dev/null | tr '\n' ' ')" "<-f> <> " \
    "wrapper: the null sender stays null (-f '')"
for st in 75 65 64; do
	wrap $st 0 list-bounces@lists.example.org bob@dest.test
	is "$status:$(ran)" "$st:" "wrapper: dkimpipe-seal exits $st: exit $st, sendmail not run"
done
is "$err" "dkimpipe-seal: fatal: fake status 64" \
    "wrapper: dkimpipe-seal's line is all pipe(8) gets"
wrap 77 0 list-bounces@lists.example.org bob@dest.test
is "$status:$(ran)" "75:" \
    "wrapper: an exit status dkimpipe-seal does not document (77): exit 75"
wrap kill 0 list-bounces@lists.example.org bob@dest.test
is "$status:$(ran)" "75:" \
    "wrapper: dkimpipe-seal killed by a signal: exit 75 (a defer, not pipe(8)'s bounce for 137)"
wrap pass 1 list-bounces@lists.example.org bob@dest.test
is "$status" 75 "wrapper: sendmail fails after a clean seal: exit 75, never 0 or 1"
wrap pass 0 list-bounces@lists.example.org
is "$status:$(test -e "$fake/seal.args" && echo seal)" "75:" \
    "wrapper: no recipient (a master.cf mistake): exit 75 before dkimpipe-seal runs"
is "$(find "$fake/tmp" -type f | wc -l | tr -d ' ')" 0 \
    "wrapper: no temporary file left behind"

# ------------------------------------------------------------ DNS, keys --
# the author's and the upstream forwarder's keystores are the test's; the
# list's is the seal's, and belongs to the pipe user
{
	"$keys" --keystore "$tmp/authorks" new --domain author.example &&
	"$keys" --keystore "$tmp/fwdks" new --domain fwd.example &&
	"$keys" --keystore "$tmp/keys" new --domain lists.example.org
} >"$tmp/records" 2>"$tmp/keys.err" ||
    { diag_file "$tmp/keys.err"; bail_out "dkimpipe-keys new failed"; }
chown -R nobody "$tmp/keys"
t_dns_start "$tmp/dns" "$tmp/records" --dnssec
chmod -R a+rX "$tmp/dns"

# ---------------------------------------------------- the filters' files --
bin=$tmp/bin
mkdir "$bin"
cp "$verify" "$bin/dkimpipe-verify"
cp "$seal" "$bin/dkimpipe-seal"
sed -e "s|^DKIMPIPE_VERIFY=/usr/bin/dkimpipe-verify\$|DKIMPIPE_VERIFY=$bin/dkimpipe-verify|" \
    -e "s|^DKIMPIPE_CONF=/etc/dkimpipe/dkimpipe.conf\$|DKIMPIPE_CONF=$tmp/dkimpipe.conf|" \
    -e "s|^SENDMAIL=/usr/sbin/sendmail\$|SENDMAIL=$pf/usr/sbin/sendmail|" \
    "$examples/dkimverify-postfix" >"$bin/dkimverify-postfix"
sed -e "s|^DKIMPIPE_SEAL=/usr/bin/dkimpipe-seal\$|DKIMPIPE_SEAL=$bin/dkimpipe-seal|" \
    -e "s|^DKIMPIPE_CONF=/etc/dkimpipe/dkimpipe.conf\$|DKIMPIPE_CONF=$tmp/dkimpipe.conf|" \
    -e "s|^SENDMAIL=/usr/sbin/sendmail\$|SENDMAIL=$pf/usr/sbin/sendmail|" \
    "$examples/arcseal-postfix" >"$bin/arcseal-postfix"
chmod 0755 "$bin/dkimverify-postfix" "$bin/arcseal-postfix"
[ "$(grep -c "^[A-Z_]*=$tmp/" "$bin/dkimverify-postfix")" = 3 ] ||
    bail_out "$examples/dkimverify-postfix: no DKIMPIPE_VERIFY=, DKIMPIPE_CONF= and SENDMAIL= lines to point at the test's programs"
[ "$(grep -c "^[A-Z_]*=$tmp/" "$bin/arcseal-postfix")" = 3 ] ||
    bail_out "$examples/arcseal-postfix: no DKIMPIPE_SEAL=, DKIMPIPE_CONF= and SENDMAIL= lines to point at the test's programs"
# one configuration file for both filters, dkimpipe.conf-seal
sed -e "s|^resolver-conf /etc/dkimpipe/unbound.conf\$|resolver-conf $UNBOUND_CONF|" \
    -e "s|^keystore /etc/dkimpipe/keys\$|keystore $tmp/keys|" \
    "$examples/dkimpipe.conf-seal" >"$tmp/dkimpipe.conf"
[ "$(grep -c -e "^resolver-conf $UNBOUND_CONF\$" -e "^keystore $tmp/keys\$" \
    -e "^authserv-id $AUTHSERV\$" "$tmp/dkimpipe.conf")" = 4 ] ||
    bail_out "$examples/dkimpipe.conf-seal: no resolver-conf and keystore lines under /etc/dkimpipe, or not two authserv-id $AUTHSERV lines"
cp "$examples/arcseal_header_checks" "$tmp/arcseal_header_checks"

# ------------------------------------------------------------ Postfix --
conf=$tmp/conf
queue=$tmp/queue
mail=$tmp/mail
mkdir "$conf" "$tmp/meta" "$mail" "$queue"
chown nobody "$mail"
cp -a "$pf/etc/postfix/." "$tmp/meta/"
cp "$pf/usr/share/postfix/dynamicmaps.cf" "$tmp/meta/"
mkdir "$queue/maildrop" "$queue/public"
chown postfix:postdrop "$queue/maildrop" "$queue/public"
chmod 1733 "$queue/maildrop"
chmod 0711 "$queue/public"
printf '%s@dest.test %s/\n' bob bob carol carol >"$conf/vmailbox"
{ pf_main_cf mta-postfix-arc.sh; cat <<EOF
myhostname = lists.example.org
mydomain = example.org
myorigin = lists.example.org
mydestination =
alias_maps =
alias_database =
local_recipient_maps =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
# the list's domain goes to the list manager over LMTP, as with Mailman 3
relay_domains = lists.example.org
transport_maps = texthash:$conf/transport
# the members' mail stays here
EOF
pf_main_cf_mailboxes "dest.test"
} >"$conf/main.cf"

# master.cf: Debian's without its smtp line; then the example's master.cf
# (the smtpd from outside, here on PORT_IN, and the dkimverify service),
# then master.cf-seal (its smtpd on PORT_SEAL instead of 10025), with the
# wrappers', the header_checks' paths and the pipe user changed.
write_master_cf()
{
	{
		sed '/^smtp[[:space:]][[:space:]]*inet[[:space:]]/d' \
		    "$pf/usr/share/postfix/master.cf.dist"
		echo
		echo "# ---- $examples/master.cf, for the test"
		sed -e "s|^smtp\([[:space:]][[:space:]]*inet[[:space:]]\)|127.0.0.1:$PORT_IN\1|" \
		    -e "s|/usr/local/libexec/dkimverify-postfix|$bin/dkimverify-postfix|" \
		    -e 's|user=dkimpipe |user=nobody |' \
		    "$examples/master.cf"
		echo "# ---- $examples/master.cf-seal, for the test"
		sed -e "s|^127\\.0\\.0\\.1:10025\\([[:space:]]\\)|127.0.0.1:$PORT_SEAL\\1|" \
		    -e "s|regexp:/etc/postfix/arcseal_header_checks|regexp:$tmp/arcseal_header_checks|" \
		    -e "s|/usr/local/libexec/arcseal-postfix|$bin/arcseal-postfix|" \
		    -e 's|user=dkimpipe |user=nobody |' \
		    "$examples/master.cf-seal"
	} >"$conf/master.cf"
	# shellcheck disable=SC2015 # any check failing is the same failure
	grep -q "^127.0.0.1:${PORT_IN}[[:space:]]" "$conf/master.cf" &&
	    grep -q "^127.0.0.1:${PORT_SEAL}[[:space:]].*[[:space:]]smtpd\$" "$conf/master.cf" &&
	    grep -q "^  -o cleanup_service_name=arccleanup\$" "$conf/master.cf" &&
	    grep -q "^arccleanup[[:space:]].*[[:space:]]cleanup\$" "$conf/master.cf" &&
	    grep -q "^  -o header_checks=regexp:$tmp/arcseal_header_checks\$" "$conf/master.cf" &&
	    grep -q "^arcseal[[:space:]][[:space:]]*unix[[:space:]].*[[:space:]]pipe\$" "$conf/master.cf" &&
	    grep -q "argv=$bin/dkimverify-postfix \${sender} \${recipient}\$" "$conf/master.cf" &&
	    grep -q "argv=$bin/arcseal-postfix \${sender} \${recipient}\$" "$conf/master.cf" &&
	    [ "$(grep -c 'user=nobody ' "$conf/master.cf")" = 2 ] ||
	    bail_out "$examples/master.cf or master.cf-seal: the lines are not as the test expects"
}

# the list manager: started for the ports of one attempt, stopped at exit
list_pid=
list_stop()
{
	[ -z "$list_pid" ] || kill "$list_pid" 2>/dev/null
	list_pid=
}
list_start()
{
	list_stop
	rm -f "$tmp/lmtp.port"
	"$py" "$t_dir/mta-postfix-list.py" --port-file "$tmp/lmtp.port" \
	    --submit "$PORT_SEAL" --list "$LIST" \
	    --member bob@dest.test --member carol@dest.test \
	    --log "$tmp/list.log" 2>>"$tmp/list.err" &
	list_pid=$!
	wait_until "$W" test -s "$tmp/lmtp.port" || return 1
	printf 'lists.example.org lmtp:[127.0.0.1]:%s\n' \
	    "$(cat "$tmp/lmtp.port")" >"$conf/transport"
}
: >"$tmp/list.log"
at_exit "pf_stop"
at_exit "list_stop"

try_start()
{
	PORT_IN=$("$py" "$client" port)
	PORT_SEAL=$("$py" "$client" port)
	[ "$PORT_IN" != "$PORT_SEAL" ] || return 1
	write_master_cf
	list_start && pf postfix start >"$tmp/start.out" 2>&1 &&
	    "$py" "$client" wait "$PORT_IN" "$W" &&
	    "$py" "$client" wait "$PORT_SEAL" "$W"
}
pf_start_tries try_start "$tmp/list.err"
ok 0 "Postfix $(cat "$pf/VERSION" 2>/dev/null) runs: smtpd from outside on 127.0.0.1:$PORT_IN, the list's on 127.0.0.1:$PORT_SEAL, list manager on LMTP port $(cat "$tmp/lmtp.port")"

# delivered MAILDIR ID: the one file in MAILDIR/new with Message-ID <ID>,
# waited for, or /nonexistent
delivered()
{
	wait_until "$W" has_file "$1" "^Message-ID: <$2>" &&
	    new_file "$1" "^Message-ID: <$2>" || echo /nonexistent
}

# dest_verify FILE: the members' verifier on FILE: its
# Authentication-Results field, unfolded
dest_verify()
{
	"$verify" --authserv-id "$DEST" --resolver-conf "$UNBOUND_CONF" \
	    --timeout "$(t_timeout 5s)" <"$1" 2>"$tmp/dest.err" >"$tmp/dest.out" ||
	    diag_file "$tmp/dest.err"
	field Authentication-Results "$tmp/dest.out" | grep "^Authentication-Results: $DEST;"
}

# dkimpy_arc FILE: dkimpy's arc_verify: "CV REASON"
dkimpy_arc()
{
	"$dkimpy" "$t_dir/arc-dkimpy.py" verify --port "$PORT" "$1" | cut -f2-
}

# arc_sets FILE: "i=N cv=X" of each ARC-Seal, newest first
arc_sets()
{
	field ARC-Seal "$1" | sed 's/[[:space:]]//g' | tr ';:' '\n\n' |
	    grep -E '^(i|cv)=' | paste -d' ' - - | sed 's/^\(cv=[a-z]*\) \(i=[0-9]*\)$/\2 \1/' |
	    tr '\n' ',' | sed 's/,$//'
}

# ------------------------------------------------------------ messages --
msg()
{
	printf 'From: Alice <alice@author.example>\nTo: %s\nSubject: %s\nDate: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <%s@author.example>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\nHello list,\n\n.\na line with only a dot above\n\nAlice\n' \
	    "$LIST" "$1" "$1"
}
# a signed post, with a forged field of the list's authserv-id on top
{ printf 'Authentication-Results: %s; dkim=pass header.d=bank.example\n' "$AUTHSERV"
  msg post1 | "$sign" --keystore "$tmp/authorks"; } >"$tmp/post1.eml"

# ------------------------------------------------------- a post, sealed --
send "$PORT_IN" alice@author.example "$tmp/post1.eml" "$LIST"
is "$sent" "data 250" "a post signed by author.example is queued (250 after DATA)"
bob1=$(delivered "$mail/bob" post1@author.example)
carol1=$(delivered "$mail/carol" post1@author.example)
check "the list manager sent it to bob" test -f "$bob1"
check "and to carol" test -f "$carol1"
like "$(cat "$tmp/list.log")" "post <post1@author.example> sent" \
    "it went through the list manager (LMTP in, SMTP to the list's smtpd out)"
is "$(field Subject "$bob1")" "Subject: [list] post1" "the list's Subject tag is there"
is "$(awk '/^$/ { b = 1 } b' "$bob1" | tail -n 3 | head -n 2 | tr '\n' '|')" \
    "_______________________________________________|list mailing list -- $LIST|" \
    "and its footer, at the end of the body"
is "$(arc_sets "$bob1")" "i=1 cv=none" "one ARC set, i=1, cv=none"
is "$(fields "$bob1" | cut -d' ' -f1-8)" \
    "Return-Path X-Original-To Delivered-To Received ARC-Seal ARC-Message-Signature ARC-Authentication-Results Received" \
    "the set on top, between the Received of pickup (re-injection) and the list's smtpd"
like "$(field Received "$bob1" | sed -n 2p)" "^Received: from lists-manager.test " \
    "below it, the Received field of the list's smtpd, for the list manager's submission"
like "$(field ARC-Seal "$bob1")" "[; ]d=lists\\.example\\.org;" "sealed by lists.example.org (d=)"
aar=$(field ARC-Authentication-Results "$bob1")
like "$aar" "^ARC-Authentication-Results: i=1; $AUTHSERV;[[:space:]]*dkim=pass .*header\\.d=author\\.example" \
    "ARC-Authentication-Results: the dkim=pass of the way in, for author.example"
unlike "$aar" "bank\\.example" "the forged field with the list's authserv-id is not in it"
is "$(field Authentication-Results "$bob1" | grep -c "^Authentication-Results: $AUTHSERV;")" 1 \
    "and is gone from the message: one Authentication-Results of $AUTHSERV, the verifier's"
is "$(field ARC-Seal "$carol1")" "$(field ARC-Seal "$bob1")" \
    "carol's copy has the same seal (one run of the filter for both)"
# (pipe(8) logs once its command is done, maybe after the delivery)
wait_until "$W" grep -q 'to=<carol@dest\.test>, relay=arcseal,.* status=sent' "$tmp/maillog"
like "$(grep ' relay=arcseal, ' "$tmp/maillog")" "to=<bob@dest\\.test>, relay=arcseal,.* status=sent" \
    "the mail log shows the arcseal pipe(8) service delivered it"
dv=$(dest_verify "$bob1")
like "$dv" "[; ]arc=pass " "at the destination dkimpipe-verify finds arc=pass"
like "$dv" "dkim=fail .*header\\.d=author\\.example" \
    "and dkim=fail for the author: the list changed the message"
if [ -n "$dkimpy" ]; then
	like "$(dkimpy_arc "$bob1")" "^pass" "dkimpy's arc_verify passes the chain"
else
	skip "python3-dkim, python3-authres, python3-dnspython needed" 1
fi

# ------------------------------------------------- a post with a chain --
# sealed once on the way, by fwd.example, which checked it first
msg post2 | "$sign" --keystore "$tmp/authorks" |
    "$verify" --authserv-id fwd.example --resolver-conf "$UNBOUND_CONF" |
    "$seal" --keystore "$tmp/fwdks" --authserv-id fwd.example \
	--domain fwd.example >"$tmp/post2.eml"
is "$(arc_sets "$tmp/post2.eml")" "i=1 cv=none" "(the post sealed by fwd.example on its way to the list)"
send "$PORT_IN" alice@author.example "$tmp/post2.eml" "$LIST"
bob2=$(delivered "$mail/bob" post2@author.example)
is "$(arc_sets "$bob2")" "i=2 cv=pass,i=1 cv=none" \
    "a post that arrives with an ARC chain leaves with i=2, cv=pass"
like "$(field ARC-Authentication-Results "$bob2" | head -n 1)" \
    "^ARC-Authentication-Results: i=2; $AUTHSERV;.*[; ]arc=pass" \
    "whose ARC-Authentication-Results carry the arc=pass of the way in"
like "$(dest_verify "$bob2")" "[; ]arc=pass " "dkimpipe-verify at the destination: arc=pass"
if [ -n "$dkimpy" ]; then
	like "$(dkimpy_arc "$bob2")" "^pass" "dkimpy's arc_verify: pass"
else
	skip "python3-dkim, python3-authres, python3-dnspython needed" 1
fi

# -------------------------------------------- sealing fails: deferred --
# the keystore taken from the pipe user, once pipe(8) has logged the
# two posts above (two recipients each)
arcseal_lines() { grep -c ' relay=arcseal, ' "$tmp/maillog"; }
arcseal_done() { [ "$(arcseal_lines)" -ge 4 ]; }
wait_until "$W" arcseal_done
chown -R root "$tmp/keys"
arcseal_runs=$(arcseal_lines)

# the list manager's own notice goes out all the same, although the
# request it attaches has our Authentication-Results field
printf 'From: bob@dest.test\nTo: list-request@lists.example.org\nSubject: help\nMessage-ID: <request@dest.test>\n\nhelp\n' \
    >"$tmp/request.eml"
send "$PORT_IN" bob@dest.test "$tmp/request.eml" list-request@lists.example.org
wait_until "$W" has_file "$mail/bob" '^Subject: Your request to the list mailing list'
f=$(new_file "$mail/bob" '^Subject: Your request to the list mailing list') || f=/nonexistent
check "the list manager's notice (no Authentication-Results) is delivered while sealing fails" \
    test -f "$f"
is "$(fields "$f" 2>/dev/null | grep -o -e ARC-Seal -e Authentication-Results | tr '\n' ' ')$(grep -c '^Authentication-Results: lists\.example\.org;' "$f")" "1" \
    "unsealed, with no Authentication-Results field in its header (one in the request it attaches)"
is "$(arcseal_lines)" "$arcseal_runs" \
    "it never went to the arcseal service (so never waited on its exit status)"

msg post3 | "$sign" --keystore "$tmp/authorks" >"$tmp/post3.eml"
send "$PORT_IN" alice@author.example "$tmp/post3.eml" "$LIST"
is "$sent" "data 250" "a post while the keystore is unreadable to the pipe user is queued"
wait_until "$W" grep -q 'relay=arcseal,.*status=deferred' "$tmp/maillog"
like "$(grep 'relay=arcseal,.*status=deferred' "$tmp/maillog" | head -n 1)" \
    'dsn=4\.3\.0, status=deferred \(.*dkimpipe-seal' \
    "dkimpipe-seal cannot read its key: exit 75, Postfix defers (4.3.0) with its line"
deferred_files() { find "$queue/deferred" -type f | wc -l | tr -d ' '; }
deferred_one() { [ "$(deferred_files)" = 1 ]; }
wait_until "$W" deferred_one
is "$(deferred_files)" 1 "the post waits in the deferred queue"
check "it was not delivered" test -z "$(new_file "$mail/bob" '^Message-ID: <post3@author.example>')"
is "$(grep -c 'status=bounced' "$tmp/maillog")$(grep -c '^bounce ' "$tmp/list.log")" "00" \
    "nothing bounced (mail log; no bounce reached the list manager)"

chown -R nobody "$tmp/keys"
pf postfix flush >/dev/null 2>&1
bob3=$(delivered "$mail/bob" post3@author.example)
carol3=$(delivered "$mail/carol" post3@author.example)
check "the keystore given back, postfix flush: delivered to bob" test -f "$bob3"
check "and to carol, once each" test -f "$carol3"
is "$(arc_sets "$bob3")" "i=1 cv=none" "sealed: one ARC set, i=1"
like "$(dest_verify "$bob3")" "[; ]arc=pass " "and the chain validates"
# queue_files: messages in Postfix's queue, in any state
queue_files()
{
	find "$queue/maildrop" "$queue/incoming" "$queue/active" \
	    "$queue/deferred" "$queue/hold" -type f | wc -l | tr -d ' '
}
queue_empty() { [ "$(queue_files)" = 0 ]; }
wait_until "$W" queue_empty
is "$(queue_files)" 0 "the queue is empty"

# ------------------------------------------------------------ the end --
is "$(grep -E 'postfix/[a-z-]+\[[0-9]+\]: (fatal|panic):' "$tmp/maillog" | grep -v 'postfix/postfix-script' | head -n 3)" "" \
    "no fatal or panic line in the mail log"
pf_stop
ok $? "postfix stop: no process of the instance is left"

#!/bin/sh
# mta-exim.sh - dkimpipe under Exim, end to end, with the configuration
# snippets of packaging/examples/exim/ as they are documented.
#
# Two Exim daemons on 127.0.0.1, each with its own configuration, spool
# and logs under a temporary directory (nothing of the system's is read
# or changed):
#	submit	t/mta-exim-submit.conf: SMTP AUTH PLAIN (no TLS on loopback),
#		the MAIL and DATA ACLs of packaging/examples/exim/ that call
#		dkimpipe-keys authz check, and its remote_smtp transport with
#		dkimpipe-sign as transport_filter, relaying everything to mx
#	mx	t/mta-exim-mx.conf: takes any mail, delivers it into a maildir
# The signer's output so crosses a real SMTP hop (CRLF, dot-stuffing) as
# it would leaving a mail server, rather than landing in a local file
# straight from the filter. The snippets are included with only their
# program and keystore paths replaced; the test's own frame around them
# adds nothing to the ACLs or the transport.
#
# Checked: a permitted user's mail arrives signed (RSA and Ed25519) and
# verifies with dkimpy and dkimpipe-verify (DNSSEC secure, keys served by
# t/dnsserver.sh), including the Date: and Message-ID: Exim adds; a sender
# address or From: the user may not use is refused at SMTP time (550,
# nothing queued); a keystore the ACL cannot read gives 451; when the
# authz map changes after a message was accepted, the filter's refusal
# (77) or the failed user lookup only defers it: it stays queued, nothing
# is bounced or delivered, the filter's stderr (with --log stderr) is in
# no delivered message, and it goes out signed once the map allows it.
# Then, as diagnostics only, the time per message through both Exims with
# and without the filter.
#
# Exim: Debian's exim4-daemon-light, found or fetched by t/mta-exim-get.sh
# (apt-get download + dpkg -x: the package conflicts with postfix). The
# test runs a non-setuid copy of the binary, started as root, so every
# process after the SMTP listener runs as the Exim user (Exim's "running
# without privilege" mode); the transport filter runs as the Exim user in
# either mode, here as on a Debian system. That user is Debian-exim; where
# no such user exists, nss_wrapper (libnss-wrapper) gives Exim a private
# passwd and group file naming it.
# Needs root, nsd and ldnsutils (t/dnsserver.sh), setpriv, python3;
# dkimpy (python3-dkim, python3-dnspython) for the dkimpy checks.
#
# DKIMPIPE_EXIM_CACHE=DIR	where t/mta-exim-get.sh keeps the extracted
#				package (default ~/.cache/dkimpipe/exim4)
# EXIM=PATH			use this exim binary instead
# N_BENCH=N			messages timed each way, a multiple of 10 (50)
# DKIMPIPE_TEST_KEEP=1		keep the directory (configs, logs, maildir)
. "$(dirname "$0")/lib.sh"

sign=$(t_prog dkimpipe-sign)
keys=$(t_prog dkimpipe-keys)
verify=$(t_prog dkimpipe-verify)
[ "$(id -u)" = 0 ] ||
    skip_all "needs root: the Exim daemon starts as root and runs as its own user"
t_need nsd
t_need drill ldnsutils
t_need setpriv util-linux
py=$(t_find_python3 smtplib) || skip_all "no python3"
dkpy=$(t_find_python3 dkim dns.resolver) || dkpy=
# shellcheck disable=SC2154 # lib.sh sets top_srcdir and t_dir
examples=$top_srcdir/packaging/examples/exim
PASSWORD=dkimpipe-test-password
N_BENCH=${N_BENCH:-50}			# messages timed with and without the filter

mktmpdir tmp
# shellcheck disable=SC2154 # mktmpdir set it
chmod 0755 "$tmp"		# the Exim user reaches its files through it
exim_src=$(sh "$t_dir/mta-exim-get.sh" ${DKIMPIPE_EXIM_CACHE:+"$DKIMPIPE_EXIM_CACHE"} \
    2>"$tmp/get.err") ||
    skip_all "no Exim: $(tr '\n' ' ' <"$tmp/get.err")"

# ---------------------------------------------------------- Exim user --
. "$t_dir/mta-exim-lib.sh"
# as_exim CMD...: run CMD as the Exim user, as an administrator would with
# runuser -u Debian-exim (numeric, so that it needs no passwd entry)
as_exim()
{
	setpriv --reuid="$uid" --regid="$gid" --clear-groups -- "$@"
}

# Programs the Exim user can run wherever the build tree is: copies.
mkdir "$tmp/bin"
cp "$sign" "$keys" "$tmp/bin/"
cp "$exim_src" "$tmp/bin/exim"
chmod 0755 "$tmp/bin"/*		# never setuid (see above)
as_exim test -x "$tmp/bin/dkimpipe-sign" ||
    bail_out "the Exim user (uid $uid) cannot reach $tmp: use a TMPDIR anyone can enter"
exim=$tmp/bin/exim
sign=$tmp/bin/dkimpipe-sign
keys=$tmp/bin/dkimpipe-keys
# exim_a ARG..., exim_b ARG...: the submission and the receiving Exim
exim_a()
{
	# shellcheck disable=SC2086 # $wrap: zero or three words
	env $wrap "$exim" -C "$tmp/submit/exim.conf" "$@"
}
exim_b()
{
	# shellcheck disable=SC2086
	env $wrap "$exim" -C "$tmp/mx/exim.conf" "$@"
}

# ----------------------------------------------------- keystore, DNS --
ks=$tmp/keys
install -d -o "$uid" -g "$gid" -m 0700 "$ks"
as_exim "$keys" --keystore "$ks" new --domain good.test >"$tmp/new.out" 2>&1 ||
    { diag_file "$tmp/new.out"; bail_out "dkimpipe-keys new failed"; }
as_exim "$keys" --keystore "$ks" dns --domain good.test >"$tmp/records" 2>&1 ||
    { diag_file "$tmp/records"; bail_out "dkimpipe-keys dns failed"; }
if ! as_exim "$keys" --keystore "$ks" authz add alice alice@good.test ||
    ! as_exim "$keys" --keystore "$ks" authz add bob bob@good.test; then
	bail_out "dkimpipe-keys authz add failed"
fi
DNSSERVER_OWNER=$$ sh "$t_dir/dnsserver.sh" start "$tmp/dns" "$tmp/records" \
    --dnssec >/dev/null 2>"$tmp/dnsserver.err" ||
    { diag_file "$tmp/dnsserver.err"; bail_out "the DNS server did not start"; }
at_exit "sh '$t_dir/dnsserver.sh' stop '$tmp/dns' >/dev/null 2>&1"
# shellcheck source=/dev/null # PORT, UNBOUND_CONF (t/dnsserver.sh)
. "$tmp/dns/vars"

# ------------------------------------------------------ configuration --
port_a=$("$py" "$t_dir/mta-exim-client.py" port)
port_b=$("$py" "$t_dir/mta-exim-client.py" port)
while [ "$port_b" = "$port_a" ]; do
	port_b=$("$py" "$t_dir/mta-exim-client.py" port)
done
for d in submit mx; do
	mkdir "$tmp/$d"
	install -d -o "$uid" -g "$gid" -m 0750 "$tmp/$d/spool" "$tmp/$d/log"
done
install -d -o "$uid" -g "$gid" -m 0750 "$tmp/mx/maildir"
maildir=$tmp/mx/maildir

keep_env=
[ -z "$wrap" ] || keep_env="LD_PRELOAD : NSS_WRAPPER_PASSWD : NSS_WRAPPER_GROUP"
# The documented snippets, with this test's program and keystore paths.
for f in mail-acl data-acl remote_smtp; do
	sed -e "s|/usr/bin/dkimpipe-sign|$sign|g" \
	    -e "s|/usr/bin/dkimpipe-keys|$keys|g" \
	    -e "s|/etc/dkimpipe/keys|$ks|g" \
	    "$examples/$f.conf" >"$tmp/submit/$f.conf"
done
# The same transport, diagnostics on stderr.
sed -e 's/^remote_smtp:/remote_smtp_stderr:/' -e 's/--log syslog/--log stderr/' \
    "$tmp/submit/remote_smtp.conf" >"$tmp/submit/remote_smtp_stderr.conf"
grep -q -e '--log stderr' "$tmp/submit/remote_smtp_stderr.conf" ||
    bail_out "remote_smtp.conf has no --log syslog to turn into --log stderr"
sed -e "s|@DIR@|$tmp/submit|g" -e "s|@EXIM@|$exim|g" \
    -e "s|@PORT@|$port_a|g" -e "s|@MX_PORT@|$port_b|g" \
    -e "s|@KEEP_ENV@|$keep_env|g" -e "s|@PASSWORD@|$PASSWORD|g" \
    "$t_dir/mta-exim-submit.conf" >"$tmp/submit/exim.conf"
sed -e "s|@DIR@|$tmp/mx|g" -e "s|@EXIM@|$exim|g" -e "s|@PORT@|$port_b|g" \
    -e "s|@KEEP_ENV@|$keep_env|g" -e "s|@EXIM_USER@|Debian-exim|g" \
    "$t_dir/mta-exim-mx.conf" >"$tmp/mx/exim.conf"

plan 37
diag "$(exim_a -bV 2>&1 | grep '^Exim version') ($exim_src)," \
    "run as root, Exim user Debian-exim = uid $uid${wrap:+ (nss_wrapper)}"

# Each snippet names the programs and the keystore the way the docs do,
# and nothing else of the system's is left in the configuration.
grep -l -e /usr/bin/dkimpipe- -e /etc/dkimpipe "$examples"/mail-acl.conf \
    "$examples"/data-acl.conf "$examples"/remote_smtp.conf >"$tmp/named"
is "$(wc -l <"$tmp/named" | tr -d ' ')" 3 \
    "the three snippets name /usr/bin/dkimpipe-* and /etc/dkimpipe/keys (replaced here)"
cat "$tmp/submit/exim.conf" "$tmp/submit"/*-acl.conf "$tmp/submit"/remote_smtp*.conf \
    "$tmp/mx/exim.conf" | grep -v '^ *#' | sed "s|$tmp/||g" |
    grep -e '/usr/' -e '/etc/' -e '/var/' >"$tmp/leftover"
check "the Exim configurations use no system path" test ! -s "$tmp/leftover" ||
    diag_file "$tmp/leftover"

# ---------------------------------------------------------- daemons --
at_exit "stop_exim '$tmp/mx'"
exim_b -bd >"$tmp/mx.start" 2>&1
at_exit "stop_exim '$tmp/submit'"
exim_a -bd >"$tmp/submit.start" 2>&1
"$py" "$t_dir/mta-exim-client.py" wait "$port_a" &&
    "$py" "$t_dir/mta-exim-client.py" wait "$port_b"
ok $? "both Exim daemons listen (submit on $port_a, mx on $port_b)" || {
	diag_file "$tmp/submit.start"
	diag_file "$tmp/mx.start"
	diag_file "$tmp/submit/log/paniclog"
	diag_file "$tmp/mx/log/paniclog"
	bail_out "Exim did not start"
}

# ----------------------------------------------------------- helpers --
# send USER SENDER RCPT FILE...: one SMTP session; its result lines
# (FILE STAGE CODE TEXT) in $tmp/sent, and "STAGE CODE" of the last one
# in $sent.
send()
{
	_u=$1 _s=$2 _r=$3
	shift 3
	"$py" "$t_dir/mta-exim-client.py" send --port "$port_a" --user "$_u" \
	    --password "$PASSWORD" --sender "$_s" --rcpt "$_r" "$@" \
	    >"$tmp/sent" 2>&1
	sent=$(tail -n 1 "$tmp/sent" | cut -f 2,3 | tr '\t' ' ')
}
# delivered: the number of messages in the maildir
delivered()
{
	find "$maildir/new" -type f 2>/dev/null | wc -l | tr -d ' '
}
# wait_delivered N: until N messages are in the maildir (10 s at most)
wait_delivered()
{
	_n=0
	while [ "$(delivered)" -lt "$1" ] && [ "$_n" -lt 200 ]; do
		sleep 0.05
		_n=$((_n + 1))
	done
	[ "$(delivered)" = "$1" ]
}
# queued: the number of messages in the submission Exim's queue
queued()
{
	exim_a -bpc 2>&1
}
# wait_queue N: until the queue holds N messages (10 s at most)
wait_queue()
{
	_n=0
	while [ "$(queued)" != "$1" ] && [ "$_n" -lt 200 ]; do
		sleep 0.05
		_n=$((_n + 1))
	done
	[ "$(queued)" = "$1" ]
}
# mailfile SUBJECT: the delivered file with that Subject:
mailfile()
{
	grep -l -x "Subject: $1" "$maildir/new"/* 2>/dev/null | head -n 1
}
# results FILE: dkim= results of dkimpipe-verify's Authentication-Results
results()
{
	"$verify" --resolver-conf "$UNBOUND_CONF" --authserv-id mx.test \
	    <"$1" >"$tmp/verified" 2>"$tmp/verify.err"
	sed -n '1,/^[^ \t]/p' "$tmp/verified" | tr -d '\n' | tr '\t' ' ' |
	    grep -o 'dkim=[a-z]*' | sed 's/dkim=//' | tr '\n' ' ' | sed 's/ $//'
}
# dkimpy FILE: "pass pass" when dkimpy passes both signatures
dkimpy()
{
	"$dkpy" "$t_dir/verify-dkimpy.py" --port "$PORT" "$1" >"$tmp/dkimpy.out" 2>&1
	cut -f 4 "$tmp/dkimpy.out" | tr '\n' ' ' | sed 's/ $//'
}
# body FILE: everything after the header
body()
{
	sed '1,/^$/d' "$1"
}
# log_since MARK: the submission Exim's mainlog after line MARK
log_lines()
{
	wc -l <"$tmp/submit/log/mainlog" | tr -d ' '
}
log_since()
{
	sed "1,${1}d" "$tmp/submit/log/mainlog"
}

# ------------------------------------------------- a permitted sender --
# No Date: and no Message-ID: Exim adds them (submission mode) before the
# transport, so they are signed. A line that starts with a dot, one with
# trailing white space, a long one: the SMTP hop must not change them.
{
	printf 'From: Alice <alice@good.test>\nTo: Bob <bob@example.net>\n'
	printf 'Subject: through Exim\n\nHi Bob,\n.a line that starts with a dot\n'
	printf '..and one with two\ntrailing white space   \n\n'
	i=0
	while [ $i -lt 30 ]; do printf 'long line %d ' $i; i=$((i + 1)); done
	printf '\n\nAlice\n'
} >"$tmp/alice.eml"
send alice alice@good.test bob@example.net "$tmp/alice.eml"
is "$sent" "data 250" "alice, sending as alice@good.test, is accepted" ||
    diag_file "$tmp/sent"
wait_delivered 1
ok $? "and it arrives at the receiving Exim" || {
	diag_file "$tmp/submit/log/mainlog"
	diag_file "$tmp/mx/log/mainlog"
}
wait_queue 0
ok $? "the submission queue is empty again" || exim_a -bp 2>&1 | diag_file /dev/stdin
f=$(mailfile "through Exim")
[ -n "$f" ] || f=$tmp/missing
diag "delivered: $f"
is "$(grep -c '^DKIM-Signature:' "$f" 2>/dev/null)" 2 "it has two DKIM-Signature fields" ||
    diag_file "$f" 30
sed -n '/^DKIM-Signature:/,/^[^ \t]/p' "$f" 2>/dev/null | tr -d '\n\t ' >"$tmp/sigs"
like "$(cat "$tmp/sigs")" 'a=rsa-sha256;.*d=good.test;.*a=ed25519-sha256;.*d=good.test;' \
    "RSA then Ed25519, d=good.test"
like "$(grep -i -e '^Date:' -e '^Message-Id:' "$f" | tr '\n' ' ')" \
    '^(Message-Id: <[^>]*@submit\.good\.test> Date: |Date: .* Message-Id: )' \
    "Exim added Date: and Message-ID:"
like "$(tr ':' '\n' <"$tmp/sigs" | tr '[:upper:]' '[:lower:]' | tr '\n' ' ')" \
    ' date .* message-id | message-id .* date ' \
    "and they are among the signed fields (h=)"
body "$tmp/alice.eml" >"$tmp/body.sent"
body "$f" >"$tmp/body.got" 2>/dev/null
check "the body arrives byte for byte (dots, trailing space, long line)" \
    cmp "$tmp/body.sent" "$tmp/body.got"
is "$(results "$f")" "pass pass" "dkimpipe-verify: dkim=pass for both" ||
    diag_file "$tmp/verified" 12
is "$(grep -c 'DNSSEC secure' "$tmp/verified")" 2 "both keys DNSSEC secure"
if [ -n "$dkpy" ]; then
	is "$(dkimpy "$f")" "pass pass" "dkimpy: both signatures pass" ||
	    diag_file "$tmp/dkimpy.out"
else
	skip "dkimpy not found (apt-get install python3-dkim python3-dnspython)"
fi

# ----------------------------------------- refused while connected --
mark=$(log_lines)
send bob alice@good.test bob@example.net "$tmp/alice.eml"
is "$sent" "mail 550" "bob sending as <alice@good.test>: 550 at MAIL" ||
    diag_file "$tmp/sent"
like "$(cat "$tmp/sent")" 'bob may not send as <alice@good.test>' "with the ACL's message"

sed 's/^Subject: .*/Subject: bob as alice/' "$tmp/alice.eml" >"$tmp/bob-from-alice.eml"
send bob bob@good.test bob@example.net "$tmp/bob-from-alice.eml"
is "$sent" "data 550" "bob with envelope bob@good.test but From: alice@good.test: 550 after DATA" ||
    diag_file "$tmp/sent"
like "$(cat "$tmp/sent")" 'bob may not send as alice@good.test' "with the DATA ACL's message"

send "bob alice@good.test" alice@good.test bob@example.net "$tmp/alice.eml"
is "$sent" "mail 550" \
    "a user name with a space reaches authz check as one argument (550, not a usage error's 451)" ||
    diag_file "$tmp/sent"

# A keystore the ACL cannot read: defer, do not guess.
cp "$ks/authz" "$tmp/authz.saved"
echo "a-user-without-patterns" >>"$ks/authz"
send bob bob@good.test bob@example.net "$tmp/alice.eml"
cat "$tmp/authz.saved" >"$ks/authz"	# (keeps the file's owner and mode)
is "$sent" "mail 451" "a malformed authz file: 451 at MAIL, try again later" ||
    diag_file "$tmp/sent"

sleep 0.2
is "$(queued)" 0 "none of the refused messages is queued"
is "$(delivered)" 1 "nor delivered"
log_since "$mark" >"$tmp/refusals.log"
is "$(grep -c -e 'rejected MAIL' -e 'rejected after DATA' -e 'temporarily rejected MAIL' \
    "$tmp/refusals.log")" 4 "the submission Exim logged the four refusals" ||
    diag_file "$tmp/refusals.log"

# ---------------------------------- the filter as the second line --
# Accepted while bob may send as bob@good.test, held in the queue
# (queue_only_file), then the map changes before delivery.
touch "$tmp/submit/hold"
sed 's/^Subject: .*/Subject: held one/; s/alice@good.test/bob@good.test/' \
    "$tmp/alice.eml" >"$tmp/held1.eml"
sed 's/^Subject: .*/Subject: held two/; s/alice@good.test/bob@good.test/' \
    "$tmp/alice.eml" >"$tmp/held2.eml"
send bob bob@good.test carol@example.net "$tmp/held1.eml"
s1=$sent
send bob bob@good.test carol@stderr.test "$tmp/held2.eml"
is "$s1 / $sent" "data 250 / data 250" "bob's two messages as bob@good.test are accepted" ||
    diag_file "$tmp/sent"
is "$(queued)" 2 "and held in the queue"
rm -f "$tmp/submit/hold"

if ! as_exim "$keys" --keystore "$ks" authz del bob ||
    ! as_exim "$keys" --keystore "$ks" authz add bob @other.test; then
	bail_out "dkimpipe-keys authz failed"
fi
mark=$(log_lines)
exim_a -qff >"$tmp/q1.out" 2>&1
sleep 0.3
log_since "$mark" >"$tmp/q1.log"
is "$(grep -c 'defer .*transport filter process failed (77)' "$tmp/q1.log")" 2 \
    "bob may no longer use bob@good.test: the filter exits 77 for both, Exim defers" ||
    diag_file "$tmp/q1.log"
is "$(queued)" 2 "both stay in the queue"

as_exim "$keys" --keystore "$ks" authz del bob || bail_out "authz del failed"
mark=$(log_lines)
exim_a -qff >"$tmp/q2.out" 2>&1
sleep 0.3
log_since "$mark" >"$tmp/q2.log"
is "$(grep -c 'defer .*"lookup" failed and "fail" requested' "$tmp/q2.log")" 2 \
    "bob not in the authz map at all: the user lookup fails, Exim defers" ||
    diag_file "$tmp/q2.log"
is "$(queued)" 2 "both still queued"
log_since 0 | grep -e ' \*\* ' -e '<= <>' >"$tmp/bounces"
check "nothing bounced, no bounce message made" test ! -s "$tmp/bounces" ||
    diag_file "$tmp/bounces"
is "$(delivered)" 1 "nothing more delivered"

as_exim "$keys" --keystore "$ks" authz add bob bob@good.test || bail_out "authz add failed"
exim_a -qff >"$tmp/q3.out" 2>&1
wait_delivered 3
ok $? "bob allowed again: both are delivered" || diag_file "$tmp/submit/log/mainlog"
wait_queue 0
ok $? "and the queue is empty"
f1=$(mailfile "held one")
f2=$(mailfile "held two")
is "$(results "${f1:-/dev/null}") / $(results "${f2:-/dev/null}")" \
    "pass pass / pass pass" "both verify (dkimpipe-verify)"
grep -l -e 'dkimpipe-' -e 'fatal:' "$maildir/new"/* >"$tmp/leaked" 2>/dev/null
check "no delivered message holds a filter's diagnostics" test ! -s "$tmp/leaked" ||
    diag_file "$tmp/leaked"

# ------------------------------------------------------------- timing --
# Not a test of speed: the time each message takes from MAIL to its file
# in the maildir, one message at a time, with the documented transport and
# without any filter, in alternating rounds of 10 so that both see the same
# machine.
: >"$tmp/with.ms"
: >"$tmp/without.ms"
bench_ok=0
start=$(delivered)
r=0
while [ $r -lt $((N_BENCH / 10)) ]; do
	for how in with without; do
		case $how in
		with)	rcpt=bench@example.net ;;
		without) rcpt=bench@nofilter.test ;;
		esac
		"$py" "$t_dir/mta-exim-client.py" bench --port "$port_a" \
		    --user alice --password "$PASSWORD" --sender alice@good.test \
		    --rcpt "$rcpt" --from "Alice <alice@good.test>" \
		    --maildir "$maildir" --count 10 --times "$tmp/$how.ms" \
		    >>"$tmp/bench.out" 2>&1 || bench_ok=1
	done
	r=$((r + 1))
done
[ "$bench_ok" = 0 ] && [ "$(delivered)" = $((start + N_BENCH * 2)) ]
ok $? "the timing runs delivered all $((N_BENCH * 2)) messages" || diag_file "$tmp/bench.out"
# stats FILE: "mean M ms, median D ms"
stats()
{
	sort -n "$1" | awk '{ v[NR] = $1; s += $1 }
	    END { if (NR == 0) { print "none"; exit }
		  m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		  printf "mean %.1f ms, median %.1f ms (n=%d)", s / NR, m, NR }'
}
# and the filter on its own, as the Exim user, on such a message
{
	printf 'From: Alice <alice@good.test>\nTo: <bench@example.net>\n'
	printf 'Subject: bench\nMessage-Id: <bench@submit.good.test>\n'
	printf 'Date: Mon, 23 Nov 2026 12:00:00 +0000\n\n'
	printf 'Message 0 of a benchmark run through Exim.\n'
} >"$tmp/bench.eml"
: >"$tmp/alone.ms"
i=0
while [ $i -lt 20 ]; do
	t0=$(date +%s%N)
	as_exim "$sign" --keystore "$ks" --auth-user alice --log syslog \
	    <"$tmp/bench.eml" >/dev/null 2>&1
	t1=$(date +%s%N)
	echo "$(( (t1 - t0) / 1000 ))" | awk '{ printf "%.2f\n", $1 / 1000 }' >>"$tmp/alone.ms"
	i=$((i + 1))
done
diag "per message through both Exims, MAIL to maildir:" \
    "  with dkimpipe-sign:    $(stats "$tmp/with.ms")" \
    "  without a filter:      $(stats "$tmp/without.ms")" \
    "dkimpipe-sign alone (setpriv + exec + RSA and Ed25519 signing):" \
    "                         $(stats "$tmp/alone.ms")"
# one that went through the filter (the runs without it use the same
# subjects, and maildir names do not sort by time within a second)
f=$(grep -l '^Subject: bench 9$' "$maildir/new"/* |
    xargs -r grep -l '^To: <bench@example\.net>' | head -n 1)
is "$(results "${f:-/dev/null}")" "pass pass" "a timed message verifies too"

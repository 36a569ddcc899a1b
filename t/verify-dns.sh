#!/bin/sh
# verify-dns - dkimpipe-verify against a DNSSEC-signed zone served on
# 127.0.0.1: secure, insecure, bogus, missing and unreachable keys.
. "$(dirname "$0")/lib.sh"

sign=$top_builddir/dkimpipe-sign
keys=$top_builddir/dkimpipe-keys
verify=$top_builddir/dkimpipe-verify
t_which nsd >/dev/null || bail_out "nsd is required (apt-get install nsd ldnsutils)"
mktmpdir tmp
ks=$tmp/ks
for d in good.test unsigned.test timeout.test wrongds.test; do
	"$keys" --keystore "$ks" new --domain $d >>"$tmp/records" ||
	    bail_out "cannot make keys for $d"
done
"$keys" --keystore "$tmp/ks3" new --domain good.test --algorithm rsa \
    --selector lsel >>"$tmp/records"
# A second keystore for keys under the test zone's special names.
for s in badsig oldsig; do
	"$keys" --keystore "$tmp/ks2" new --domain good.test --algorithm ed25519 \
	    --selector $s >>"$tmp/records"
done
"$keys" --keystore "$tmp/ks2" new --domain good.test --algorithm ed25519 \
    --selector unpublished >/dev/null
grep -v '^timeout\|\.timeout\.test' "$tmp/records" >"$tmp/served"
sh "$top_srcdir/t/dnsserver.sh" start "$tmp/dns" "$tmp/served" --dnssec >/dev/null 2>"$tmp/dns.err" ||
    { cat "$tmp/dns.err"; bail_out "the test DNS server did not start"; }
at_exit "sh '$top_srcdir/t/dnsserver.sh' stop '$tmp/dns' >/dev/null 2>&1"
. "$tmp/dns/vars"
V0="$verify --resolver-conf $UNBOUND_CONF --authserv-id mx.test"
# every run gets the default budget (5 s) scaled; the timeout cases below
# give one of their own
V="$V0 --timeout $(t_timeout 5s)"

msg()
{
	printf 'From: Alice <alice@%s>\nTo: bob@example.net\nSubject: test\nDate: Mon, 23 Nov 2026 10:00:00 +0000\n\nHello Bob,\n\nsee you.\n' "$1"
}
# Result words of our Authentication-Results, in order, space-separated.
results()
{
	sed -n '1,/^[^ \t]/p' "$1" | tr -d '\n' | sed 's/\t/ /g' |
	    grep -o 'dkim=[a-z]*' | sed 's/dkim=//' | tr '\n' ' ' | sed 's/ $//'
}

msg good.test | "$sign" --keystore "$ks" >"$tmp/good.eml"
run $V <"$tmp/good.eml"
is "$status" 0 "verify exits 0"
is "$err" "" "and is silent"
is "$(results "$out_file")" "pass pass" "dual-signed in a signed zone: both pass"
like "$out" '^Authentication-Results: mx.test;' "one Authentication-Results on top, our authserv-id"
like "$out" 'dkim=pass \(2048-bit key, DNSSEC secure\)' "RSA: key size and DNSSEC secure in the comment"
like "$out" 'header.a=ed25519-sha256' "the Ed25519 signature is named by header.a"
like "$out" 'header.d=good.test header.i=@good.test header.s=[0-9]{6}r' "header.d, header.i, header.s"
like "$out" 'header.b="?[A-Za-z0-9+/]{8}"?' "header.b: 8 characters of b="
is "$(grep -c '^Authentication-Results:' "$out_file")" 1 "exactly one field added"
tail -n +"$(($(sed -n '/^DKIM-Signature/=' "$out_file" | head -1)))" "$out_file" >"$tmp/rest"
check "the message follows unchanged" cmp "$tmp/rest" "$tmp/good.eml"

sed 's/^Hello Bob/Hello Eve/' "$tmp/good.eml" >"$tmp/body.eml"
run $V <"$tmp/body.eml"
is "$(results "$out_file")" "fail fail" "one changed body byte: fail"
like "$out" 'body hash did not verify' "says why"
sed 's/^Subject: test/Subject: tesT/' "$tmp/good.eml" >"$tmp/subj.eml"
run $V <"$tmp/subj.eml"
is "$(results "$out_file")" "fail fail" "one changed header byte: fail"
like "$out" 'signature did not verify' "says why"
awk 'NR == 1, /^$/ { if (/^$/) print "Subject: added"; } { print }' "$tmp/good.eml" >"$tmp/added.eml"
run $V <"$tmp/added.eml"
is "$(results "$out_file")" "fail fail" "an added (oversigned) Subject: fail"

msg unsigned.test | "$sign" --keystore "$ks" >"$tmp/insecure.eml"
run $V <"$tmp/insecure.eml"
is "$(results "$out_file")" "pass pass" "a key in an unsigned zone passes"
like "$out" 'DNSSEC insecure' "reported as DNSSEC insecure"
run $V --dnssec require <"$tmp/insecure.eml"
is "$(results "$out_file")" "policy policy" "--dnssec require: an insecure key does not pass"
run $V --dnssec require <"$tmp/good.eml"
is "$(results "$out_file")" "pass pass" "--dnssec require: a secure key still passes"

for s in badsig oldsig; do
	msg good.test | "$sign" --keystore "$tmp/ks2" --selector $s >"$tmp/$s.eml"
	run $V <"$tmp/$s.eml"
	is "$(results "$out_file")" "temperror" "$s: a bogus key record never passes"
	like "$out" 'DNSSEC bogus' "$s: reported as DNSSEC bogus"
done
msg wrongds.test | "$sign" --keystore "$ks" >"$tmp/wrongds.eml"
run $V <"$tmp/wrongds.eml"
is "$(results "$out_file")" "temperror temperror" "a broken chain of trust (wrong DS) never passes"

msg good.test | sed 's/^From: .*/From: carol@good.test/' >"$tmp/m2.eml"
"$sign" --keystore "$tmp/ks2" --selector unpublished <"$tmp/m2.eml" >"$tmp/nokey.eml"
run $V <"$tmp/nokey.eml"
is "$(results "$out_file")" "permerror" "a selector not in DNS (NXDOMAIN, proven by NSEC3): permerror"
like "$out" 'no key for signature' "says why"

# timeout.test never answers: its lookups time out at any speed, and a
# short budget only keeps the wait short. The bound on how long that took
# depends on the machine, and scales.
msg timeout.test | "$sign" --keystore "$ks" >"$tmp/timeout.eml"
short=$(t_timeout 1s)
bound=$(t_scale_ms 3000)
start=$(date +%s%N)
run $V0 --timeout "$short" <"$tmp/timeout.eml"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
is "$(results "$out_file")" "temperror temperror" "a server that never answers: temperror"
check "within the budget of $short (took ${ms} ms; bound $bound)" \
    test "$ms" -lt "$bound"
run $V0 --timeout "$short" --tempfail-on-dns <"$tmp/timeout.eml"
is "$status" 75 "--tempfail-on-dns: every result temporary: EX_TEMPFAIL"
is "$(wc -c <"$out_file" | tr -d ' ')" 0 "and nothing on stdout"
run $V --tempfail-on-dns <"$tmp/good.eml"
is "$status" 0 "--tempfail-on-dns does not touch a message that passes"

# Answers that arrive while a slow body is still being read count. The
# answers must come within the budget (2 s, scaled: ample for loopback),
# the body after it (a second later, scaled).
{ sed -n '1,/^$/p' "$tmp/good.eml"; t_sleep 3; sed '1,/^$/d' "$tmp/good.eml"; } |
    run $V0 --timeout "$(t_timeout 2s)"
is "$(results "$out_file")" "pass pass" "a body slower than the DNS budget: the answers still count"

printf 'From: a@good.test\nSubject: unsigned\n\nbody\n' >"$tmp/unsigned.eml"
run $V <"$tmp/unsigned.eml"
is "$(results "$out_file")" "none" "an unsigned message: dkim=none"
run $V --reject no-pass <"$tmp/unsigned.eml"
is "$status" 77 "--reject no-pass: unsigned mail gets EX_NOPERM"
is "$err" "dkimpipe-verify: fatal: rejected: no valid DKIM signature" "with a one-line reason"
run $V --reject no-pass --reject-code 65 <"$tmp/body.eml"
is "$status" 65 "--reject-code 65"
run $V --reject no-pass <"$tmp/good.eml"
is "$status" 0 "--reject no-pass lets a passing message through"
run $V --require-domain bank.example <"$tmp/good.eml"
is "$status" 77 "--require-domain: no signature of that domain: EX_NOPERM"
like "$err" 'no valid DKIM signature of bank.example' "naming the domain"
run $V --require-domain good.test <"$tmp/good.eml"
is "$status" 0 "--require-domain met"

# Authentication-Results claiming our authserv-id are forgeries: removed.
{ printf 'Authentication-Results: mx.test; dkim=pass header.d=bank.example\n'
  printf 'Authentication-Results: other.example; dkim=pass\n'
  cat "$tmp/unsigned.eml"; } >"$tmp/forged.eml"
run $V <"$tmp/forged.eml"
is "$(grep -c '^Authentication-Results: mx.test' "$out_file")" 1 "a forged A-R with our id is removed"
like "$out" '^Authentication-Results: other.example; dkim=pass$' "another host's A-R stays"
unlike "$out" 'bank.example' "nothing of the forgery is left"

# Many signatures: the first 8 are checked, the rest get policy without DNS.
cp "$tmp/good.eml" "$tmp/many.eml"
i=0
while [ $i -lt 9 ]; do
	"$sign" --keystore "$ks" <"$tmp/many.eml" >"$tmp/many2.eml"
	mv "$tmp/many2.eml" "$tmp/many.eml"
	i=$((i + 1))
done
run $V <"$tmp/many.eml"
is "$(results "$out_file" | wc -w | tr -d ' ')" 20 "20 signatures, 20 results"
is "$(results "$out_file" | tr ' ' '\n' | grep -c policy)" 12 "beyond 8: policy"
run $V --max-signatures 20 <"$tmp/many.eml"
is "$(results "$out_file" | tr ' ' '\n' | grep -c pass)" 20 "--max-signatures 20: all pass"

# Time: x= in the past fails, t= in the future fails.
now=$(date +%s)
msg good.test | "$sign" --keystore "$ks" --expire 1h >"$tmp/exp.eml"
run $V --now $((now + 7200)) <"$tmp/exp.eml"
is "$(results "$out_file")" "fail fail" "x= an hour ago: fail"
like "$out" 'signature expired' "says why"
run $V --now $((now - 7200)) <"$tmp/exp.eml"
is "$(results "$out_file")" "fail fail" "t= two hours ahead: fail"
run $V --now $((now + 3500)) <"$tmp/exp.eml"
is "$(results "$out_file")" "pass pass" "before x=: pass"

# LF and CRLF, and a two-From message.
sed 's/$/\r/' "$tmp/good.eml" >"$tmp/crlf.eml"
run $V <"$tmp/crlf.eml"
is "$(results "$out_file")" "pass pass" "the same message with CRLF endings passes"
awk 'NR == 1 { print "From: mallory@evil.example" } { print }' "$tmp/good.eml" >"$tmp/twofrom.eml"
run $V <"$tmp/twofrom.eml"
is "$(results "$out_file")" "fail fail" "two From fields: fail"
like "$out" 'more than one From field' "says why"

# l=: only the counted part is signed; text after it is not vouched for.
if "${PYTHON3:-/usr/bin/python3}" -c 'import dkim' 2>/dev/null; then
	"${PYTHON3:-/usr/bin/python3}" - "$tmp/ks3/keys/good.test/lsel.pem" \
	    "$tmp/unsigned.eml" >"$tmp/l.eml" <<'PY'
import sys, dkim
key = open(sys.argv[1], "rb").read()
msg = open(sys.argv[2], "rb").read()
sys.stdout.buffer.write(dkim.sign(msg, b"lsel", b"good.test", key,
    length=True, include_headers=[b"from", b"subject"]) + msg)
PY
	run $V <"$tmp/l.eml"
	is "$(results "$out_file")" "pass" "l= covering the whole body: pass"
	printf 'Appended by someone else\n' >>"$tmp/l.eml"
	run $V <"$tmp/l.eml"
	is "$(results "$out_file")" "policy" "text appended after l=: not a pass by default"
	like "$out" 'l= leaves 26 body octets unsigned' "says how many canonical octets are unsigned"
	run $V --allow-partial-body <"$tmp/l.eml"
	is "$(results "$out_file")" "pass" "--allow-partial-body: pass"
	sed '$d' "$tmp/l.eml" | sed '$d' >"$tmp/l-short.eml"
	run $V <"$tmp/l-short.eml"
	is "$(results "$out_file")" "fail" "a body shorter than l=: fail"
else
	skip "python3-dkim is needed to make l= signatures" 5
fi

# Input that is no message: passed through, but never silently.
printf 'no colon here\nFrom: a@good.test\n\nbody\n' >"$tmp/garbage.eml"
run $V <"$tmp/garbage.eml"
is "$status" 0 "unparseable input passes through: exit 0"
is "$(sed -n 2,3p "$out_file")" "	dkim=permerror (message not parsed: a header line has no colon);
	arc=fail (message not parsed)" \
    "with dkim=permerror saying why, and arc=fail: a chain may be there"
tail -n +4 "$out_file" >"$tmp/rest"
check "and the input unchanged below it" cmp "$tmp/rest" "$tmp/garbage.eml"
run $V --bad-input refuse <"$tmp/garbage.eml"
is "$status" 65 "--bad-input refuse: EX_DATAERR"
is "$(wc -c <"$out_file" | tr -d ' ')" 0 "and nothing on stdout"

# dkimpipe-keys check: what DNS publishes against the keystore.
run "$keys" --keystore "$ks" --resolver-conf "$UNBOUND_CONF" --timeout "$(t_timeout 5)" \
    check --domain good.test
is "$status" 0 "keys check: every good.test record published"
like "$out" "$(printf '^[0-9]{6}r._domainkey.good.test\tactive\tok \\(DNSSEC secure\\)$')" \
    "keys check: ok, DNSSEC secure"
run "$keys" --keystore "$tmp/ks2" --resolver-conf "$UNBOUND_CONF" --timeout "$(t_timeout 5)" \
    check --domain good.test
is "$status" 1 "keys check: a selector not in DNS: exit 1"
like "$out" 'unpublished._domainkey.good.test.*not published' "and names it"
run "$keys" --keystore "$ks" --resolver-conf "$UNBOUND_CONF" --timeout "$(t_timeout 1)" \
    check --domain timeout.test
is "$status" 75 "keys check: DNS not answering: EX_TEMPFAIL"

# DNS that gives no answer: each failure says what happened (no broken
# zone is blamed for a dead network), and no DNSSEC status is given for
# an answer that never came. Each resolver configuration sends every
# name to one server on 127.0.0.1 and nowhere else.
fwd_conf()
{
	# test. is a local zone of libunbound's own unless made transparent
	printf 'server:\n\tdo-not-query-localhost: no\n\tdo-ip6: no\n'
	printf '\tlocal-zone: "test." transparent\n'
	# libunbound gives up on a silent server after 17 s by default,
	# long past any budget: these make it give up at once
	[ "$2" = fast ] && printf '\tinfra-cache-max-rtt: 300\n\tunknown-server-time-limit: 100\n'
	printf 'forward-zone:\n\tname: "."\n\tforward-addr: 127.0.0.1@%s\n' "$1"
}
# dns_fails CONF TEXT WHAT: verify (DKIM and SPF) and keys check say TEXT
dns_fails()
{
	run $verify --resolver-conf "$1" --authserv-id mx.test \
	    --timeout "$(t_timeout 5s)" --spf --client-ip 192.0.2.1 \
	    --mail-from a@good.test <"$tmp/good.eml"
	like "$out" "dkim=temperror \\(key lookup: $2\\)" "$3: dkim=temperror says \"$2\""
	like "$out" "spf=temperror \\(TXT good.test: $2\\)" "$3: spf=temperror says so too"
	unlike "$(sed -n '1,/^[^ \t]/p' "$out_file" | sed '$d')" 'DNSSEC' \
	    "$3: no DNSSEC status for an answer that never came"
	run "$keys" --keystore "$ks" --resolver-conf "$1" --timeout "$(t_timeout 5)" \
	    check --domain good.test
	like "$out" "$(printf '\tDNS error: %s$' "$2")" "$3: keys check says \"DNS error: $2\""
	is "$status" 75 "$3: keys check exits 75"
}
fwd_conf "$CLOSED_PORT" fast >"$tmp/closed.conf"
dns_fails "$tmp/closed.conf" "no name server answered" "no resolver listening"
# a server that drops every query: the budget runs out first
fwd_conf "$BLACKHOLE_PORT" >"$tmp/blackhole.conf"
run $verify --resolver-conf "$tmp/blackhole.conf" --authserv-id mx.test \
    --timeout "$(t_timeout 1s)" --spf --client-ip 192.0.2.1 \
    --mail-from a@good.test <"$tmp/good.eml"
like "$out" 'dkim=temperror \(key lookup: DNS timeout\)' "a server that drops queries: DNS timeout"
like "$out" 'spf=temperror \(TXT good.test: DNS timeout\)' "spf too, with no DNSSEC status"
# a server that answers SERVFAIL to every query
perl -e '
use strict; use warnings; use Socket;
my ($portfile, $owner) = @ARGV;
socket(my $u, PF_INET, SOCK_DGRAM, 0) or die "socket: $!\n";
bind($u, pack_sockaddr_in(0, inet_aton("127.0.0.1"))) or die "bind: $!\n";
my ($port) = unpack_sockaddr_in(getsockname($u));
open(my $f, ">", "$portfile.tmp") or die "$portfile.tmp: $!\n";
print $f "$port\n";
close($f) or die "$portfile.tmp: $!\n";
rename("$portfile.tmp", $portfile) or die "$portfile: $!\n";
my $until = time + 900;
while (time < $until && kill(0, $owner)) {
	my $rin = "";
	vec($rin, fileno($u), 1) = 1;
	next unless select(my $rout = $rin, undef, undef, 1) > 0;
	my $from = recv($u, my $q, 4096, 0) or next;
	next if length($q) < 13;
	my ($id, $fl, $qd) = unpack("nnn", $q);
	my $z = index($q, "\0", 12);	# the end of the question name
	next if $qd != 1 || $z < 0 || length($q) < $z + 5;
	send($u, pack("nnnnnn", $id, 0x8082 | ($fl & 0x7900), 1, 0, 0, 0) .
	    substr($q, 12, $z + 5 - 12), 0, $from);
}' "$tmp/servfail.port" $$ &
at_exit "kill $! 2>/dev/null"
i=0
while [ ! -s "$tmp/servfail.port" ] && [ $i -lt 50 ]; do
	t_sleep 0.1
	i=$((i + 1))
done
[ -s "$tmp/servfail.port" ] || bail_out "the SERVFAIL server did not start"
fwd_conf "$(cat "$tmp/servfail.port")" >"$tmp/servfail.conf"
dns_fails "$tmp/servfail.conf" "SERVFAIL from the name server" "a server that answers SERVFAIL"
# no network at all (a namespace of our own, its loopback down): every
# send fails at once
if unshare -rn true 2>/dev/null; then
	fwd_conf 53 >"$tmp/nonet.conf"
	run unshare -rn $verify --resolver-conf "$tmp/nonet.conf" \
	    --authserv-id mx.test --timeout "$(t_timeout 5s)" <"$tmp/good.eml"
	like "$out" 'dkim=temperror \(key lookup: no name server answered\)' \
	    "no network: no name server answered"
else
	skip "unshare -rn is not allowed here (no network of our own)" 1
fi
# a bogus answer: validation failure, named as such
run "$keys" --keystore "$tmp/ks2" --resolver-conf "$UNBOUND_CONF" --timeout "$(t_timeout 5)" \
    check --domain good.test
like "$out" "$(printf 'badsig._domainkey.good.test\tactive\tDNSSEC bogus: validation failure')" \
    "keys check: a bogus record is DNSSEC bogus, not a DNS error"
done_testing

#!/bin/sh
# faults - what the filters do when the world misbehaves: full spool,
# signals mid-message, an interrupted key rotation, DNS that answers
# garbage. Each case: a defined exit code, one stderr line, and stdout
# with the whole message or nothing an MTA would deliver.
. "$(dirname "$0")/lib.sh"

sign=$top_builddir/dkimpipe-sign
keys=$top_builddir/dkimpipe-keys
verify=$top_builddir/dkimpipe-verify
mktmpdir tmp
ks=$tmp/ks
"$keys" --keystore "$ks" new --domain good.test >"$tmp/records" \
    2>"$tmp/new.err" ||
    { diag_file "$tmp/new.err"; bail_out "cannot make a keystore"; }
{ printf 'From: a@good.test\nSubject: big\n\n'
  head -c 4000000 /dev/zero | tr '\0' 'x' | fold -w 76; } >"$tmp/big.eml"
printf 'From: a@good.test\nSubject: small\n\nbody\n' >"$tmp/small.eml"

# The spool is full: a file size limit makes every write past it fail.
( ulimit -f 2048; "$sign" --keystore "$ks" --spool-dir "$tmp" \
    <"$tmp/big.eml" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/st" )
is "$(cat "$tmp/st")" 75 "spool full (file size limit) on a 4 MB body: EX_TEMPFAIL"
like "$(cat "$tmp/err")" 'fatal: reading: cannot spool the message' "says so"
is "$(wc -c <"$tmp/out" | tr -d ' ')" 0 "nothing on stdout"
chmod 500 "$tmp" 2>/dev/null
mkdir -p "$tmp/ro" && chmod 500 "$tmp/ro"
if [ "$(id -u)" != 0 ]; then
	run "$sign" --keystore "$ks" --spool-dir "$tmp/ro" <"$tmp/big.eml"
	is "$status" 75 "spool directory not writable: EX_TEMPFAIL"
else
	skip "root writes to a 0500 directory anyway" 1
fi
chmod 700 "$tmp"

# SIGTERM in the middle of a large message: nothing on stdout, not 0.
mkfifo "$tmp/fifo"
( "$sign" --keystore "$ks" <"$tmp/fifo" >"$tmp/out" 2>"$tmp/err"
  echo $? >"$tmp/st" ) &
pid=$!
exec 3>"$tmp/fifo"
head -c 2000000 "$tmp/big.eml" >&3
t_sleep 0.3
pkill -TERM -f "dkimpipe-sign --keystore $ks" 2>/dev/null
exec 3>&-
wait $pid
st=$(cat "$tmp/st")
isnt "$st" 0 "SIGTERM mid-message: a non-zero status (signal: $st)"
is "$(wc -c <"$tmp/out" | tr -d ' ')" 0 "and nothing written that could be delivered"

# An interrupted rotation leaves the old table or the new, never a torn one.
torn=0
i=0
while [ $i -lt 20 ]; do
	cp -r "$ks" "$tmp/ks-rot"
	"$keys" --keystore "$tmp/ks-rot" rotate --domain good.test >/dev/null 2>&1 &
	p=$!
	# RSA generation takes tens of ms (scaled): kill at varying points
	t_sleep "0.0$((i % 10))"
	kill -KILL $p 2>/dev/null
	wait $p 2>/dev/null
	n=$(grep -c '	active' "$tmp/ks-rot/selectors")
	bad=$(grep -v '^#' "$tmp/ks-rot/selectors" | awk 'NF != 4 && NF != 6' | wc -l)
	[ "$n" = 2 ] && [ "$bad" = 0 ] || torn=$((torn + 1))
	# and whatever state it is in still signs
	"$sign" --keystore "$tmp/ks-rot" <"$tmp/small.eml" >/dev/null 2>&1 ||
	    torn=$((torn + 1))
	rm -rf "$tmp/ks-rot"
	i=$((i + 1))
done
is "$torn" 0 "20 rotations killed at random points: each left a whole table that signs"

# DNS: the key record is garbage, or there are several TXT records.
"$keys" --keystore "$tmp/ks2" new --domain good.test --algorithm ed25519 \
    --selector garbage >/dev/null
"$keys" --keystore "$tmp/ks2" new --domain good.test --algorithm ed25519 \
    --selector multi >/dev/null
"$keys" --keystore "$tmp/ks2" dns --domain good.test --selector multi >"$tmp/multi.rec"
"$keys" --keystore "$tmp/ks2" new --domain good.test --algorithm ed25519 \
    --selector binary >/dev/null
"$keys" --keystore "$tmp/ks2" new --domain good.test --algorithm rsa \
    --selector big >/dev/null
"$keys" --keystore "$tmp/ks2" dns --domain good.test --selector big >"$tmp/big.rec"
"$keys" --keystore "$tmp/ks2" new --domain down.test --algorithm ed25519 \
    --selector s >/dev/null
{
	cat "$tmp/records"
	printf 'garbage._domainkey.good.test. 300 IN TXT "\\001\\255 not a key at all = x"\n'
	printf 'multi._domainkey.good.test. 300 IN TXT "v=spf1 -all"\n'
	printf 'multi._domainkey.good.test. 300 IN TXT "v=DKIM1; k=rsa; p=MIIBgarbage"\n'
	cat "$tmp/multi.rec"
	printf 'binary._domainkey.good.test. 300 IN TXT "v=DKIM1; k=ed25519; p=%s"\n' \
	    "$(head -c 150 /dev/zero | base64 -w0)"
	# an answer too large for UDP: the resolver must retry over TCP
	cat "$tmp/big.rec"
	for n in 1 2 3 4 5 6; do
		f=$(head -c 250 /dev/zero | tr '\0' "$n")
		printf 'big._domainkey.good.test. 300 IN TXT "filler %s" "%s" "%s"\n' \
		    "$n" "$f" "$f"
	done
} >"$tmp/served"
sh "$top_srcdir/t/dnsserver.sh" start "$tmp/dns" "$tmp/served" --dnssec >/dev/null 2>"$tmp/dns.err" ||
    { cat "$tmp/dns.err"; bail_out "the test DNS server did not start"; }
at_exit "sh '$top_srcdir/t/dnsserver.sh' stop '$tmp/dns' >/dev/null 2>&1"
. "$tmp/dns/vars"
V0="$verify --resolver-conf $UNBOUND_CONF --authserv-id mx.test"
V="$V0 --timeout $(t_timeout 5s)"	# the default budget, scaled
for s in garbage multi binary big; do
	"$sign" --keystore "$tmp/ks2" --selector $s <"$tmp/small.eml" >"$tmp/$s.eml"
done
run $V <"$tmp/garbage.eml"
like "$out" 'dkim=permerror \(not a DKIM key record' "a garbage TXT record: permerror, no crash"
run $V <"$tmp/multi.eml"
like "$out" 'dkim=pass' "three TXT records, one of them our key: pass (RFC 6376 6.1.2)"
run $V <"$tmp/binary.eml"
like "$out" 'dkim=permerror \(p= is not a usable public key' "a 150-byte Ed25519 p=: permerror"
run $V <"$tmp/big.eml"
like "$out" 'dkim=pass \(2048-bit key, DNSSEC secure\)' \
    "a 5 KB answer, truncated over UDP, comes over TCP: pass"
printf 'From: a@down.test\nSubject: down\n\nbody\n' |
    "$sign" --keystore "$tmp/ks2" >"$tmp/down.eml"
# down.test's server is not there: the lookup can only fail, at any speed
run $V0 --timeout "$(t_timeout 1s)" <"$tmp/down.eml"
like "$out" 'dkim=temperror \(key lookup' "a zone whose server is down (SERVFAIL or timeout): temperror"

# The resolver: a configuration that is not there, a server that is down.
run "$verify" --resolver-conf "$tmp/nonexistent.conf" <"$tmp/multi.eml"
is "$status" 75 "a resolver configuration that cannot be read: EX_TEMPFAIL"
like "$err" '^dkimpipe-verify: fatal: resolver .*nonexistent.conf: cannot read .*nonexistent.conf: No such file' "one line naming it"
is "$out" "" "nothing on stdout"
printf 'server:\n  no-such-option: yes\n' >"$tmp/bad.conf"
run "$verify" --resolver-conf "$tmp/bad.conf" <"$tmp/multi.eml"
is "$status" 75 "a resolver configuration with a syntax error: EX_TEMPFAIL"
is "$(wc -l <"$err_file" | tr -d ' ')" 1 "one line on stderr, nothing of libunbound's"
like "$err" "bad.conf:2: error: unknown keyword 'no-such-option'" "saying what is wrong"
run "$verify" --resolver-conf "$UNBOUND_CONF" --trust-anchor "$tmp/no-anchor" <"$tmp/multi.eml"
is "$status" 75 "a trust anchor file that is not there: EX_TEMPFAIL, not temperror for every signature"
like "$err" "cannot read .*no-anchor: No such file" "naming it"
run "$verify" --resolver-conf "$tmp/nonexistent.conf" <"$tmp/small.eml"
is "$status" 0 "unsigned mail needs no resolver: still exit 0"
done_testing

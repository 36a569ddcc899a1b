#!/bin/sh
# load - 200 signing and 200 verifying processes at once, as a busy MTA
# runs them, against the loopback DNS: every one finishes, in time, with
# the right result.
. "$(dirname "$0")/lib.sh"

sign=$top_builddir/dkimpipe-sign
keys=$top_builddir/dkimpipe-keys
verify=$top_builddir/dkimpipe-verify
N=${DKIMPIPE_LOAD_N:-200}
mktmpdir tmp
ks=$tmp/ks
"$keys" --keystore "$ks" new --domain good.test >"$tmp/records" ||
    bail_out "cannot make a keystore"
sh "$top_srcdir/t/dnsserver.sh" start "$tmp/dns" "$tmp/records" --dnssec >/dev/null 2>"$tmp/dns.err" ||
    { cat "$tmp/dns.err"; bail_out "the test DNS server did not start"; }
at_exit "sh '$top_srcdir/t/dnsserver.sh' stop '$tmp/dns' >/dev/null 2>&1"
. "$tmp/dns/vars"

mkdir "$tmp/in" "$tmp/signed" "$tmp/out" "$tmp/st"
i=0
while [ $i -lt "$N" ]; do
	printf 'From: user%d@good.test\nTo: x@example.net\nSubject: load %d\n\nmessage %d\n' \
	    $i $i $i >"$tmp/in/$i.eml"
	i=$((i + 1))
done
# Messages for the verifiers, signed beforehand.
i=0
while [ $i -lt "$N" ]; do
	"$sign" --keystore "$ks" <"$tmp/in/$i.eml" >"$tmp/signed/$i.eml"
	i=$((i + 1))
done

# All 2N at once; each bounded by timeout(1) so a hang is a failure.
# Both bounds, and the verifiers' DNS budget, scale with the machine.
hang=$(t_timeout 60)
budget=$(t_timeout 20s)
i=0
while [ $i -lt "$N" ]; do
	( timeout "$hang" "$sign" --keystore "$ks" <"$tmp/in/$i.eml" \
	    >"$tmp/out/s$i" 2>&1; echo $? >"$tmp/st/s$i" ) &
	( timeout "$hang" "$verify" --resolver-conf "$UNBOUND_CONF" \
	    --authserv-id mx.test --timeout "$budget" <"$tmp/signed/$i.eml" \
	    >"$tmp/out/v$i" 2>&1; echo $? >"$tmp/st/v$i" ) &
	i=$((i + 1))
done
wait

ok_s=0; ok_v=0; bad=""
i=0
while [ $i -lt "$N" ]; do
	[ "$(cat "$tmp/st/s$i")" = 0 ] &&
	    [ "$(grep -c '^DKIM-Signature:' "$tmp/out/s$i")" = 2 ] &&
	    ok_s=$((ok_s + 1)) || bad="$bad s$i"
	[ "$(cat "$tmp/st/v$i")" = 0 ] &&
	    [ "$(tr -d '\n' <"$tmp/out/v$i" | grep -o 'dkim=pass (2048-bit key, DNSSEC secure)\|dkim=pass (256-bit key, DNSSEC secure)' | wc -l)" = 2 ] &&
	    ok_v=$((ok_v + 1)) || bad="$bad v$i"
	i=$((i + 1))
done
is "$ok_s" "$N" "$N concurrent signers: all exit 0 with two signatures"
is "$ok_v" "$N" "$N concurrent verifiers: all exit 0, both signatures pass, DNSSEC secure"
if [ -n "$bad" ]; then
	diag "failed:$bad"
	for f in $bad; do
		diag_file "$tmp/out/$f"	# the first one shows why
		break
	done
fi
done_testing

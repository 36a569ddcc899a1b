#!/bin/sh
# spf-dns - what the RFC 7208 suite cannot show: the DNSSEC status of an
# SPF verdict (secure only when every answer it rests on is), bogus
# answers never used, and the one DNS budget of a process shared by
# lookups made one after the other (a HELO check, then MAIL FROM).
# A DNSSEC-signed tree on 127.0.0.1 (t/dnsserver.sh --dnssec).
. "$(dirname "$0")/lib.sh"

eval_prog=$top_builddir/t/spf-eval
[ -x "$eval_prog" ] || skip_all "t/spf-eval not built (make check builds it)"
t_need nsd
t_need drill ldnsutils
t_need ldns-keygen ldnsutils
t_need ldns-signzone ldnsutils

mktmpdir tmp
cat >"$tmp/records" <<'EOF'
good.test. 60 IN TXT "v=spf1 ip4:192.0.2.0/24 -all"
mx.good.test. 60 IN TXT "v=spf1 mx -all"
mx.good.test. 60 IN MX 10 mail.good.test.
mail.good.test. 60 IN A 192.0.2.20
inc.good.test. 60 IN TXT "v=spf1 include:unsigned.test -all"
bog.good.test. 60 IN TXT "v=spf1 include:wrongds.test -all"
slow.good.test. 60 IN TXT "v=spf1 include:timeout.test -all"
badsig._domainkey.good.test. 60 IN TXT "v=spf1 +all"
unsigned.test. 60 IN TXT "v=spf1 a:mail.unsigned.test -all"
mail.unsigned.test. 60 IN A 192.0.2.10
wrongds.test. 60 IN TXT "v=spf1 +all"
EOF
# a record of DP_MAX_SPF_RECORD (8192) bytes, and one a byte longer, in
# strings of 255 bytes (the answers come over TCP)
long_record()
{
	awk -v len="$1" 'BEGIN {
		r = "v=spf1"
		while (length(r) + 14 + 5 <= len)
			r = r " ip4:192.0.2.1"
		while (length(r) < len - 5)
			r = r " "
		r = r " -all"
		out = ""
		for (i = 1; i <= length(r); i += 255)
			out = out " \"" substr(r, i, 255) "\""
		print out
	}'
}
echo "max.good.test. 60 IN TXT $(long_record 8192)" >>"$tmp/records"
echo "over.good.test. 60 IN TXT $(long_record 8193)" >>"$tmp/records"

t_dns_start "$tmp/dns" "$tmp/records" --dnssec

now_ms()
{
	echo $(($(date +%s%N) / 1000000))
}

# spf IP SENDER [ARG...]: run t/spf-eval; $out is its stdout, $err its
# stderr, $ms how long it took. The DNS budget is the default (5 s)
# scaled, unless ARG has a --budget (the later one counts).
spf()
{
	_ip=$1
	_sender=$2
	shift 2
	_t0=$(now_ms)
	run "$eval_prog" --resolver-conf "$UNBOUND_CONF" --ip "$_ip" \
	    --helo mx.example.org --sender "$_sender" \
	    --budget "$(t_scale_ms 5000)" "$@"
	ms=$(($(now_ms) - _t0))
}

spf 192.0.2.1 a@good.test
is "$out" pass "a signed zone's record passes its network"
like "$err" '^dnssec=secure ' "and the verdict is DNSSEC secure"

spf 198.51.100.1 a@good.test
is "$out" fail "an address outside it fails"
like "$err" '^dnssec=secure ' "a secure fail"

spf 192.0.2.20 a@mx.good.test
is "$out" pass "mx: the MX and its address, both from the signed zone"
like "$err" '^dnssec=secure ' "secure through MX and A"

spf 192.0.2.10 a@inc.good.test
is "$out" pass "include of a record in an unsigned zone passes"
like "$err" '^dnssec=insecure ' "but is insecure: one answer was"

spf 192.0.2.10 a@unsigned.test
like "$err" '^dnssec=insecure ' "an unsigned zone is insecure"

spf 192.0.2.1 a@wrongds.test
is "$out" temperror "a bogus record (DS for another key) is not used: temperror"
like "$err" '^dnssec=bogus .*reason=DNSSEC bogus TXT wrongds.test' \
    "and reported as bogus"

spf 192.0.2.1 a@bog.good.test
is "$out" temperror "include of a bogus record: temperror"
like "$err" '^dnssec=bogus ' "bogus, whatever else was secure"

spf 192.0.2.1 a@badsig._domainkey.good.test
is "$out" temperror "a record altered after signing is never used (+all)"
like "$err" '^dnssec=bogus ' "it is bogus"

spf 198.51.100.1 a@max.good.test
is "$out" fail "a record of DP_MAX_SPF_RECORD bytes is read to its end (-all)"
spf 198.51.100.1 a@over.good.test
is "$out" permerror "a byte more is a permerror"
like "$err" 'reason=.*too long' "saying it is too long"

# One budget for the process. timeout.test never answers, so the include
# of it ends only when the budget does, at any speed; the TXT record of
# slow.good.test before it must answer, so the budget is 2 s (scaled),
# ample for loopback. A process cannot end before its budget if it waits
# for an answer that never comes: the lower bound holds as it is; the
# upper one allows for a slow machine, and scales.
# down.test's server is not listening: with libunbound told to give up
# on a silent server at once, no answer comes within the budget, and the
# reason says so (not SERVFAIL, which would blame the zone)
sed 's/^server:$/server:\n\tinfra-cache-max-rtt: 300\n\tunknown-server-time-limit: 100/' \
    "$UNBOUND_CONF" >"$tmp/fast.conf"
run "$eval_prog" --resolver-conf "$tmp/fast.conf" --ip 192.0.2.1 \
    --helo mx.example.org --sender a@down.test --budget "$(t_scale_ms 5000)"
is "$out" temperror "a zone whose server is not listening: temperror"
like "$err" 'reason=TXT down.test: no name server answered$' \
    "the reason: no name server answered"
like "$err" '^dnssec=insecure ' "and it is not secure"

budget=$(t_scale_ms 2000)
spf 192.0.2.1 a@slow.good.test --budget "$budget"
is "$out" temperror "include of a zone that never answers: temperror"
like "$err" 'reason=.*timeout' "the reason is the timeout"
ok "$([ "$ms" -ge $((budget * 9 / 10)) ] &&
    [ "$ms" -lt $((budget + $(t_scale_ms 1500))) ] && echo 0 || echo 1)" \
    "it took the budget of $budget ms ($ms ms)"

run "$eval_prog" --resolver-conf "$UNBOUND_CONF" --ip 192.0.2.1 \
    --helo slow.good.test --sender a@good.test --identity both --budget "$budget"
is "$out" "helo temperror
mailfrom temperror" "a HELO check that spends the budget leaves none for MAIL FROM"
like "$(sed -n 2p "$err_file")" 'reason=TXT good.test: DNS timeout' \
    "whose first lookup is not even sent"
# two budgets would take at least 2 x budget: the bound is just under it
t0=$(now_ms)
run "$eval_prog" --resolver-conf "$UNBOUND_CONF" --ip 192.0.2.1 \
    --helo slow.good.test --sender a@good.test --identity both --budget "$budget"
ms=$(($(now_ms) - t0))
ok "$([ "$ms" -lt $((budget * 19 / 10)) ] && echo 0 || echo 1)" \
    "two checks in one process take one budget, not two ($ms ms)"

run "$eval_prog" --resolver-conf "$UNBOUND_CONF" --ip 192.0.2.1 \
    --helo good.test --sender a@good.test --identity both --budget "$(t_scale_ms 5000)"
is "$out" "helo pass
mailfrom pass" "with a HELO check that answers, both pass in one process"

done_testing

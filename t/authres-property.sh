#!/bin/sh
# authres-property - for any values, from the message, DNS, the command
# line or configuration, the Authentication-Results field dkimpipe-verify
# prepends parses with an RFC 8601 parser (Debian's python3-authres) to
# exactly the results it computed, no more, no fewer, with our
# authserv-id, and no input byte becomes part of it (issue 11, classes 1
# and 2). t/authres-property.py makes a few hundred cases from a fixed
# seed: the examples of the issue, then random mixes of hostile MAIL FROM
# and HELO values, authserv-ids, From fields, DKIM-Signature tags, ARC
# fields, forged fields with our authserv-id, continuation lines and mbox
# "From " lines first, bare CR, NUL, no final newline. Each property is
# one test here; a failure lists the first cases that break it. DNS is the
# DNSSEC-signed test zone of t/dnsserver.sh on 127.0.0.1, with records
# whose text a reason or comment may quote.
#
#	AUTHRES_CASES=N (400), AUTHRES_SEED=S (11): another run of the same
#	kind; AUTHRES_KEEP=DIR: keep each property's failures in DIR
. "$(dirname "$0")/lib.sh"

verify=$(t_prog dkimpipe-verify)
sign=$(t_prog dkimpipe-sign)
keys=$(t_prog dkimpipe-keys)
t_need_dns
py=$(t_find_python3 authres) ||
    skip_all "python3-authres needed (apt-get install python3-authres)"

plan 10

mktmpdir tmp
ks=$tmp/ks
{
	"$keys" -k "$ks" new -d good.test -s sel -a rsa &&
	"$keys" -k "$ks" new -d good.test -s ed -a ed25519
} >"$tmp/records" 2>"$tmp/keys.err" ||
    { diag_file "$tmp/keys.err"; bail_out "dkimpipe-keys new failed"; }
# SPF passes 192.0.2.1 for good.test and for every name under
# fwd.good.test (a wildcard: a MAIL FROM domain full of ';', '(' and
# spaces passes SPF too, so a trusted forwarder's comment carries it)
cat >>"$tmp/records" <<'EOF'
good.test.		3600 IN TXT "v=spf1 ip4:192.0.2.1 -all"
fwd.good.test.		3600 IN TXT "v=spf1 ip4:192.0.2.1 -all"
*.fwd.good.test.	3600 IN TXT "v=spf1 ip4:192.0.2.1 -all"
_dmarc.good.test.	3600 IN TXT "v=DMARC1; p=reject"
; text from DNS that a reason or comment may quote
bad.good.test.		3600 IN TXT "v=spf1 include:x);dmarc=pass( ip4:192.0.2.1 -all"
exp.good.test.		3600 IN TXT "v=spf1 -all exp=why.good.test"
why.good.test.		3600 IN TXT "%{l} says dmarc=pass; (x) header.from=good.test"
_dmarc.dm.good.test.	3600 IN TXT "v=DMARC1; p=reject); dmarc=pass (; sp=x;dkim=pass"
hostile._domainkey.good.test. 3600 IN TXT "v=DKIM1; k=rsa; n=)dmarc=pass;(; p=MIIB;dkim=pass"
EOF
t_dns_start "$tmp/dns" "$tmp/records" --dnssec

# messages that really pass, for the cases to break in their own ways
printf 'From: Ann <ann@good.test>\nTo: bob@dest.test\nSubject: signed\nDate: Tue, 14 Nov 2023 22:13:20 +0000\nMessage-ID: <s.1@good.test>\n\nHello.\n' |
    "$sign" -k "$ks" --timestamp 1700000000 >"$tmp/signed-plain.eml" ||
    bail_out "dkimpipe-sign failed"
printf 'From: "Ann \\"the\\" Admin; (x)" <ann@good.test>\nTo: bob@dest.test\nSubject: =?utf-8?q?;dkim=3Dpass?=\n\nHello.\n' |
    "$sign" -k "$ks" --timestamp 1700000000 >"$tmp/signed-quoted.eml" ||
    bail_out "dkimpipe-sign failed"
run "$verify" --resolver-conf "$UNBOUND_CONF" --trust-anchor "$ANCHOR" \
    --now 1700000000 --timeout "$(t_timeout 5s)" --authserv-id mx.dest.test \
    <"$tmp/signed-plain.eml"
like "$(tr -d '\n' <"$out_file")" 'dkim=pass .*dkim=pass' \
    "the signed message passes (the zone is served, the keys are found)"

out=$tmp/out
mkdir "$out"
# the budget is short: no lookup here waits for a server that never
# answers, and a result a slow machine turns into temperror keeps every
# property
start=$(date +%s)
"$py" "$top_srcdir/t/authres-property.py" --verify "$verify" --out "$out" \
    --cases "${AUTHRES_CASES:-400}" --seed "${AUTHRES_SEED:-11}" \
    --timeout "$(t_timeout 2s)" --selector sel \
    --signed "$tmp/signed-plain.eml" --signed "$tmp/signed-quoted.eml" \
    -- --resolver-conf "$UNBOUND_CONF" --trust-anchor "$ANCHOR" \
    >"$tmp/py.out" 2>&1
ok $? "authres-property.py ran every case" ||
    { diag_file "$tmp/py.out" 30; bail_out "authres-property.py failed"; }
diag "$(tr '\n' ' ' <"$out/summary" | sed 's/ $//'), in $(($(date +%s) - start)) s"
[ -n "${AUTHRES_KEEP:-}" ] && mkdir -p "$AUTHRES_KEEP" &&
    cp "$out"/* "$AUTHRES_KEEP"/

# property FILE NAME: passes when the case list in FILE is empty (its
# first line says what the property is); else the first cases breaking it
property()
{
	_n=$(grep -vc '^#' "$out/$1")
	if ok "$([ "$_n" = 0 ] && echo 0 || echo 1)" "$2"; then
		return 0
	fi
	diag "$_n cases break it: $(sed -n 1p "$out/$1" | sed 's/^# //')"
	grep -v '^#' "$out/$1" | cut -c1-600 | head -n 8 | sed 's/^/  /' |
	    while IFS= read -r l; do diag "$l"; done
	return 1
}
property exit "a non-zero exit writes nothing; 64, 65, 75, 77 only where they apply"
property field "the added field is ours alone: no input byte joins it"
property bytes "the field is printable US-ASCII and tab only"
property parse "every field parses as RFC 8601 (python3-authres, strict)"
property id "the authserv-id is the one we passed"
property methods "exactly the results computed: dkim per signature, arc, spf, dmarc"
property values "smtp.mailfrom, smtp.helo, header.d/i/s/from decode to the input"
# the cases must reach the parser to prove anything
check "most cases exit 0 and parse (not a vacuous run)" awk '
	{ v[$1] = $2 }
	END { exit !(v["cases"] >= 100 && v["parsed"] * 2 >= v["cases"]) }' \
    "$out/summary"

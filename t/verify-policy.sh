#!/bin/sh
# verify-policy - dkimpipe-verify --spf --dmarc end to end, through the
# DNSSEC-signed test zone of t/dnsserver.sh on 127.0.0.1: what
# Authentication-Results says (spf= with smtp.mailfrom and smtp.helo,
# dmarc= with p= and dis= and header.from), what --dmarc-reject refuses
# (exit 77, one line), what quarantine looks like to a procmail recipe,
# and the local overrides: a trusted forwarder, a trusted ARC sealer, and
# neither for a sealer that is not trusted. (DMARC's own cases are in
# t/dmarc-dns.sh, SPF's in t/spf-suite.sh and t/spf-dns.sh.)
. "$(dirname "$0")/lib.sh"

verify=$(t_prog dkimpipe-verify)
sign=$(t_prog dkimpipe-sign)
seal=$(t_prog dkimpipe-seal)
keys=$(t_prog dkimpipe-keys)
t_need_dns

plan 38

mktmpdir tmp
ks=$tmp/ks
T=1700000000
# good.test: signs, publishes SPF for 192.0.2.1 and p=reject;
# q.good.test: p=quarantine, no SPF; lists.unsigned.test: a list that
# seals, in another organizational domain
{
	"$keys" -k "$ks" new -d good.test -s sel -a rsa &&
	"$keys" -k "$ks" new -d q.good.test -s sel -a ed25519 &&
	"$keys" -k "$ks" new -d lists.unsigned.test -s arc -a rsa &&
	"$keys" -k "$ks" new -d fwd.good.test -s fwd -a rsa
} >"$tmp/records" 2>"$tmp/keys.err" ||
    { diag_file "$tmp/keys.err"; bail_out "dkimpipe-keys new failed"; }
cat >>"$tmp/records" <<'EOF'
good.test.		3600 IN TXT "v=spf1 ip4:192.0.2.1 -all"
lists.unsigned.test.	3600 IN TXT "v=spf1 ip4:192.0.2.7 -all"
soft.good.test.		3600 IN TXT "v=spf1 ip4:192.0.2.1 ~all"
neutral.good.test.	3600 IN TXT "v=spf1 ?all"
perm.good.test.		3600 IN TXT "v=spf1 ip4:192.0.2.1 frobnicate:x -all"
EOF
# the DMARC records are the ones dkimpipe-keys says to publish
run "$keys" -k "$ks" dmarc -d good.test --policy reject --rua d@good.test
is "$status" 0 "dkimpipe-keys dmarc: exit 0"
like "$out" '^; DMARC for good.test: signed with rsa sel' \
    "it says what the keystore signs the domain with"
like "$out" '^_dmarc\.good\.test\.	3600	IN	TXT	"v=DMARC1; p=reject; rua=mailto:d@good\.test"$' \
    "and prints the zone line"
printf '%s\n' "$out" | grep -v '^;' >>"$tmp/records"
run "$keys" -k "$ks" dmarc -d q.good.test --policy quarantine
like "$out" 'p=quarantine; rua=mailto:postmaster@q\.good\.test"$' \
    "reports go to the postmaster by default"
printf '%s\n' "$out" | grep -v '^;' >>"$tmp/records"
run "$keys" -k "$ks" dmarc -d nokey.test
like "$err" 'warning: dmarc: nokey.test has no active key' \
    "a domain without a key: a warning (only SPF can align)"
run "$keys" -k "$ks" dmarc -d good.test --policy block
is "$status" 64 "an unknown --policy: EX_USAGE"
t_dns_start "$tmp/dns" "$tmp/records" --dnssec
V0="$verify --resolver-conf $UNBOUND_CONF --trust-anchor $ANCHOR --now $T --authserv-id mx.dest.test"
V="$V0 --timeout $(t_timeout 5s)"	# the default budget, scaled

results()	# our A-R, unfolded, on one line
{
	awk 'NR > 1 && !/^[ \t]/ { exit } { s = s " " $0 } END { print s }' \
	    "$1" | tr -d '\r' | tr -s ' \t' '  ' | sed 's/^ //'
}
mail()	# mail FROM-DOMAIN SUBJECT
{
	printf 'From: Ann <ann@%s>\nTo: bob@dest.test\nSubject: %s\n' "$1" "$2"
	printf 'Date: Tue, 14 Nov 2023 22:13:20 +0000\nMessage-ID: <%s@%s>\n\n' "$2" "$1"
	printf 'Hello.\n'
}

# --- signed, from the right host: everything passes
mail good.test signed | "$sign" -k "$ks" --timestamp $T >"$tmp/signed"
run $V --spf --dmarc --client-ip 192.0.2.1 --helo mx.good.test \
    --mail-from ann@good.test <"$tmp/signed"
is "$status" 0 "a signed message from the domain's host: exit 0"
r=$(results "$out_file")
like "$r" 'spf=pass \(.*DNSSEC secure\) smtp.mailfrom=ann@good.test smtp.helo=mx.good.test' \
    "spf=pass, DNSSEC secure, with smtp.mailfrom and smtp.helo"
like "$r" 'dmarc=pass \(p=reject dis=none\) header.from=good.test' "dmarc=pass"
like "$r" '^Authentication-Results: mx.dest.test; dkim=pass .* arc=none; spf=pass .*; dmarc=pass' \
    "one field: dkim=, arc=, spf=, dmarc= in that order"

# --- SPF alone aligns
mail good.test unsigned >"$tmp/unsigned"
run $V --spf --dmarc --dmarc-reject --client-ip 192.0.2.1 --helo mx.good.test \
    --mail-from ann@good.test <"$tmp/unsigned"
is "$status" 0 "unsigned from the domain's own host: SPF aligns, not refused"
like "$(results "$out_file")" 'dkim=none.*spf=pass.*dmarc=pass' "dmarc=pass through SPF"

# --- a forgery: unsigned, from elsewhere
run $V --spf --dmarc --client-ip 198.51.100.9 --helo evil.example \
    --mail-from ann@good.test <"$tmp/unsigned"
is "$status" 0 "a forgery without --dmarc-reject: delivered, marked"
r=$(results "$out_file")
like "$r" 'spf=fail .* smtp.mailfrom=ann@good.test' "spf=fail"
like "$r" 'dmarc=fail \(p=reject dis=reject\) header.from=good.test' "dmarc=fail, dis=reject"
run $V --spf --dmarc-reject --client-ip 198.51.100.9 --helo evil.example \
    --mail-from ann@good.test <"$tmp/unsigned"
is "$status" 77 "--dmarc-reject: the forgery is refused, EX_NOPERM"
like "$err" '^dkimpipe-verify: fatal: rejected: DMARC: good.test asks to reject' \
    "with one line saying why"
is "$(wc -l <"$err_file" | tr -d ' ')" 1 "one line only"
is "$(wc -c <"$out_file" | tr -d ' ')" 0 "and nothing on stdout"
run $V --spf --dmarc-reject --reject-code 65 --client-ip 198.51.100.9 \
    --helo evil.example --mail-from ann@good.test <"$tmp/unsigned"
is "$status" 65 "--reject-code 65 applies to DMARC too"

# --- each SPF result as the A-R shows it (timeout.test never answers, so
# its temperror holds at any speed; the others must answer within the
# budget, 2 s scaled: ample for loopback)
for c in soft.good.test:softfail neutral.good.test:neutral \
    perm.good.test:permerror timeout.test:temperror nosuch.good.test:none; do
	d=${c%%:*} want=${c#*:}
	run $V0 --timeout "$(t_timeout 2s)" --spf --client-ip 198.51.100.9 --helo x.good.test \
	    --mail-from "ann@$d" <"$tmp/unsigned"
	like "$(results "$out_file")" "spf=$want \\(.*\\) smtp.mailfrom=ann@$d" \
	    "MAIL FROM in $d: spf=$want"
done

# --- null path: the HELO identity
run $V --spf --dmarc --client-ip 198.51.100.9 --helo nohost.good.test \
    --mail-from '<>' <"$tmp/unsigned"
like "$(results "$out_file")" 'spf=none .* smtp.helo=nohost.good.test; dmarc=fail' \
    "a null MAIL FROM: SPF of the HELO name, reported as smtp.helo"

# --- quarantine, as a procmail recipe sees it
mail q.good.test quarantined >"$tmp/q"
run $V --dmarc --dmarc-reject <"$tmp/q"
is "$status" 0 "p=quarantine is not refused"
like "$(results "$out_file")" 'dmarc=fail \(p=quarantine dis=quarantine\) header.from=q.good.test' \
    "dis=quarantine is reported"
check "the recipe in packaging/examples/procmailrc is there for it" sh -c "
	grep -q 'dis=quarantine' '$top_srcdir/packaging/examples/procmailrc'"

# --- a mailing list: the author's signature breaks, the list seals
mail good.test listpost | "$sign" -k "$ks" --timestamp $T >"$tmp/post"
$V --authserv-id mx.lists.unsigned.test <"$tmp/post" |
    sed 's/^Subject: /Subject: [l] /' >"$tmp/munged"
printf -- '-- \nthe list\n' >>"$tmp/munged"
"$seal" -k "$ks" --authserv-id mx.lists.unsigned.test --domain lists.unsigned.test \
    --timestamp $T <"$tmp/munged" >"$tmp/sealed" 2>"$tmp/err"
ok $? "the list seals the changed post"
LIST="--spf --client-ip 192.0.2.7 --helo mx.lists.unsigned.test --mail-from l-bounces@lists.unsigned.test"
run $V $LIST --dmarc-reject <"$tmp/sealed"
is "$status" 77 "untrusted list: DKIM broken, SPF unaligned: refused"
run $V $LIST --dmarc-reject --trusted-arc-sealers lists.unsigned.test <"$tmp/sealed"
is "$status" 0 "the list as a trusted ARC sealer: delivered"
like "$(results "$out_file")" 'dkim=fail .*arc=pass .*dmarc=fail \(p=reject dis=none\) header.from=good.test \(not enforced: ARC sealed by lists.unsigned.test\)' \
    "dmarc=fail, dis=none, and why it was not enforced"
run $V $LIST --dmarc-reject --trusted-arc-sealers other.example <"$tmp/sealed"
is "$status" 77 "a sealer not on the list does not help"
run $V $LIST --dmarc-reject --trusted-forwarders lists.unsigned.test <"$tmp/sealed"
is "$status" 0 "the list as a trusted forwarder (its MAIL FROM domain): delivered"
like "$(results "$out_file")" '\(not enforced: trusted forwarder lists.unsigned.test\)' \
    "said so"
run $V --spf --client-ip 198.51.100.9 --helo evil.example \
    --mail-from l-bounces@lists.unsigned.test --dmarc-reject \
    --trusted-forwarders lists.unsigned.test <"$tmp/sealed"
is "$status" 77 "a forger writing the trusted forwarder in MAIL FROM (spf=fail): refused"
# a changed chain: ARC fails, the trusted sealer no longer counts
sed 's/^Subject: \[l\]/Subject: [x]/' "$tmp/sealed" >"$tmp/broken"
run $V $LIST --dmarc-reject --trusted-arc-sealers lists.unsigned.test <"$tmp/broken"
is "$status" 77 "a broken chain from a trusted sealer: refused all the same"

#!/bin/sh
# author-hostile - From fields that are not exactly one mailbox, which
# mail readers show as one author and a lenient parser reads as another:
# two angle-addrs, an addr-spec then an angle-addr (space, tab, folded),
# "a@b:c@d", lists, groups, a bare CR that hides a second From. Each is
# signed by evil.test (Mail::DKIM, since dkimpipe-sign will not) and given
# to dkimpipe-verify --dmarc: dmarc=permerror with the reason, never pass,
# never header.from=evil.test; with --dmarc-reject it is refused. The same
# values are refused by dkimpipe-sign --auth-user (77; 65 with --bad-input
# refuse) and by dkimpipe-keys authz check, which read the author with
# the same parser. DNS is the signed test zone of t/dnsserver.sh on
# 127.0.0.1: good.test publishes p=reject, evil.test p=none.
. "$(dirname "$0")/lib.sh"

verify=$(t_prog dkimpipe-verify)
sign=$(t_prog dkimpipe-sign)
keys=$(t_prog dkimpipe-keys)
t_need nsd
t_need drill ldnsutils
t_need ldns-keygen ldnsutils
t_need ldns-signzone ldnsutils
t_need openssl
t_need perl
perl=$(t_find_perl Mail::DKIM::Signer) ||
    skip_all "Mail::DKIM is needed to sign what dkimpipe-sign will not (apt-get install libmail-dkim-perl)"

mktmpdir tmp
ks=$tmp/ks
T=1700000000
tab=$(printf '\t')
cr=$(printf '\r')

# the keystore signs good.test; alice may send as alice@good.test only
{
	"$keys" -k "$ks" new -d good.test -s sel -a rsa &&
	"$keys" -k "$ks" authz add alice alice@good.test
} >"$tmp/records" 2>"$tmp/keys.err" ||
    { diag_file "$tmp/keys.err"; bail_out "dkimpipe-keys failed"; }
# evil.test signs with its own key, outside dkimpipe
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$tmp/evil.pem" 2>"$tmp/openssl.err" &&
    { openssl pkey -in "$tmp/evil.pem" -traditional -out "$tmp/evil.pkcs1" \
      2>>"$tmp/openssl.err" ||
      openssl rsa -in "$tmp/evil.pem" -out "$tmp/evil.pkcs1" \
      2>>"$tmp/openssl.err"; } ||
    { diag_file "$tmp/openssl.err"; bail_out "openssl could not make a key"; }
p=$(openssl pkey -in "$tmp/evil.pem" -pubout -outform DER | base64 |
    tr -d '\n')
printf 'peer._domainkey.evil.test.\t3600 IN TXT "v=DKIM1; k=rsa; p=%s" "%s"\n' \
    "$(printf '%s' "$p" | cut -c1-200)" "$(printf '%s' "$p" | cut -c201-)" \
    >>"$tmp/records"
cat >>"$tmp/records" <<'EOF'
good.test.		3600 IN TXT "v=spf1 ip4:192.0.2.1 -all"
_dmarc.good.test.	3600 IN TXT "v=DMARC1; p=reject"
evil.test.		3600 IN TXT "v=spf1 ip4:192.0.2.66 -all"
_dmarc.evil.test.	3600 IN TXT "v=DMARC1; p=none"
EOF
t_dns_start "$tmp/dns" "$tmp/records" --dnssec
# the budget bounds the wait, it is no deadline the test depends on: the
# verdicts below need no answer but the DKIM key's (and the control's)
V="$verify --resolver-conf $UNBOUND_CONF --trust-anchor $ANCHOR --now $T \
    --authserv-id mx.test --timeout $(t_timeout 5s)"

# Mail::DKIM signs whatever it is given; the signature goes on top
cat >"$tmp/sign.pl" <<'PL'
use strict;
use warnings;
use Mail::DKIM::PrivateKey;
use Mail::DKIM::Signer;
my $data = do { local $/; <STDIN> };
my $dkim = Mail::DKIM::Signer->new(Algorithm => "rsa-sha256",
    Method => "relaxed/relaxed", Domain => "evil.test", Selector => "peer",
    Key => Mail::DKIM::PrivateKey->load(File => $ARGV[0]),
    Timestamp => 1700000000);
for my $l ($data =~ /([^\n]*\n|[^\n]+\z)/g) {
	$l =~ s/\r?\n\z//;
	$dkim->PRINT("$l\r\n");
}
$dkim->CLOSE();
(my $sig = $dkim->signature->as_string) =~ s/\r\n/\n/g;
print $sig, "\n", $data;
PL

# results FILE: our A-R, unfolded, on one line
results()
{
	awk 'NR > 1 && !/^[ \t]/ { exit } { s = s " " $0 } END { print s }' \
	    "$1" | tr -d '\r' | tr -s ' \t' '  ' | sed 's/^ //'
}
# mail FROM-VALUE: a message with that From field, as printf's %s writes it
mail()
{
	printf 'From: %s\nTo: bob@dest.test\nSubject: hello\n' "$1"
	printf 'Date: Tue, 14 Nov 2023 22:13:20 +0000\n'
	printf 'Message-ID: <m1@evil.test>\n\nHello.\n'
}

# --- the control: a well-formed From of evil.test passes as evil.test, so
# the cases below could fail (a lenient reader gives exactly this)
mail 'Alice <x@evil.test>' | "$perl" "$tmp/sign.pl" "$tmp/evil.pkcs1" \
    >"$tmp/control.eml"
run $V --dmarc <"$tmp/control.eml"
r=$(results "$out_file")
like "$r" 'dkim=pass .*header.d=evil.test' "control: Mail::DKIM's signature passes"
like "$r" 'dmarc=pass .*header.from=evil.test' \
    "control: one mailbox of evil.test is dmarc=pass header.from=evil.test"
mail '"alice@good.test" <x@evil.test>' |
    "$perl" "$tmp/sign.pl" "$tmp/evil.pkcs1" >"$tmp/name.eml"
run $V --dmarc <"$tmp/name.eml"
like "$(results "$out_file")" 'dmarc=pass .*header.from=evil.test' \
    "a quoted display name is a name: the author is evil.test, and said so"

# --- From values that are not exactly one mailbox, each with what the
# A-R comment says: VALUE<TAB>REASON (the value may hold a tab: the
# reason is after the last one)
cat >"$tmp/cases" <<EOF
<alice@good.test> <x@evil.test>	more than one address
alice@good.test <x@evil.test>	more than one address
alice@good.test${tab}<x@evil.test>	more than one address
alice@good.test<x@evil.test>	more than one address
Alice <alice@good.test> <x@evil.test>	more than one address
x@evil.test <alice@good.test>	more than one address
alice@good.test (c) <x@evil.test>	more than one address
alice@good.test:x@evil.test	text after the address
<alice@good.test:x@evil.test>	text after the address
<alice@good.test>x@evil.test	text after the address
alice@good.test, x@evil.test	more than one address
<alice@good.test>, <x@evil.test>	more than one address
alice@good.test; x@evil.test	text after the address
good: alice@good.test; x@evil.test	a group
"x" alice@good.test <x@evil.test>	text before the address
alice@good.test@evil.test	more than one @
alice@good.test <x@evil.test	more than one address
"alice@good.test <x@evil.test>	an unclosed quoted string
EOF
n=0
while IFS= read -r line; do
	n=$((n + 1))
	value=${line%"$tab"*}
	why=${line##*"$tab"}
	mail "$value" | "$perl" "$tmp/sign.pl" "$tmp/evil.pkcs1" \
	    >"$tmp/case$n.eml"
	run $V --dmarc <"$tmp/case$n.eml"
	r=$(results "$out_file")
	like "$r" 'dkim=pass .*header.d=evil.test' \
	    "From: $value: evil.test's signature passes"
	like "$r" "dmarc=permerror \\(From is not one mailbox: $why\\)" \
	    "From: $value: dmarc=permerror ($why)"
	unlike "$r" 'dmarc=pass|header.from=' \
	    "From: $value: never dmarc=pass, no header.from"
	run $V --dmarc --dmarc-reject <"$tmp/case$n.eml"
	is "$status" 77 "From: $value: --dmarc-reject refuses it (77)"
	like "$err" "^dkimpipe-verify: fatal: rejected: DMARC: .*From is not one mailbox: $why" \
	    "From: $value: saying why"
	is "$(wc -c <"$out_file" | tr -d ' ')" 0 "From: $value: nothing on stdout"
done <"$tmp/cases"

# folded: the second address on a continuation line
mail "$(printf 'alice@good.test\n <x@evil.test>')" |
    "$perl" "$tmp/sign.pl" "$tmp/evil.pkcs1" >"$tmp/folded.eml"
run $V --dmarc <"$tmp/folded.eml"
r=$(results "$out_file")
like "$r" 'dmarc=permerror \(From is not one mailbox: more than one address\)' \
    "a folded From with a second address: dmarc=permerror"
unlike "$r" 'header.from=' "and no header.from"
# a bare CR that hides a second From from a reader that splits lines on it
{ printf 'X-A: a\rFrom: alice@good.test\n'; mail 'x@evil.test'; } |
    "$perl" "$tmp/sign.pl" "$tmp/evil.pkcs1" >"$tmp/cr.eml"
run $V --dmarc <"$tmp/cr.eml"
unlike "$(results "$out_file")" 'dmarc=pass|header.from=evil.test' \
    "a bare CR hiding a From: never dmarc=pass header.from=evil.test"
run $V --dmarc --dmarc-reject <"$tmp/cr.eml"
isnt "$status" 0 "and --dmarc-reject does not let it through"
# two From fields: no one author either
{ printf 'From: alice@good.test\n'; mail 'x@evil.test'; } |
    "$perl" "$tmp/sign.pl" "$tmp/evil.pkcs1" >"$tmp/two.eml"
run $V --dmarc <"$tmp/two.eml"
like "$(results "$out_file")" 'dmarc=permerror \(more than one From field\)' \
    "two From fields: dmarc=permerror, said so"
run $V --dmarc --dmarc-reject <"$tmp/two.eml"
is "$status" 77 "two From fields: --dmarc-reject refuses them"

# --- dkimpipe-sign: alice may use alice@good.test only
S="$sign -k $ks --timestamp $T"
mail 'Alice <alice@good.test>' >"$tmp/alice.eml"
run $S --auth-user alice <"$tmp/alice.eml"
is "$status" 0 "control: alice signs as alice@good.test"
is "$(grep -c '^DKIM-Signature' "$out_file")" 1 "with good.test's key"
mail '"ceo@good.test" <alice@good.test>' >"$tmp/name2.eml"
run $S --auth-user alice <"$tmp/name2.eml"
is "$status" 0 "a display name that looks like an address is a name: signed"
mail "$(printf 'Ren\351 Fran\347ois <alice@good.test>')" >"$tmp/latin1.eml"
run $S --auth-user alice <"$tmp/latin1.eml"
is "$status" 0 "a Latin-1 display name, as old software writes it: signed"
mail "$(printf '"Ren\351" <alice@good.test>')" >"$tmp/latin1q.eml"
run $S --auth-user alice <"$tmp/latin1q.eml"
is "$status" 77 "Latin-1 in a quoted string: refused (77)"
cat >"$tmp/signcases" <<EOF
<ceo@good.test> <alice@good.test>	more than one address
alice@good.test <ceo@good.test>	more than one address
alice@good.test${tab}<ceo@good.test>	more than one address
ceo@good.test <alice@good.test>	more than one address
alice@good.test:ceo@good.test	text after the address
<alice@good.test:ceo@good.test>	text after the address
alice@good.test, ceo@good.test	more than one address
alice@good.test, alice@good.test	more than one address
team: alice@good.test;	a group
alice@good.test@good.test	more than one @
Alice <alice@good.test	no > after the address
EOF
n=0
while IFS= read -r line; do
	n=$((n + 1))
	value=${line%"$tab"*}
	why=${line##*"$tab"}
	mail "$value" >"$tmp/s$n.eml"
	run $S --auth-user alice <"$tmp/s$n.eml"
	is "$status" 77 "sign -u alice, From: $value: refused (77)"
	is "$err" "dkimpipe-sign: fatal: refused: cannot read the From address: $why" \
	    "sign -u alice, From: $value: one line saying why"
	is "$(wc -c <"$out_file" | tr -d ' ')" 0 \
	    "sign -u alice, From: $value: nothing on stdout"
	run $S --auth-user alice --bad-input refuse <"$tmp/s$n.eml"
	is "$status" 65 "sign -u alice --bad-input refuse, From: $value: 65"
	run "$keys" -k "$ks" authz check alice "$value"
	is "$status" 77 "authz check alice '$value': refused (77)"
	like "$err" "is not one address: $why" \
	    "authz check alice '$value': saying why"
done <"$tmp/signcases"
# without --auth-user the same From is bad input, as --bad-input says
run $S <"$tmp/s1.eml"
is "$status" 0 "no --auth-user: passed through (--bad-input pass)"
check "unchanged and unsigned" cmp "$out_file" "$tmp/s1.eml"
run $S --bad-input refuse <"$tmp/s1.eml"
is "$status" 65 "no --auth-user, --bad-input refuse: 65"
# two From fields from an authenticated user
{ printf 'From: ceo@good.test\n'; mail 'alice@good.test'; } >"$tmp/s2from.eml"
run $S --auth-user alice <"$tmp/s2from.eml"
is "$status" 77 "sign -u alice, two From fields: refused (77)"

# --- authz check reads the From value as the others do
run "$keys" -k "$ks" authz check alice 'Alice <alice@good.test>'
is "$status" 0 "authz check: a name-addr of alice's address is allowed"
run "$keys" -k "$ks" authz check alice "$(printf 'Alice (me)\n <alice@good.test>')"
is "$status" 0 "authz check: a folded From value with a comment is allowed"
run "$keys" -k "$ks" authz check alice '<ceo@good.test>'
is "$status" 77 "authz check: another address of the domain is not"
# Exim's $rh_From: (packaging/examples/exim/data-acl.conf): the raw field,
# folded, with its final newline; a second From field joined with one
run "$keys" -k "$ks" authz check alice "$(printf ' Alice\n <alice@good.test>\n.')"
is "$status" 77 "authz check: text after the final newline is refused"
run "$keys" -k "$ks" authz check alice "$(printf ' Alice\n <alice@good.test>\n_')"
is "$status" 77 "authz check: so is any text there"
v=$(printf ' Alice\n <alice@good.test>\nx'); v=${v%x}
run "$keys" -k "$ks" authz check alice "$v"
is "$status" 0 "authz check: a raw folded field with its final newline"
v=$(printf ' <ceo@good.test>\n <alice@good.test>\nx'); v=${v%x}
run "$keys" -k "$ks" authz check alice "$v"
is "$status" 77 "authz check: two raw From fields joined as Exim joins them"

done_testing

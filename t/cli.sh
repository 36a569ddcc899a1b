#!/bin/sh
# cli - what a postmaster meets first: --help says what each program
# reads and writes; a short option means one thing in every program;
# --timeout takes 5 and 5s alike; a typo'd command is named as such; a
# domain without keys is noticed; new on a domain that signs already
# makes pending keys.
. "$(dirname "$0")/lib.sh"

sign=$top_builddir/dkimpipe-sign
keys=$top_builddir/dkimpipe-keys
verify=$top_builddir/dkimpipe-verify
mktmpdir tmp
ks=$tmp/ks
printf 'From: a@example.org\nSubject: x\n\nbody\n' >"$tmp/m.eml"
printf 'From: a@exmaple.org\nSubject: x\n\nbody\n' >"$tmp/typo.eml"
# A resolver with no server behind it (the discard port): lookups fail at
# once, and the tests never reach the internet.
cat >"$tmp/unbound.conf" <<CONF
server:
	do-not-query-localhost: no
forward-zone:
	name: "."
	forward-addr: 127.0.0.1@9
CONF

# --help: what goes in and out, and where the exit codes are.
for p in dkimpipe-sign dkimpipe-verify dkimpipe-seal; do
	run "$top_builddir/$p" --help
	is "$(printf '%s\n' "$out" | sed -n 1p)" \
	    "Usage: $p [OPTION...] <MESSAGE >MESSAGE" "$p --help: the usage line"
	like "$(printf '%s\n' "$out" | sed -n 2p)" \
	    "^Reads a message on standard input and writes it .* on standard output; exit codes: $p\\(1\\)\\.\$" \
	    "$p --help: stdin to stdout in one line, exit codes in $p(1)"
done
run "$keys" --help
is "$(printf '%s\n' "$out" | sed -n 1p)" \
    "Usage: dkimpipe-keys [OPTION...] COMMAND [ARGUMENT...]" \
    "dkimpipe-keys --help: the usage line"
like "$(printf '%s\n' "$out" | sed -n 2p)" 'exit codes: dkimpipe-keys\(1\)\.$' \
    "dkimpipe-keys --help: exit codes in dkimpipe-keys(1)"
for c in 'new -d DOMAIN' 'import -d DOMAIN -s SELECTOR .*FILE' 'list' \
    'dns ' 'dmarc -d DOMAIN' 'check -d DOMAIN' \
    'activate\|retire\|revoke -d DOMAIN -s SELECTOR' 'rotate -d DOMAIN' \
    'authz add USER PATTERN' 'authz del USER' 'authz check USER ADDRESS'; do
	like "$out" "^  $c" "dkimpipe-keys --help lists: $c"
done

# Every short option stands for the same long one in every program
# (--auth-user of the filters is --user of dkimpipe-keys: the
# authenticated user either way).
for p in dkimpipe-sign dkimpipe-verify dkimpipe-seal dkimpipe-keys; do
	"$top_builddir/$p" --help | sed -n 's/^  -\([A-Za-z]\), --\([a-z-]*\).*/\1 \2/p' |
	    sed 's/ auth-user$/ user/'
done | sort -u >"$tmp/shorts"
cut -d' ' -f1 "$tmp/shorts" | uniq -d >"$tmp/twice"
check "no short option has two meanings" test ! -s "$tmp/twice" ||
    diag_file "$tmp/shorts"
like "$(cat "$tmp/shorts")" '^t timeout$' "-t is --timeout"
unlike "$(cat "$tmp/shorts")" '^t ttl$' "and never --ttl"

# A typo'd command, with no keystore: the command is named, 64.
run "$keys" --keystore "$tmp/none" lst
is "$status" 64 "an unknown command without a keystore: EX_USAGE, not 78"
like "$err" '^dkimpipe-keys: fatal: unknown command lst: try --help$' \
    "named, with where to look"
check "and no keystore was made" test ! -e "$tmp/none"

# new, twice: the second pair is pending until activate.
"$keys" --keystore "$ks" new --domain example.org >"$tmp/first" ||
    bail_out "cannot make a keystore"
run "$keys" --keystore "$ks" new --domain example.org
is "$status" 0 "new on a domain that signs already: exit 0"
is "$(grep -c '	pending' "$ks/selectors")" 2 "the two new keys are pending"
is "$(grep -c '	active' "$ks/selectors")" 2 "the two old ones stay active"
like "$err" 'notice: new: example.org signs with active keys already' \
    "new says so on stderr"
sel=$(sed -n 's/^\([^ 	]*\)[ 	][ 	]*\([^ 	]*\)[ 	].*pending.*/\2/p' "$ks/selectors" | head -1)
like "$err" "dkimpipe-keys -k $ks activate -d example.org -s $sel\$" \
    "with the command that activates each"
like "$out" "^$sel\\._domainkey\\.example\\.org\\." "and the records to publish"
run "$sign" --keystore "$ks" --timestamp 1795000000 <"$tmp/m.eml"
is "$(grep -c '^DKIM-Signature:' "$out_file")" 2 "pending keys do not sign"
run "$keys" --keystore "$ks" activate --domain example.org --selector "$sel"
is "$status" 0 "activate a pending key"
run "$sign" --keystore "$ks" --timestamp 1795000000 <"$tmp/m.eml"
is "$(grep -c '^DKIM-Signature:' "$out_file")" 3 "then it signs"
run "$keys" --keystore "$ks" new --domain example.net
unlike "$err" 'pending' "a domain's first keys are active, no notice"
run "$keys" --keystore "$ks" new --domain example.org --user alice -a ed25519
is "$(grep -c 'alice.*active' "$ks/selectors")" 1 "a user's first key is active"

# A domain without keys: passed through, exit 0, one notice; on stderr
# only when it is a terminal (Exim writes a filter's stderr into the
# message), as a real tty from script(1) shows.
run "$sign" --keystore "$ks" --log stderr <"$tmp/typo.eml"
is "$status" 0 "a domain without keys: exit 0"
is "$err" "" "stderr that is not a terminal gets nothing on exit 0"
check "the message passes unchanged" cmp "$out_file" "$tmp/typo.eml"
if script -qec true /dev/null >/dev/null 2>&1; then
	script -qec "'$sign' --keystore '$ks' --log stderr <'$tmp/typo.eml' >/dev/null" \
	    /dev/null >"$tmp/tty" 2>&1
	is "$(grep -c 'notice: not signed' "$tmp/tty")" 1 \
	    "on a terminal: one notice for the message"
	like "$(tr -d '\r' <"$tmp/tty")" \
	    "^dkimpipe-sign: notice: not signed: no active key for exmaple\\.org in keystore $ks\$" \
	    "naming the domain and the keystore"
else
	skip "script(1) cannot make a terminal here" 2
fi

# --timeout: a bare number is seconds, everywhere; so is 5s.
for t in 5 5s 800ms; do
	run "$verify" --authserv-id mx.test --resolver-conf "$tmp/unbound.conf" \
	    --timeout "$t" <"$tmp/m.eml"
	is "$status" 0 "dkimpipe-verify --timeout $t is accepted"
done
for t in 1 1s 900ms; do
	run "$keys" --keystore "$ks" check -d example.net \
	    --resolver-conf "$tmp/unbound.conf" --timeout "$t"
	is "$status" 75 "dkimpipe-keys check --timeout $t is accepted (no DNS: 75)"
done
run "$keys" --keystore "$ks" check -d example.net \
    --resolver-conf "$tmp/unbound.conf" -t 1
is "$status" 75 "check -t 1 is --timeout, as in dkimpipe-verify"
run "$verify" --authserv-id mx.test --resolver-conf "$tmp/unbound.conf" \
    -t 1 <"$tmp/m.eml"
is "$status" 0 "dkimpipe-verify -t 1"
for t in 0 601 5m -1 x; do
	run "$verify" --authserv-id mx.test --timeout "$t" <"$tmp/m.eml"
	is "$status" 64 "dkimpipe-verify --timeout $t is refused"
	run "$keys" --keystore "$ks" check -d example.net --timeout "$t"
	is "$status" 64 "dkimpipe-keys check --timeout $t is refused"
done
run "$keys" --keystore "$ks" dns -d example.net -t 300
is "$status" 64 "dns -t 300 (once --ttl) is refused, not a quiet default TTL"
like "$err" 'the record TTL is --ttl' "pointing at --ttl"
run "$keys" --keystore "$ks" dns -d example.net --ttl 300
like "$out" '	300	IN	TXT' "--ttl sets the TTL"
done_testing

#!/bin/sh
# sign-badinput - input that is not a signable message, broken keys and
# broken outputs: each has a defined exit code and one stderr line, and
# stdout carries the whole message or nothing.
. "$(dirname "$0")/lib.sh"

sign=$top_builddir/dkimpipe-sign
keys=$top_builddir/dkimpipe-keys
mktmpdir tmp
ks=$tmp/ks
"$keys" --keystore "$ks" new --domain example.org >/dev/null ||
    bail_out "cannot make a keystore"

# passes NAME FILE REASON-ERE: unchanged passthrough by default, 65 with
# --bad-input refuse.
passes()
{
	run "$sign" --keystore "$ks" <"$2"
	is "$status" 0 "$1: passed through, exit 0"
	check "$1: output identical to the input" cmp "$out_file" "$2"
	is "$err" "" "$1: the warning goes to syslog, not into the mail"
	run "$sign" --keystore "$ks" --bad-input refuse <"$2"
	is "$status" 65 "$1: --bad-input refuse: EX_DATAERR"
	is "$(wc -c <"$out_file" | tr -d ' ')" 0 "$1: refused: nothing on stdout"
	like "$err" "^dkimpipe-sign: fatal: not signed: $3" "$1: refused with the reason"
}

{ printf "GIF89a"; head -c 3000 /dev/urandom | tr -d ":"; } >"$tmp/garbage"
printf '\n' >>"$tmp/garbage"
passes "binary garbage" "$tmp/garbage" '(a header|the header)'
printf 'From: a@example.org\nSub\0ject: x\n\nbody\n' >"$tmp/nul"
passes "a NUL in the header" "$tmp/nul" 'a header line contains a NUL byte'
{ printf 'From: a@example.org\nSubject: '; head -c 1200 /dev/zero | tr '\0' x; printf '\n\nbody\n'; } >"$tmp/long"
passes "a 1209-octet header line" "$tmp/long" 'a header line is longer than 998 octets'
{ printf 'From: a@example.org\n'; i=0; while [ $i -lt 400 ]; do
	printf 'X-Fill-%d: ' $i; head -c 800 /dev/zero | tr '\0' y; printf '\n'
	i=$((i + 1)); done; printf '\nbody\n'; } >"$tmp/huge"
passes "a 320 KB header section" "$tmp/huge" 'the header section is larger than 256 KiB'
: >"$tmp/empty"
passes "empty input" "$tmp/empty" 'the input is empty'
printf 'To: b@example.net\nSubject: no from\n\nbody\n' >"$tmp/nofrom"
passes "no From field" "$tmp/nofrom" 'no From field'
printf 'From: a@example.org\nFrom: b@example.org\n\nbody\n' >"$tmp/twofrom"
passes "two From fields" "$tmp/twofrom" 'more than one From field'
printf 'From: Alice <alice@example.org\n\nbody\n' >"$tmp/badfrom"
passes "an unreadable From" "$tmp/badfrom" 'cannot read the From address'
printf '  folded: first\nFrom: a@example.org\n\nbody\n' >"$tmp/cont"
passes "a continuation line first" "$tmp/cont" 'the header starts with a continuation line'

printf 'From: a@example.org\nSubject: header only, no blank line' >"$tmp/nosep"
run "$sign" --keystore "$ks" <"$tmp/nosep"
is "$status" 0 "a header without a blank line or final newline is signed"
is "$(grep -c '^DKIM-Signature' "$out_file")" 2 "with both keys"

# Output that fails: never exit 0.
printf 'From: a@example.org\nSubject: x\n\nbody\n' >"$tmp/ok.eml"
run "$sign" --keystore "$ks" <"$tmp/ok.eml"
is "$status" 0 "the control message signs"
if [ -w /dev/full ]; then
	"$sign" --keystore "$ks" <"$tmp/ok.eml" >/dev/full 2>"$tmp/err"
	is "$?" 75 "stdout full (/dev/full): EX_TEMPFAIL"
	like "$(cat "$tmp/err")" 'fatal: writing: no space left on output' "and says so"
else
	skip "/dev/full not available" 2
fi
{ printf 'From: a@example.org\n\n'; head -c 3000000 /dev/zero | tr '\0' 'z'; } >"$tmp/big.eml"
( "$sign" --keystore "$ks" <"$tmp/big.eml" 2>"$tmp/err"; echo $? >"$tmp/st" ) | head -c 10 >/dev/null
is "$(cat "$tmp/st")" 75 "stdout closed early (EPIPE): EX_TEMPFAIL"
like "$(cat "$tmp/err")" 'fatal: writing: output closed early' "and says so"

# A big body spools to disk; an unusable spool directory defers.
run "$sign" --keystore "$ks" --spool-dir "$tmp/nonexistent" <"$tmp/big.eml"
is "$status" 75 "spool directory missing, large body: EX_TEMPFAIL"
is "$(wc -c <"$out_file" | tr -d ' ')" 0 "and nothing on stdout"
like "$err" 'fatal: reading: cannot spool the message' "and says so"
run "$sign" --keystore "$ks" --spool-dir "$tmp" <"$tmp/big.eml"
is "$status" 0 "a 3 MB body through the spool"
tail -c 3000000 "$out_file" >"$tmp/tail"
tail -c 3000000 "$tmp/big.eml" >"$tmp/tail.in"
check "comes back byte for byte" cmp "$tmp/tail" "$tmp/tail.in"
check "and leaves no spool file behind" sh -c "! ls '$tmp'/dkimpipe.* 2>/dev/null | grep -q ."

# Keystore trouble defers: a typo must not bounce mail.
run "$sign" --keystore "$tmp/no-such-dir" <"$tmp/ok.eml"
is "$status" 75 "a missing keystore: EX_TEMPFAIL"
like "$err" '^dkimpipe-sign: fatal: keystore .*no-such-dir: No such file' "named in one line"
is "$out" "" "nothing on stdout"
cp -r "$ks" "$tmp/ks2"
printf 'example.org\tsel\trsa\tbogus-state\n' >>"$tmp/ks2/selectors"
run "$sign" --keystore "$tmp/ks2" <"$tmp/ok.eml"
is "$status" 75 "a malformed selectors file: EX_TEMPFAIL"
like "$err" 'selectors line [0-9]+: unknown state' "with the line number"
cp -r "$ks" "$tmp/ks3"
for f in "$tmp"/ks3/keys/example.org/*r.pem; do
	printf -- '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n' >"$f"
done
run "$sign" --keystore "$tmp/ks3" <"$tmp/ok.eml"
is "$status" 75 "a corrupt PEM key: EX_TEMPFAIL"
like "$err" 'key .*\.pem: private key is not a usable PEM key' "naming the file"
cp -r "$ks" "$tmp/ks4"
r=$(ls "$tmp"/ks4/keys/example.org/*r.pem); e=$(ls "$tmp"/ks4/keys/example.org/*e.pem)
cp "$e" "$r"
run "$sign" --keystore "$tmp/ks4" <"$tmp/ok.eml"
is "$status" 75 "an Ed25519 key where the table says RSA: EX_TEMPFAIL"
cp -r "$ks" "$tmp/ks5"
rm -f "$tmp"/ks5/keys/example.org/*e.pem
run "$sign" --keystore "$tmp/ks5" <"$tmp/ok.eml"
is "$status" 75 "an active selector without its key file: EX_TEMPFAIL"
unlike "$err" 'BEGIN|PRIVATE' "no key material in any message"
done_testing

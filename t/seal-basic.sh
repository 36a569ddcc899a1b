#!/bin/sh
# seal-basic - dkimpipe-seal's pipe contract without DNS: what it adds and
# where, exit codes and the one stderr line for each refusal, byte-identical
# passthrough of what it does not seal, LF in and LF out, and a large body
# streamed. (The seals themselves are checked by t/arc-suite.sh and
# t/arc-interop.sh.)
. "$(dirname "$0")/lib.sh"

seal=$(t_prog dkimpipe-seal)
keys=$(t_prog dkimpipe-keys)
mktmpdir tmp
ks=$tmp/ks
"$keys" --keystore "$ks" new -d lists.example.org -s arc -a rsa >/dev/null &&
    "$keys" --keystore "$ks" new -d lists.example.org -s ed -a ed25519 \
    >/dev/null || bail_out "cannot make a keystore"
SEAL="$seal --keystore $ks --domain lists.example.org --authserv-id mx.lists.example.org"

plan 36

msg()	# msg ARC-RESULT: a message as our verifier leaves it
{
	printf 'Authentication-Results: mx.lists.example.org;\n\tdkim=pass header.d=example.com;\n\tarc=%s\n' "$1"
	printf 'Received: from a.example.com by mx.lists.example.org\n'
	printf 'Authentication-Results: elsewhere.example; arc=pass\n'
	printf 'From: a@example.com\nTo: l@lists.example.org\nSubject: s\n\nbody\n'
}

# --- what it adds
msg none >"$tmp/in"
run $SEAL --timestamp 1700000000 <"$tmp/in"
is "$status" 0 "a message with our results seals"
is "$err" "" "nothing on stderr"
is "$(sed -n '1s/:.*//p' "$out_file")" ARC-Seal "the seal comes first"
is "$(grep -v '^[[:space:]]' "$out_file" | sed -n '1,3s/:.*//p' | tr '\n' ' ')" \
    "ARC-Seal ARC-Message-Signature ARC-Authentication-Results " \
    "then the AMS and the AAR"
size=$(wc -c <"$tmp/in")
check "the input follows unchanged" sh -c "tail -c $size '$out_file' | cmp -s - '$tmp/in'"
check "LF in, LF out" sh -c "! grep -q \"\$(printf '\\r')\" '$out_file'"
aar=$(awk '/^ARC-Authentication-Results:/ { p = 1; print; next }
    p && /^[ \t]/ { print; next } { p = 0 }' "$out_file" | tr -s ' \t\n' '   ')
like "$aar" '^ARC-Authentication-Results: i=1; mx.lists.example.org; dkim=pass header.d=example.com; arc=none $' \
    "the AAR carries our results, not the other host's"
like "$(grep -A3 '^ARC-Seal:' "$out_file" | tr -s ' \t\n' '   ')" \
    'a=rsa-sha256; .*cv=none; d=lists.example.org; i=1; s=arc; t=1700000000' \
    "an RSA seal by default, cv=none, t= as given"
run $SEAL --selector ed <"$tmp/in"
like "$(grep -A1 '^ARC-Seal:' "$out_file" | tr -s ' \t\n' '   ')" \
    'a=ed25519-sha256' "--selector picks the key"

# --- cv= from our arc= result, as the next hop's verifier leaves it (our
# earlier A-R removed, a new one on top)
msg none | $SEAL --timestamp 1700000000 >"$tmp/hop1"
hop2()	# hop2 ARC-RESULT
{
	printf 'Authentication-Results: mx.lists.example.org; arc=%s\n' "$1"
	awk '/^[^ \t]/ { ours = /^Authentication-Results: mx\.lists\./ }
	    !ours' "$tmp/hop1"
}
for cv in pass fail; do
	hop2 $cv >"$tmp/in2"
	run $SEAL <"$tmp/in2"
	like "$(grep -A3 '^ARC-Seal:' "$out_file" | tr -s ' \t\n' '   ')" \
	    "cv=$cv; d=lists.example.org; i=2" "arc=$cv: the second seal says cv=$cv"
done
hop2 none >"$tmp/in2"
run $SEAL <"$tmp/in2"
like "$(grep -A3 '^ARC-Seal:' "$out_file" | tr -s ' \t\n' '   ')" \
    "cv=fail; d=lists.example.org; i=2" \
    "arc=none over an existing chain: cv=fail, never repaired"

# --- the chain ended: passed through untouched
sed 's/cv=none/cv=fail/' "$tmp/hop1" >"$tmp/ended"
run $SEAL <"$tmp/ended"
is "$status" 0 "a chain sealed cv=fail earlier: exit 0"
check "and the message passes unchanged" cmp "$out_file" "$tmp/ended"
is "$err" "" "with no stderr (the note goes to syslog)"

# --- refusals: exit code, one line, nothing on stdout
printf 'From: a@example.com\nSubject: s\n\nbody\n' >"$tmp/nores"
run $SEAL <"$tmp/nores"
is "$status" 0 "no results of ours (a list's own digest): passed through"
check "unchanged and unsealed" cmp "$out_file" "$tmp/nores"
run $SEAL --no-results tempfail <"$tmp/nores"
is "$status" 75 "--no-results tempfail: EX_TEMPFAIL"
like "$err" '^dkimpipe-seal: fatal: not sealed: no Authentication-Results of mx.lists.example.org' \
    "and says whose results are missing"
is "$(wc -c <"$out_file" | tr -d ' ')" 0 "nothing on stdout"
# only the topmost A-R of ours counts: one further down is not ours
{ printf 'Authentication-Results: mx.lists.example.org; arc=none; dkim=none\n'
  printf 'Received: by list.example.org\n'
  printf 'Authentication-Results: mx.lists.example.org; dkim=pass header.d=bank.example; arc=pass\n'
  printf 'From: a@example.com\n\nbody\n'; } >"$tmp/twoars"
run $SEAL <"$tmp/twoars"
aar=$(awk '/^ARC-Authentication-Results:/ { p = 1; print; next }
    p && /^[ \t]/ { print; next } { p = 0 }' "$out_file" | tr -s ' \t\n' '   ')
like "$aar" 'i=1; mx.lists.example.org; arc=none; dkim=none $' \
    "only the topmost A-R of ours is carried, not a forged one below"
run $SEAL --headers from:arc-seal <"$tmp/in"
is "$status" 64 "--headers naming ARC-Seal: EX_USAGE"
# a long h= folds between names, every line within 998 octets
long=from
i=0
while [ $i -lt 150 ]; do long=$long:x-field-number-$i; i=$((i + 1)); done
run $SEAL --headers "$long" <"$tmp/in"
is "$status" 0 "a 2,000-octet h= list seals"
is "$(awk 'length > 998' "$out_file" | wc -l | tr -d ' ')" 0 \
    "and no line passes 998 octets"
run "$seal" --keystore "$ks" --domain nokey.example --authserv-id mx.lists.example.org <"$tmp/in"
is "$status" 75 "no key for the sealing domain: EX_TEMPFAIL"
like "$err" 'no active key for nokey.example' "named in the error"
chmod 644 "$ks/keys/lists.example.org/arc.pem"
run $SEAL --selector arc <"$tmp/in"
is "$status" 75 "a group-readable key: EX_TEMPFAIL"
like "$err" 'arc.pem' "the key file is named"
chmod 600 "$ks/keys/lists.example.org/arc.pem"
run "$seal" --keystore "$ks" --authserv-id x <"$tmp/in"
is "$status" 64 "no --domain: EX_USAGE"
run $SEAL --headers 'from;to' <"$tmp/in"
is "$status" 64 "a bad --headers list: EX_USAGE"

# --- input that is not a message
: >"$tmp/empty"
run $SEAL <"$tmp/empty"
is "$status" 0 "empty input passes through"
is "$(wc -c <"$out_file" | tr -d ' ')" 0 "as nothing"
run $SEAL --bad-input refuse <"$tmp/empty"
is "$status" 65 "--bad-input refuse: EX_DATAERR"
like "$err" '^dkimpipe-seal: fatal: not sealed: the input is empty' "with the reason"

# --- a large body streams through (spooled, not held in memory)
{ msg none; head -c 6000000 /dev/zero | tr '\0' 'x' | fold -w 76; } >"$tmp/big"
run $SEAL --spool-dir "$tmp" <"$tmp/big"
is "$status" 0 "a 6 MB message seals"
size=$(wc -c <"$tmp/big")
check "and comes out whole" sh -c "tail -c $size '$out_file' | cmp -s - '$tmp/big'"

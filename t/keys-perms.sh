#!/bin/sh
# keys-perms - private keys readable by others are refused, like OpenSSH.
. "$(dirname "$0")/lib.sh"

sign=$top_builddir/dkimpipe-sign
keys=$top_builddir/dkimpipe-keys
mktmpdir tmp
ks=$tmp/ks
"$keys" --keystore "$ks" new --domain example.org --algorithm ed25519 \
    --selector s1 >/dev/null || bail_out "cannot make a keystore"
printf 'From: a@example.org\nSubject: x\n\nbody\n' >"$tmp/m.eml"
key=$ks/keys/example.org/s1.pem

run "$sign" --keystore "$ks" <"$tmp/m.eml"
is "$status" 0 "a 0600 key signs"
for mode in 640 604 644 660; do
	chmod "$mode" "$key"
	run "$sign" --keystore "$ks" <"$tmp/m.eml"
	is "$status" 75 "mode $mode: refused, EX_TEMPFAIL (a deferral, never a bounce)"
done
like "$err" "^dkimpipe-sign: fatal: key .*/s1\.pem: private key is group- or world-accessible" \
    "the one line names the file and the cause"
is "$out" "" "nothing on stdout"
run "$keys" --keystore "$ks" dns --domain example.org
is "$status" 78 "dkimpipe-keys dns with a readable key: EX_CONFIG"
like "$err" 'group- or world-accessible' "and says why"
chmod 600 "$key"
mv "$key" "$tmp/real.pem"
ln -s "$tmp/real.pem" "$key"
run "$sign" --keystore "$ks" <"$tmp/m.eml"
is "$status" 75 "a symlinked key file is not followed"
rm "$key"
mv "$tmp/real.pem" "$key"
run "$sign" --keystore "$ks" <"$tmp/m.eml"
is "$status" 0 "back at 0600 it signs again"
check "the keystore table is world-readable (0644), the keys are not" \
    sh -c "[ \"\$(stat -c %a '$ks/selectors')\" = 644 ]"
done_testing

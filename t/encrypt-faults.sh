#!/bin/sh
# encrypt-faults - dkimpipe-encrypt never leaves a partial message with
# exit 0: a closed or full output, a reader that goes away, an unreadable
# input or spool all exit 75; a config file fault defers; a 20 MB message
# is encrypted in flat memory (peak RSS reported; its growth over a small
# message checked in plain builds) and decrypts to its body byte for byte.
. "$(dirname "$0")/lib.sh"

enc=$(t_prog dkimpipe-encrypt)
t_need gpg gnupg
mktmpdir tmp
g=$tmp/g
mkdir -m 700 "$g"
at_exit "gpgconf --homedir '$g' --kill gpg-agent >/dev/null 2>&1"
G()
{
	gpg --batch --quiet --homedir "$g" --pinentry-mode loopback \
	    --passphrase '' --no-auto-key-locate --trust-model always "$@"
}

plan 16

G --quick-gen-key 'Alice <alice@good.test>' ed25519 sign never &&
fpr=$(G --with-colons --list-keys '=Alice <alice@good.test>' |
    awk -F: '/^fpr/ { print $10; exit }') &&
G --quick-add-key "$fpr" cv25519 encr never &&
G --export "$fpr" >"$tmp/alice.pgp" || bail_out "gpg could not make alice's key"
: >"$tmp/none.conf"
E="$enc --config $tmp/none.conf --key $tmp/alice.pgp --address alice@good.test"

printf 'From: a@x.test\nTo: alice@good.test\nSubject: s\n\nsmall\n' >"$tmp/small"
# 20 MB: lines of 76 characters, as a base64 attachment has them
{
	printf 'From: a@x.test\nTo: alice@good.test\nSubject: big\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n'
	head -c 15000000 /dev/urandom | base64 -w 76
} >"$tmp/big"

run sh -c "$E <'$tmp/small' >&-"
is "$status" 75 "stdout closed: 75"
run sh -c "$E <'$tmp/small' >/dev/full"
is "$status" 75 "stdout full (/dev/full): 75"
like "$err" "encrypting: " "and one line says so"
run sh -c "($E <'$tmp/big'; echo \$? >'$tmp/rc') | head -c 1000 >/dev/null"
is "$(cat "$tmp/rc")" 75 "the reader goes away after 1000 bytes of 20 MB: 75"
run sh -c "$E <'$tmp'"
is "$status:$(wc -c <"$out_file")" "75:0" "stdin a directory (read fails): 75, nothing written"
run sh -c "$E --spool-dir '$tmp/nonexistent' <'$tmp/big'"
is "$status:$(wc -c <"$out_file")" "75:0" "a 20 MB message and no spool directory: 75, nothing written"
printf '[dkimpipe-encrypt]\nsubject maybe\n' >"$tmp/bad.conf"
run "$enc" --config "$tmp/bad.conf" --key "$tmp/alice.pgp" --address alice@good.test <"$tmp/small"
is "$status" 75 "a bad value in the config file: 75"
like "$err" "bad.conf: --subject: want keep or obscure" "naming the file and the option"
run "$enc" --config "$tmp/none.conf" --key "$tmp/alice.pgp" --address alice@good.test --subject maybe <"$tmp/small"
is "$status" 64 "the same on the command line: 64"
printf '[dkimpipe-encrypt]\nsubject keep\n' >"$tmp/keep.conf"
run "$enc" --config "$tmp/keep.conf" --key "$tmp/alice.pgp" --address alice@good.test <"$tmp/small"
is "$(grep '^Subject:' "$out_file")" "Subject: s" "the [dkimpipe-encrypt] section is read (subject keep)"
run "$enc" --config "$tmp/none.conf" --key "$tmp/alice.pgp" --address alice@good.test </dev/null
is "$status:$(wc -c <"$out_file")" "0:0" "empty input: passed as it is (nothing), exit 0"
run "$enc" --config "$tmp/none.conf" --key "$tmp/alice.pgp" --address alice@good.test --bad-input refuse </dev/null
is "$status" 65 "empty input, --bad-input refuse: 65"

# --- 20 MB in flat memory ------------------------------------------------
# Most of a run's RSS is the shared libraries (librnp and Botan, GnuTLS,
# libunbound) and librnp's set-up, the same for any message: what must
# stay flat is the growth from a small message to a big one.
if [ -x /usr/bin/time ]; then
	/usr/bin/time -f '%M' -o "$tmp/rss0" $E <"$tmp/small" >/dev/null
	/usr/bin/time -f '%M' -o "$tmp/rss" $E <"$tmp/big" >"$tmp/big.out"
	is "$?" 0 "a 20 MB message is encrypted: exit 0"
	rss0=$(tail -n 1 "$tmp/rss0")
	rss=$(tail -n 1 "$tmp/rss")
	diag "peak RSS: $rss0 KiB for a small message, $rss KiB for $(wc -c <"$tmp/big" | tr -d ' ') bytes"
	if [ "$t_slow" = 1 ]; then
		ok "$([ $((rss - rss0)) -lt 4096 ]; echo $?)" \
		    "20 MB take less than 4 MB more than a small message ($((rss - rss0)) KiB)"
	else
		skip "RSS is not bounded under sanitizers and valgrind (DKIMPIPE_TEST_SLOW)"
	fi
else
	skip "/usr/bin/time is not installed (apt-get install time)"
	skip "/usr/bin/time is not installed (apt-get install time)"
	$E <"$tmp/big" >"$tmp/big.out"
fi
sed -n '/^-----BEGIN PGP MESSAGE-----$/,/^-----END PGP MESSAGE-----$/p' \
    "$tmp/big.out" | G --decrypt >"$tmp/big.dec" 2>/dev/null
ok $? "gpg decrypts it"
sed '1,/^$/d' "$tmp/big" | sed 's/$/\r/' >"$tmp/big.body"
sed '1,/^\r$/d' "$tmp/big.dec" >"$tmp/big.decbody"
check "the body, byte for byte (in CRLF)" cmp "$tmp/big.body" "$tmp/big.decbody"

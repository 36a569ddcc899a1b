#!/bin/sh
# encrypt-sign - a message that dkimpipe-encrypt encrypted and
# dkimpipe-sign then signed passes dkimpipe-verify and dkimpy, and still
# decrypts with GnuPG to the inner entity; the DKIM keys and the
# OPENPGPKEY record come from the same DNSSEC-signed test zone.
. "$(dirname "$0")/lib.sh"

enc=$(t_prog dkimpipe-encrypt)
sign=$(t_prog dkimpipe-sign)
verify=$(t_prog dkimpipe-verify)
keys=$(t_prog dkimpipe-keys)
t_need gpg gnupg
t_need_dns
py=$(t_find_python3 dkim dns.resolver nacl) ||
    skip_all "python3 with dkim, dnspython and nacl not found (apt-get install python3-dkim)"
mktmpdir tmp
ks=$tmp/ks
g=$tmp/g
mkdir -m 700 "$g"
at_exit "gpgconf --homedir '$g' --kill gpg-agent >/dev/null 2>&1"
G()
{
	gpg --batch --quiet --homedir "$g" --pinentry-mode loopback \
	    --passphrase '' --no-auto-key-locate --trust-model always "$@"
}

plan 14
: >"$tmp/none.conf"

G --quick-gen-key 'Alice <alice@good.test>' ed25519 sign never &&
fpr=$(G --with-colons --list-keys '=Alice <alice@good.test>' |
    awk -F: '/^fpr/ { print $10; exit }') &&
G --quick-add-key "$fpr" cv25519 encr never &&
G --export "$fpr" >"$tmp/alice.pgp" || bail_out "gpg could not make alice's key"
"$keys" --keystore "$ks" new --domain good.test >/dev/null &&
"$keys" --keystore "$ks" openpgp import --address alice@good.test \
    "$tmp/alice.pgp" >/dev/null &&
"$keys" --keystore "$ks" dns --domain good.test >"$tmp/records" ||
    bail_out "cannot make the keystore and its records"
t_dns_start "$tmp/dns" "$tmp/records" --dnssec

printf 'From: Carol <carol@good.test>\nTo: alice@good.test\nSubject: signed and sealed\nDate: Mon, 7 Dec 2026 10:00:00 +0000\nMessage-ID: <es1@good.test>\n\nFor your eyes only.\n' >"$tmp/m"
printf 'From: Carol <carol@good.test>\r\nTo: alice@good.test\r\nSubject: signed and sealed\r\nDate: Mon, 7 Dec 2026 10:00:00 +0000\r\nMessage-ID: <es1@good.test>\r\nContent-Type: text/plain; charset=us-ascii;\r\n hp="cipher"\r\nHP-Outer: From: Carol <carol@good.test>\r\nHP-Outer: To: alice@good.test\r\nHP-Outer: Subject: ...\r\nHP-Outer: Date: Mon, 7 Dec 2026 10:00:00 +0000\r\nHP-Outer: Message-ID: <es1@good.test>\r\n\r\nFor your eyes only.\r\n' >"$tmp/want"

for e in lf crlf; do
	if [ "$e" = crlf ]; then
		sed 's/$/\r/' "$tmp/m" >"$tmp/in"
	else
		cp "$tmp/m" "$tmp/in"
	fi
	run sh -c "'$enc' --config '$tmp/none.conf' --resolver-conf '$UNBOUND_CONF' \
	    --timeout $(t_timeout 10s) --require -- alice@good.test <'$tmp/in' >'$tmp/enc.$e' &&
	    '$sign' --config '$tmp/none.conf' --keystore '$ks' <'$tmp/enc.$e'"
	is "$status" 0 "$e: encrypted, then signed: exit 0"
	cp "$out_file" "$tmp/signed.$e"
	is "$(grep -c '^DKIM-Signature:' "$tmp/signed.$e")" 2 "$e: two signatures (RSA, Ed25519)"
	check "$e: the signed message is multipart/encrypted" \
	    grep -q '^Content-Type: multipart/encrypted;' "$tmp/signed.$e"
	run "$verify" --config "$tmp/none.conf" --resolver-conf "$UNBOUND_CONF" \
	    --authserv-id mx.test --timeout "$(t_timeout 10s)" <"$tmp/signed.$e"
	is "$(printf '%s\n' "$out" | sed -n '1,/^[^ 	]/p' | tr -d '\r\n' |
	    grep -o 'dkim=pass' | wc -l)" 2 "$e: dkimpipe-verify: both signatures pass"
	"$py" "$t_dir/verify-dkimpy.py" --port "$PORT" "$tmp/signed.$e" \
	    >"$tmp/dkimpy.$e" 2>"$tmp/dkimpy.err"
	is "$(cut -f4 "$tmp/dkimpy.$e" | sort | uniq -c | tr -s ' ')" " 2 pass" \
	    "$e: dkimpy: both signatures pass"
	sed -n '/^-----BEGIN PGP MESSAGE-----/,/^-----END PGP MESSAGE-----/p' \
	    "$tmp/signed.$e" | G --decrypt >"$tmp/dec.$e" 2>/dev/null
	check "$e: gpg decrypts the signed message to the inner entity" \
	    cmp "$tmp/dec.$e" "$tmp/want"
	# what is signed is what was encrypted: any change breaks both
	sed '/^-----BEGIN PGP MESSAGE-----/{n;n;s/^[^Q]/Q/;t;s/^Q/R/;}' \
	    "$tmp/signed.$e" >"$tmp/tampered.$e"
	cmp -s "$tmp/signed.$e" "$tmp/tampered.$e" && bail_out "the armor was not changed"
	run "$verify" --config "$tmp/none.conf" --resolver-conf "$UNBOUND_CONF" \
	    --authserv-id mx.test --timeout "$(t_timeout 10s)" <"$tmp/tampered.$e"
	like "$(printf '%s\n' "$out" | sed -n '1,/^[^ 	]/p' | tr -d '\r\n')" \
	    'dkim=fail' "$e: a changed armor line fails DKIM"
done

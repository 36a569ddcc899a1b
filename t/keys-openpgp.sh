#!/bin/sh
# keys-openpgp - dkimpipe-keys openpgp import, list, remove; the OPENPGPKEY
# records dns prints (RFC 7929) served by NSD; check against a DNSSEC test
# zone: secure, insecure, bogus, missing, different, several, huge.
. "$(dirname "$0")/lib.sh"

keys=$(t_prog dkimpipe-keys)
t_need gpg gnupg
t_need sq
t_need_dns
mktmpdir tmp
ks=$tmp/ks
g=$tmp/g
mkdir -m 700 "$g"
at_exit "gpgconf --homedir '$g' --kill gpg-agent >/dev/null 2>&1"
G()
{
	gpg --batch --quiet --homedir "$g" --pinentry-mode loopback \
	    --passphrase '' "$@"
}

# gen UID [GPG-OPTION...]: a primary Ed25519 key and, unless NOENC is
# set, a Cv25519 encryption subkey; EXPIRE (default never) for both.
gen()
{
	_uid=$1
	shift
	G "$@" --quick-gen-key "$_uid" ed25519 sign "${EXPIRE:-never}" ||
	    bail_out "gpg could not make a key for $_uid"
	_fpr=$(G --with-colons --list-keys "=$_uid" |
	    awk -F: '/^fpr/ { print $10; exit }')
	if [ -z "${NOENC:-}" ]; then
		G "$@" --quick-add-key "$_fpr" cv25519 encr "${EXPIRE:-never}" ||
		    bail_out "gpg could not add a subkey for $_uid"
	fi
	fpr=$_fpr
}

# export FPR FILE [--armor]: the public key
export_key()
{
	G ${3:+"$3"} --export "$1" >"$2" && [ -s "$2" ] || bail_out "gpg --export $1"
}

plan 75

gen 'Alice Example <alice@good.test>'
alice=$fpr
export_key "$alice" "$tmp/alice.pgp"
export_key "$alice" "$tmp/alice.asc" --armor
EXPIRE=2020-02-01 gen 'Gone <gone@good.test>' --faked-system-time 20200101T000000! 2>/dev/null
export_key "$fpr" "$tmp/expired.pgp"
gen 'Carol <carol@good.test>'
carol=$fpr
sed 's/^:-----BEGIN/-----BEGIN/' "$g/openpgp-revocs.d/$carol.rev" >"$tmp/carol.rev"
G --import "$tmp/carol.rev" 2>/dev/null || bail_out "gpg could not revoke carol's key"
export_key "$carol" "$tmp/revoked.pgp"
NOENC=1 gen 'Dave <dave@good.test>'
export_key "$fpr" "$tmp/noenc.pgp"
gen 'Eve <eve@good.test>'
export_key "$fpr" "$tmp/eve.pgp"
G --export-secret-keys "$alice" >"$tmp/alice-secret.pgp"
for a in insecure@unsigned.test bogus@wrongds.test missing@good.test \
    differ@good.test several@good.test exp@good.test huge@good.test; do
	gen "<$a>"
	export_key "$fpr" "$tmp/$a.pgp"
done
sq key generate --userid '<bob@good.test>' --export "$tmp/bob.key" 2>/dev/null ||
    bail_out "sq key generate failed"
sq key extract-cert --output "$tmp/bob.asc" "$tmp/bob.key" &&
    sq dearmor --output "$tmp/bob.pgp" "$tmp/bob.asc" ||
    bail_out "sq key extract-cert failed"
printf 'not a key at all\n' >"$tmp/garbage"

# --- import: what is refused writes nothing ------------------------------
refused()	# FILE ADDRESS STATUS TEXT NAME
{
	run "$keys" --keystore "$ks" openpgp import --address "$2" "$1"
	is "$status" "$3" "$5: exit $3"
	like "$err" "$4" "$5: the message says so"
}
refused "$tmp/expired.pgp" gone@good.test 65 "key [0-9A-F]{40} expired" \
    "an expired key is refused"
refused "$tmp/revoked.pgp" carol@good.test 65 "revoked" \
    "a revoked key is refused"
refused "$tmp/noenc.pgp" dave@good.test 65 "no valid encryption key" \
    "a key that cannot encrypt is refused"
refused "$tmp/eve.pgp" frank@good.test 65 "no valid user ID <frank@good.test>" \
    "a key for another address is refused"
refused "$tmp/alice.pgp" Alice@good.test 65 "no valid user ID" \
    "the local part is compared exactly (RFC 7929: no case folding)"
refused "$tmp/alice-secret.pgp" alice@good.test 65 "secret key" \
    "a secret key given by mistake is refused"
refused "$tmp/bob.key" bob@good.test 65 "secret key" \
    "sq's secret key too"
refused "$tmp/garbage" alice@good.test 65 "not an OpenPGP key" \
    "text is not a key"
refused "$tmp/nonexistent" alice@good.test 66 "nonexistent" \
    "a missing file: EX_NOINPUT"
refused "$tmp/alice.pgp" 'a b@good.test' 64 "want local@domain" \
    "an address with a space is refused"
refused "$tmp/alice.pgp" '@good.test' 64 "want local@domain" \
    "a domain alone is not an address"
run "$keys" --keystore "$ks" openpgp import --address alice@good.test \
    --user 'al ice' "$tmp/alice.pgp"
is "$status" 64 "a user name with a space is refused"
check "nothing refused made the keystore" test ! -e "$ks"

# --- import, list, remove ---------------------------------------------------
run "$keys" --keystore "$ks" openpgp import --user alice \
    --address alice@GOOD.test "$tmp/alice.pgp"
is "$status" 0 "alice's binary key is imported"
h=$(printf '%s' alice | sha256sum | cut -c1-56)
like "$out" "^$h\._openpgpkey\.good\.test\.	3600	IN	OPENPGPKEY	[A-Za-z0-9+/=]+\$" \
    "import prints its OPENPGPKEY record, named by SHA2-256 of the local part"
f=$ks/openpgp.d/good.test/$h.pgp
check "the key file is named by the owner name's label, mode 0644" \
    sh -c "[ \"\$(stat -c %a '$f')\" = 644 ]"
check "the table is 0644 and names address, user and fingerprint" \
    sh -c "[ \"\$(stat -c %a '$ks/openpgp')\" = 644 ] && grep -q '^alice@good.test	alice	$alice\$' '$ks/openpgp'"
cp "$f" "$tmp/alice.stored"
run "$keys" --keystore "$ks" openpgp import --address alice@good.test "$tmp/alice.asc"
is "$status" 64 "a second key for an address is refused (remove it first)"
run "$keys" --keystore "$ks" openpgp remove --address alice@good.test
is "$status" 0 "remove: exit 0"
check "remove deletes the file" test ! -e "$f"
check "and the table line" sh -c "! grep -q '^alice@' '$ks/openpgp'"
run "$keys" --keystore "$ks" openpgp remove --address alice@good.test
is "$status" 64 "removing what is not there: EX_USAGE"
run "$keys" --keystore "$ks" openpgp import --user alice \
    --address alice@good.test "$tmp/alice.asc"
is "$status" 0 "alice's armored key is imported"
check "armored or binary, the same minimal key is stored" cmp "$f" "$tmp/alice.stored"
run "$keys" --keystore "$ks" openpgp import --address bob@good.test "$tmp/bob.pgp"
is "$status" 0 "sq's binary certificate is imported"
run "$keys" --keystore "$ks" openpgp remove --address bob@good.test
run "$keys" --keystore "$ks" openpgp import --address bob@good.test "$tmp/bob.asc"
is "$status" 0 "sq's armored certificate is imported"
for a in insecure@unsigned.test bogus@wrongds.test missing@good.test \
    differ@good.test several@good.test exp@good.test huge@good.test; do
	"$keys" --keystore "$ks" openpgp import --address "$a" "$tmp/$a.pgp" \
	    >/dev/null || bail_out "cannot import $a"
done
run "$keys" --keystore "$ks" openpgp list
is "$status" 0 "list: exit 0"
is "$(printf '%s\n' "$out" | grep -c ' ok$')" 8 "list shows the nine keys: eight ok"
like "$out" "^bob@good.test .* ok, expires 2[0-9]{3}-[0-9]{2}-[0-9]{2}\$" \
    "and sq's, which expires, with its date"
like "$out" "^alice@good.test +alice +$alice +ok\$" "alice's line: user, fingerprint"
run "$keys" --keystore "$ks" openpgp list --domain unsigned.test
is "$(printf '%s\n' "$out" | wc -l)" 2 "list --domain: the heading and one key"

# --- dns ------------------------------------------------------------------
run "$keys" --keystore "$ks" dns --domain good.test
is "$status" 0 "dns for a domain with OpenPGP keys only: exit 0"
is "$(printf '%s\n' "$out" | grep -c '	IN	OPENPGPKEY	')" 7 \
    "seven OPENPGPKEY records in good.test"
printf '%s\n' "$out" | grep "^$h\." | cut -f5 | base64 -d >"$tmp/alice.rdata"
check "the record's base64 is the stored key" cmp "$tmp/alice.rdata" "$f"
run "$keys" --keystore "$ks" dns --address alice@good.test --format single
is "$out" "$h._openpgpkey.good.test	OPENPGPKEY	$(base64 -w0 "$f")" \
    "single: name, type, base64, tab-separated"
run "$keys" --keystore "$ks" dns --address alice@good.test --format nsupdate
is "$out" "update delete $h._openpgpkey.good.test. OPENPGPKEY
update add $h._openpgpkey.good.test. 3600 OPENPGPKEY $(base64 -w0 "$f")
send" "nsupdate: delete, add, send"
run "$keys" --keystore "$ks" dns --address alice@good.test --format generic
is "$out" "$h._openpgpkey.good.test.	3600	IN	TYPE61	\\# $(wc -c <"$f") $(od -An -v -tx1 "$f" | tr -d ' \n')" \
    "generic: RFC 3597's TYPE61 \\# length hex"
run "$keys" --keystore "$ks" dns --domain good.test --selector s1
is "$status" 64 "a selector means DKIM only: no keys"
run "$keys" --keystore "$ks" dns --address nobody@good.test
is "$status" 64 "dns for an address without a key: EX_USAGE"

# --- check against the DNSSEC test zone -----------------------------------
name()
{
	printf '%s._openpgpkey.%s' "$(printf '%s' "${1%@*}" | sha256sum | cut -c1-56)" "${1#*@}"
}
"$keys" --keystore "$ks" dns >"$tmp/all" || bail_out "dns failed"
{
	# what dns prints, as a name server reads it; minus what is not
	# to be published, plus other keys where tests want them
	grep -v "^$(name missing@good.test)\.\|^$(name differ@good.test)\.\|^$(name exp@good.test)\.\|^$(name huge@good.test)\." "$tmp/all"
	printf '%s. 3600 IN OPENPGPKEY %s\n' "$(name differ@good.test)" \
	    "$(base64 -w0 "$tmp/eve.pgp")"
	printf '%s. 3600 IN OPENPGPKEY %s\n' "$(name several@good.test)" \
	    "$(base64 -w0 "$tmp/eve.pgp")"
	printf '%s. 3600 IN OPENPGPKEY %s\n' "$(name exp@good.test)" \
	    "$(base64 -w0 "$tmp/expired.pgp")"
	# over DP_MAX_OPENPGPKEY_BYTES (16384): answered over TCP, not read
	printf '%s. 3600 IN TYPE61 \\# 20000 %s\n' "$(name huge@good.test)" \
	    "$(head -c 20000 /dev/zero | od -An -v -tx1 | tr -d ' \n' | sed 's/^00/99/')"
} >"$tmp/records"
t_dns_start "$tmp/dns" "$tmp/records" --dnssec
pcheck()	# ADDRESS-OR-DOMAIN...: run check
{
	run "$keys" --keystore "$ks" --resolver-conf "$UNBOUND_CONF" \
	    --timeout "$(t_timeout 10)" check "$@"
}

# over UDP the answer is truncated: TCP
run drill -t -p "$PORT" @127.0.0.1 "$(name alice@good.test)" TYPE61
got=$(printf '%s\n' "$out" | awk '$4 == "OPENPGPKEY" { for (i = 5; i <= NF; i++) printf "%s", $i }')
is "$got" "$(base64 -w0 "$f")" "NSD serves the record dns printed, and drill reads the same key"

pcheck --domain good.test --address alice@good.test
is "$status" 0 "check alice@good.test: exit 0"
is "$out" "alice@good.test	OPENPGPKEY	ok (DNSSEC secure)" "published, DNSSEC secure"
pcheck --domain unsigned.test
is "$status" 0 "an insecure record that matches: exit 0, as for DKIM"
like "$out" "^insecure@unsigned.test	OPENPGPKEY	ok \\(DNSSEC insecure\\); without DNSSEC, senders cannot trust it" \
    "insecure, and said to be useless to senders"
pcheck --domain wrongds.test
is "$status" 75 "a bogus answer: EX_TEMPFAIL"
like "$out" "^bogus@wrongds.test	OPENPGPKEY	DNSSEC bogus: " "DNSSEC bogus, never compared"
pcheck --domain good.test --address missing@good.test
is "$status" 1 "a record not published: exit 1"
is "$out" "missing@good.test	OPENPGPKEY	not published (DNSSEC secure)" \
    "not published, and the denial is secure"
pcheck --domain good.test --address differ@good.test
is "$status" 1 "another key published: exit 1"
like "$out" "DIFFERENT from the keystore \\(DNSSEC secure\\); published: key [0-9A-F]{40} has no valid user ID <differ@good.test>" \
    "different, and the published key is for another address"
pcheck --domain good.test --address exp@good.test
is "$status" 1 "an expired key published: exit 1"
like "$out" "DIFFERENT from the keystore \\(DNSSEC secure\\); published: key [0-9A-F]{40} expired" \
    "different: the published key expired"
pcheck --domain good.test --address several@good.test
is "$status" 0 "ours among several records: exit 0"
like "$out" "ok \\(DNSSEC secure\\); 2 records" "ok, and says there are two"
pcheck --domain good.test --address huge@good.test
is "$status" 1 "a record over 16384 bytes: exit 1"
like "$out" "DIFFERENT from the keystore \\(DNSSEC secure\\); 1 over 16384 bytes, not read" \
    "the huge record is not read, and check says why"
pcheck --domain good.test
is "$status" 1 "the whole domain: exit 1 (some are wrong)"
is "$(printf '%s\n' "$out" | grep -c '	OPENPGPKEY	')" 7 "one line per key of good.test"

# --- the keystore's own checks ---------------------------------------------
chmod g+w "$ks/openpgp"
run "$keys" --keystore "$ks" openpgp list
is "$status" 78 "a table writable by group: EX_CONFIG"
like "$err" "openpgp: writable by group or others" "and the message says which"
chmod g-w "$ks/openpgp"
cp "$ks/openpgp" "$tmp/table"
printf 'eve@good.test\teve\tnot-a-fingerprint\n' >>"$ks/openpgp"
run "$keys" --keystore "$ks" openpgp list
is "$status" 78 "a malformed table line: EX_CONFIG"
like "$err" "openpgp line 12: not a fingerprint" "and the message names the line"
cp "$tmp/table" "$ks/openpgp"
chmod o+w "$ks/openpgp.d/good.test"
run "$keys" --keystore "$ks" dns --domain good.test
is "$status" 78 "a key directory writable by others: EX_CONFIG"
chmod o-w "$ks/openpgp.d/good.test"
mv "$f" "$tmp/moved"
ln -s "$tmp/moved" "$f"
run "$keys" --keystore "$ks" dns --address alice@good.test
like "$err" "symbolic link" "a key file that is a symbolic link is not followed"
done_testing

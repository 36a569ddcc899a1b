#!/bin/sh
# encrypt-basic - dkimpipe-encrypt: recipients' keys from OPENPGPKEY records
# in the DNSSEC test zone (secure, insecure, bogus, missing, another
# address's key, expired, several, huge); what it writes decrypts with
# GnuPG and with Sequoia to the inner entity, byte for byte; what has no
# key, is protected already, a bounce or list mail passes unchanged; at
# rest with --key and with the keystore.
. "$(dirname "$0")/lib.sh"

enc=$(t_prog dkimpipe-encrypt)
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
	    --passphrase '' --no-auto-key-locate --trust-model always "$@"
}

# gen UID [GPG-OPTION...]: Ed25519 primary, Cv25519 encryption subkey;
# EXPIRE (default never). Sets fpr.
gen()
{
	_uid=$1
	shift
	G "$@" --quick-gen-key "$_uid" ed25519 sign "${EXPIRE:-never}" &&
	_fpr=$(G --with-colons --list-keys "=$_uid" |
	    awk -F: '/^fpr/ { print $10; exit }') &&
	G "$@" --quick-add-key "$_fpr" cv25519 encr "${EXPIRE:-never}" ||
	    bail_out "gpg could not make a key for $_uid"
	fpr=$_fpr
}
export_key()	# FPR FILE [--armor]
{
	G ${3:+"$3"} --export "$1" >"$2" && [ -s "$2" ] || bail_out "gpg --export $1"
}

plan 91
: >"$tmp/empty.conf"

gen 'Alice Example <alice@good.test>'
export_key "$fpr" "$tmp/alice.pgp"
export_key "$fpr" "$tmp/alice.asc" --armor
gen 'Eve <eve@good.test>'
export_key "$fpr" "$tmp/eve.pgp"
EXPIRE=2020-02-01 gen '<exp@good.test>' --faked-system-time 20200101T000000! 2>/dev/null
export_key "$fpr" "$tmp/exp.pgp"
for a in insecure@unsigned.test bogus@wrongds.test several@good.test \
    huge@good.test x@down.test; do
	gen "<$a>"
	export_key "$fpr" "$tmp/$a.pgp"
done
sq key generate --userid '<bob@good.test>' --export "$tmp/bob.key" 2>/dev/null &&
    sq key extract-cert --output "$tmp/bob.asc" "$tmp/bob.key" &&
    sq dearmor --output "$tmp/bob.pgp" "$tmp/bob.asc" ||
    bail_out "sq could not make bob's key"

# --- the test zone: what dkimpipe-keys dns prints, and more ---------------
"$keys" --keystore "$ks" openpgp import --user alice --address alice@good.test \
    "$tmp/alice.pgp" >/dev/null &&
"$keys" --keystore "$ks" openpgp import --user bob --address bob@good.test \
    "$tmp/bob.pgp" >/dev/null || bail_out "cannot import alice's and bob's keys"
for a in insecure@unsigned.test bogus@wrongds.test several@good.test; do
	"$keys" --keystore "$ks" openpgp import --address "$a" "$tmp/$a.pgp" \
	    >/dev/null || bail_out "cannot import $a"
done
name()
{
	printf '%s._openpgpkey.%s' "$(printf '%s' "${1%@*}" | sha256sum | cut -c1-56)" "${1#*@}"
}
{
	"$keys" --keystore "$ks" dns || bail_out "dkimpipe-keys dns failed"
	# another address's key, an expired key, a second record, too big
	printf '%s. 3600 IN OPENPGPKEY %s\n' "$(name differ@good.test)" \
	    "$(base64 -w0 "$tmp/eve.pgp")"
	printf '%s. 3600 IN OPENPGPKEY %s\n' "$(name exp@good.test)" \
	    "$(base64 -w0 "$tmp/exp.pgp")"
	printf '%s. 3600 IN OPENPGPKEY %s\n' "$(name several@good.test)" \
	    "$(base64 -w0 "$tmp/eve.pgp")"
	printf '%s. 3600 IN TYPE61 \\# 20000 %s\n' "$(name huge@good.test)" \
	    "$(head -c 20000 /dev/zero | od -An -v -tx1 | tr -d ' \n' | sed 's/^00/99/')"
} >"$tmp/records"
t_dns_start "$tmp/dns" "$tmp/records" --dnssec

E()	# [OPTION...] [-- RECIPIENT...] <MESSAGE: run dkimpipe-encrypt
{
	run "$enc" --config "$tmp/empty.conf" --resolver-conf "$UNBOUND_CONF" \
	    --timeout "$(t_timeout 10s)" "$@"
}
crlf()	# FILE: its lines ended with CRLF
{
	sed 's/$/\r/' "$1"
}
armor()	# FILE: the armored message in it
{
	sed -n '/^-----BEGIN PGP MESSAGE-----\r\{0,1\}$/,/^-----END PGP MESSAGE-----\r\{0,1\}$/p' "$1"
}
gpg_dec()	# FILE OUT: decrypt FILE's armor with gpg
{
	armor "$1" | G --decrypt >"$2" 2>"$tmp/gpg.err"
}
sq_dec()	# FILE OUT: decrypt FILE's armor with sq, bob's key
{
	armor "$1" | sq decrypt --recipient-key "$tmp/bob.key" \
	    --output "$2" 2>"$tmp/sq.err"
}

cat >"$tmp/m1" <<'EOF'
Received: from client.example.test by mx.example.test; Mon, 7 Dec 2026 10:00:00 +0000
From: Carol <carol@example.test>
To: alice@good.test, bob@good.test
Subject: the plan
Date: Mon, 7 Dec 2026 10:00:00 +0000
Message-ID: <m1@example.test>
MIME-Version: 1.0
Content-Type: text/plain;
 charset=utf-8
Content-Transfer-Encoding: 8bit

The plan is in the attic.
  -- Carol
EOF
cat >"$tmp/m1.inner" <<'EOF'
From: Carol <carol@example.test>
To: alice@good.test, bob@good.test
Subject: the plan
Date: Mon, 7 Dec 2026 10:00:00 +0000
Message-ID: <m1@example.test>
Content-Type: text/plain;
 charset=utf-8;
 hp="cipher"
Content-Transfer-Encoding: 8bit
HP-Outer: From: Carol <carol@example.test>
HP-Outer: To: alice@good.test, bob@good.test
HP-Outer: Subject: ...
HP-Outer: Date: Mon, 7 Dec 2026 10:00:00 +0000
HP-Outer: Message-ID: <m1@example.test>

The plan is in the attic.
  -- Carol
EOF
crlf "$tmp/m1.inner" >"$tmp/m1.want"

# --- outgoing, keys from DNSSEC-secure records ----------------------------
E -- alice@good.test <"$tmp/m1"
is "$status" 0 "alice's key (gpg) from a secure record: exit 0"
cp "$out_file" "$tmp/o1"
check "the secret Subject and the body are not in the output" \
    sh -c "! grep -q 'the plan\|attic' '$tmp/o1'"
is "$(sed -n '/^$/q;p' "$tmp/o1" | grep -c '^Received: \|^From: Carol\|^To: alice@good.test, bob@good.test$\|^Date: \|^Message-ID: <m1@example.test>$')" 5 \
    "the outer header keeps Received, From, To, Date, Message-ID"
like "$(grep '^Subject:' "$tmp/o1")" '^Subject: \.\.\.$' 'the outer Subject is "..." (RFC 9788)'
is "$(grep -c '^Content-Transfer-Encoding:\|^Content-Type: text/plain' "$tmp/o1")" 0 \
    "the original Content-* fields are not outside"
like "$(sed -n '/^Content-Type: multipart/,/^$/p' "$tmp/o1" | tr -d '\n')" \
    '^Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="[^"]+"$' \
    "outside: multipart/encrypted, protocol application/pgp-encrypted (RFC 3156 4)"
b=$(sed -n 's/^ boundary="\(.*\)"$/\1/p' "$tmp/o1")
is "$(grep -c -- "^--$b\$" "$tmp/o1") $(grep -c -- "^--$b--\$" "$tmp/o1") $(tail -n 1 "$tmp/o1")" \
    "2 1 --$b--" "two parts, and the closing delimiter ends the message"
is "$(sed -n "/^--$b\$/,/^\$/p" "$tmp/o1" | grep '^Content-Type:' | tr '\n' '|')" \
    'Content-Type: application/pgp-encrypted|Content-Type: application/octet-stream; name="encrypted.asc"|' \
    "part 1 application/pgp-encrypted, part 2 application/octet-stream"
check "part 1 says Version: 1" grep -qx 'Version: 1' "$tmp/o1"
check "no CR in what is written for an LF message" sh -c "! grep -q \"\$(printf '\\r')\" '$tmp/o1'"
gpg_dec "$tmp/o1" "$tmp/d1"
is "$?" 0 "gpg decrypts it with alice's key"
check "gpg: the inner entity, byte for byte (header protected, body in CRLF)" \
    cmp "$tmp/d1" "$tmp/m1.want"
run sq_dec "$tmp/o1" "$tmp/d1sq"
isnt "$status" 0 "sq with bob's key cannot: only alice was a recipient"

E -- bob@good.test <"$tmp/m1"
is "$status" 0 "bob's key (made by sq) from a secure record: exit 0"
cp "$out_file" "$tmp/o2"
sq_dec "$tmp/o2" "$tmp/d2"
is "$?" 0 "sq decrypts it with bob's key"
check "sq: the inner entity, byte for byte" cmp "$tmp/d2" "$tmp/m1.want"

E -- alice@good.test bob@good.test <"$tmp/m1"
is "$status" 0 "alice and bob: exit 0"
cp "$out_file" "$tmp/o3"
gpg_dec "$tmp/o3" "$tmp/d3"
is "$?" 0 "gpg decrypts what went to both"
check "gpg: byte for byte" cmp "$tmp/d3" "$tmp/m1.want"
sq_dec "$tmp/o3" "$tmp/d3sq"
is "$?" 0 "sq decrypts it too"
check "sq: byte for byte" cmp "$tmp/d3sq" "$tmp/m1.want"

E -- several@good.test <"$tmp/m1"
is "$status" 0 "two records, one of them the address's key: exit 0"
cp "$out_file" "$tmp/o4"
gpg_dec "$tmp/o4" "$tmp/d4"
is "$?" 0 "and the key used is the one with the address (gpg decrypts)"

E --subject keep -- alice@good.test <"$tmp/m1"
is "$(grep '^Subject:' "$out_file")" "Subject: the plan" "--subject keep: the Subject stays outside"
gpg_dec "$out_file" "$tmp/d5"
check "and HP-Outer says so inside" grep -q '^HP-Outer: Subject: the plan' "$tmp/d5"

crlf "$tmp/m1" >"$tmp/m1crlf"
E -- alice@good.test <"$tmp/m1crlf"
is "$status" 0 "a CRLF message: exit 0"
cp "$out_file" "$tmp/o6"
is "$(grep -c "$(printf '\r')\$" "$tmp/o6")" "$(wc -l <"$tmp/o6" | tr -d ' ')" \
    "every line we write ends in CRLF, as the input's do"
gpg_dec "$tmp/o6" "$tmp/d6"
check "the same inner entity" cmp "$tmp/d6" "$tmp/m1.want"

printf 'From alice@x.test Mon Dec  7 10:00:00 2026\nFrom: a@x.test\nTo: alice@good.test\nSubject: s\n\nno type\n' >"$tmp/m7"
E -- alice@good.test <"$tmp/m7"
is "$(head -n 1 "$out_file")" "From alice@x.test Mon Dec  7 10:00:00 2026" \
    "an mbox From line stays on top"
gpg_dec "$out_file" "$tmp/d7"
printf 'From: a@x.test\r\nTo: alice@good.test\r\nSubject: s\r\nContent-Type: text/plain; charset=us-ascii;\r\n hp="cipher"\r\nHP-Outer: From: a@x.test\r\nHP-Outer: To: alice@good.test\r\nHP-Outer: Subject: ...\r\n\r\nno type\r\n' >"$tmp/m7.want"
check "no Content-Type: text/plain; charset=us-ascii inside (RFC 2045 5.2)" \
    cmp "$tmp/d7" "$tmp/m7.want"

# --- no key: unchanged, or refused with --require --------------------------
nokey()	# ADDRESS TEXT NAME
{
	E -- "$1" <"$tmp/m1"
	is "$status" 0 "$3: exit 0"
	check "$3: passed unchanged" cmp "$out_file" "$tmp/m1"
	E --require -- "$1" <"$tmp/m1"
	is "$status" 77 "$3, --require: EX_NOPERM"
	like "$err" "$1: .*$2" "$3, --require: the reason names the recipient"
}
nokey missing@good.test "no OPENPGPKEY record" "no record"
nokey insecure@unsigned.test "not DNSSEC-secure" "an insecure record"
nokey differ@good.test "no valid user ID <differ@good.test>" "another address's key"
nokey exp@good.test "key [0-9A-F]{40} expired" "an expired key"
nokey huge@good.test "OPENPGPKEY over 16384 bytes" "a record too big"
E --require -- alice@good.test missing@good.test <"$tmp/m1"
is "$status:$(wc -c <"$out_file")" "77:0" "one recipient of two without a key, --require: 77, nothing written"
like "$err" "missing@good.test" "and the reason names that one"
E -- alice@good.test missing@good.test <"$tmp/m1"
check "without --require, unchanged: never half the recipients" cmp "$out_file" "$tmp/m1"

# --- a lookup that fails defers, never plaintext --------------------------
E -- bogus@wrongds.test <"$tmp/m1"
is "$status:$(wc -c <"$out_file")" "75:0" "a DNSSEC bogus answer: 75, nothing written"
like "$err" "bogus@wrongds.test: OPENPGPKEY: DNSSEC bogus" "the reason names the recipient"
E --require -- alice@good.test bogus@wrongds.test <"$tmp/m1"
is "$status:$(wc -c <"$out_file")" "75:0" "bogus under --require: 75, nothing written"
E --require -- x@down.test <"$tmp/m1"
is "$status:$(wc -c <"$out_file")" "75:0" "no name server answers: 75, nothing written"

# --- what is not to be encrypted passes unchanged ----------------------------
unchanged()	# FILE NAME [OPTION...]
{
	_f=$1
	_n=$2
	shift 2
	E --require "$@" -- alice@good.test <"$_f"
	is "$status" 0 "$_n: exit 0, even with --require"
	check "$_n: passed unchanged" cmp "$out_file" "$_f"
}
unchanged "$tmp/o1" "already multipart/encrypted (our own output)"
printf 'From: a@x.test\nTo: alice@good.test\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data\n\nMIAGCSqGSIb3DQEHA6CAMIACAQAx\n' >"$tmp/smime"
unchanged "$tmp/smime" "S/MIME"
printf 'From: a@x.test\nTo: alice@good.test\nContent-Type: (old) Application/X-PKCS7-MIME\n\nMIAGCSqGSIb3DQEHA6CAMIACAQAx\n' >"$tmp/smime2"
unchanged "$tmp/smime2" "S/MIME, x-pkcs7-mime after a comment, any case"
{ printf 'From: a@x.test\nTo: alice@good.test\n\nhello\n'; armor "$tmp/o1"; } >"$tmp/inline"
unchanged "$tmp/inline" "an inline PGP message"
unchanged "$tmp/m1" "a bounce (--sender '')" --sender ''
E --sender '' --encrypt-bounces -- alice@good.test <"$tmp/m1"
like "$(tail -n 1 "$out_file")" '^--.*--$' "--encrypt-bounces: a bounce is encrypted"
{ printf 'List-Id: <l.example.test>\n'; cat "$tmp/m1"; } >"$tmp/list"
unchanged "$tmp/list" "list mail (List-Id)"
E --encrypt-lists -- alice@good.test <"$tmp/list"
like "$(tail -n 1 "$out_file")" '^--.*--$' "--encrypt-lists: list mail is encrypted"
printf 'From: a@x.test\nno colon here\n\nbody\n' >"$tmp/bad"
E -- alice@good.test <"$tmp/bad"
is "$status" 0 "input that is not a message: passed (exit 0)"
check "unchanged" cmp "$out_file" "$tmp/bad"
E --bad-input refuse -- alice@good.test <"$tmp/bad"
is "$status:$(wc -c <"$out_file")" "65:0" "--bad-input refuse: 65, nothing written"

# --- usage ------------------------------------------------------------------
E <"$tmp/m1"
is "$status" 64 "no recipients: EX_USAGE"
E -- 'not an address' <"$tmp/m1"
is "$status" 64 "a recipient that is not an address: EX_USAGE"
like "$err" "recipient not an address: want local@domain" "and the message says which"
E --user alice -- alice@good.test <"$tmp/m1"
is "$status" 64 "recipients and --user together: EX_USAGE"

# --- at rest ----------------------------------------------------------------------
{ printf 'Authentication-Results: mx.good.test; dkim=pass header.d=example.test\n'; cat "$tmp/m1"; } >"$tmp/ar"
run "$enc" --config "$tmp/empty.conf" --key "$tmp/alice.asc" --address alice@good.test <"$tmp/ar"
is "$status" 0 "at rest, --key (armored): exit 0"
cp "$out_file" "$tmp/o8"
is "$(head -n 1 "$tmp/o8")" "Authentication-Results: mx.good.test; dkim=pass header.d=example.test" \
    "Authentication-Results stay outside, for the reader's filters"
gpg_dec "$tmp/o8" "$tmp/d8"
check "gpg decrypts it to the same inner entity" cmp "$tmp/d8" "$tmp/m1.want"
run "$enc" --config "$tmp/empty.conf" --keystore "$ks" --address alice@good.test <"$tmp/m1"
is "$status" 0 "at rest, the keystore's key of --address: exit 0"
gpg_dec "$out_file" "$tmp/d9"
check "gpg decrypts it" cmp "$tmp/d9" "$tmp/m1.want"
run "$enc" --config "$tmp/empty.conf" --keystore "$ks" --user bob <"$tmp/m1"
is "$status" 0 "at rest, the keystore's keys of --user: exit 0"
cp "$out_file" "$tmp/o10"
sq_dec "$tmp/o10" "$tmp/d10"
check "sq decrypts it" cmp "$tmp/d10" "$tmp/m1.want"
run "$enc" --config "$tmp/empty.conf" --keystore "$ks" --user nobody <"$tmp/m1"
check "a user without keys: unchanged" cmp "$out_file" "$tmp/m1"
run "$enc" --config "$tmp/empty.conf" --keystore "$ks" --user nobody --require <"$tmp/m1"
is "$status" 77 "and with --require: 77"
run "$enc" --config "$tmp/empty.conf" --key "$tmp/alice.asc" --address eve@good.test --require <"$tmp/m1"
is "$status" 77 "--key without the address's user ID, --require: 77"
run "$enc" --config "$tmp/empty.conf" --key "$tmp/nonexistent" --address alice@good.test <"$tmp/m1"
is "$status:$(wc -c <"$out_file")" "75:0" "a missing key file: 75, nothing written"
run "$enc" --config "$tmp/empty.conf" --key "$tmp" --address alice@good.test <"$tmp/m1"
is "$status:$(wc -c <"$out_file")" "75:0" "a key 'file' that is a directory: 75"
run "$enc" --config "$tmp/empty.conf" --key "$tmp/alice.asc" <"$tmp/m1"
is "$status" 64 "--key without --address: EX_USAGE"

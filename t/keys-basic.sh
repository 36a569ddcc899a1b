#!/bin/sh
# keys-basic - dkimpipe-keys: new, dns, list, retire, activate, revoke,
# rotate (atomic), import.
. "$(dirname "$0")/lib.sh"

sign=$top_builddir/dkimpipe-sign
keys=$top_builddir/dkimpipe-keys
mktmpdir tmp
ks=$tmp/ks
ym=$(date -u +%Y%m)
printf 'From: a@example.org\nSubject: x\n\nbody\n' >"$tmp/m.eml"

run "$keys" --keystore "$ks" new --domain Example.ORG
is "$status" 0 "new: exit 0"
is "$(printf '%s\n' "$out" | grep -c "^${ym}[re]\._domainkey\.example\.org\.	3600	IN	TXT	\"v=DKIM1; k=")" 2 \
    "new prints two zone lines, dated selectors ${ym}r and ${ym}e"
like "$out" "^${ym}r\._domainkey.*\"v=DKIM1; k=rsa; p=MII" "an RSA record"
like "$out" "^${ym}e\._domainkey.*\"v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=\"" \
    "an Ed25519 record: a 32-byte key"
maxlen=$(printf '%s\n' "$out" | grep -o '"[^"]*"' | awk '{ if (length($0) - 2 > m) m = length($0) - 2 } END { print m }')
check "every TXT string is at most 255 octets" test "$maxlen" -le 255
check "the RSA record is split into more than one string" \
    sh -c "printf '%s\n' '$out' | grep '${ym}r\._domainkey' | grep -q '\" \"'"
check "key files are 0600" sh -c "[ \"\$(stat -c %a '$ks'/keys/example.org/${ym}r.pem)\" = 600 ]"
check "key directories are 0700" sh -c "[ \"\$(stat -c %a '$ks'/keys/example.org)\" = 700 ] && [ \"\$(stat -c %a '$ks'/keys)\" = 700 ]"
check "keys are PKCS#8 PEM that openssl reads" \
    sh -c "head -1 '$ks'/keys/example.org/${ym}e.pem | grep -q 'BEGIN PRIVATE KEY' && openssl pkey -in '$ks'/keys/example.org/${ym}r.pem -noout"

run "$keys" --keystore "$ks" new --domain example.org --algorithm rsa --bits 512
is "$status" 64 "--bits 512 is refused (RFC 8301: at least 1024)"
run "$keys" --keystore "$ks" new --domain example.org --algorithm rsa --bits 9000
is "$status" 64 "--bits 9000 is refused (over 8192)"
run "$keys" --keystore "$ks" new --domain example.org --algorithm dsa
is "$status" 64 "an unknown algorithm is refused"
run "$keys" --keystore "$ks" new --domain '../etc'
is "$status" 64 "a domain that is not a name is refused"
run "$keys" --keystore "$ks" new --domain example.org --algorithm ed25519
like "$out" "^${ym}e2\._domainkey" "a second key in a month gets the next name"

run "$keys" --keystore "$ks" dns --domain example.org --format single
like "$out" "^${ym}r\._domainkey\.example\.org	TXT	v=DKIM1; k=rsa; p=MII[^\" ]*\$" \
    "--format single: one unquoted value"
run "$keys" --keystore "$ks" dns --domain example.org --format nsupdate --ttl 600
like "$out" "^update add ${ym}r\._domainkey\.example\.org\. 600 TXT \"v=DKIM1" "--format nsupdate"
like "$out" '^send$' "ends with send"
run "$keys" --keystore "$ks" dns --domain nokeys.example
is "$status" 64 "dns for a domain without keys: EX_USAGE"

run "$keys" --keystore "$ks" list
like "$out" "^example\.org +${ym}r +rsa +2048 +active" "list shows size and state"

run "$keys" --keystore "$ks" retire --domain example.org --selector "${ym}e2"
is "$status" 0 "retire"
run "$sign" --keystore "$ks" <"$tmp/m.eml"
unlike "$out" "s=${ym}e2;" "a retired key does not sign"
run "$keys" --keystore "$ks" dns --domain example.org --selector "${ym}e2"
like "$out" 'p=[A-Za-z0-9+/]' "but its record is still published"
run "$keys" --keystore "$ks" revoke --domain example.org --selector "${ym}e2"
is "$status" 0 "revoke"
like "$out" "^${ym}e2\._domainkey.*\"v=DKIM1; k=ed25519; p=\"\$" "revoke prints the empty p= record"
check "and removes the private key" test ! -e "$ks/keys/example.org/${ym}e2.pem"
run "$keys" --keystore "$ks" activate --domain example.org --selector "${ym}e2"
is "$status" 64 "a revoked key cannot come back"

# rotate: new keys active, old ones retired, in one rename.
ino=$(stat -c %i "$ks/selectors")
run "$keys" --keystore "$ks" rotate --domain example.org
is "$status" 0 "rotate"
isnt "$(stat -c %i "$ks/selectors")" "$ino" "the table was replaced, not rewritten in place"
is "$(grep -c "active" "$ks/selectors")" 2 "two active keys after rotation"
is "$(grep -c "retired" "$ks/selectors")" 2 "the two old ones retired"
check "no temporary files are left" sh -c "! ls '$ks' | grep -q tmp"

run "$keys" --keystore "$ks" rotate --domain example.org --user nobody
is "$status" 64 "rotate --user for a user without keys: EX_USAGE, the domain keys stay"
is "$(grep -c "active" "$ks/selectors")" 2 "still two active keys"

# A reader never sees a torn table while rotations run.
(
	i=0
	while [ $i -lt 15 ]; do
		"$keys" --keystore "$ks" rotate --domain example.org \
		    --algorithm ed25519 >/dev/null 2>&1 || echo fail >>"$tmp/rotfail"
		i=$((i + 1))
	done
	touch "$tmp/rotdone"
) &
torn=0; reads=0
while [ ! -e "$tmp/rotdone" ]; do
	n=$(grep -c '	active' "$ks/selectors")
	bad=$(grep -v '^#' "$ks/selectors" | awk 'NF != 4 && NF != 6' | wc -l)
	[ "$n" = 2 ] && [ "$bad" = 0 ] || torn=$((torn + 1))
	reads=$((reads + 1))
done
wait
is "$torn" 0 "$reads reads during 15 rotations: always a whole table with two active keys"
check "every rotation succeeded" test ! -e "$tmp/rotfail"

# import: an existing PEM (PKCS#1 as opendkim-genkey writes, or PKCS#8).
openssl genrsa -traditional -out "$tmp/pkcs1.pem" 2048 2>/dev/null
run "$keys" --keystore "$ks" import --domain example.net --selector old "$tmp/pkcs1.pem"
is "$status" 0 "import a PKCS#1 RSA key"
check "stored as PKCS#8" grep -q 'BEGIN PRIVATE KEY' "$ks/keys/example.net/old.pem"
pub=$(openssl rsa -in "$tmp/pkcs1.pem" -pubout -outform der 2>/dev/null | base64 -w0)
like "$out" "$(printf 'p=%.200s' "$pub" | sed 's/[+/]/./g')" "its p= is the key's public half"
printf 'not a key\n' >"$tmp/junk.pem"
run "$keys" --keystore "$ks" import --domain example.net --selector junk "$tmp/junk.pem"
is "$status" 65 "importing a file that is no key: EX_DATAERR"
if command -v opendkim-genkey >/dev/null 2>&1; then
	(cd "$tmp" && opendkim-genkey -d example.com -s odk >/dev/null 2>&1)
	run "$keys" --keystore "$ks" import --domain example.com --selector odk "$tmp/odk.private"
	is "$status" 0 "import opendkim-genkey's key"
	odkp=$(tr -d '\n\t "()' <"$tmp/odk.txt" | sed 's/.*p=\([^;]*\).*/\1/')
	run "$keys" --keystore "$ks" dns --domain example.com --format single
	like "$out" "p=$(printf '%s' "$odkp" | sed 's/[+/]/./g')\$" "its record matches opendkim-genkey's"
else
	skip "opendkim-genkey not installed" 2
fi

run "$keys" --keystore "$ks" frobnicate
is "$status" 64 "an unknown command: EX_USAGE"
run "$keys"
is "$status" 64 "no command: EX_USAGE"
done_testing

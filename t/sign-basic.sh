#!/bin/sh
# sign-basic - dkimpipe-sign adds one signature per active key and
# changes nothing else; options and the config file steer it.
. "$(dirname "$0")/lib.sh"

sign=$top_builddir/dkimpipe-sign
keys=$top_builddir/dkimpipe-keys
mktmpdir tmp
ks=$tmp/ks
"$keys" --keystore "$ks" new --domain example.org >/dev/null ||
    bail_out "cannot make a keystore"

printf 'From: Alice <alice@example.org>\nTo: bob@example.net\nSubject: hi\n\nHello\n' >"$tmp/lf.eml"
printf 'From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: hi\r\n\r\nHello\r\n' >"$tmp/crlf.eml"

# The signed output minus its first N lines (the added fields).
strip_added()
{
	awk 'BEGIN { skip = 1 }
	    skip && /^DKIM-Signature:/ { next }
	    skip && /^[ \t]/ { next }
	    { skip = 0; print }' "$1"
}

run "$sign" --keystore "$ks" --timestamp 1795000000 <"$tmp/lf.eml"
is "$status" 0 "a message from a domain with keys is signed: exit 0"
is "$err" "" "nothing on stderr on success"
is "$(grep -c '^DKIM-Signature:' "$out_file")" 2 \
    "dual-signed: one signature per active key (RSA and Ed25519)"
like "$out" 'a=rsa-sha256;' "an rsa-sha256 signature"
like "$out" 'a=ed25519-sha256;' "an ed25519-sha256 signature"
like "$out" 'c=relaxed/relaxed;' "relaxed/relaxed by default"
like "$out" 't=1795000000;' "t= is the pinned time"
unlike "$out" ' l=' "never l="
unlike "$out" ' x=' "no x= unless asked"
check "LF input gets LF fields: no CR anywhere" \
    sh -c "! grep -q \"\$(printf '\r')\" '$out_file'"
strip_added "$out_file" >"$tmp/rest"
check "the input follows byte for byte (LF)" cmp "$tmp/rest" "$tmp/lf.eml"
h=$(tr -d '\n\t ' <"$out_file" | sed -n 's/.*;h=\([^;]*\);.*/\1/p' | head -1)
is "$h" "From:To:Subject:from:reply-to:sender:subject:to:cc:date:message-id:mime-version:content-type:content-transfer-encoding" \
    "h= lists present fields, then the oversigned names once more"

run "$sign" --keystore "$ks" <"$tmp/crlf.eml"
is "$status" 0 "CRLF input is signed"
is "$(grep -c "$(printf '\r')\$" "$out_file")" "$(wc -l <"$out_file" | tr -d ' ')" \
    "CRLF input gets CRLF fields: every line ends in CRLF"
tr -d '\r' <"$out_file" >"$tmp/crlf.out"
strip_added "$tmp/crlf.out" | awk '{ printf "%s\r\n", $0 }' >"$tmp/rest"
check "the input follows byte for byte (CRLF)" cmp "$tmp/rest" "$tmp/crlf.eml"

run "$sign" --keystore "$ks" --timestamp 1795000000 --expire 7d <"$tmp/lf.eml"
like "$out" 'x=1795604800;' "--expire 7d: x= is t= plus 604800"

sel=$(sed -n 's/^example.org[[:space:]]*\([^[:space:]]*\)[[:space:]]*ed25519.*/\1/p' "$ks/selectors")
run "$sign" --keystore "$ks" --selector "$sel" <"$tmp/lf.eml"
is "$(grep -c '^DKIM-Signature:' "$out_file")" 1 "--selector signs with that key only"
like "$out" "s=$sel;" "and names it"

run "$sign" --keystore "$ks" --canon simple/simple <"$tmp/lf.eml"
like "$out" 'c=simple/simple;' "--canon simple/simple"
run "$sign" --keystore "$ks" --canon relaxed <"$tmp/lf.eml"
like "$out" 'c=relaxed/simple;' "--canon relaxed means relaxed/simple, as c= does"
run "$sign" --keystore "$ks" --canon loose <"$tmp/lf.eml"
is "$status" 64 "--canon with an unknown name: EX_USAGE"
like "$err" '^dkimpipe-sign: fatal: --canon' "with a one-line reason"

run "$sign" --keystore "$ks" --headers to:subject --oversign "" <"$tmp/lf.eml"
is "$status" 64 "a --headers list without From is refused at once"
run "$sign" --keystore "$ks" --headers from:subject --oversign from <"$tmp/lf.eml"
h=$(tr -d '\n\t ' <"$out_file" | sed -n 's/.*;h=\([^;]*\);.*/\1/p' | head -1)
is "$h" "From:Subject:from" "--headers and --oversign replace the lists"

# The domain comes from From:, or from --domain.
printf 'From: carol@other.example\nSubject: x\n\nbody\n' >"$tmp/other.eml"
run "$sign" --keystore "$ks" <"$tmp/other.eml"
is "$status" 0 "a domain without keys: exit 0 by default"
check "and the message passes through unchanged" cmp "$out_file" "$tmp/other.eml"
run "$sign" --keystore "$ks" --no-key tempfail <"$tmp/other.eml"
is "$status" 75 "--no-key tempfail: EX_TEMPFAIL"
is "$(wc -c <"$out_file" | tr -d ' ')" 0 "and nothing on stdout"
run "$sign" --keystore "$ks" --no-key refuse <"$tmp/other.eml"
is "$status" 77 "--no-key refuse: EX_NOPERM"
like "$err" 'no active key for other.example' "naming the domain"
run "$sign" --keystore "$ks" --domain example.org <"$tmp/other.eml"
like "$out" 'd=example.org;' "--domain signs as that domain"

# Per-user keys: the user's own selector and i=.
"$keys" --keystore "$ks" new --domain example.org --user alice \
    --algorithm ed25519 >/dev/null
run "$sign" --keystore "$ks" --auth-user alice <"$tmp/lf.eml"
is "$(grep -c '^DKIM-Signature:' "$out_file")" 1 "alice's own key signs her mail"
like "$out" 'i=alice@example.org;' "with i=alice@example.org"
like "$out" 's=alice-[0-9]{6}e;' "under her own selector"
run "$sign" --keystore "$ks" --auth-user bob <"$tmp/lf.eml"
is "$(grep -c '^DKIM-Signature:' "$out_file")" 2 "bob has no key: the domain keys sign"
unlike "$out" 'i=' "without i="
run "$sign" --keystore "$ks" --auth-user "" <"$tmp/lf.eml"
is "$(grep -c '^DKIM-Signature:' "$out_file")" 2 "an empty --auth-user means none"

# The config file: lines under [dkimpipe-sign] are options.
cat >"$tmp/conf" <<CONF
# test configuration
[dkimpipe-keys]
bits 4096
[dkimpipe-sign]
keystore $ks
canon = simple/simple
CONF
run "$sign" --config "$tmp/conf" <"$tmp/lf.eml"
like "$out" 'c=simple/simple;' "the config file sets options"
DKIMPIPE_CONFIG=$tmp/conf run "$sign" --canon relaxed/relaxed <"$tmp/lf.eml"
like "$out" 'c=relaxed/relaxed;' "DKIMPIPE_CONFIG names it; the command line wins"
printf '[dkimpipe-sign]\nno-such-option 1\n' >"$tmp/bad.conf"
run "$sign" --config "$tmp/bad.conf" <"$tmp/lf.eml"
is "$status" 75 "an unknown option in the config file: EX_TEMPFAIL (a typo must not bounce mail)"
like "$err" "fatal: config .*bad.conf: --no-such-option" "naming the file and the option"
run "$sign" --config "$tmp/missing.conf" <"$tmp/lf.eml"
is "$status" 75 "a named config file that is missing: EX_TEMPFAIL"
DKIMPIPE_KEYSTORE=$ks run "$sign" <"$tmp/lf.eml"
is "$(grep -c '^DKIM-Signature:' "$out_file")" 2 "DKIMPIPE_KEYSTORE names the keystore"

run "$sign" --no-such-option
is "$status" 64 "an unknown option: EX_USAGE"
like "$err" '^dkimpipe-sign: fatal: --no-such-option' "named in one line"
run "$sign" --help
is "$status" 0 "--help"
like "$out" '--auth-user' "lists the options"
run "$sign" --version
like "$out" '^dkimpipe-sign [0-9]' "--version"
done_testing

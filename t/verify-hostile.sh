#!/bin/sh
# verify-hostile - input that tries to forge, extend or skip a result of
# dkimpipe-verify, and to make dkimpipe-seal vouch for it: lines that
# would continue our Authentication-Results field (a continuation line, a
# NUL, a bare CR, DEL or 8-bit byte first, after an mbox line too), two
# mbox From lines, forged fields that spell our authserv-id otherwise,
# refusals asked for on input that cannot be parsed, a closed stdout, and
# hostile SMTP values written into our field. Every field is read back
# with an RFC 8601 parser (python3-authres). DNS is the signed test zone
# of t/dnsserver.sh on 127.0.0.1.
. "$(dirname "$0")/lib.sh"

verify=$(t_prog dkimpipe-verify)
sign=$(t_prog dkimpipe-sign)
seal=$(t_prog dkimpipe-seal)
keys=$(t_prog dkimpipe-keys)
t_need_dns
py=$(t_find_python3 authres) || skip_all "python3-authres is needed"

mktmpdir tmp
ks=$tmp/ks
T=1700000000
{
	"$keys" -k "$ks" new -d good.test -s sel -a rsa &&
	"$keys" -k "$ks" new -d evil.test -s sel -a rsa &&
	"$keys" -k "$ks" new -d lists.test -s arc -a rsa
} >"$tmp/records" 2>"$tmp/keys.err" ||
    { diag_file "$tmp/keys.err"; bail_out "dkimpipe-keys new failed"; }
cat >>"$tmp/records" <<'EOF'
good.test.		3600 IN TXT "v=spf1 ip4:192.0.2.1 -all"
_dmarc.good.test.	3600 IN TXT "v=DMARC1; p=reject"
evil.test.		3600 IN TXT "v=spf1 ip4:192.0.2.66 -all"
EOF
t_dns_start "$tmp/dns" "$tmp/records" --dnssec
V="$verify --resolver-conf $UNBOUND_CONF --trust-anchor $ANCHOR --now $T \
    --authserv-id mx.test --timeout $(t_timeout 5s)"
VP="$V --spf --dmarc --client-ip 192.0.2.66 --helo mail.evil.test"

# ar FILE: the topmost Authentication-Results of FILE as RFC 8601 reads
# it: "id method=result ..." with each property as ptype.name=value, or
# "unparsable: why". Every header field is read, so a field we add that
# input extended shows up with the extension.
cat >"$tmp/ar.py" <<'PY'
import sys, authres
data = open(sys.argv[1], "rb").read().replace(b"\r\n", b"\n")
head = data.split(b"\n\n", 1)[0].split(b"\n")
if head and head[0].startswith(b"From "):
    head = head[1:]
field = None
for line in head:
    if line[:1] in (b" ", b"\t") and field is not None:
        field += b"\n" + line
    elif field is not None:
        break
    elif line.lower().startswith(b"authentication-results:"):
        field = line
if field is None:
    print("no field")
    sys.exit(0)
try:
    text = field.decode("ascii")
    h = authres.AuthenticationResultsHeader.parse(text.replace("\n", ""))
except Exception as e:
    print("unparsable: %s" % e)
    sys.exit(0)
out = [h.authserv_id]
for r in h.results:
    out.append("%s=%s" % (r.method, r.result))
    for p in r.properties:
        out.append("%s.%s=%s" % (p.type, p.name, p.value))
print(" ".join(out))
PY
ar() { "$py" "$tmp/ar.py" "$1"; }
# methods FILE: just "id method=result..."
methods() { ar "$1" | tr ' ' '\n' | grep -v '^[a-z]*\.[a-z-]*=' | tr '\n' ' ' |
    sed 's/ $//'; }

msg()	# msg FROM-DOMAIN: a plain message from ann@DOMAIN
{
	printf 'From: Ann <ann@%s>\nTo: bob@dest.test\nSubject: hi\n' "$1"
	printf 'Date: Tue, 14 Nov 2023 22:13:20 +0000\nMessage-ID: <1@%s>\n\nHello.\n' "$1"
}

# --- 1: no byte of input becomes part of a field we add -----------------
n=0
for first in ' ; dkim=pass header.d=good.test;' \
    '	; dkim=pass header.d=good.test;' \
    "$(printf '\001 ; dkim=pass header.d=good.test;')" \
    "$(printf '\r ; dkim=pass header.d=good.test;')" \
    "$(printf '\177 ; dkim=pass header.d=good.test;')" \
    "$(printf '\302\240; dkim=pass header.d=good.test;')"; do
	n=$((n + 1))
	{ printf '%s\n dmarc=pass header.from=good.test\n' "$first"
	  msg evil.test; } >"$tmp/join$n.eml"
	"$sign" -k "$ks" -d evil.test --timestamp $T <"$tmp/join$n.eml" \
	    >"$tmp/join$n.in" 2>/dev/null || cp "$tmp/join$n.eml" "$tmp/join$n.in"
	run $VP --mail-from ann@evil.test <"$tmp/join$n.in"
	is "$status" 0 "first line $n would continue our field: passed (exit 0)"
	is "$(methods "$out_file")" "mx.test dkim=permerror arc=fail dmarc=permerror" \
	    "first line $n: our field is ours alone: dkim=permerror, arc=fail, dmarc=permerror"
	# the input follows an empty line, unchanged
	lines=$(awk '/^[ \t]/ && NR > 1 { next } NR > 1 { print NR; exit }' "$out_file")
	tail -n +"$((lines + 1))" "$out_file" >"$tmp/rest"
	check "first line $n: the input below an empty line, byte for byte" \
	    cmp "$tmp/rest" "$tmp/join$n.in"
done
# a NUL first: the reader stops at it, the input still passes unchanged
{ printf '\000 ; dkim=pass header.d=good.test;\n'; msg evil.test; } >"$tmp/nul.eml"
run $VP --mail-from ann@evil.test <"$tmp/nul.eml"
is "$(methods "$out_file")" "mx.test dkim=permerror arc=fail dmarc=permerror" \
    "a NUL first: our field is ours alone"
# the same after an mbox From line
{ printf 'From ann@evil.test Tue Nov 14 22:13:20 2023\n'; cat "$tmp/join1.eml"; } \
    >"$tmp/mbox-join.eml"
run $VP --mail-from ann@evil.test <"$tmp/mbox-join.eml"
is "$(sed -n 1p "$out_file")" "From ann@evil.test Tue Nov 14 22:13:20 2023" \
    "mbox line, then a continuation: the mbox line stays first"
is "$(methods "$out_file")" "mx.test dkim=permerror arc=fail dmarc=permerror" \
    "and our field is ours alone"
# what a refusal was asked for: refused, whatever --bad-input says
run $VP --mail-from ann@evil.test --dmarc-reject --bad-input pass <"$tmp/join1.in"
is "$status" 77 "--dmarc-reject on a message that cannot be parsed: refused (77)"
is "$(cat "$out_file")" "" "nothing written"
like "$err" '^dkimpipe-verify: fatal: rejected: the message could not be parsed: the header starts with a continuation line$' \
    "the reason says it could not be parsed"
# dkimpipe-seal never signs what came after our field
run "$seal" -k "$ks" -d lists.test -A mx.test --timestamp $T <"$tmp/rest"
cat "$out_file" >"$tmp/sealed-forged"
"$verify" --no-arc -A mx.test <"$tmp/join1.in" >"$tmp/v1" 2>/dev/null
run "$seal" -k "$ks" -d lists.test -A mx.test --timestamp $T <"$tmp/v1"
aar=$(awk '/^ARC-Authentication-Results:/ { p = 1; print; next }
    p && /^[ \t]/ { print; next } { p = 0 }' "$out_file" | tr -d '\n')
unlike "$aar" 'pass' "dkimpipe-seal: the AAR carries no pass that we did not compute"
like "$aar" 'dkim=permerror' "it carries our dkim=permerror"

# a header without a final newline: our field still ends where it should
printf 'From: Ann <ann@good.test>' >"$tmp/nonl.eml"
run $V <"$tmp/nonl.eml"
is "$(sed -n '$p' "$out_file")" "From: Ann <ann@good.test>" \
    "a header with no final newline: the input is its own line after ours"
is "$(methods "$out_file")" "mx.test dkim=none arc=none" "and our field is ours alone"

# --- 10: two mbox From lines ---------------------------------------------
{ printf 'From a@b Mon Nov 23 10:00:00 2026\nFrom c@d Mon Nov 23 10:00:00 2026\n'
  msg good.test; } >"$tmp/mbox2.eml"
run $V <"$tmp/mbox2.eml"
is "$status" 0 "two mbox From lines: passed (exit 0)"
is "$(sed -n 1p "$out_file")" "From a@b Mon Nov 23 10:00:00 2026" \
    "the first mbox line is whole, nothing spliced into it"
like "$(sed -n 2p "$out_file")" '^Authentication-Results: mx\.test;$' \
    "our field starts on a line of its own"
like "$(ar "$out_file")" 'dkim=permerror' "a second From line is bad input"
run $V --bad-input refuse <"$tmp/mbox2.eml"
is "$status" 65 "and refused under --bad-input refuse"
like "$err" 'a second mbox From line' "saying why"
printf 'From a@b Mon Nov 23 10:00:00 2026' >"$tmp/mbox-nonl.eml"
run $V <"$tmp/mbox-nonl.eml"
is "$(sed -n 1p "$out_file")" "Authentication-Results: mx.test;" \
    "an mbox line without a newline: our field is not spliced onto it"

# --- bare CR hiding a second From ----------------------------------------
printf 'X-A: a\rFrom: ann@good.test\nFrom: x@evil.test\nSubject: s\n\nb\n' \
    >"$tmp/cr.eml"
run $VP --mail-from x@evil.test <"$tmp/cr.eml"
like "$(ar "$out_file")" 'dmarc=permerror' "a bare CR that starts a hidden From: dmarc=permerror"
unlike "$(ar "$out_file")" 'header.from=evil.test' "never header.from=evil.test"
run $VP --mail-from x@evil.test --dmarc-reject <"$tmp/cr.eml"
is "$status" 77 "and --dmarc-reject refuses it"
run "$sign" -k "$ks" -u ann <"$tmp/cr.eml"
is "$status" 77 "dkimpipe-sign refuses it for an authenticated user (77)"
is "$(wc -c <"$out_file")" 0 "and writes nothing"
run "$sign" -k "$ks" -u ann --bad-input refuse <"$tmp/cr.eml"
is "$status" 65 "65 under --bad-input refuse"
run "$sign" -k "$ks" <"$tmp/cr.eml"
check "without a user it passes unsigned, unchanged" cmp "$out_file" "$tmp/cr.eml"

# --- 3: forged fields spelling our authserv-id otherwise ----------------
n=0
for id in 'mx.test' 'MX.Test' '"mx.test"' '"mx\.test"' '"\m\x\.\t\e\s\t"' \
    '(forged) mx.test' 'mx.test.' '" mx.test "' "$(printf '\n\tmx.test')" \
    'mx.test(c)' '"mx.test' '=?us-ascii?q?mx.test?=' '=?utf-8?B?TVgudGVzdA==?='; do
	n=$((n + 1))
	{ printf 'Authentication-Results: %s; dkim=pass header.d=good.test\n' "$id"
	  msg good.test; } >"$tmp/forged$n.eml"
	run $V <"$tmp/forged$n.eml"
	is "$(grep -ci '^Authentication-Results:' "$out_file")" 1 \
	    "a forged field with authserv-id $(printf '%s' "$id" | tr '\n\t' '  '): removed"
done
{ printf 'Authentication-Results: mx.test.example; dkim=pass\n'
  printf 'Authentication-Results: "mx.test x"; dkim=pass\n'; msg good.test; } \
    >"$tmp/other.eml"
run $V <"$tmp/other.eml"
is "$(grep -ci '^Authentication-Results:' "$out_file")" 3 \
    "fields of other authserv-ids stay"

# --- 6: a refusal asked for is not skipped on input that cannot be parsed
long=$(awk 'BEGIN { while (n++ < 1000) printf "x"; }')
printf 'Subject: %s\n' "$long" >"$tmp/long.eml"; msg good.test >>"$tmp/long.eml"
awk 'BEGIN { while (n++ < 1001) printf "X-F%d: v\n", n }' >"$tmp/many.eml"
msg good.test >>"$tmp/many.eml"
{ printf 'X-\001Bad: v\n'; msg good.test; } >"$tmp/ctl.eml"
awk 'BEGIN { while (n++ < 3000) printf "X-Pad: %0100d\n", n }' >"$tmp/big.eml"
msg good.test >>"$tmp/big.eml"
for f in long many ctl big; do
	"$sign" -k "$ks" -d evil.test --timestamp $T <"$tmp/$f.eml" \
	    >"$tmp/$f.in" 2>/dev/null || cp "$tmp/$f.eml" "$tmp/$f.in"
	run $VP --mail-from ann@evil.test --dmarc-reject <"$tmp/$f.in"
	is "$status" 77 "$f: --dmarc-reject refuses a header it cannot parse"
	is "$(wc -c <"$out_file")" 0 "$f: and writes nothing"
	run $V --reject no-pass --reject-code 65 <"$tmp/$f.in"
	is "$status" 65 "$f: --reject no-pass --reject-code 65: 65"
	run $V --require-domain good.test --bad-input pass <"$tmp/$f.in"
	is "$status" 77 "$f: --require-domain refuses it, whatever --bad-input says"
done
run $V --reject none <"$tmp/ctl.in"
is "$status" 0 "--reject none asks no refusal: passed with permerror"

# a From that is no single mailbox: no policy can be judged; refused
for from in 'ann@good.test, x@evil.test' '' ; do
	{ [ -n "$from" ] && printf 'From: %s\n' "$from"
	  printf 'Subject: s\n\nb\n'; } >"$tmp/from.eml"
	run $VP --mail-from x@evil.test --dmarc-reject <"$tmp/from.eml"
	is "$status" 77 "From \"$from\": --dmarc-reject refuses what has no single author"
	like "$err" 'the author cannot be told' "saying why"
done

# --- 11: a closed stdout is a failure, never a silent loss ---------------
msg good.test >"$tmp/plain.eml"
"$verify" -A mx.test <"$tmp/plain.eml" >&- 2>"$tmp/e"
is "$?" 75 "dkimpipe-verify with stdout closed: 75"
"$sign" -k "$ks" <"$tmp/plain.eml" >&- 2>"$tmp/e"
is "$?" 75 "dkimpipe-sign with stdout closed: 75"
"$verify" -A mx.test <"$tmp/plain.eml" >"$tmp/v2" 2>/dev/null
"$seal" -k "$ks" -d lists.test -A mx.test <"$tmp/v2" >&- 2>"$tmp/e"
is "$?" 75 "dkimpipe-seal with stdout closed: 75"

# --- 2: hostile SMTP values are values, not our words ---------------------
mfs='b@x);dmarc=pass header.from=good.test (.fwd.good.test
<ann@good.test>
a=b,c@good.test
"a;b"@good.test
a\b@good.test
del@goo.test
(c)a@good.test'
while IFS= read -r mf; do
	[ "$mf" = del@goo.test ] && mf=$(printf 'd\177l\377@good.test')
	run $VP --mail-from "$mf" --helo '[192.0.2.1]' <"$tmp/plain.eml"
	like "$(ar "$out_file")" '^mx\.test dkim=none arc=none spf=[a-z]*( smtp\.mailfrom=[^ ]*)? smtp\.helo=\[192\.0\.2\.1\] dmarc=[a-z]* header\.from=good\.test$' \
	    "MAIL FROM $(printf '%s' "$mf" | tr -c '[:print:]' '?'): exactly dkim, arc, spf, dmarc"
done <<EOF
$mfs
EOF
run $VP --mail-from '<ann@good.test>' --helo '[192.0.2.1]' <"$tmp/plain.eml"
like "$(ar "$out_file")" 'smtp\.mailfrom=ann@good\.test ' \
    "a MAIL FROM in angle brackets is the address inside"
run $VP --mail-from 'a=b,c@good.test' <"$tmp/plain.eml"
like "$(ar "$out_file")" ' smtp\.mailfrom="a=b,c"@good\.test ' \
    "a local part that needs quotes is quoted, the domain stays an address"
run $VP --mail-from "$(printf 'd\177l\377@good.test')" <"$tmp/plain.eml"
like "$(ar "$out_file")" ' smtp\.mailfrom="d\?l\?"@good\.test ' \
    "DEL and 8-bit bytes become '?' inside quotes"
run $VP --mail-from 'b@x);dmarc=pass header.from=good.test (.fwd.good.test' <"$tmp/plain.eml"
unlike "$(ar "$out_file")" 'mailfrom' \
    "a MAIL FROM that is no address is not repeated"
is "$(grep -c 'dmarc=' "$out_file")" 1 "and yields no second dmarc= anywhere"

done_testing

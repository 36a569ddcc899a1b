#!/bin/sh
# report-spool - dkimpipe-verify --report-spool: one line per message whose
# DMARC verdict is pass or fail under a record with rua=, in the UTC
# day's file, with the policy, identifiers and results evaluated; a spool
# that cannot be written changes neither the verdict nor the message.
. "$(dirname "$0")/lib.sh"

verify=$(t_prog dkimpipe-verify)
sign=$(t_prog dkimpipe-sign)
keys=$(t_prog dkimpipe-keys)
t_need_dns

plan 19

mktmpdir tmp
ks=$tmp/ks
T=1700000000	# 2023-11-14 22:13:20 UTC
{
	"$keys" -k "$ks" new -d good.test -s sel -a rsa &&
	"$keys" -k "$ks" new -d q.good.test -s qs -a ed25519
} >"$tmp/records" 2>"$tmp/keys.err" ||
    { diag_file "$tmp/keys.err"; bail_out "dkimpipe-keys new failed"; }
cat >>"$tmp/records" <<'EOF'
good.test.		3600 IN TXT "v=spf1 ip4:192.0.2.1 -all"
_dmarc.good.test.	3600 IN TXT "v=DMARC1; p=reject; rua=mailto:d@good.test"
_dmarc.q.good.test.	3600 IN TXT "v=DMARC1; p=quarantine; adkim=s; rua=mailto:q@good.test , mailto:q2@good.test"
_dmarc.norua.test.	3600 IN TXT "v=DMARC1; p=reject"
EOF
t_dns_start "$tmp/dns" "$tmp/records" --dnssec
V="$verify --resolver-conf $UNBOUND_CONF --trust-anchor $ANCHOR --now $T --timeout $(t_timeout 5s) --authserv-id mx.dest.test --spf --dmarc"

mail()	# mail FROM-DOMAIN SUBJECT
{
	printf 'From: Ann <ann@%s>\nTo: bob@dest.test\nSubject: %s\n' "$1" "$2"
	printf 'Date: Tue, 14 Nov 2023 22:13:20 +0000\nMessage-ID: <%s@%s>\n\n' "$2" "$1"
	printf 'Hello.\n'
}
mail good.test signed | "$sign" -k "$ks" --timestamp $T >"$tmp/signed"
mail q.good.test qsigned | "$sign" -k "$ks" --timestamp $T >"$tmp/qsigned"
mail good.test forged >"$tmp/forged"
mail norua.test norua >"$tmp/norua"

sp=$tmp/spool
mkdir "$sp"
run $V --report-spool "$sp" --client-ip 192.0.2.1 --mail-from ann@good.test \
    <"$tmp/signed"
is "$status" 0 "a passing message with a spool: exit 0"
day=$sp/2023-11-14.spool
check "the line goes to the UTC day's file" test -f "$day"
is "$(wc -l <"$day" | tr -d ' ')" 1 "one line"
line=$(cat "$day")
is "$(printf '%s\n' "$line" | cut -f1-12)" \
    "v1	$T	good.test	reject	-	-	r	r	100	n	treewalk	mailto:d@good.test" \
    "version, time, policy domain and the policy published"
is "$(printf '%s\n' "$line" | cut -f13-)" \
    "192.0.2.1	good.test	good.test	good.test	mfrom	pass	pass	pass	pass	-	-	1	good.test	sel	pass" \
    "address, identifiers, SPF, DMARC, disposition pass, the signature"

run $V --report-spool "$sp" --client-ip 192.0.2.9 --mail-from x@good.test \
    <"$tmp/forged"
is "$status" 0 "a forged message (no --dmarc-reject): exit 0"
is "$(sed -n 2p "$day" | cut -f13-24)" \
    "192.0.2.9	good.test	good.test	good.test	mfrom	fail	fail	fail	reject	-	-	0" \
    "its line: SPF fail, nothing aligned, disposition reject, no signature"
run $V --report-spool "$sp" --client-ip 2001:DB8:0::1 --mail-from ann@good.test \
    <"$tmp/qsigned"
is "$(sed -n 3p "$day" | cut -f3,6,12,13,19,20,21,24-)" \
    "q.good.test	-	mailto:q@good.test,mailto:q2@good.test	2001:db8::1	pass	fail	pass	1	q.good.test	qs	pass" \
    "an IPv6 address in canonical form; strict adkim passes, SPF does not align; rua= without its spaces"
run $V --report-spool "$sp" --client-ip 192.0.2.1 --mail-from ann@norua.test \
    <"$tmp/norua"
is "$(wc -l <"$day" | tr -d ' ')" 3 "a domain without rua=: no line"
run $V --report-spool "$sp" --mail-from ann@good.test <"$tmp/signed"
is "$(wc -l <"$day" | tr -d ' ')" 3 "no client address: no line"
run $V --report-spool "$sp" --report-host mx2 --client-ip 192.0.2.1 \
    --mail-from ann@good.test <"$tmp/signed"
check "--report-host names the host's own file" \
    test -f "$sp/2023-11-14.mx2.spool"
run $V --report-host 'a/b' --report-spool "$sp" <"$tmp/signed"
is "$status" 64 "a --report-host with a slash: EX_USAGE"

# a spool that cannot be written: the same message and exit as without
run $V --client-ip 192.0.2.9 --mail-from x@good.test --dmarc-reject \
    <"$tmp/forged"
want_status=$status
run $V --client-ip 192.0.2.1 --mail-from ann@good.test <"$tmp/signed"
cp "$out_file" "$tmp/want.out"
run $V --log stderr --report-spool "$tmp/nonexistent/dir" \
    --client-ip 192.0.2.1 --mail-from ann@good.test <"$tmp/signed"
is "$status" 0 "an unwritable spool: still exit 0"
check "and the same message out" cmp "$out_file" "$tmp/want.out"
is "$err" "" "and nothing on stderr (the warning goes to syslog: Exim would \
put stderr into the message)"
run $V --log stderr --report-spool "$tmp/nonexistent/dir" \
    --client-ip 192.0.2.9 --mail-from x@good.test --dmarc-reject \
    <"$tmp/forged"
is "$status" "$want_status" "a rejection exits as without the spool"
if [ -w /dev/full ]; then
	ln -s /dev/full "$sp/2023-11-14.full.spool"
	run $V --log stderr --report-spool "$sp" --report-host full \
	    --client-ip 192.0.2.1 --mail-from ann@good.test <"$tmp/signed"
	check "a spool file that is a symlink (to /dev/full): the message \
unchanged" cmp "$out_file" "$tmp/want.out"
else
	skip 1 "no /dev/full"
fi

# a full disk: a tmpfs of 16 KB, filled (needs root; skipped otherwise)
full=$tmp/full
mkdir "$full"
if mount -t tmpfs -o size=16k tmpfs "$full" 2>/dev/null; then
	at_exit "umount '$full' 2>/dev/null"
	dd if=/dev/zero of="$full/fill" bs=1024 count=64 2>/dev/null || :
	run $V --report-spool "$full" --client-ip 192.0.2.1 \
	    --mail-from ann@good.test <"$tmp/signed"
	is "$status" 0 "a full disk under the spool: still exit 0"
	check "and the same message out" cmp "$out_file" "$tmp/want.out"
else
	skip 2 "cannot mount a tmpfs (not root)"
fi

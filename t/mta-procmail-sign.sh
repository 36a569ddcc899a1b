#!/bin/sh
# mta-procmail-sign - dkimpipe-sign as a procmail and as a maildrop
# filter before a forward, with the recipe files of packaging/examples/
# (procmailrc-sign, mailfilter-sign) as they are, but for the program's
# path (/usr/bin/dkimpipe-sign -> the one just built). The forward runs
# $SENDMAIL; here that is a script that keeps its arguments and what it
# reads (procmail takes SENDMAIL on its command line; maildrop resets it,
# so the test puts one SENDMAIL= line above its copy of the recipe). The
# keystore comes from DKIMPIPE_CONFIG, as a mail host's would from
# /etc/dkimpipe/dkimpipe.conf; the keys are served from a DNSSEC-signed
# zone on 127.0.0.1 (t/dnsserver.sh).
#
# Each recipe is checked for: the message is forwarded once, to the
# recipe's address, signed (RSA and Ed25519), and verifies in
# dkimpipe-verify (DNSSEC secure) and in dkimpy; the message below our
# signatures is the input byte for byte; and when signing fails (a
# keystore whose key others can read: exit 75) nothing is forwarded and
# procmail and maildrop exit 75, so the mail server keeps the message.
. "$(dirname "$0")/lib.sh"

sign=$(t_prog dkimpipe-sign)
keys=$(t_prog dkimpipe-keys)
verify=$(t_prog dkimpipe-verify)
procmailrc=$top_srcdir/packaging/examples/procmailrc-sign
mailfilter=$top_srcdir/packaging/examples/mailfilter-sign
t_need_dns
have_procmail=0
have_maildrop=0
t_which procmail >/dev/null && have_procmail=1
t_which maildrop >/dev/null && have_maildrop=1
[ $have_procmail = 1 ] || [ $have_maildrop = 1 ] ||
    skip_all "neither procmail nor maildrop is installed (apt-get install procmail maildrop)"
dkpy=$(t_find_python3 dkim dns.resolver) || dkpy=

mktmpdir tmp
# procmail and maildrop refuse a recipe file that others may write to,
# and maildrop one that others may even read.
umask 077
ks=$tmp/ks
"$keys" --keystore "$ks" new --domain good.test >"$tmp/records" ||
    bail_out "cannot make keys for good.test"
t_dns_start "$tmp/dns" "$tmp/records" --dnssec
printf '[dkimpipe-sign]\nkeystore %s\n' "$ks" >"$tmp/good.conf"
# the same keys, but one readable by others: dkimpipe-sign refuses it (75)
cp -Rp "$ks" "$tmp/ks-open"
chmod 0644 "$tmp/ks-open"/keys/good.test/*r.pem
printf '[dkimpipe-sign]\nkeystore %s\n' "$tmp/ks-open" >"$tmp/broken.conf"

printf 'From: Alice <alice@good.test>\nTo: list@example.org\nSubject: forward me\nDate: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <fwd.1@good.test>\n\nHello list,\n\nsee you.\n' \
    >"$tmp/msg.eml"

# The forwarding program: its arguments in OUT.args, the message in OUT;
# while $tmp/sendmail-fails exists it takes the message and exits 75, as a
# sendmail that cannot queue it does.
cat >"$tmp/sendmail" <<EOF
#!/bin/sh
if [ -e "$tmp/sendmail-fails" ]; then
	cat >/dev/null
	exit 75
fi
out=\$(mktemp "$tmp/fwd/msg.XXXXXX") || exit 75
echo "\$*" >"\$out.args"
cat >"\$out"
EOF
chmod 0755 "$tmp/sendmail"

# recipe SRC DEST: the example with only the program's path replaced.
recipe()
{
	sed -e "s|/usr/bin/dkimpipe-sign|$sign|" "$1" >"$2"
	chmod 600 "$2"
}

# fwd: the number of messages forwarded
fwd()
{
	find "$tmp/fwd" -type f ! -name '*.args' | wc -l | tr -d ' '
}

deliver_procmail()	# RCFILE CONF
{
	rm -rf "$tmp/fwd"
	mkdir "$tmp/fwd"
	cd "$tmp/fwd" || bail_out "cd $tmp/fwd"
	# DEFAULT: where procmail would deliver what no recipe took
	run procmail -m "DKIMPIPE_CONFIG=$2" "SENDMAIL=$tmp/sendmail" \
	    "DEFAULT=$tmp/fwd/default.mbox" "$1" <"$tmp/msg.eml"
	cd "$tmp" || bail_out "cd $tmp"
}
deliver_maildrop()	# FILTER CONF
{
	rm -rf "$tmp/fwd"
	mkdir "$tmp/fwd"
	cd "$tmp/fwd" || bail_out "cd $tmp/fwd"
	run env DKIMPIPE_CONFIG="$2" maildrop "$1" <"$tmp/msg.eml"
	cd "$tmp" || bail_out "cd $tmp"
}

for who in procmail maildrop; do
	if [ "$who" = procmail ] && [ $have_procmail = 0 ]; then
		skip "procmail not installed (apt-get install procmail)" 14
		continue
	fi
	if [ "$who" = maildrop ] && [ $have_maildrop = 0 ]; then
		skip "maildrop not installed (apt-get install maildrop)" 14
		continue
	fi
	if [ "$who" = procmail ]; then
		rc=$tmp/procmailrc
		recipe "$procmailrc" "$rc"
	else
		rc=$tmp/mailfilter
		{ echo "SENDMAIL=\"$tmp/sendmail\""; cat "$mailfilter"; } >"$rc.in"
		recipe "$rc.in" "$rc"
	fi
	check "$who: the recipe runs the program built here" \
	    test "$(grep -v '^#' "$rc" | grep -c -F "$sign")" = 1

	deliver_$who "$rc" "$tmp/good.conf"
	is "$status" 0 "$who: exit 0"
	is "$(fwd)" 1 "$who: one message forwarded"
	f=$(find "$tmp/fwd" -type f ! -name '*.args' | head -n 1)
	like "$(cat "$f.args" 2>/dev/null)" 'list@example\.org$' \
	    "$who: to the recipe's address"
	is "$(sed -n '/^$/q;p' "$f" | grep -c '^DKIM-Signature:')" 2 \
	    "$who: with two signatures"
	# below the two signatures, the input as it came
	awk 'h && /^[^ \t]/ { h = 0 } /^DKIM-Signature:/ { h = 1 } !h' "$f" \
	    >"$tmp/rest"
	# procmail's forward ends the message with an empty line, as mbox
	# does (DKIM's body canonicalization ignores empty lines at the end)
	cp "$tmp/msg.eml" "$tmp/want"
	[ "$who" = procmail ] && echo >>"$tmp/want"
	check "$who: the rest is the input, byte for byte" cmp "$tmp/rest" "$tmp/want"
	run "$verify" --resolver-conf "$UNBOUND_CONF" --authserv-id mx.test <"$f"
	like "$out" 'dkim=pass \(2048-bit key, DNSSEC secure\)' \
	    "$who: the RSA signature passes in dkimpipe-verify, DNSSEC secure"
	like "$out" 'dkim=pass \(256-bit key, DNSSEC secure\)' \
	    "$who: the Ed25519 signature passes in dkimpipe-verify, DNSSEC secure"
	if [ -n "$dkpy" ]; then
		run "$dkpy" "$t_dir/verify-dkimpy.py" --port "$PORT" "$f"
		is "$(echo "$out" | cut -f 4 | tr '\n' ' ')" "pass pass " \
		    "$who: dkimpy verifies both signatures"
	else
		skip "dkimpy not installed (apt-get install python3-dkim python3-dnspython)" 1
	fi

	deliver_$who "$rc" "$tmp/broken.conf"
	is "$status" 75 "$who: signing fails: exit 75 (EX_TEMPFAIL, the mail server retries)"
	is "$(fwd)" 0 "$who: and nothing is forwarded"

	# the forward fails: the MDA exits 75 and keeps nothing itself
	touch "$tmp/sendmail-fails"
	deliver_$who "$rc" "$tmp/good.conf"
	rm -f "$tmp/sendmail-fails"
	is "$status" 75 "$who: the forward fails: exit 75 (the mail server retries)"
	is "$(fwd)" 0 "$who: and nothing is forwarded"
	is "$(find "$tmp/fwd" -type f | wc -l | tr -d ' ')" 0 \
	    "$who: nor delivered anywhere else"
done

done_testing

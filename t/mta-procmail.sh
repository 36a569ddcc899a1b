#!/bin/sh
# mta-procmail - dkimpipe-verify as a procmail and as a maildrop filter,
# delivering into a maildir, with the recipe files of packaging/examples/
# (procmailrc, mailfilter) as they are, but for two paths: the program
# (/usr/bin/dkimpipe-verify -> the one just built) and the maildir
# ($HOME/Maildir -> a temporary one). The keys come from a DNSSEC-signed
# zone served on 127.0.0.1 (t/dnsserver.sh); dkimpipe-verify finds its
# resolver configuration through DKIMPIPE_CONFIG, as a mail host would
# through /etc/dkimpipe/dkimpipe.conf.
#
# Each recipe is checked for: a good message lands in the inbox with our
# Authentication-Results on top (dkim=pass, DNSSEC secure) and the rest
# byte for byte; a tampered one lands in the DKIM-fail folder; a field of
# another host's that says dkim=fail, or one pass beside one fail, does
# not; a MIME part's header that says dkim=pass does not save a tampered
# message; an mbox "From " line from procmail stays on top; and when
# dkimpipe-verify fails (exit 75) nothing is delivered and procmail and
# maildrop exit 75, so the mail server keeps the message.
. "$(dirname "$0")/lib.sh"

verify=$top_builddir/dkimpipe-verify
sign=$top_builddir/dkimpipe-sign
keys=$top_builddir/dkimpipe-keys
for p in "$verify" "$sign" "$keys"; do
	[ -x "$p" ] || skip_all "$p not built"
done
procmailrc=$top_srcdir/packaging/examples/procmailrc
mailfilter=$top_srcdir/packaging/examples/mailfilter
t_which nsd >/dev/null || bail_out "nsd is required (apt-get install nsd ldnsutils)"
have_procmail=0
have_maildrop=0
t_which procmail >/dev/null && have_procmail=1
t_which maildrop >/dev/null && t_which reformail >/dev/null && have_maildrop=1
[ $have_procmail = 1 ] || [ $have_maildrop = 1 ] ||
    skip_all "neither procmail nor maildrop is installed (apt-get install procmail maildrop)"

mktmpdir tmp
# procmail and maildrop refuse a recipe file that others may write to,
# and maildrop one that others may even read.
umask 077
ks=$tmp/ks
"$keys" --keystore "$ks" new --domain good.test >"$tmp/records" ||
    bail_out "cannot make keys for good.test"
"$keys" --keystore "$tmp/ks2" new --domain good.test --algorithm ed25519 \
    --selector list >>"$tmp/records" || bail_out "cannot make a second key"
# q.good.test asks for quarantine of mail that fails DMARC
printf '_dmarc.q.good.test. 3600 IN TXT "v=DMARC1; p=quarantine"\n' \
    >>"$tmp/records"
sh "$top_srcdir/t/dnsserver.sh" start "$tmp/dns" "$tmp/records" --dnssec \
    >/dev/null 2>"$tmp/dns.err" ||
    { diag_file "$tmp/dns.err"; bail_out "the test DNS server did not start"; }
at_exit "sh '$top_srcdir/t/dnsserver.sh' stop '$tmp/dns' >/dev/null 2>&1"
. "$tmp/dns/vars"

printf '[dkimpipe-verify]\nresolver-conf %s\n' "$UNBOUND_CONF" >"$tmp/good.conf"
# A resolver configuration that does not exist: dkimpipe-verify exits 75.
printf '[dkimpipe-verify]\nresolver-conf %s\n' "$tmp/missing/unbound.conf" \
    >"$tmp/broken.conf"

# ------------------------------------------------------------ messages --

msg()
{
	printf 'From: Alice <alice@good.test>\nTo: bob@example.net\nSubject: %s\nDate: Mon, 23 Nov 2026 10:00:00 +0000\nMessage-ID: <%s@good.test>\n\nHello Bob,\n\nsee you.\n' "$1" "$1"
}

msg good | "$sign" --keystore "$ks" >"$tmp/good.eml"
sed 's/^Hello Bob/Hello Eve/' "$tmp/good.eml" >"$tmp/tampered.eml"
# An mbox "From " line above the message, as a mail server's local
# delivery hands it to procmail.
{ echo "From alice@good.test  Mon Nov 23 10:00:01 2026"; cat "$tmp/good.eml"; } \
    >"$tmp/mbox.eml"
# Passes here, with another host's field below that says dkim=fail: the
# recipes must not read past the end of our own field.
awk 'NR == 1 { print "Authentication-Results: relay.example.net;"
	print "\tdkim=fail (forwarded, body changed)"
	print "\theader.d=good.test" } { print }' "$tmp/good.eml" >"$tmp/other.eml"
# Three signatures: two pass, one (over X-Tag, which is then changed) fails.
{ msg mixed | sed 's/^Subject: /X-Tag: one\nSubject: /' |
    "$sign" --keystore "$tmp/ks2" --headers From:X-Tag:Subject |
    "$sign" --keystore "$ks" | sed 's/^X-Tag: one/X-Tag: two/'; } >"$tmp/mixed.eml"
# Tampered, with a MIME part whose header claims dkim=pass from us.
printf 'From: Alice <alice@good.test>\nTo: bob@example.net\nSubject: mime\nDate: Mon, 23 Nov 2026 10:00:00 +0000\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b1"\n\n--b1\nContent-Type: text/plain\nAuthentication-Results: mx.example.org;\n\tdkim=pass header.d=good.test\n\nHello Bob\n--b1--\n' |
    "$sign" --keystore "$ks" | sed 's/^Hello Bob/Hello Eve/' >"$tmp/mime.eml"
# Unsigned from a domain whose DMARC policy is quarantine.
printf 'From: Mallory <boss@q.good.test>\nTo: bob@example.net\nSubject: pay\n\nPay now.\n' \
    >"$tmp/quarantine.eml"
# Our own authserv-id, forged: dkimpipe-verify removes it.
awk 'NR == 1 { print "Authentication-Results: mx.example.org; dkim=pass"
	print "\theader.d=good.test" } { print }' "$tmp/tampered.eml" >"$tmp/forged.eml"

# Check the messages themselves before blaming a recipe.
DKIMPIPE_CONFIG=$tmp/good.conf
export DKIMPIPE_CONFIG
results()	# FILE: the dkim= results of the first field, space-separated
{
	sed -n '1,/^[^ \t]/p' "$1" | sed '$d' | tr -d '\n' |
	    grep -o 'dkim=[a-z]*' | sed 's/dkim=//' | tr '\n' ' ' | sed 's/ $//'
}
for m in good:"pass pass" tampered:"fail fail" mixed:"pass pass fail" \
    mime:"fail fail" other:"pass pass"; do
	"$verify" --authserv-id mx.example.org <"$tmp/${m%%:*}.eml" >"$tmp/direct.out"
	is "$(results "$tmp/direct.out")" "${m#*:}" "${m%%:*}: dkimpipe-verify alone says ${m#*:}"
done
"$verify" --authserv-id mx.example.org <"$tmp/mbox.eml" >"$tmp/direct.out"
is "$(sed -n '1p;2s/;$//p' "$tmp/direct.out" | tr '\n' '|')" \
    "From alice@good.test  Mon Nov 23 10:00:01 2026|Authentication-Results: mx.example.org|" \
    "an mbox From line stays the first line, our field under it"
run env DKIMPIPE_CONFIG="$tmp/broken.conf" "$verify" --authserv-id mx.example.org <"$tmp/good.eml"
is "$status" 75 "a missing resolver configuration: dkimpipe-verify exits 75"
like "$err" "resolver $tmp/missing/unbound.conf" "and says which file"

# ------------------------------------------------------------- helpers --

# recipe SRC DEST MAILDIR: the example with only its paths replaced.
recipe()
{
	sed -e "s|/usr/bin/dkimpipe-verify|$verify|" \
	    -e "s|\\\$HOME/Maildir|$3|" "$1" >"$2"
	chmod 600 "$2"
}

# only DIR: the one file in DIR/new, or nothing when DIR/new holds none
# or several.
only()
{
	_n=$(find "$1/new" -type f 2>/dev/null | wc -l)
	[ "$_n" = 1 ] && find "$1/new" -type f
}

# count ROOT: the number of messages delivered anywhere under ROOT.
count()
{
	find "$1" -path '*/new/*' -type f | wc -l | tr -d ' '
}

# ours FILE: FILE without its first field when that is our
# Authentication-Results (what is left must be the input, byte for byte).
ours_stripped()
{
	awk 'NR == 1 && /^Authentication-Results: mx\.example\.org;/ { skip = 1; next }
	    skip && /^[ \t]/ { next } { skip = 0; print }' "$1"
}

# delivered NAME FOLDER INPUT: one message in FOLDER (inbox or DKIM-fail)
# and nothing else; our field on top; the rest is INPUT byte for byte.
delivered()
{
	_name=$1 _want=$2 _input=$3
	delivered_file=/dev/null
	case $_want in
	inbox)	_dir=$maildir ;;
	Junk)	_dir=$maildir/.Junk ;;
	*)	_dir=$maildir/.DKIM-fail ;;
	esac
	is "$status" 0 "$who $_name: exit 0"
	_f=$(only "$_dir")
	if ! ok $? "$who $_name: delivered to $_want"; then
		diag "delivered: $(find "$root" -path '*/new/*' -type f)"
		diag_file "$err_file"
		return 1
	fi
	is "$(count "$root")" 1 "$who $_name: and nowhere else"
	like "$(head -n 1 "$_f")" '^Authentication-Results: mx\.example\.org;$' \
	    "$who $_name: our Authentication-Results on top"
	ours_stripped "$_f" >"$tmp/rest"
	check "$who $_name: the rest is the input, byte for byte" cmp "$tmp/rest" "$_input"
	delivered_file=$_f
}

# fresh WHO: an empty maildir tree for the next delivery.
fresh()
{
	root=$tmp/$1
	maildir=$root/Maildir
	rm -rf "$root"
	mkdir -p "$root"
	if [ "$1" = maildrop ] && t_which maildirmake >/dev/null; then
		maildirmake "$maildir" && maildirmake -f DKIM-fail "$maildir" &&
		    maildirmake -f Junk "$maildir"
	else
		mkdir -p "$maildir/cur" "$maildir/new" "$maildir/tmp"
		mkdir -p "$maildir/.DKIM-fail/cur" "$maildir/.DKIM-fail/new" \
		    "$maildir/.DKIM-fail/tmp"
		mkdir -p "$maildir/.Junk/cur" "$maildir/.Junk/new" \
		    "$maildir/.Junk/tmp"
	fi
}

# deliver_procmail RCFILE CONF INPUT / deliver_maildrop FILTER CONF INPUT:
# one delivery, the MDA's exit status in $status. procmail clears the
# environment, so DKIMPIPE_CONFIG goes on its command line; maildrop (not
# in delivery mode) passes its own environment on. Both run in the tree's
# top directory, so a delivery that misses the maildir lands there and is
# seen.
deliver_procmail()
{
	cd "$root" || bail_out "cd $root"
	run procmail -m "DKIMPIPE_CONFIG=$2" "$1" <"$3"
	cd "$tmp" || bail_out "cd $tmp"
}
deliver_maildrop()
{
	cd "$root" || bail_out "cd $root"
	run env DKIMPIPE_CONFIG="$2" maildrop "$1" <"$3"
	cd "$tmp" || bail_out "cd $tmp"
}

# ------------------------------------------------------------- the MDAs --

for who in procmail maildrop; do
	if [ "$who" = procmail ] && [ $have_procmail = 0 ]; then
		skip "procmail not installed (apt-get install procmail)" 44
		continue
	fi
	if [ "$who" = maildrop ] && [ $have_maildrop = 0 ]; then
		skip "maildrop not installed (apt-get install maildrop)" 37
		continue
	fi
	fresh "$who"
	if [ "$who" = procmail ]; then
		rc=$tmp/procmailrc
		recipe "$procmailrc" "$rc" "$maildir"
	else
		rc=$tmp/mailfilter
		recipe "$mailfilter" "$rc" "$maildir"
	fi
	check "$who: the recipe runs the program built here" \
	    test "$(grep -v '^#' "$rc" | grep -c -F "$verify")" = 1

	fresh "$who"
	deliver_$who "$rc" "$tmp/good.conf" "$tmp/good.eml"
	delivered good inbox "$tmp/good.eml"
	f=$delivered_file
	like "$(cat "$f")" '^	dkim=pass \(2048-bit key, DNSSEC secure\)$' \
	    "$who good: dkim=pass for RSA, DNSSEC secure"
	like "$(cat "$f")" '^	dkim=pass \(256-bit key, DNSSEC secure\)$' \
	    "$who good: dkim=pass for Ed25519, DNSSEC secure"

	fresh "$who"
	deliver_$who "$rc" "$tmp/good.conf" "$tmp/tampered.eml"
	delivered tampered DKIM-fail "$tmp/tampered.eml"
	like "$(cat "$delivered_file")" '^	dkim=fail \(body hash did not verify' \
	    "$who tampered: dkim=fail, body hash"

	fresh "$who"
	deliver_$who "$rc" "$tmp/good.conf" "$tmp/other.eml"
	delivered "another host's dkim=fail below ours" inbox "$tmp/other.eml"

	fresh "$who"
	deliver_$who "$rc" "$tmp/good.conf" "$tmp/mixed.eml"
	delivered "two pass, one fails" inbox "$tmp/mixed.eml"

	fresh "$who"
	deliver_$who "$rc" "$tmp/good.conf" "$tmp/mime.eml"
	delivered "tampered, a MIME part claims dkim=pass" DKIM-fail "$tmp/mime.eml"

	fresh "$who"
	deliver_$who "$rc" "$tmp/good.conf" "$tmp/quarantine.eml"
	delivered "DMARC fails, the domain asks for quarantine" Junk \
	    "$tmp/quarantine.eml"

	# dkimpipe-verify fails: nothing is delivered, the MDA exits 75 and the
	# mail server keeps the message (the forged field of ours never lands).
	fresh "$who"
	deliver_$who "$rc" "$tmp/broken.conf" "$tmp/forged.eml"
	is "$status" 75 "$who: the filter fails: exit 75 (EX_TEMPFAIL, the mail server retries)"
	is "$(count "$root")" 0 "$who: and nothing is delivered"
	is "$(find "$root" -type f ! -name maildirfolder | wc -l | tr -d ' ')" 0 \
	    "$who: not even outside the maildir"

	if [ "$who" = procmail ]; then
		# An mbox "From " line: procmail hands it to the filter with the
		# message, dkimpipe-verify keeps it the first line, and procmail
		# leaves it out of a maildir. Had our field gone above it, the
		# line would be in the delivered file, under our field.
		fresh "$who"
		deliver_procmail "$rc" "$tmp/good.conf" "$tmp/mbox.eml"
		delivered "with an mbox From line" inbox "$tmp/good.eml"
		# Without the "e" recipe, procmail's "w" keeps the message as it
		# came and goes on: delivered unchecked, with the forged field.
		sed '/^:0 e$/,/^}$/d' "$rc" >"$tmp/procmailrc-w"
		chmod 600 "$tmp/procmailrc-w"
		fresh "$who"
		deliver_procmail "$tmp/procmailrc-w" "$tmp/broken.conf" "$tmp/forged.eml"
		f=$(only "$maildir")
		ok $? "procmail without the e recipe: the unfiltered message is delivered"
		check "procmail without the e recipe: as it came, forged field and all" \
		    cmp "$f" "$tmp/forged.eml"
	fi
done

done_testing

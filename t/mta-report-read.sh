#!/bin/sh
# mta-report-read - dkimpipe-report read as a procmail and as a maildrop
# recipe, with the files of packaging/examples/ (procmailrc-report,
# mailfilter-report) as they are but for the program's path
# (/usr/bin/dkimpipe-report -> the one just built) and, after them, the
# account's mailbox (the rest of a real procmailrc or mailfilter). The
# store comes from DKIMPIPE_CONFIG, as it would from
# /etc/dkimpipe/dkimpipe.conf.
#
# Each recipe is checked for: a report mail is stored and not put in the
# mailbox; the same mail again is not stored twice; a mail with the
# report subject but no valid report goes to the mailbox; a store that
# cannot be written makes procmail and maildrop exit 75 (the mail server
# keeps the mail) with nothing stored and nothing in the mailbox.
. "$(dirname "$0")/lib.sh"

report=$(t_prog dkimpipe-report)
procmailrc=$top_srcdir/packaging/examples/procmailrc-report
mailfilter=$top_srcdir/packaging/examples/mailfilter-report
data=$top_srcdir/t/data/dmarc-reports/received
have_procmail=0
have_maildrop=0
t_which procmail >/dev/null && have_procmail=1
t_which maildrop >/dev/null && have_maildrop=1
[ $have_procmail = 1 ] || [ $have_maildrop = 1 ] ||
    skip_all "neither procmail nor maildrop is installed (apt-get install procmail maildrop)"

mktmpdir tmp
# procmail and maildrop refuse a recipe file that others may write to,
# and maildrop one that others may even read.
umask 077
printf '[dkimpipe-report]\nstore %s\n' "$tmp/store" >"$tmp/good.conf"
# a store that is a file, not a directory: nobody can write it, root
# included
: >"$tmp/notadir"
printf '[dkimpipe-report]\nstore %s\n' "$tmp/notadir" >"$tmp/broken.conf"
good=$data/google.com-report-949348866075514174.eml
printf 'From: someone@example.net\nTo: dmarc@example.com\nSubject: Report Domain: example.com Submitter: x\n\nno attachment\n' \
    >"$tmp/noreport.eml"

# recipe SRC DEST: the example with only the program's path replaced
recipe()
{
	sed -e "s|/usr/bin/dkimpipe-report|$report|" "$1" >"$2"
	chmod 600 "$2"
}
stored()
{
	ls "$tmp/store" | wc -l | tr -d ' '
}
inbox()
{
	[ -f "$tmp/inbox" ] || { echo 0; return; }
	grep -c '^Subject: ' "$tmp/inbox" | tr -d ' '
}
deliver()	# WHO RC CONF MAIL
{
	if [ "$1" = procmail ]; then
		run procmail -m "DKIMPIPE_CONFIG=$3" "$2" <"$4"
	else
		run env DKIMPIPE_CONFIG="$3" maildrop "$2" <"$4"
	fi
}

for who in procmail maildrop; do
	if [ "$who" = procmail ] && [ $have_procmail = 0 ]; then
		skip "procmail not installed (apt-get install procmail)" 13
		continue
	fi
	if [ "$who" = maildrop ] && [ $have_maildrop = 0 ]; then
		skip "maildrop not installed (apt-get install maildrop)" 13
		continue
	fi
	rm -rf "$tmp/store" "$tmp/inbox"
	mkdir "$tmp/store"
	rc=$tmp/rc.$who
	if [ "$who" = procmail ]; then
		recipe "$procmailrc" "$rc"
		printf '\n:0:\n%s\n' "$tmp/inbox" >>"$rc"
	else
		recipe "$mailfilter" "$rc"
		printf '\nto "%s"\n' "$tmp/inbox" >>"$rc"
	fi
	check "$who: the recipe runs the program built here" \
	    test "$(grep -v '^#' "$rc" | grep -c -F "$report")" = 1

	deliver $who "$rc" "$tmp/good.conf" "$good"
	is "$status" 0 "$who: a report mail: exit 0"
	is "$(stored)" 1 "$who: the report is stored"
	check "$who: its values" grep -q '^reporter google.com noreply-dmarc-support@google.com 949348866075514174$' "$tmp/store"/*.report
	is "$(inbox)" 0 "$who: and not put in the mailbox"
	deliver $who "$rc" "$tmp/good.conf" "$good"
	is "$status" 0 "$who: the same report again: exit 0"
	is "$(stored)" 1 "$who: stored once"
	is "$(inbox)" 0 "$who: the mailbox still empty"
	deliver $who "$rc" "$tmp/good.conf" "$tmp/noreport.eml"
	is "$status" 0 "$who: a mail with no report: delivered"
	is "$(inbox)" 1 "$who: to the mailbox"
	is "$(stored)" 1 "$who: nothing more stored"
	rm -f "$tmp/inbox"
	deliver $who "$rc" "$tmp/broken.conf" "$good"
	is "$status" 75 "$who: the store cannot be written: exit 75 (the mail server retries)"
	is "$(inbox)" 0 "$who: nothing in the mailbox"
done

done_testing

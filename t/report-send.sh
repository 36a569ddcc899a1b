#!/bin/sh
# report-send - DMARC aggregate reports end to end: messages through
# dkimpipe-verify --report-spool, dkimpipe-report send (--dry-run, then a
# sendmail stand-in that records what it gets, one that fails, one that
# dies half way), and the reports back through dkimpipe-report read and
# summary: the counts are what was verified, each report is valid
# against RFC 9990's schema, gzip'd under RFC 9990's file name, and its
# DKIM signature verifies (dkimpipe-verify and dkimpy). Also: a spool
# line cut in half, two runs at once, an external destination with and
# without its authorization record, --exclude-domains, --max-reports.
. "$(dirname "$0")/lib.sh"

verify=$(t_prog dkimpipe-verify)
sign=$(t_prog dkimpipe-sign)
keys=$(t_prog dkimpipe-keys)
report=$(t_prog dkimpipe-report)
t_need_dns
t_need xmllint libxml2-utils
t_need gzip
py=/usr/bin/python3
"$py" -c 'import dkim, dns.resolver' 2>/dev/null ||
    skip_all "python3-dkim and python3-dnspython needed"
xsd=$top_srcdir/t/data/dmarc-reports/rfc9990/dmarc-xml-0.2.xsd

plan 59

mktmpdir tmp
ks=$tmp/ks
T=1700000000	# 2023-11-14 22:13:20 UTC
NEXT=1700100000	# the day after
{
	"$keys" -k "$ks" new -d good.test -s sel -a rsa &&
	"$keys" -k "$ks" new -d q.good.test -s qs -a ed25519 &&
	"$keys" -k "$ks" new -d dest.test -s rep -a rsa
} >"$tmp/records" 2>"$tmp/keys.err" ||
    { diag_file "$tmp/keys.err"; bail_out "dkimpipe-keys new failed"; }
cat >>"$tmp/records" <<'EOF'
good.test.		3600 IN TXT "v=spf1 ip4:192.0.2.1 -all"
_dmarc.good.test.	3600 IN TXT "v=DMARC1; p=reject; rua=mailto:d@good.test"
_dmarc.q.good.test.	3600 IN TXT "v=DMARC1; p=quarantine; rua=mailto:q@good.test"
_dmarc.ext.test.	3600 IN TXT "v=DMARC1; p=none; rua=mailto:r@auth.test,mailto:x@noauth.test!10m"
ext.test._report._dmarc.auth.test. 3600 IN TXT "v=DMARC1"
_dmarc.big.test.	3600 IN TXT "v=DMARC1; p=none; rua=mailto:b@big.test!1k"
EOF
t_dns_start "$tmp/dns" "$tmp/records" --dnssec
V="$verify --resolver-conf $UNBOUND_CONF --trust-anchor $ANCHOR --now $T --timeout $(t_timeout 5s) --authserv-id mx.dest.test --spf --dmarc"
S="$report send --org-name Dest --email dmarc@dest.test --domain dest.test --keystore $ks --now $NEXT --resolver-conf $UNBOUND_CONF --trust-anchor $ANCHOR --timeout $(t_timeout 5s) --log stderr"

mail()	# mail FROM-DOMAIN SUBJECT
{
	printf 'From: Ann <ann@%s>\nTo: bob@dest.test\nSubject: %s\n' "$1" "$2"
	printf 'Date: Tue, 14 Nov 2023 22:13:20 +0000\nMessage-ID: <%s@%s>\n\n' "$2" "$1"
	printf 'Hello.\n'
}
mail good.test signed | "$sign" -k "$ks" --timestamp $T >"$tmp/signed"
mail q.good.test qsigned | "$sign" -k "$ks" --timestamp $T >"$tmp/qsigned"
mail good.test forged >"$tmp/forged"
mail ext.test ext >"$tmp/ext"
mail big.test big >"$tmp/big"

# the day's mail, at two MX hosts: good.test 3 pass (192.0.2.1) and 2
# fail (192.0.2.9), q.good.test 1 pass, ext.test 2, big.test 1
sp=$tmp/spool
mkdir "$sp"
bad=0
v()	# v HOST IP MAIL-FROM FILE
{
	$V --report-spool "$sp" --report-host "$1" --client-ip "$2" \
	    --mail-from "$3" <"$4" >/dev/null 2>>"$tmp/verify.err" ||
	    bad=$((bad + 1))
}
v mx1 192.0.2.1 ann@good.test "$tmp/signed"
v mx1 192.0.2.1 ann@good.test "$tmp/signed"
v mx2 192.0.2.1 ann@good.test "$tmp/signed"
v mx1 192.0.2.9 x@good.test "$tmp/forged"
v mx2 192.0.2.9 x@good.test "$tmp/forged"
v mx1 192.0.2.1 ann@good.test "$tmp/qsigned"
v mx1 198.51.100.7 e@ext.test "$tmp/ext"
v mx2 198.51.100.7 e@ext.test "$tmp/ext"
v mx2 198.51.100.8 b@big.test "$tmp/big"
is "$bad" 0 "nine messages verified with --report-spool"
is "$(cat "$sp"/2023-11-14.*.spool | wc -l | tr -d ' ')" 9 "nine spool lines, in two hosts' files"
cp -R "$sp" "$tmp/spool.orig"

# --- --dry-run
dry=$tmp/dry
mkdir "$dry"
run $S --spool "$sp" --dry-run "$dry"
is "$status" 0 "send --dry-run: exit 0"
is "$(ls "$sp" | grep -c '\.spool$')" 2 "--dry-run leaves the spool alone"
is "$(ls "$dry" | grep -c '\.eml$')" 3 "three reports: good.test, q.good.test, ext.test"
like "$err" 'report for big\.test: b@big\.test takes at most 1k: skipped' \
    "a destination's !size below the report: skipped"
like "$err" 'report for ext\.test: noauth\.test does not authorize it \(no v=DMARC1 TXT at ext\.test\._report\._dmarc\.noauth\.test\): dropped' \
    "an external destination without its authorization record: dropped"
like "$err" 'report for ext\.test: auth\.test authorizes it .*DNSSEC secure' \
    "one with it: kept, its DNSSEC status said"
fn_re='^dest\.test!\(good\.test\|q\.good\.test\|ext\.test\)!1699920000!1700006399![0-9a-f]\{32\}\.xml\.gz$'
is "$(ls "$dry" | grep -v '\.eml$' | grep -c "$fn_re")" 3 \
    "file names receiver!policy-domain!begin!end!id.xml.gz"
nvalid=0 ngz=0
for f in "$dry"/*.xml.gz; do
	gzip -t "$f" 2>/dev/null && ngz=$((ngz + 1))
	gzip -dc "$f" >"$f.xml" 2>/dev/null
	xmllint --noout --schema "$xsd" "$f.xml" 2>>"$tmp/xmllint.err" &&
	    nvalid=$((nvalid + 1))
done
is "$ngz" 3 "every attachment is valid gzip"
is "$nvalid" 3 "every report is valid against RFC 9990's schema (xmllint --schema)"
[ "$nvalid" = 3 ] || diag_file "$tmp/xmllint.err"
g=$(ls "$dry"/dest.test\!good.test\!*.xml.gz)
gid=$(basename "$g" .xml.gz | sed 's/.*!//')
gxml=$g.xml
is "$(grep -c '<record>' "$gxml")" 2 "good.test: two rows (pass and fail)"
is "$(tr -d ' \n' <"$gxml" | grep -o '<source_ip>192.0.2.1</source_ip><count>3</count>' | wc -l | tr -d ' ')" 1 \
    "192.0.2.1: 3 messages, both hosts' files merged"
like "$(tr -d ' \n' <"$gxml")" '<source_ip>192.0.2.9</source_ip><count>2</count><policy_evaluated><disposition>reject</disposition><dkim>fail</dkim><spf>fail</spf>' \
    "192.0.2.9: 2 messages, disposition reject, dkim and spf fail"
like "$(tr -d ' \n' <"$gxml")" '<dkim><domain>good.test</domain><selector>sel</selector><result>pass</result></dkim><spf><domain>good.test</domain><scope>mfrom</scope><result>pass</result></spf>' \
    "auth_results with the selector and the SPF scope"
like "$(tr -d ' \n' <"$gxml")" "<report_id>$gid</report_id>" \
    "the report ID is the one in the file name"
e=$g.eml
like "$(cat "$e")" "Subject: Report Domain: good.test Submitter: dest.test Report-ID: <$gid>" \
    "the subject RFC 9990 asks for"
like "$(cat "$e")" 'Content-Type: application/gzip' "the attachment's media type"
like "$(grep '^To:' "$e")" '^To: d@good\.test$' "To: the rua= address"
like "$(grep '^To:' "$dry"/dest.test\!ext.test\!*.eml)" '^To: r@auth\.test$' \
    "ext.test: To only the authorized destination"
nvpass=0
for f in "$dry"/*.eml; do
	$verify --resolver-conf "$UNBOUND_CONF" --trust-anchor "$ANCHOR" \
	    --now "$NEXT" --authserv-id mx.good.test --results-only <"$f" \
	    2>/dev/null | tr -d '\n' | grep -q 'dkim=pass.*header\.d=dest\.test' &&
	    nvpass=$((nvpass + 1))
done
is "$nvpass" 3 "every report mail's DKIM signature verifies (dkimpipe-verify, d=dest.test)"
run "$py" "$top_srcdir/t/verify-dkimpy.py" --port "$PORT" "$dry"/*.eml
is "$(printf '%s\n' "$out" | awk -F'\t' '$4 == "pass"' | wc -l | tr -d ' ')" 3 \
    "and in dkimpy"

# --- the round trip: read the mails into a store, summarize
store=$tmp/store
mkdir "$store"
nread=0
for f in "$dry"/*.eml; do
	"$report" read --store "$store" <"$f" 2>>"$tmp/read.err" &&
	    nread=$((nread + 1))
done
is "$nread" 3 "dkimpipe-report read takes every report mail"
run "$report" summary --store "$store" --domain good.test --no-dns \
    --format json
is "$status" 0 "summary of good.test: exit 0"
cp "$out_file" "$tmp/s.json"
run "$py" -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["reports"], d["messages"], d["dmarc_fail"])
for s in d["sources"]:
    print(s["source_ip"], s["messages"], s["dkim_pass"], s["spf_pass"],
          s["dmarc_pass"], s["dmarc_fail"], ",".join(s["selectors"]))
' "$tmp/s.json"
is "$out" "1 5 2
192.0.2.1 3 3 3 3 0 good.test/sel
192.0.2.9 2 0 0 0 2 " "the summary counts are what was verified"

# --- a dry run again: the same bytes (deterministic report IDs)
dry2=$tmp/dry2
mkdir "$dry2"
run $S --spool "$sp" --dry-run "$dry2"
ok "$(cmp -s "$g" "$dry2/$(basename "$g")"; echo $?)" \
    "a second dry run makes the same report, the same ID"

# --- sendmail stand-ins
cat >"$tmp/sendmail" <<'EOF'
#!/bin/sh
# records each call: N.args, N.eml; SM_MODE: ok, fail, crash (accept the
# first, then kill the sender), hold (wait for $SM_DIR/go)
n=$(ls "$SM_DIR" | grep -c '\.eml$')
case $SM_MODE in
fail)	cat >/dev/null; exit 75 ;;
crash)	if [ "$n" -ge 1 ]; then kill -9 "$PPID"; exit 1; fi ;;
hold)	: >"$SM_DIR/holding"
	i=0
	while [ ! -f "$SM_DIR/go" ] && [ "$i" -lt 600 ]; do
		sleep 0.1; i=$((i + 1)); done ;;
esac
printf '%s\n' "$*" >"$SM_DIR/$n.args"
cat >"$SM_DIR/$n.eml"
EOF
chmod +x "$tmp/sendmail"
SM_DIR=$tmp/sent
export SM_DIR SM_MODE
ids()	# the Report-IDs of the mails in $SM_DIR, sorted
{
	cat "$SM_DIR"/*.eml 2>/dev/null | sed -n 's/^Subject: .*Report-ID: <\(.*\)>$/\1/p' | sort
}

mkdir "$SM_DIR"
SM_MODE=fail
run $S --spool "$sp" --sendmail "$tmp/sendmail"
is "$status" 75 "sendmail fails (75): send exits 75"
like "$err" "report $gid for good\\.test: not sent: .*sendmail exited 75" \
    "and says which report was not sent"
is "$(ls "$sp" | grep -c '\.spool$')" 2 "the day's spool files are kept"

SM_MODE=ok
run $S --spool "$sp" --sendmail "$tmp/sendmail"
is "$status" 0 "sendmail accepts: exit 0"
is "$(ids | tr '\n' ' ')" "$(ls "$dry" | grep -v '\.eml$' | grep 'xml\.gz$' | sed 's/.*!\([0-9a-f]*\)\.xml\.gz$/\1/' | sort | tr '\n' ' ')" \
    "the reports sent are those of the dry run, the same IDs"
args=$(cat "$SM_DIR"/*.args | grep 'd@good')
is "$args" "-i -f dmarc@dest.test -- d@good.test" "sendmail's arguments: -i -f, --, the recipients"
is "$(ls "$sp" | grep -c '\.spool$\|\.sent$')" 0 "every report accepted: the day's files are gone"
run $S --spool "$sp" --sendmail "$tmp/sendmail"
is "$(ls "$SM_DIR" | grep -c '\.eml$')" 3 "a run after that sends nothing more"

# --- a crash half way: the next run sends only the rest
rm -rf "$sp" "$SM_DIR"
cp -R "$tmp/spool.orig" "$sp"
mkdir "$SM_DIR"
SM_MODE=crash
run $S --spool "$sp" --sendmail "$tmp/sendmail"
isnt "$status" 0 "the sender killed after the first report was accepted"
is "$(ls "$SM_DIR" | grep -c '\.eml$')" 1 "one report accepted"
first=$(ids)
SM_MODE=ok
run $S --spool "$sp" --sendmail "$tmp/sendmail"
is "$status" 0 "the next run: exit 0"
is "$(ls "$SM_DIR" | grep -c '\.eml$')" 3 "it sent the two others"
is "$(ids | uniq -d)" "" "no report sent twice"
is "$(ids | grep -c "^$first\$")" 1 "the first one not again"
is "$(ls "$sp" | grep -c '\.spool$')" 0 "then the day is removed"

# --- two runs at once: each report sent once
rm -rf "$sp" "$SM_DIR"
cp -R "$tmp/spool.orig" "$sp"
mkdir "$SM_DIR"
SM_MODE=hold
$S --spool "$sp" --sendmail "$tmp/sendmail" >"$tmp/run1.out" 2>"$tmp/run1.err" &
pid1=$!
# the first run holds the lock once its sendmail is called
i=0
while [ ! -f "$SM_DIR/holding" ] && [ "$i" -lt 600 ]; do
	t_sleep 0.1
	i=$((i + 1))
done
run $S --spool "$sp" --sendmail "$tmp/sendmail"
is "$status" 0 "a second run while the first holds the lock: exit 0"
like "$err" "another send is running on $sp" "and says why it did nothing"
: >"$SM_DIR/go"
wait $pid1
is "$?" 0 "the first run finishes"
is "$(ls "$SM_DIR" | grep -c '\.eml$')" 3 "each report sent once"
rm -f "$SM_DIR/holding" "$SM_DIR/go"

# --- a spool line cut in half; a line of another version
rm -rf "$sp" "$SM_DIR" "$dry"
cp -R "$tmp/spool.orig" "$sp"
mkdir "$SM_DIR" "$dry"
head -n 1 "$sp/2023-11-14.mx1.spool" | head -c 60 >>"$sp/2023-11-14.mx1.spool"
printf 'v9\tsomething\n' >>"$sp/2023-11-14.mx2.spool"
run $S --spool "$sp" --dry-run "$dry"
is "$status" 0 "a spool with a cut line: exit 0"
like "$err" 'mx1\.spool line 6: field 1: no newline: the line is cut: skipped' \
    "the cut line is skipped with a log line naming it"
like "$err" 'mx2\.spool line 5: field 1: not version v1: skipped' \
    "a line of another version too"
gzip -dc "$dry"/dest.test\!good.test\!*.xml.gz | tr -d ' \n' >"$tmp/cut.xml"
like "$(cat "$tmp/cut.xml")" '<source_ip>192.0.2.1</source_ip><count>3</count>' \
    "the rest is counted"

# --- --exclude-domains, --max-reports
rm -rf "$dry"; mkdir "$dry"
run $S --spool "$sp" --dry-run "$dry" --exclude-domains 'q.good.test, ext.test'
like "$err" 'report for q\.good\.test: excluded: not sent' "an excluded domain: logged"
is "$(ls "$dry" | grep -c '\.eml$')" 1 "and not reported"
rm -rf "$sp" "$SM_DIR"
cp -R "$tmp/spool.orig" "$sp"
mkdir "$SM_DIR"
run $S --spool "$sp" --sendmail "$tmp/sendmail" --max-reports 2
is "$(ls "$SM_DIR" | grep -c '\.eml$')" 2 "--max-reports 2: two sent"
is "$(ls "$sp" | grep -c '\.spool$')" 2 "the day kept for the rest"
run $S --spool "$sp" --sendmail "$tmp/sendmail" --max-reports 2
is "$(ls "$SM_DIR" | grep -c '\.eml$')" 3 "the next run sends the last one"

# --- the options from the configuration file's [dkimpipe-report]
rm -rf "$sp" "$dry"
cp -R "$tmp/spool.orig" "$sp"
mkdir "$dry"
cat >"$tmp/conf" <<EOF
[dkimpipe-report]
spool $sp
org-name Dest Org
email dmarc@dest.test
domain dest.test
dry-run $dry
no-dns
EOF
run "$report" send --config "$tmp/conf" --now $NEXT --log stderr
is "$status" 0 "send with its options in the configuration file: exit 0"
is "$(ls "$dry" | grep -c '\.eml$')" 2 \
    "two reports (ext.test's outside destination dropped without DNS)"

# --- a spool file that cannot be read (a symbolic link): the day waits
rm -rf "$sp" "$dry" "$SM_DIR"
cp -R "$tmp/spool.orig" "$sp"
mkdir "$SM_DIR"
ln -s "$tmp/spool.orig/2023-11-14.mx1.spool" "$sp/2023-11-14.link.spool"
SM_MODE=ok
run $S --spool "$sp" --sendmail "$tmp/sendmail"
is "$status" 75 "a spool file that is a symbolic link: exit 75"
like "$err" '2023-11-14: not reported: a spool file could not be read' \
    "the day is not reported, and the log says so"
is "$(ls "$SM_DIR" | grep -c '\.eml$')" 0 "nothing sent"

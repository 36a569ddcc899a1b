#!/bin/sh
# report-read - dkimpipe-report read: every good report of
# t/data/dmarc-reports (real reports as receivers sent them: XML, gzip,
# zip, a whole mail; RFC 7489, RFC 9990, an old draft) is stored once with
# the values the file holds; every broken one, and hostile ones (XML
# bombs, external entities, a zip bomb, a report ID that is a path,
# control characters), is refused with 65 and a reason, or stored
# harmlessly; a store that cannot be written is 75 with nothing left.
. "$(dirname "$0")/lib.sh"

report=$(t_prog dkimpipe-report)
data=$top_srcdir/t/data/dmarc-reports
py=$(t_find_python3) || skip_all "python3 is required"
mktmpdir tmp
store=$tmp/store

# readone FILE: read FILE into a fresh store; $stored is then the one
# file stored (empty if none), $nfiles how many files the store holds.
readone()
{
	rm -rf "$store"
	mkdir "$store"
	run "$report" read --store "$store" <"$1"
	nfiles=$(ls -A "$store" | wc -l | tr -d ' ')
	stored=$(ls "$store"/*.report 2>/dev/null | head -1)
}

# good FILE REPORTER_LINE DOMAIN NRECORDS FIRST_RECORD
good()
{
	[ -f "$data/$1" ] || bail_out "$data/$1 is missing"
	readone "$data/$1"
	is "$status" 0 "$1: read (exit 0) $err"
	is "$nfiles" 1 "$1: one file stored"
	if [ -n "$stored" ]; then
		is "$(sed -n 2p "$stored")" "reporter $2" "$1: reporter and ID"
		is "$(sed -n 4p "$stored" | cut -d' ' -f2)" "$3" "$1: policy domain"
		is "$(grep -c '^record ' "$stored")" "$4" "$1: $4 records"
		is "$(grep '^record ' "$stored" | head -1)" "record $5" \
		    "$1: the first record"
	else
		for i in 1 2 3 4; do ok 1 "$1: not stored"; done
	fi
}

# bad FILE REASON: refused, 65, the reason on stderr, nothing stored
bad()
{
	readone "$1"
	is "$status" 65 "$(basename "$1"): refused with 65"
	like "$err" "^dkimpipe-report: fatal: no valid report: $2" \
	    "$(basename "$1"): the reason: $2"
	is "$nfiles" 0 "$(basename "$1"): nothing stored"
}

r=received
good "$r/!example.com!1538204542!1538463818.xml" \
    "- administrator@accurateplastics.com example.com:1538463741" \
    example.com 1 "12.20.127.122 1 none fail fail example.com -"
good "$r/!large-example.com!1711897200.xml" \
    "- administrator@accurateplastics.com example.com:1711897200" \
    example.com 2286 "12.20.121.1 1 none fail fail example.com -"
good "$r/addisonfoods.com!example.com!1536105600.xml" \
    "addisonfoods.com postmaster@addisonfoods.com 3ceb5548498640beaeb47327e202b0b9" \
    example.com 1 "109.203.100.17 1 none fail fail example.com example.com"
good "$r/infonacot.gob.mx!example.com!2940.xml.zip" \
    "XYZ%20Corporation admin@estadocuenta1.infonacot.gob.mx 2940" \
    example.com 1 "148.243.137.254 1 none fail fail example.com -"
good "$r/example.net!example.com!1529366400!1529452799.xml" \
    "example.net postmaster@example.net b043f0e264cf4ea995e93765242f6dfb" \
    example.com 1 "199.230.200.36 1 none fail fail example.com example.com"
good "$r/fastmail.com!example.com!102675056.xml.gz" \
    "FastMail%20Pty%20Ltd reports@fastmaildmarc.com 102675056" \
    indemed.com 1 "104.195.80.20 1 none fail fail example.com example.com"
good "$r/google.com-report-949348866075514174.eml" \
    "google.com noreply-dmarc-support@google.com 949348866075514174" \
    borschow.com 1 "92.53.116.102 1 reject fail fail borschow.com -"
good "$r/old_draft_from_wiki.xml" \
    "acme.com noreply-dmarc-support@acme.com 9391651994964116463" \
    example.com 1 "72.150.241.94 2 none fail pass example.com -"
good "$r/rfc9990-example.net!example.com!1700000000.xml" \
    "example.net postmaster@example.net dmarcbis-test-report-001" \
    example.com 2 "198.51.100.1 5 none pass pass example.com example.com"
good "$r/rfc9990-sample.xml" \
    "Sample%20Reporter report_sender@example-reporter.com 3v98abbp8ya9n3va8yr8oa3ya" \
    example.com 1 "192.0.2.123 123 pass pass fail example.com example.com"
good "$r/usssa.com!example.com!1538784000!1538870399.xml" \
    "usssa.com postmaster@usssa.com 8953b4d4a4ee4218b6ac0e2cb2667ee1" \
    example.com 2 "12.20.127.40 1 none fail fail example.com -"
good "$r/veeam.com!example.com!1530133200!1530219600.xml" \
    "veeam.com noreply.it.dmarc@veeam.com sonexushealth.com:1530233361" \
    example.com 1 "199.230.200.36 1 none fail fail example.com -"
good rfc9990/dmarc-xml-0.2.xml \
    "Sample%20Reporter report_sender@example-reporter.com 3v98abbp8ya9n3va8yr8oa3ya" \
    example.com 1 "192.0.2.123 123 pass pass fail example.com example.com"
good rfc9990/dmarc-xmlalt-0.2.xml \
    "Sample%20Reporter report_sender@example-reporter.com 3v98abbp8ya9n3va8yr8oa3ya" \
    example.com 1 "192.0.2.123 123 quarantine pass fail example.com example.com"
# the RFC 9990 one: its second record, and the policy it published
readone "$data/$r/rfc9990-example.net!example.com!1700000000.xml"
is "$(sed -n 4p "$stored")" "policy example.com reject quarantine s s - reject y" \
    "RFC 9990: p, sp, adkim, aspf, np and testing as published"
is "$(grep '^record ' "$stored" | sed -n 2p)" \
    "record 203.0.113.10 2 reject fail fail example.com spoofed.example.com" \
    "RFC 9990: the second record"
is "$(grep -c '^dkim example.com selector1 pass$' "$stored")" 1 \
    "RFC 9990: the DKIM result with its selector"

bad "$data/$r/invalid_xml.xml" "invalid XML: line 31"
bad "$data/$r/invalid_utf_8.xml" "invalid XML: line 31: Input is not proper UTF-8"
bad "$data/$r/empty_reason.xml" "record 1: policy_evaluated reason without a type"

# every good one once more, into one store: each stored once, and a
# second reading of all of them stores nothing new
rm -rf "$store"; mkdir "$store"
n=0
for f in "$data"/received/* "$data"/rfc9990/*.xml; do
	"$report" read --store "$store" <"$f" 2>/dev/null && n=$((n + 1))
done
is "$n" 14 "14 of the samples are read (3 are broken)"
# rfc9990-sample.xml and the two schema examples are the same report
is "$(ls "$store" | wc -l | tr -d ' ')" 12 "12 distinct reports stored"
ls "$store" >"$tmp/before"
run "$report" read --store "$store" <"$data/$r/rfc9990-sample.xml"
is "$status" 0 "a report already stored: exit 0"
ls "$store" >"$tmp/after"
check "a report already stored is not stored twice" cmp -s "$tmp/before" "$tmp/after"
check "every stored name is a hash, never a value from a report" \
    sh -c "ls '$store' | grep -Evq '^[0-9a-f]{64}\\.report\$' && exit 1 || exit 0"

# ---- hostile and broken inputs, made here ----
h=$tmp/h
mkdir "$h"
# a report with the parts given by the arguments: FILE ORG ID IP COUNT [DTD]
mkrep()
{
	"$py" - "$@" <<'PY'
import sys
out, org, rid, ip, count = sys.argv[1:6]
dtd = sys.argv[6] if len(sys.argv) > 6 else ''
doc = '''<?xml version="1.0"?>
%s<feedback>
 <report_metadata><org_name>%s</org_name><email>r@example.net</email>
  <report_id>%s</report_id>
  <date_range><begin>1700000000</begin><end>1700086399</end></date_range>
 </report_metadata>
 <policy_published><domain>example.com</domain><p>none</p></policy_published>
 <record><row><source_ip>%s</source_ip><count>%s</count>
  <policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>fail</spf></policy_evaluated></row>
  <identifiers><header_from>example.com</header_from></identifiers>
  <auth_results><dkim><domain>example.com</domain><selector>s&#x9b;31m1</selector><result>pass</result></dkim></auth_results>
 </record>
</feedback>
''' % (dtd, org, rid, ip, count)
open(out, 'w').write(doc)
PY
}
mkrep "$h/bad-ip.xml" Org id1 999.1.2.3 1
bad "$h/bad-ip.xml" "record 1: source_ip is not an IP address"
mkrep "$h/nan-count.xml" Org id2 192.0.2.1 12abc
bad "$h/nan-count.xml" "record 1: count is not a number"
mkrep "$h/huge-count.xml" Org id3 192.0.2.1 99999999999999999999999
bad "$h/huge-count.xml" "record 1: count is not a number up to"
mkrep "$h/no-id.xml" Org "" 192.0.2.1 1
bad "$h/no-id.xml" "no report_id"
mkrep "$h/laughs.xml" '&lol9;' id4 192.0.2.1 1 '<!DOCTYPE feedback [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
'
bad "$h/laughs.xml" "invalid (XML|report): "
mkrep "$h/xxe.xml" '&xxe;' id5 192.0.2.1 1 '<!DOCTYPE feedback [
 <!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
'
bad "$h/xxe.xml" "invalid report: a DTD"
unlike "$err" "root:" "the external entity's file is not read"
printf 'From: a@example.net\nSubject: hello\n\nno report here\n' >"$h/plain.eml"
bad "$h/plain.eml" "no report attachment"
printf 'garbage\n' >"$h/garbage"
bad "$h/garbage" "not a mail"

# a zip and a gzip that uncompress past the 50 MB bound
"$py" - "$h" <<'PY'
import gzip, sys, zipfile
d = sys.argv[1]
big = b'<feedback>' + b' ' * (60 * 1024 * 1024)
with zipfile.ZipFile(d + '/bomb.zip', 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('bomb.xml', big)
with gzip.open(d + '/bomb.xml.gz', 'wb') as g:
    g.write(big)
with zipfile.ZipFile(d + '/many.zip', 'w') as z:
    for i in range(20):
        z.writestr('r%d.xml' % i, b'<feedback/>')
PY
bad "$h/bomb.zip" "zip report uncompresses to over"
bad "$h/bomb.xml.gz" "gzip report uncompresses to over"
bad "$h/many.zip" "zip attachment has over 16 entries"

# a report ID that is a path and an org_name with C1 terminal controls
# (legal in XML 1.0, where C0 ones like ESC are not):
# stored under a hash, the values escaped in the file
mkrep "$h/path.xml" 'Evil&#x9b;]0;x&#x9c;Org' '../../../etc/passwd' 192.0.2.1 1
readone "$h/path.xml"
is "$status" 0 "a report ID that is a path: stored"
like "$(basename "$stored")" '^[0-9a-f]*\.report$' "stored under a hash"
is "$(sed -n 2p "$stored")" "reporter Evil%C2%9B]0;x%C2%9COrg r@example.net ../../../etc/passwd" \
    "the control characters are escaped in the store"
check "no file was made outside the store" test ! -e "$tmp/etc"

# no org_name element at all (RFC 9990 wants it; the email names the
# reporter then)
printf '<feedback><report_metadata><email>r@example.net</email><report_id>n1</report_id><date_range><begin>1</begin><end>2</end></date_range></report_metadata><policy_published><domain>example.com</domain></policy_published><record><row><source_ip>192.0.2.9</source_ip><count>4</count><policy_evaluated><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row></record></feedback>\n' \
    >"$h/no-org.xml"
readone "$h/no-org.xml"
is "$status" 0 "no org_name: read $err"
is "$(sed -n 2p "$stored" 2>/dev/null)" "reporter - r@example.net n1" \
    "no org_name: the email names the reporter"

# the same report as a MIME mail: base64 gzip attachment, and a
# single-part mail whose body is the XML
"$py" - "$h" "$data/$r/rfc9990-sample.xml" <<'PY'
import base64, gzip, sys
d, src = sys.argv[1], sys.argv[2]
xml = open(src, 'rb').read()
b = base64.encodebytes(gzip.compress(xml)).decode()
open(d + '/mime.eml', 'w').write(
    'From: r@example.net\r\nSubject: Report\r\nMIME-Version: 1.0\r\n'
    'Content-Type: multipart/mixed;\r\n\tboundary="--=b1"\r\n\r\n'
    'preamble\r\n----=b1\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n'
    '----=b1\r\nContent-Type: application/gzip; name="r.xml.gz"\r\n'
    'Content-Transfer-Encoding: base64\r\n\r\n' +
    b.replace('\n', '\r\n') + '----=b1--\r\n')
open(d + '/single.eml', 'wb').write(
    b'From: r@example.net\nSubject: Report\nContent-Type: text/xml\n\n' + xml)
PY
good_tmp()
{
	readone "$1"
	is "$status" 0 "$(basename "$1"): read $err"
	is "$(sed -n 2p "$stored" 2>/dev/null)" \
	    "reporter Sample%20Reporter report_sender@example-reporter.com 3v98abbp8ya9n3va8yr8oa3ya" \
	    "$(basename "$1"): the report in it"
}
good_tmp "$h/mime.eml"
good_tmp "$h/single.eml"

# a store that cannot be written: 75, nothing half-written
rm -rf "$store"; mkdir "$store"
chmod 0555 "$store"
if [ "$(id -u)" = 0 ]; then
	# root writes anyway: a store that is not a directory fails alike
	rmdir "$store"; : >"$store"
fi
run "$report" read --store "$store" <"$data/$r/rfc9990-sample.xml"
is "$status" 75 "a store that cannot be written: 75"
like "$err" "^dkimpipe-report: fatal: store " "the reason names the store"
if [ -d "$store" ]; then
	is "$(ls -A "$store" | wc -l | tr -d ' ')" 0 "nothing half-written"
	chmod 0755 "$store"
else
	is "$(wc -c <"$store" | tr -d ' ')" 0 "nothing half-written"
fi

# a full disk: the write fails part-way (a 1 KB file size limit), 75,
# and no file, temporary or final, is left behind
rm -rf "$store"; mkdir "$store"
run sh -c "ulimit -f 1; exec \"\$0\" read --store \"\$1\" <\"\$2\"" "$report" \
    "$store" "$data/$r/!large-example.com!1711897200.xml"
is "$status" 75 "a write that fails part-way: 75"
is "$(ls -A "$store" | wc -l | tr -d ' ')" 0 "no temporary or partial file is left"

run "$report" --store "$store"
is "$status" 64 "no command: 64"
run "$report" frobnicate
is "$status" 64 "an unknown command: 64"
done_testing

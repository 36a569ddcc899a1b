#!/bin/sh
# report-summary - dkimpipe-report summary over a store of real reports
# (t/data/dmarc-reports): the totals per source, worked out by hand from
# the files, in text, JSON (python3 json) and CSV (python3 csv); --days;
# reverse names from a DNS server on 127.0.0.1 (t/dnsserver.sh); and
# hostile values from a report never reach the output as control
# characters, broken JSON or broken CSV.
. "$(dirname "$0")/lib.sh"

report=$(t_prog dkimpipe-report)
data=$top_srcdir/t/data/dmarc-reports/received
py=$(t_find_python3) || skip_all "python3 is required"
mktmpdir tmp
store=$tmp/store
mkdir "$store"
for f in "rfc9990-example.net!example.com!1700000000.xml" \
    rfc9990-sample.xml old_draft_from_wiki.xml \
    "usssa.com!example.com!1538784000!1538870399.xml" \
    "veeam.com!example.com!1530133200!1530219600.xml" \
    "fastmail.com!example.com!102675056.xml.gz"; do
	"$report" read --store "$store" <"$data/$f" ||
	    bail_out "cannot read $f"
done

# By hand, for example.com (fastmail's report is for indemed.com):
#   192.0.2.123     123  dkim pass, spf fail      selector example.com/abc123
#   198.51.100.1      5  dkim pass, spf pass      selector example.com/selector1
#   199.230.200.36    2  fail, fail (usssa 1, veeam 1)
#   203.0.113.10      2  fail, fail
#   72.150.241.94     2  dkim fail, spf pass      selector example.com/-
#   12.20.127.40      1  fail, fail
# 5 reports, 135 messages, 5 fail DMARC from 3 sources.
run "$report" summary --store "$store" --domain example.com --no-dns
is "$status" 0 "text summary: exit 0"
diag_file "$out_file"
like "$out" "for example.com: 5 reports, 135 messages from 6 sources" \
    "the totals line"
is "$(sed -n '4,9p' "$out_file" | awk '{ print $1, $2, $3, $4, $5, $6, $7, $8, $9 }')" \
"192.0.2.123 - 123 123 0 0 123 0 example.com/abc123
198.51.100.1 - 5 5 0 5 0 0 example.com/selector1
199.230.200.36 - 2 0 2 0 2 2 -
203.0.113.10 - 2 0 2 0 2 2 -
72.150.241.94 - 2 0 2 2 0 0 example.com/-
12.20.127.40 - 1 0 1 0 1 1 -" "per source: messages, DKIM, SPF, lost, selectors"
like "$out" "^5 of 135 messages from 3 sources failed DMARC" \
    "the answer: not safe to go to reject"

run "$report" summary --store "$store" --domain example.com --no-dns \
    --format json
is "$status" 0 "JSON summary: exit 0"
cp "$out_file" "$tmp/s.json"
run "$py" -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["reports"], d["messages"], d["dmarc_fail"], d["safe_for_reject"])
for s in d["sources"]:
    print(s["source_ip"], s["messages"], s["dkim_pass"], s["dkim_fail"],
          s["spf_pass"], s["spf_fail"], s["dmarc_pass"], s["dmarc_fail"],
          s["lost_at_reject"], s["reverse_name"], ",".join(s["selectors"]))
' "$tmp/s.json"
is "$out" "5 135 5 False
192.0.2.123 123 123 0 0 123 123 0 0 None example.com/abc123
198.51.100.1 5 5 0 5 0 5 0 0 None example.com/selector1
199.230.200.36 2 0 2 0 2 0 2 2 None 
203.0.113.10 2 0 2 0 2 0 2 2 None 
72.150.241.94 2 0 2 2 0 2 0 0 None example.com/-
12.20.127.40 1 0 1 0 1 0 1 1 None " "JSON: the same totals"

run "$report" summary --store "$store" --domain example.com --no-dns \
    --format csv
is "$status" 0 "CSV summary: exit 0"
cp "$out_file" "$tmp/s.csv"
run "$py" -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
print(",".join(rows[0]))
for r in rows[1:]:
    print("|".join(r))
' "$tmp/s.csv"
is "$out" "source_ip,reverse_name,messages,dkim_pass,dkim_fail,spf_pass,spf_fail,dmarc_pass,dmarc_fail,lost_at_reject,selectors
192.0.2.123||123|123|0|0|123|123|0|no|example.com/abc123
198.51.100.1||5|5|0|5|0|5|0|no|example.com/selector1
199.230.200.36||2|0|2|0|2|0|2|yes|
203.0.113.10||2|0|2|0|2|0|2|yes|
72.150.241.94||2|0|2|2|0|2|0|no|example.com/-
12.20.127.40||1|0|1|0|1|0|1|yes|" "CSV: the same totals"

run "$report" summary --store "$store" --domain indemed.com --no-dns
like "$out" "for indemed.com: 1 reports, 1 messages from 1 sources" \
    "another domain: only its own report"
# --days counts back from --now: only the RFC 9990 report (ends
# 1700086399) is in the last day before 1700100000
run "$report" summary --store "$store" --domain example.com --no-dns \
    --days 1 --now 1700100000
like "$out" "for example.com: 1 reports, 7 messages from 2 sources" \
    "--days 1: only the last day's report"
run "$report" summary --store "$store" --domain example.com --no-dns \
    --days 1 --now 1800000000 --format json
like "$out" '"reports": 0, "messages": 0, "dmarc_fail": 0, "safe_for_reject": true, "sources": \[' \
    "--days with no report in range: nothing"
run "$report" summary --store "$store"
is "$status" 64 "summary without --domain: 64"
run "$report" summary --store "$store" --domain example.com --format xml
is "$status" 64 "a bad --format: 64"
run "$report" summary --store "$tmp/nowhere" --domain example.com --no-dns
is "$status" 75 "a store that is not there: 75"

# hostile values: a C1 control (CSI), quotes, commas and a formula
"$py" - "$tmp/hostile.xml" <<'PY'
import sys
open(sys.argv[1], 'w').write('''<?xml version="1.0"?>
<feedback><report_metadata><org_name>H&#x9b;2J</org_name><email>h@x</email>
<report_id>h1</report_id><date_range><begin>1</begin><end>2</end></date_range>
</report_metadata><policy_published><domain>hostile.example</domain></policy_published>
<record><row><source_ip>2001:DB8:0::1</source_ip><count>3</count>
<policy_evaluated><dkim>fail</dkim><spf>fail</spf></policy_evaluated></row>
<auth_results><dkim><domain>=cmd|calc</domain><selector>a"b,c&#x9b;2J&#x85;\\</selector><result>fail</result></dkim></auth_results>
</record></feedback>
''')
PY
"$report" read --store "$store" <"$tmp/hostile.xml" || bail_out "hostile.xml not read"
for fmt in text json csv; do
	"$report" summary --store "$store" --domain HOSTILE.example --no-dns \
	    --format $fmt >"$tmp/h.$fmt" || bail_out "summary $fmt failed"
	check "$fmt: no control character, C1 control or broken UTF-8 in the output" \
	    "$py" -c '
import sys
b = open(sys.argv[1], "rb").read()
s = b.decode("utf-8")
sys.exit(any(ord(c) < 32 and c != "\n" or 0x7f <= ord(c) < 0xa0 for c in s))
' "$tmp/h.$fmt"
done
check "text: the address in its canonical form" grep -q '^2001:db8::1 ' "$tmp/h.text"
run "$py" -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["sources"][0]["source_ip"], d["sources"][0]["selectors"][0])
' "$tmp/h.json"
is "$out" '2001:db8::1 =cmd|calc/a"b,c??2J??\' "JSON: parses, the value kept but for the controls"
run "$py" -c '
import csv, sys
print(list(csv.reader(open(sys.argv[1], newline="")))[1][10])
' "$tmp/h.csv"
is "$out" "'=cmd|calc/a\"b,c??2J??\\" "CSV: parses, the formula defused with a quote"

# reverse names, from a DNS server on 127.0.0.1 only
if command -v nsd >/dev/null 2>&1; then
	cat >"$tmp/records" <<'Z'
123.2.0.192.in-addr.arpa. 3600 IN PTR mail.example.com.
1.100.51.198.in-addr.arpa. 3600 IN PTR out1.example.net.
Z
	t_dns_start "$tmp/dns" "$tmp/records" --root
	run "$report" summary --store "$store" --domain example.com \
	    --resolver-conf "$UNBOUND_CONF" --timeout 10s --format csv
	is "$status" 0 "with reverse names: exit 0"
	is "$(echo "$out" | cut -d, -f1,2 | sed -n '2,4p')" \
"192.0.2.123,mail.example.com
198.51.100.1,out1.example.net
199.230.200.36," "the reverse names, and none where there is none"
else
	skip "nsd not installed (apt-get install nsd)" 2
fi
done_testing

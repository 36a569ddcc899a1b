#!/bin/sh
# report.sh - what DMARC aggregate reporting costs.
#
#	bench/report.sh [--messages N] [--records N] [--build DIR]
#
# 1. The spool append per message: dkimpipe-verify --spf --dmarc run N
#    times (default 200) on the same signed message against the test
#    zone of t/dnsserver.sh on 127.0.0.1, without and with
#    --report-spool; the difference of the means is the append.
# 2. dkimpipe-report send --dry-run over one generated day of N records
#    (default 1000000; spool lines written directly: 2000 source
#    addresses, 100 policy domains, a mix of pass and fail), its wall
#    time and peak memory.
# Numbers go to stdout. Nothing talks to the network. Not part of
# make check: it takes minutes and its numbers depend on the machine.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=$top
nmsg=200
nrec=1000000
while [ $# -gt 0 ]; do
	case $1 in
	--messages) nmsg=$2; shift 2 ;;
	--records) nrec=$2; shift 2 ;;
	--build) build=$2; shift 2 ;;
	*) echo "usage: $0 [--messages N] [--records N] [--build DIR]" >&2
	   exit 64 ;;
	esac
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dkimpipe-bench.XXXXXX")
trap 'sh "$top/t/dnsserver.sh" stop "$tmp/dns" >/dev/null 2>&1 || :; rm -rf "$tmp"' EXIT INT TERM

now_ms()
{
	date +%s%N | awk '{ printf "%.0f\n", $1 / 1000000 }'
}

# --- 1. the append
ks=$tmp/ks
"$build/dkimpipe-keys" -k "$ks" new -d good.test -s sel -a rsa >"$tmp/records"
cat >>"$tmp/records" <<'EOF'
good.test.		3600 IN TXT "v=spf1 ip4:192.0.2.1 -all"
_dmarc.good.test.	3600 IN TXT "v=DMARC1; p=reject; rua=mailto:d@good.test"
EOF
sh "$top/t/dnsserver.sh" start "$tmp/dns" "$tmp/records" --dnssec >/dev/null
. "$tmp/dns/vars"
T=1700000000
printf 'From: a@good.test\nTo: b@dest.test\nSubject: x\nDate: Tue, 14 Nov 2023 22:13:20 +0000\n\nHello.\n' |
    "$build/dkimpipe-sign" -k "$ks" --timestamp $T >"$tmp/msg"
mkdir "$tmp/spool"
run_verify()	# run_verify [OPTION...]: N runs, mean ms
{
	t0=$(now_ms)
	i=0
	while [ "$i" -lt "$nmsg" ]; do
		"$build/dkimpipe-verify" --resolver-conf "$UNBOUND_CONF" \
		    --trust-anchor "$ANCHOR" --now $T --authserv-id mx.test \
		    --spf --dmarc --client-ip 192.0.2.1 --mail-from a@good.test \
		    "$@" <"$tmp/msg" >/dev/null
		i=$((i + 1))
	done
	t1=$(now_ms)
	awk -v a="$t0" -v b="$t1" -v n="$nmsg" 'BEGIN { printf "%.3f\n", (b - a) / n }'
}
run_verify >/dev/null	# warm up
without=$(run_verify)
with=$(run_verify --report-spool "$tmp/spool")
without2=$(run_verify)
lines=$(cat "$tmp/spool"/*.spool | wc -l | tr -d ' ')
echo "verify, $nmsg messages each: without spool ${without} ms / ${without2} ms, with ${with} ms per message ($lines lines spooled)"
awk -v a="$without" -v c="$without2" -v b="$with" 'BEGIN {
	printf "spool append: %.3f ms per message (mean of the two runs without)\n",
	    b - (a + c) / 2 }'

# --- 2. a day of records
mkdir "$tmp/day" "$tmp/dry"
awk -v n="$nrec" 'BEGIN {
	srand(1)
	for (i = 0; i < n; i++) {
		d = i % 100; ip = int(rand() * 2000)
		pass = rand() < 0.8
		printf "v1\t1700000000\td%d.test\treject\t-\t-\tr\tr\t100\tn\ttreewalk\tmailto:r@d%d.test\t10.%d.%d.1\td%d.test\td%d.test\td%d.test\tmfrom\t%s\t%s\t%s\t%s\t-\t-\t1\td%d.test\ts1\t%s\n",
		    d, d, int(ip / 256), ip % 256, d, d, d,
		    pass ? "pass" : "fail", pass ? "pass" : "fail",
		    pass ? "pass" : "fail", pass ? "pass" : "reject", d,
		    pass ? "pass" : "fail"
	}
}' >"$tmp/day/2023-11-14.spool"
size=$(wc -c <"$tmp/day/2023-11-14.spool" | tr -d ' ')
t0=$(now_ms)
/usr/bin/time -f '%M' -o "$tmp/rss" "$build/dkimpipe-report" send \
    --spool "$tmp/day" --dry-run "$tmp/dry" --no-dns --org-name Bench \
    --email r@bench.test --domain bench.test --now 1700100000 \
    --log syslog
t1=$(now_ms)
echo "send --dry-run, $nrec records ($size bytes, 100 domains, 2000 addresses): $((t1 - t0)) ms, peak RSS $(cat "$tmp/rss") KB, $(ls "$tmp/dry" | grep -c '\.eml$') reports"

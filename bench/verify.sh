#!/bin/bash
# Benchmark of dkimpipe-verify against dkimpy, Mail::DKIM, cat and sha256sum.
#
# One process per message, as an MTA runs a verifying filter: every timed
# run starts the program, feeds it one signed message on stdin and lets it
# write its result to stdout (/dev/null). The keys are in good.test, a
# DNSSEC-signed zone served by NSD on 127.0.0.1 (t/dnsserver.sh --dnssec),
# so every key lookup is a real one, and dkimpipe-verify's is DNSSEC-
# validated. Reports the median wall time per message for each size, the
# throughput of a batch of small messages (sequential and 2 workers), what
# the first lookup in a fresh process costs, and peak RSS (GNU time %M).
#
# Usage: bench/verify.sh [--quick] [--out FILE] [--dir DIR] [--build DIR]
#                        [--runs N] [--batch N]
#   --quick       fewer runs, a batch of 100, no 100 MB message
#   --out FILE    also write the report to FILE
#   --dir DIR     put messages, keys, the DNS server's files and raw results
#                 in DIR and keep them (default: a temporary directory,
#                 removed at exit)
#   --build DIR   where dkimpipe-verify, dkimpipe-sign and dkimpipe-keys are
#                 (default: the top of the tree this script is in)
#   --runs N      timed runs per command and size (default 50, 20 MB: 20,
#                 first-lookup figures: 100; --quick: 5, 3 and 10)
#   --batch N     messages in the batch (default 1000; --quick: 100)
#
# Needs: bash, nsd and ldnsutils (for t/dnsserver.sh), perl, python3,
# openssl, coreutils, findutils; hyperfine (else a date +%s%N loop), GNU
# time (/usr/bin/time) for memory, Debian's /usr/bin/python3 with
# python3-dkim and python3-dnspython for the dkimpy rows, libmail-dkim-perl
# for the Mail::DKIM rows, cc and libunbound's header (libunbound-dev) for
# the resolver start-up figures. Nothing talks to anything but 127.0.0.1.

set -eu
export LC_ALL=C

prog=${0##*/}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
argv_quoted=
[ $# = 0 ] || argv_quoted=$(printf ' %q' "$@")

quick=0 out= dir= build=$top runs= batch=
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	--out) out=${2:?--out needs a file}; shift ;;
	--out=*) out=${1#*=} ;;
	--dir) dir=${2:?--dir needs a directory}; shift ;;
	--dir=*) dir=${1#*=} ;;
	--build) build=${2:?--build needs a directory}; shift ;;
	--build=*) build=${1#*=} ;;
	--runs) runs=${2:?--runs needs a number}; shift ;;
	--runs=*) runs=${1#*=} ;;
	--batch) batch=${2:?--batch needs a number}; shift ;;
	--batch=*) batch=${1#*=} ;;
	-h|--help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "$prog: unknown option $1 (try --help)" >&2; exit 64 ;;
	esac
	shift
done
case $runs in ''|*[!0-9]*) [ -z "$runs" ] || { echo "$prog: --runs N" >&2; exit 64; } ;; esac
case $batch in ''|*[!0-9]*) [ -z "$batch" ] || { echo "$prog: --batch N" >&2; exit 64; } ;; esac
[ "$runs" != 0 ] && [ "$batch" != 0 ] || { echo "$prog: N must be at least 1" >&2; exit 64; }
[ -n "$batch" ] || { [ $quick = 1 ] && batch=100 || batch=1000; }
build=$(cd "$build" && pwd)

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
say() { printf '%s\n' "$*" >&2; }
die() { say "$prog: $*"; exit 1; }

# --- tools -----------------------------------------------------------------
# dkimpy is Debian's python3-dkim, for the system python; the PATH's python3
# may be another one without it.
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
helper() { "$py" "$here/verifybench.py" "$@"; }
command -v openssl >/dev/null || die "openssl not found"
command -v perl >/dev/null || die "perl not found"
have_dkimpy=1
"$py" -c 'import dkim, dns.resolver' 2>/dev/null || { have_dkimpy=0; say "note: $py has no dkim or dns.resolver: no dkimpy rows (apt-get install python3-dkim python3-dnspython)"; }
have_maildkim=1
perl -MMail::DKIM::Verifier -MNet::DNS::Resolver -e 1 2>/dev/null || { have_maildkim=0; say "note: no Mail::DKIM: no Mail::DKIM rows (apt-get install libmail-dkim-perl)"; }
hyperfine=$(command -v hyperfine || true)
[ -n "$hyperfine" ] || say "note: hyperfine not found (apt-get install hyperfine); timing with a date +%s%N loop"
gnutime=
[ -x /usr/bin/time ] && /usr/bin/time -f %M true >/dev/null 2>&1 && gnutime=/usr/bin/time
[ -n "$gnutime" ] || say "note: GNU time not found (apt-get install time): no memory figures"
cc=$(command -v cc || command -v gcc || true)

verify=$build/dkimpipe-verify sign=$build/dkimpipe-sign keys=$build/dkimpipe-keys
[ -x "$verify" ] && [ -x "$sign" ] && [ -x "$keys" ] ||
	die "no $verify, $sign or $keys: build first (cd $top && make)"

# --- work directory --------------------------------------------------------
dns_dir=
cleanup() {
	[ -z "$dns_dir" ] || sh "$top/t/dnsserver.sh" stop "$dns_dir" >/dev/null 2>&1 || true
	[ -n "$dir" ] || rm -rf "$W"
}
if [ -n "$dir" ]; then
	mkdir -p "$dir"
	W=$(cd "$dir" && pwd)
else
	W=$(mktemp -d "${TMPDIR:-/tmp}/dkimpipe-vbench.XXXXXX")
fi
trap cleanup EXIT
trap 'say "$prog: interrupted"; exit 130' INT TERM
rm -rf "$W/ks" "$W/raw" "$W/bin" "$W/signed" "$W/batch"
mkdir -p "$W/raw" "$W/bin" "$W/msgs" "$W/signed"
# Time a snapshot, so that a rebuild during the run cannot change it.
cp "$verify" "$sign" "$keys" "$W/bin/"
# the tree as it is now, for the report
commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo "no commit")
dirty=$(git -C "$top" status --porcelain 2>/dev/null | grep -v '^??' | head -1 || true)
[ -z "$dirty" ] || commit="$commit (with uncommitted changes)"
verify=$W/bin/dkimpipe-verify sign=$W/bin/dkimpipe-sign keys=$W/bin/dkimpipe-keys
results=$W/raw/results.tsv batch_results=$W/raw/batch.tsv
: > "$results"
: > "$batch_results"
: > "$W/empty.conf"

# --- messages ----------------------------------------------------------------
# name:bytes; contents depend only on the name and size (bench/signbench.py's
# generator, From alice@good.test).
sizes="2KB:2048 100KB:102400 20MB:20971520"
[ $quick = 1 ] || sizes="$sizes 100MB:104857600"
say "generating messages in $W/msgs"
need=
for s in $sizes; do
	n=${s%%:*} b=${s#*:}
	f=$W/msgs/msg-$n.eml
	[ -f "$f" ] && [ "$(wc -c < "$f")" = "$b" ] && [ -f "$f.sha256" ] &&
		(cd "$W/msgs" && sha256sum -c --status "msg-$n.eml.sha256" 2>/dev/null) && continue
	need="$need $s"
done
[ -z "$need" ] || helper gen "$W/msgs" $need
for s in $sizes; do
	n=${s%%:*}
	(cd "$W/msgs" && sha256sum "msg-$n.eml" > "msg-$n.eml.sha256")
done
time_sizes="2KB 100KB 20MB"
mem_sizes="2KB 100KB 20MB"
[ $quick = 1 ] || mem_sizes="$mem_sizes 100MB"

# --- keys and DNS --------------------------------------------------------------
KS=$W/ks
say "creating keystore: $keys --keystore $KS new --domain good.test"
"$keys" --keystore "$KS" new --domain good.test > /dev/null
"$keys" --keystore "$KS" dns --domain good.test > "$W/records"
rsasel=$(awk '$1=="good.test" && $3=="rsa" && $4=="active" {print $2; exit}' "$KS/selectors")
edsel=$(awk '$1=="good.test" && $3=="ed25519" && $4=="active" {print $2; exit}' "$KS/selectors")
[ -n "$rsasel" ] && [ -n "$edsel" ] || die "keystore $KS has no active rsa and ed25519 selector"
rsabits=$(openssl pkey -in "$KS/keys/good.test/$rsasel.pem" -noout -text 2>/dev/null | sed -n 's/.*Private-Key: (\([0-9]*\) bit.*/\1/p')

say "starting the DNS server: t/dnsserver.sh start $W/dns $W/records --dnssec"
dns_dir=$W/dns
sh "$top/t/dnsserver.sh" stop "$dns_dir" >/dev/null 2>&1 || true
DNSSERVER_LIFETIME=14400 DNSSERVER_OWNER=$$ \
	sh "$top/t/dnsserver.sh" start "$dns_dir" "$W/records" --dnssec > "$W/raw/dns-vars.txt" 2> "$W/raw/dns-start.err" ||
	die "the DNS server did not start: $(cat "$W/raw/dns-start.err")"
# PORT, UNBOUND_CONF, ...
. "$dns_dir/vars"
# The same resolver setup without QNAME minimisation and trust-anchor
# signalling (libunbound's defaults), for one row of the first-lookup table.
sed 's/^server:$/server:\n\tqname-minimisation: no\n\ttrust-anchor-signaling: no/' \
	"$UNBOUND_CONF" > "$W/unbound-lean.conf"
grep -q '^	qname-minimisation: no' "$W/unbound-lean.conf" || die "cannot make $W/unbound-lean.conf"

# --- signed messages -----------------------------------------------------------
# signed/VARIANT-SIZE.eml; VARIANT: dual (both keys, RSA on top), rsa, ed25519.
say "signing with dkimpipe-sign"
S="$sign --config $W/empty.conf --keystore $KS"
for s in $sizes; do
	n=${s%%:*}
	m=$W/msgs/msg-$n.eml
	$S < "$m" > "$W/signed/dual-$n.eml"
	$S --selector "$rsasel" < "$m" > "$W/signed/rsa-$n.eml"
	[ "$n" = 100MB ] && continue
	$S --selector "$edsel" < "$m" > "$W/signed/ed25519-$n.eml"
done
helper strip "$W/signed/dual-2KB.eml" "$W/signed/unsigned-2KB.eml"
cmp -s "$W/signed/unsigned-2KB.eml" "$W/msgs/msg-2KB.eml" ||
	die "dual-2KB.eml without its DKIM-Signature fields is not msg-2KB.eml"

# --- commands ------------------------------------------------------------------
# label|input|check|shell command (stdin: signed/INPUT-SIZE.eml)
# check: - (not a verifier) or KIND:N, N signatures must pass.
V="$verify --config $W/empty.conf --resolver-conf $UNBOUND_CONF --authserv-id mx.good.test"
VL="$verify --config $W/empty.conf --resolver-conf $W/unbound-lean.conf --authserv-id mx.good.test"
cmds="cat|dual|-|cat
sha256sum|dual|-|sha256sum
dkimpipe-verify rsa|rsa|dkimpipe:1|$V
dkimpipe-verify ed25519|ed25519|dkimpipe:1|$V
dkimpipe-verify dual|dual|dkimpipe:2|$V"
P=
if [ $have_dkimpy = 1 ]; then
	P="$py $here/dkimpy-verify.py $PORT"
	cmds="$cmds
dkimpy rsa|rsa|dkimpy:1|$P
dkimpy ed25519|ed25519|dkimpy:1|$P
dkimpy dual|dual|dkimpy:2|$P"
fi
if [ $have_maildkim = 1 ]; then
	cmds="$cmds
Mail::DKIM rsa|rsa|maildkim:1|perl $here/maildkim-verify.pl $PORT"
fi
labels=$(printf '%s\n' "$cmds" | cut -d'|' -f1 | paste -sd, -)

# check_one LABEL CHECK CMD INPUT: run CMD on INPUT once, judge the output.
check_one() {
	o=$W/raw/check-${1//[ :]/-}-${4##*/}
	sh -c "exec $3" < "$4" > "$o" 2> "$o.err" && rc=0 || rc=$?
	kind=${2%:*} want=${2#*:}
	case $kind in
	dkimpipe)
		[ $rc = 0 ] || die "$1 on ${4##*/}: exit $rc: $(head -3 "$o.err")"
		r=$(helper check-dkimpipe "$o" "$4" "$want") || die "$1 on ${4##*/}: $r"
		;;
	dkimpy)
		got=$(grep -c '^signature [0-9]* ok$' "$o" || true)
		[ $rc = 0 ] && [ "$got" = "$want" ] ||
			die "$1 on ${4##*/}: exit $rc, $got of $want signatures ok: $(head -3 "$o") $(tail -3 "$o.err")"
		r="ok ($want x signature ok)"
		;;
	maildkim)
		got=$(grep -c '^verify result: pass$' "$o" || true)
		[ $rc = 0 ] && [ "$got" = "$want" ] ||
			die "$1 on ${4##*/}: exit $rc, $got of $want signatures pass: $(head -4 "$o") $(tail -3 "$o.err")"
		r="ok ($want x verify result: pass)"
		;;
	esac
	checks="$checks
  $1, ${4##*/}: $r"
}

# --- check the verifiers before timing them ------------------------------------
say "checking that every verifier passes every input"
checks=
while IFS='|' read -r label in check cmd; do
	[ "$check" = - ] && continue
	for n in $time_sizes; do
		check_one "$label" "$check" "$cmd" "$W/signed/$in-$n.eml"
	done
done <<EOF
$cmds
EOF
if [ $quick = 0 ]; then
	check_one "dkimpipe-verify rsa" dkimpipe:1 "$V" "$W/signed/rsa-100MB.eml"
	check_one "dkimpipe-verify dual" dkimpipe:2 "$V" "$W/signed/dual-100MB.eml"
fi
check_one "dkimpipe-verify unsigned" dkimpipe:0 "$V" "$W/signed/unsigned-2KB.eml"
check_one "dkimpipe-verify dual (lean)" dkimpipe:2 "$VL" "$W/signed/dual-2KB.eml"

# --- timing ------------------------------------------------------------------
runs_for() {
	if [ -n "$runs" ]; then echo "$runs"
	elif [ $quick = 1 ]; then case $1 in 20MB) echo 3 ;; first) echo 10 ;; *) echo 5 ;; esac
	else case $1 in 20MB) echo 20 ;; first) echo 100 ;; *) echo 50 ;; esac
	fi
}
warm_for() { if [ $quick = 1 ]; then echo 1; else case $1 in 20MB) echo 2 ;; *) echo 3 ;; esac; fi; }

# time_list KIND SIZE RUNS WARM FILE: FILE has "label|shell command" lines
# (with their redirections); rows "KIND label SIZE median_ms" and
# "KIND-min label SIZE min_ms" each. The runs are split into rounds of at
# most 10, every command in every round, so that load from elsewhere that
# comes and goes hits all commands alike (hyperfine alone runs all of one
# command's runs, then the next command's); WARM warmup runs before the
# first round, 1 before each later one.
rounds_for() { echo $(( ($1 + 9) / 10 )); }
per_round() { local k; k=$(rounds_for "$1"); echo $(( ($1 + k - 1) / k )); }
time_list() {
	kind=$1 n=$2 r=$3 w=$4 list=$5
	rounds=$(rounds_for "$r") per=$(per_round "$r")
	rm -f "$W/raw/hyperfine-$kind-$n"-*.json "$W/raw/hyperfine-$kind-$n.log" "$W/raw/loop-$kind-$n".*
	if [ -n "$hyperfine" ]; then
		k=1
		while [ $k -le "$rounds" ]; do
			ww=1
			[ $k != 1 ] || ww=$w
			set -- "$hyperfine" --warmup "$ww" --runs "$per" --style basic \
				--export-json "$W/raw/hyperfine-$kind-$n-$k.json"
			while IFS='|' read -r label cmd; do
				set -- "$@" --command-name "$label" "$cmd"
			done < "$list"
			"$@" >> "$W/raw/hyperfine-$kind-$n.log" 2>&1 ||
				die "hyperfine failed, see $W/raw/hyperfine-$kind-$n.log: $(tail -3 "$W/raw/hyperfine-$kind-$n.log")"
			k=$((k + 1))
		done
		helper hf-merge "$kind" "$n" "$W/raw/hyperfine-$kind-$n"-*.json >> "$results"
	else
		# one run of each command in turn
		i=0
		while [ $i -lt $((w + rounds * per)) ]; do
			j=0
			while IFS='|' read -r label cmd; do
				t0=$(date +%s%N)
				sh -c "$cmd"
				t1=$(date +%s%N)
				[ $i -lt "$w" ] || printf '%s\t%s\n' "$label" $((t1 - t0)) >> "$W/raw/loop-$kind-$n.ns"
				j=$((j + 1))
			done < "$list"
			i=$((i + 1))
		done
		helper loop-merge "$kind" "$n" "$W/raw/loop-$kind-$n.ns" >> "$results"
	fi
}

for n in $time_sizes; do
	r=$(runs_for $n) w=$(warm_for $n)
	say "timing $n: $r runs, $w warmup"
	while IFS='|' read -r label in check cmd; do
		printf '%s|%s < %s > /dev/null\n' "$label" "$cmd" "$W/signed/$in-$n.eml"
	done > "$W/raw/list-$n.txt" <<EOF
$cmds
EOF
	time_list time "$n" "$r" "$w" "$W/raw/list-$n.txt"
done

# --- the first lookup in a fresh process ---------------------------------------
r=$(runs_for first) w=$(warm_for 2KB)
say "timing the first lookup: $r runs, $w warmup"
{
	echo "cat|cat < $W/signed/unsigned-2KB.eml > /dev/null"
	echo "dkimpipe-verify unsigned|$V < $W/signed/unsigned-2KB.eml > /dev/null"
	for v in ed25519 rsa dual; do
		echo "dkimpipe-verify $v|$V < $W/signed/$v-2KB.eml > /dev/null"
	done
	echo "dkimpipe-verify dual (lean)|$VL < $W/signed/dual-2KB.eml > /dev/null"
} > "$W/raw/list-first.txt"
time_list first 2KB "$r" "$w" "$W/raw/list-first.txt"

ub=
if [ -n "$cc" ] && "$cc" -O2 -o "$W/bin/ubstart" "$here/ubstart.c" -lunbound 2> "$W/raw/ubstart-cc.err"; then
	say "resolver start-up: bench/ubstart.c, $r fresh processes"
	: > "$W/raw/ubstart.txt"
	i=0
	while [ $i -lt "$r" ]; do
		"$W/bin/ubstart" "$UNBOUND_CONF" "$rsasel._domainkey.good.test." "$edsel._domainkey.good.test." >> "$W/raw/ubstart.txt" ||
			die "ubstart failed"
		i=$((i + 1))
	done
	ub=1
else
	say "note: cannot build bench/ubstart.c (cc, libunbound-dev): no resolver start-up figures"
fi

# The signature algorithms alone, for scale (one core, openssl's own loop).
say "openssl speed: RSA-2048, Ed25519, ECDSA P-256 (DNSSEC's) verify"
speed=$(openssl speed -seconds 1 -mr rsa2048 ed25519 ecdsap256 2>/dev/null | awk -F: '
	$1 == "+F2" { printf "RSA-2048 verify %.1f us; ", 1e6 / $5 }
	$1 == "+F6" { printf "Ed25519 verify %.1f us; ", 1e6 / $6 }
	$1 == "+F4" { printf "ECDSA P-256 verify %.1f us; ", 1e6 / $5 }' | sed 's/; $//') || speed=

# --- batch throughput ----------------------------------------------------------
say "batch: $batch messages of 2 KB, signed with both keys"
helper gen-batch "$W/batch" "$batch"
for f in "$W"/batch/b*.eml; do
	$S < "$f" > "${f%.eml}.signed"
done
ls "$W"/batch/b*.signed > "$W/raw/batch.list"
# Untimed: every batch message must pass dkimpipe-verify (and it warms the
# page cache). dkimpy's runs below are checked by their exit status.
say "batch: checking dkimpipe-verify on every message"
mkdir -p "$W/raw/batch-out"
while read -r f; do
	b=${f##*/}
	$V < "$f" > "$W/raw/batch-out/${b%.signed}.eml"
done < "$W/raw/batch.list"
r=$(helper check-dkimpipe-batch "$W/raw/batch-out" "$W/batch" 2) || die "batch: $r"
checks="$checks
  dkimpipe-verify dual, $batch batch messages: $r"

batch_labels="cat,dkimpipe-verify dual"
blist="cat|1|cat
dkimpipe-verify dual|$([ $quick = 1 ] && echo 1 || echo 3)|$V"
if [ -n "$P" ]; then
	batch_labels="$batch_labels,dkimpy dual"
	blist="$blist
dkimpy dual|1|$P"
fi
while IFS='|' read -r label nruns cmd; do
	for workers in 1 2; do
		say "batch: $label, $workers worker(s), $nruns run(s)"
		secs=
		i=0
		while [ $i -lt "$nruns" ]; do
			t0=$(date +%s%N)
			xargs -P "$workers" -n 1 sh -c "exec $cmd < \"\$1\" > /dev/null" sh < "$W/raw/batch.list" ||
				die "batch: $label failed on some message (xargs exit $?)"
			t1=$(date +%s%N)
			secs="$secs${secs:+,}$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')"
			i=$((i + 1))
		done
		printf 'batch\t%s\t%s\t%s\t%s\n' "$label" "$workers" "$batch" "$secs" >> "$batch_results"
	done
done <<EOF
$blist
EOF

# --- memory ------------------------------------------------------------------
if [ -n "$gnutime" ]; then
	for n in $mem_sizes; do
		say "peak RSS, $n"
		while IFS='|' read -r label in check cmd; do
			if [ "$n" = 100MB ]; then
				case $label in cat|sha256sum|"dkimpipe-verify rsa"|"dkimpipe-verify dual") ;; *) continue ;; esac
			fi
			f=$W/raw/time-${label//[ :]/-}-$n.txt
			"$gnutime" -f '%e %M' -o "$f" sh -c "exec $cmd" < "$W/signed/$in-$n.eml" > /dev/null 2> "$f.err" ||
				die "$label failed on $in-$n.eml: $(head -3 "$f.err")"
			read -r el kb < "$f"
			printf 'rss\t%s\t%s\t%s\n' "$label" "$n" "$kb" >> "$results"
			[ "$n" != 100MB ] || printf 'wall1\t%s\t%s\t%s\n' "$label" "$n" "$el" >> "$results"
		done <<EOF
$cmds
EOF
	done
fi
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# --- report ------------------------------------------------------------------
version_of() { "$@" 2>&1 | head -1; }
pkgver() { dpkg-query -W -f '${Package} ${Version}' "$1" 2>/dev/null || echo "$1 ?"; }
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
[ -n "$cpu" ] || cpu=$(uname -m)
cflags=$(sed -n 's/^CFLAGS = //p' "$build/Makefile" 2>/dev/null | head -1)
ccname=$(sed -n 's/^CC = //p' "$build/Makefile" 2>/dev/null | head -1)
shorten() { sed "s#$W#\$W#g; s#$here/#bench/#g; s#$py #python3 #g"; }

report() {
	echo "# dkimpipe-verify benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "machine:   $(nproc) CPUs, $cpu, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
	echo "load:      $load_start at start, $load_end at end (1/5/15 min load average; other busy processes skew the figures)"
	echo "os:        $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
	echo "dkimpipe:  $(version_of "$verify" --version), tree $commit${ccname:+, $ccname $cflags}; $(pkgver libunbound8)"
	[ $have_dkimpy = 0 ] || echo "dkimpy:    $(pkgver python3-dkim), $(pkgver python3-dnspython), $("$py" --version 2>&1)"
	[ $have_maildkim = 0 ] || echo "Mail::DKIM: $(pkgver libmail-dkim-perl), $(pkgver libnet-dns-perl), perl $(perl -e 'printf "%vd", $^V')"
	echo "tools:     $(version_of openssl version); coreutils $(cat --version | sed -n '1s/.* //p')${hyperfine:+; $(version_of "$hyperfine" --version)}${gnutime:+; GNU time $(dpkg-query -W -f '${Version}' time 2>/dev/null || echo '?')}"
	echo "dns:       $(pkgver nsd) on 127.0.0.1:$PORT (t/dnsserver.sh --dnssec): good.test signed (ECDSA P-256, NSEC3), trust anchor test."
	echo "           dkimpipe-verify: libunbound with the server's unbound.conf (stub zones to 127.0.0.1:$PORT, validating)"
	echo "           dkimpy, Mail::DKIM: their own DNS code asks 127.0.0.1:$PORT directly (bench/dkimpy-verify.py, bench/maildkim-verify.pl); no DNSSEC"
	echo "keys:      rsa-${rsabits:-?} selector $rsasel, ed25519 selector $edsel (domain good.test, made by dkimpipe-keys new)"
	echo "messages:  LF line ends, From alice@good.test, signed by dkimpipe-sign (relaxed/relaxed) with both keys (dual, RSA on top) or one (--selector):"
	for s in $sizes; do
		n=${s%%:*}
		printf '           %-6s %10s bytes unsigned  sha256 %s; dual-signed %s bytes\n' "$n" "$(wc -c < "$W/msgs/msg-$n.eml")" \
			"$(cut -c1-16 "$W/msgs/msg-$n.eml.sha256")" "$(wc -c < "$W/signed/dual-$n.eml")"
	done
	echo "commands:  (stdin: the signed message; stdout: /dev/null; cat and sha256sum read the dual-signed one)"
	printf '%s\n' "$cmds" | while IFS='|' read -r label in check cmd; do
		printf '           %-23s %s\n' "$label" "$(printf '%s' "$cmd" | shorten)"
	done
	echo "checked before timing:$(printf '%s' "$checks" | shorten)"
	echo
	if [ -n "$hyperfine" ]; then
		how="hyperfine"
	else
		how="date +%s%N loop (times include starting sh -c)"
	fi
	# N runs, and how they were split into rounds
	runs_desc() {
		local r k p
		r=$(runs_for "$1")
		k=$(rounds_for "$r") p=$(per_round "$r")
		if [ "$k" = 1 ]; then echo "$p"; else echo "$((k * p)) in $k rounds of $p"; fi
	}
	echo "Median wall time per message, ms: one process per message; $how, $(runs_desc 2KB) runs (20MB: $(runs_desc 20MB)) after $(warm_for 2KB) (20MB: $(warm_for 20MB)) warmup:"
	echo
	helper table "$results" time "$(echo $time_sizes | tr ' ' ,)" "$labels"
	echo
	echo "Batch: $batch different 2 KB messages, each signed with both keys, one process per message,"
	echo "xargs -P1 / -P2 -n1 sh -c 'exec CMD < \"\$1\" > /dev/null'; cat shows what the harness alone costs:"
	echo
	helper batch-table "$batch_results" "$batch_labels"
	echo
	echo "First lookup in a fresh process: 2 KB message; $how, $(runs_desc first) runs after $(warm_for 2KB) warmup."
	echo "unsigned = the dual-signed message without its DKIM-Signature fields (dkim=none, no resolver set up);"
	echo "lean = the same unbound.conf plus qname-minimisation: no, trust-anchor-signaling: no:"
	echo
	helper first-table "$results" "dkimpipe-verify unsigned" cat "dkimpipe-verify unsigned" \
		"dkimpipe-verify ed25519" "dkimpipe-verify rsa" "dkimpipe-verify dual" "dkimpipe-verify dual (lean)"
	if [ -n "$ub" ]; then
		echo
		echo "Resolver start-up and lookups inside one process (bench/ubstart.c, libunbound as dkimpipe-verify sets it up, one lookup at a time):"
		echo
		helper ub-table "$W/raw/ubstart.txt"
	fi
	[ -z "$speed" ] || { echo; echo "crypto alone (openssl speed, one core): $speed"; }
	if [ -n "$gnutime" ]; then
		echo
		echo "Peak RSS, MiB (GNU time %M, one run per size)$([ $quick = 1 ] || echo '; 100MB: dkimpipe-verify rsa and dual and the floors only; last column: wall time of that one 100MB run, s'):"
		echo
		helper table "$results" rss "$(echo $mem_sizes | tr ' ' ,)" "$labels"
	fi
	echo
	echo "reproduce: cd $top && bench/verify.sh$argv_quoted"
	[ -z "$dir" ] || echo "raw data:  $W/raw"
}

if [ -n "$out" ]; then
	report | tee "$out"
else
	report
fi

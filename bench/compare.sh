#!/bin/bash
# Benchmark of dkimpipe against other DKIM implementations, in one run.
#
# Peers: a small C driver over libopendkim (bench/odkim-driver.c, built
# here), the OpenDKIM milter in its -t test mode, dkimpy (python3-dkim) and
# Mail::DKIM (libmail-dkim-perl), with the floors cat and sha256sum. One
# process per message, as an MTA runs a filter. Four operations: sign
# RSA-2048, sign Ed25519, verify RSA-2048, verify Ed25519; the same keys,
# messages and DNS for everyone. dkimpipe-verify looks its keys up in a
# DNSSEC-signed zone served on 127.0.0.1 (t/dnsserver.sh --dnssec) and
# validates them; dkimpy and Mail::DKIM ask the same server (no DNSSEC);
# the driver and opendkim -t read the same keys from a file (no DNS).
#
# Reports: the dkimpipe/driver ratios per 2 KB message (interleaved
# rounds), median wall time per message for 2 KB, 20 KB, 1 MB and 20 MB
# (hyperfine), mean CPU per 2 KB message, batch throughput over a mix of
# messages (sequential, one process each, bench/seqrun.c), peak RSS (GNU
# time %M).
#
# Usage: bench/compare.sh [--quick] [--out FILE] [--dir DIR] [--build DIR]
#                         [--runs N] [--mix N] [--slow-step N] [--rounds N]
#   --quick        fewer runs, no 20 MB message, a mix of 200, 3 rounds
#   --out FILE     also write the report to FILE
#   --dir DIR      put the corpus, keys, DNS server files and raw results in
#                  DIR and keep them (default: a temporary directory,
#                  removed at exit); a kept corpus is reused
#   --build DIR    where dkimpipe-sign, -verify and -keys are (default: the
#                  top of the tree this script is in)
#   --runs N       timed runs per command and size for every command
#                  (default: 50, 20 MB 20; dkimpy and Mail::DKIM 20, 20 MB 5)
#   --mix N        messages in the mix (default 10000; --quick: 200)
#   --slow-step N  dkimpy and Mail::DKIM get every Nth mix message only
#                  (default 10)
#   --rounds N     interleaved rounds for the ratios (default 11; --quick: 3)
#
# Needs: bash, cc, hyperfine, nsd and ldnsutils (t/dnsserver.sh), perl,
# Debian's /usr/bin/python3 with python3-dkim (checks; dkimpy rows with
# python3-dnspython), openssl, coreutils; libopendkim-dev for the driver,
# opendkim for the opendkim -t rows, libmail-dkim-perl for the Mail::DKIM
# rows, GNU time (/usr/bin/time) for memory. Nothing talks to anything but
# 127.0.0.1.

set -eu -o pipefail
export LC_ALL=C

prog=${0##*/}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
argv_quoted=
[ $# = 0 ] || argv_quoted=$(printf ' %q' "$@")

quick=0 out= dir= build=$top runs= mix= slow_step=10 rounds=
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
	--mix) mix=${2:?--mix needs a number}; shift ;;
	--mix=*) mix=${1#*=} ;;
	--slow-step) slow_step=${2:?--slow-step needs a number}; shift ;;
	--slow-step=*) slow_step=${1#*=} ;;
	--rounds) rounds=${2:?--rounds needs a number}; shift ;;
	--rounds=*) rounds=${1#*=} ;;
	-h|--help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "$prog: unknown option $1 (try --help)" >&2; exit 64 ;;
	esac
	shift
done
for v in "$runs" "$mix" "$slow_step" "$rounds"; do
	case $v in
	'') ;;
	*[!0-9]*|0) echo "$prog: --runs, --mix, --slow-step, --rounds take a number >= 1" >&2; exit 64 ;;
	esac
done
[ -n "$mix" ] || { [ $quick = 1 ] && mix=200 || mix=10000; }
[ -n "$rounds" ] || { [ $quick = 1 ] && rounds=3 || rounds=11; }
build=$(cd "$build" && pwd)

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
t_start=$(date +%s)
say() { printf '%s: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 1; }

# --- tools -----------------------------------------------------------------
find_prog() {
	for d in $(printf '%s' "$PATH" | tr : ' ') /usr/local/sbin /usr/sbin /sbin; do
		[ -x "$d/$1" ] && { echo "$d/$1"; return 0; }
	done
	return 1
}
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
helper() { "$py" "$here/comparebench.py" "$@"; }
"$py" -c 'import dkim' 2>/dev/null ||
	die "$py cannot import dkim: the signatures are checked with dkimpy (apt-get install python3-dkim)"
command -v openssl >/dev/null || die "openssl not found"
command -v perl >/dev/null || die "perl not found"
hyperfine=$(command -v hyperfine) || die "hyperfine not found (apt-get install hyperfine)"
cc=$(command -v cc || command -v gcc) || die "no C compiler (cc)"
gnutime=
[ -x /usr/bin/time ] && /usr/bin/time -f %M true >/dev/null 2>&1 && gnutime=/usr/bin/time
[ -n "$gnutime" ] || say "note: GNU time not found (apt-get install time): no memory figures"
opendkim=$(find_prog opendkim || true)
[ -n "$opendkim" ] || say "note: no opendkim (apt-get install opendkim): no opendkim -t rows"
dkimsign=$(command -v dkimsign || true)
have_dkimpy_verify=1
"$py" -c 'import dns.resolver' 2>/dev/null || { have_dkimpy_verify=0; say "note: no python3-dnspython: no dkimpy verify rows"; }
[ -n "$dkimsign" ] || say "note: no dkimsign (python3-dkim): no dkimpy sign rows"
dkimproxy_sign=$(command -v dkimproxy-sign || true)
have_maildkim=1
perl -MMail::DKIM::Verifier -MMail::DKIM::Signer -MNet::DNS::Resolver -e 1 2>/dev/null ||
	{ have_maildkim=0; say "note: no Mail::DKIM (apt-get install libmail-dkim-perl): no Mail::DKIM rows"; }

sign=$build/dkimpipe-sign verify=$build/dkimpipe-verify keys=$build/dkimpipe-keys
[ -x "$sign" ] && [ -x "$verify" ] && [ -x "$keys" ] ||
	die "no $sign, $verify or $keys: build first (cd $top && make)"

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
	W=$(mktemp -d "${TMPDIR:-/tmp}/dkimpipe-cmp.XXXXXX")
fi
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT TERM
rm -rf "$W/ks" "$W/raw" "$W/bin" "$W/signed" "$W/opendkim" "$W/mix-rsa" "$W/mix-ed25519"
mkdir -p "$W/raw/check" "$W/raw/hf" "$W/raw/batch" "$W/bin" "$W/msgs" "$W/signed" "$W/opendkim"
# Time a snapshot, so that a rebuild during the run cannot change it.
cp "$sign" "$verify" "$keys" "$W/bin/"
sign=$W/bin/dkimpipe-sign verify=$W/bin/dkimpipe-verify keys=$W/bin/dkimpipe-keys
results=$W/raw/results.tsv
: > "$results"
: > "$W/empty.conf"

say "building bench/seqrun.c and bench/odkim-driver.c into $W/bin"
# seqrun static if libc.a is there: its -i exec (hyperfine's rows) is then
# cheaper, no dynamic loader.
seqrun_static=" -static"
"$cc" -O2 -static -o "$W/bin/seqrun" "$here/seqrun.c" 2> "$W/raw/seqrun-cc.err" || {
	seqrun_static=
	"$cc" -O2 -o "$W/bin/seqrun" "$here/seqrun.c" 2> "$W/raw/seqrun-cc.err" ||
		die "cannot build bench/seqrun.c: $(head -5 "$W/raw/seqrun-cc.err")"
}
seqrun=$W/bin/seqrun
drv=
if "$cc" -O2 -o "$W/bin/odkim-driver" "$here/odkim-driver.c" -lopendkim 2> "$W/raw/driver-cc.err"; then
	drv=$W/bin/odkim-driver
else
	say "note: cannot build bench/odkim-driver.c (apt-get install libopendkim-dev): no driver rows, no ratios"
fi

# Start-up floors: an empty main() linked against the same shared
# libraries as each binary (its NEEDED entries), timed with the ratios.
floors=
if command -v readelf >/dev/null; then
	printf 'int main(void) { return 0; }\n' > "$W/bin/empty.c"
	for b in libc:"" dkimpipe-sign:"$sign" dkimpipe-verify:"$verify" driver:"$drv"; do
		name=${b%%:*} bin=${b#*:}
		[ "$name" = libc ] || [ -n "$bin" ] || continue
		libs=
		[ -z "$bin" ] || libs=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/-l:\1/p' | grep -v -e '-l:libc\.so' -e '-l:ld-linux' | tr '\n' ' ')
		# shellcheck disable=SC2086  # the -l:LIB words
		"$cc" -O2 -o "$W/bin/floor-$name" "$W/bin/empty.c" -Wl,--no-as-needed $libs 2>> "$W/raw/floor-cc.err" ||
			{ say "note: cannot link an empty program like $name: no start-up floor for it"; continue; }
		floors="$floors $name"
		printf '%s\t%s\n' "$name" "${libs:-(libc only)}" >> "$W/raw/floor-libs.txt"
	done
fi

# --- corpus ------------------------------------------------------------------
sizes="2KB:2048 20KB:20480 1MB:1048576 20MB:20971520"
[ $quick = 0 ] || sizes="2KB:2048 20KB:20480 1MB:1048576"
size_names=$(for s in $sizes; do printf '%s ' "${s%%:*}"; done)
size_names=${size_names% }
printf '%s\n' "$sizes" > "$results.sizes"
say "corpus: messages $size_names in $W/msgs"
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
say "corpus: a mix of $mix messages in $W/mix"
mix_desc=$(helper gen-mix "$W/mix" "$mix")
mix_digest=$(helper mix-digest "$W/mix/list")

# --- keys, DNS ---------------------------------------------------------------
KS=$W/ks
say "keys: $keys --keystore $KS new --domain good.test"
"$keys" --keystore "$KS" new --domain good.test > /dev/null
"$keys" --keystore "$KS" dns --domain good.test > "$W/records"
rsasel=$(awk '$1=="good.test" && $3=="rsa" && $4=="active" {print $2; exit}' "$KS/selectors")
edsel=$(awk '$1=="good.test" && $3=="ed25519" && $4=="active" {print $2; exit}' "$KS/selectors")
[ -n "$rsasel" ] && [ -n "$edsel" ] || die "keystore $KS has no active rsa and ed25519 selector"
rsakey=$KS/keys/good.test/$rsasel.pem edkey=$KS/keys/good.test/$edsel.pem
[ -f "$rsakey" ] && [ -f "$edkey" ] || die "keys not found: $rsakey $edkey"
rsabits=$(openssl pkey -in "$rsakey" -noout -text 2>/dev/null | sed -n 's/.*Private-Key: (\([0-9]*\) bit.*/\1/p')
# The same keys for the others: public keys as a file (driver, opendkim -t,
# the checks), PKCS#1 PEM for RSA (dkimpy, Mail::DKIM), base64 seed for
# Ed25519 (dkimpy). The driver and opendkim read the keystore's PEM files.
helper pubkeys "$W/records" "$W/pubkeys"
openssl rsa -in "$rsakey" -traditional -out "$W/rsa-pkcs1.pem" 2>/dev/null
helper ed25519-seed "$edkey" > "$W/dkimpy-ed25519.key"
chmod 600 "$W/rsa-pkcs1.pem" "$W/dkimpy-ed25519.key"

say "DNS: t/dnsserver.sh start $W/dns $W/records --dnssec"
dns_dir=$W/dns
sh "$top/t/dnsserver.sh" stop "$dns_dir" >/dev/null 2>&1 || true
DNSSERVER_LIFETIME=28800 DNSSERVER_OWNER=$$ \
	sh "$top/t/dnsserver.sh" start "$dns_dir" "$W/records" --dnssec > "$W/raw/dns-vars.txt" 2> "$W/raw/dns-start.err" ||
	die "the DNS server did not start: $(cat "$W/raw/dns-start.err")"
# PORT, UNBOUND_CONF, ...
. "$dns_dir/vars"

# opendkim -t: KeyTable/SigningTable for signing, TestPublicKeys for
# verifying. RequireSafeKeys no: the milter refuses (tempfails) a key
# under a world-writable directory such as /tmp.
O=$W/opendkim
for a in rsa ed25519; do
	if [ $a = rsa ]; then s=$rsasel k=$rsakey alg=rsa-sha256; else s=$edsel k=$edkey alg=ed25519-sha256; fi
	echo "$a._domainkey.good.test good.test:$s:$k" > "$O/keytable-$a"
	echo "good.test $a._domainkey.good.test" > "$O/signingtable-$a"
	cat > "$O/sign-$a.conf" <<EOF
Mode			s
KeyTable		file:$O/keytable-$a
SigningTable		file:$O/signingtable-$a
Canonicalization	relaxed/relaxed
SignatureAlgorithm	$alg
RequireSafeKeys		no
Syslog			no
EOF
done
cat > "$O/verify.conf" <<EOF
Mode			v
TestPublicKeys		$W/pubkeys
Syslog			no
EOF

# --- signed inputs -------------------------------------------------------------
say "signing the verifiers' inputs with dkimpipe-sign (rsa, ed25519)"
S="$sign --config $W/empty.conf --keystore $KS"
for n in $size_names; do
	$S --selector "$rsasel" < "$W/msgs/msg-$n.eml" > "$W/signed/rsa-$n.eml"
	$S --selector "$edsel" < "$W/msgs/msg-$n.eml" > "$W/signed/ed25519-$n.eml"
done
for a in rsa ed25519; do
	[ $a = rsa ] && s=$rsasel || s=$edsel
	mkdir -p "$W/mix-$a"
	: > "$W/mix-$a/list"
	while read -r f; do
		b=${f##*/}
		$S --selector "$s" < "$f" > "$W/mix-$a/$b"
		echo "$W/mix-$a/$b" >> "$W/mix-$a/list"
	done < "$W/mix/list"
done

# --- commands --------------------------------------------------------------------
# op|implementation|class|check|shell command (stdin: the message)
# class: fast or slow (interpreters: fewer runs, every Nth mix message)
# check: - | message | field | opendkim (signers) | dkimpipe | driver |
#        opendkim | dkimpy | maildkim (verifiers)
V="$verify --config $W/empty.conf --resolver-conf $UNBOUND_CONF --authserv-id mx.good.test --reject no-pass"
cmds="floor|cat|fast|-|cat
floor|sha256sum|fast|-|sha256sum"
for a in rsa ed25519; do
	if [ $a = rsa ]; then s=$rsasel k=$rsakey alg=rsa-sha256; else s=$edsel k=$edkey alg=ed25519-sha256; fi
	cmds="$cmds
sign-$a|dkimpipe|fast|message|$S --selector $s"
	[ -z "$drv" ] || cmds="$cmds
sign-$a|libopendkim driver|fast|message|$drv sign -k $k -s $s -d good.test -a $alg"
	[ -z "$opendkim" ] || cmds="$cmds
sign-$a|opendkim -t|fast|opendkim|$opendkim -x $O/sign-$a.conf -t -"
	if [ -n "$dkimsign" ]; then
		if [ $a = rsa ]; then
			cmds="$cmds
sign-$a|dkimpy|slow|message|$dkimsign --hcanon relaxed --bcanon relaxed $s good.test $W/rsa-pkcs1.pem"
		else
			cmds="$cmds
sign-$a|dkimpy|slow|message|$dkimsign --hcanon relaxed --bcanon relaxed --signalg ed25519-sha256 $s good.test $W/dkimpy-ed25519.key"
		fi
	fi
	[ $a != rsa ] || [ $have_maildkim = 0 ] || [ -z "$dkimproxy_sign" ] || cmds="$cmds
sign-$a|Mail::DKIM|slow|field|$dkimproxy_sign --method relaxed/relaxed --selector $s --domain good.test --key $W/rsa-pkcs1.pem"
done
for a in rsa ed25519; do
	cmds="$cmds
verify-$a|dkimpipe|fast|dkimpipe|$V"
	[ -z "$drv" ] || cmds="$cmds
verify-$a|libopendkim driver|fast|driver|$drv verify -f $W/pubkeys -A mx.good.test"
	[ -z "$opendkim" ] || cmds="$cmds
verify-$a|opendkim -t|fast|opendkim|$opendkim -x $O/verify.conf -t -"
	[ $have_dkimpy_verify = 0 ] || cmds="$cmds
verify-$a|dkimpy|slow|dkimpy|$py $here/dkimpy-verify.py $PORT"
	# Debian 12's Mail::DKIM has no Ed25519.
	[ $a != rsa ] || [ $have_maildkim = 0 ] || cmds="$cmds
verify-$a|Mail::DKIM|slow|maildkim|perl $here/maildkim-verify.pl $PORT"
done
printf '%s\n' "$cmds" > "$W/raw/commands.txt"

# input_for OP SIZE: the message file a command of OP reads.
input_for() {
	case $1 in
	verify-*) echo "$W/signed/${1#verify-}-$2.eml" ;;
	*) echo "$W/msgs/msg-$2.eml" ;;
	esac
}
list_for() {
	case $1 in
	verify-*) echo "$W/mix-${1#verify-}/list" ;;
	*) echo "$W/mix/list" ;;
	esac
}
alg_of() { case $1 in *-rsa) echo rsa-sha256 ;; *) echo ed25519-sha256 ;; esac; }
slug() { printf '%s' "$*" | tr -c 'A-Za-z0-9.' '-'; }

# --- checks ------------------------------------------------------------------------
# run_check OP IMPL CHECK CMD INPUT: run CMD once on INPUT, keep the output
# and note what to judge; judge_checks then judges them all in one python.
run_check() {
	o=$W/raw/check/$(slug "$1-$2")-${5##*/}
	sh -c "exec $4" < "$5" > "$o" 2> "$o.err" && rc=0 || rc=$?
	case $1 in
	sign-*) [ $rc = 0 ] || die "$2 ($1) on ${5##*/}: exit $rc: $(head -3 "$o.err")" ;;
	esac
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$o" "$5" "$rc" "$(alg_of "$1")" >> "$W/raw/check/manifest"
}
judge_checks() {
	helper check-many "$W/raw/check/manifest" "$W/pubkeys" >> "$W/raw/checks.txt" ||
		die "check failed: $(tail -1 "$W/raw/checks.txt")"
	cut -f4 "$W/raw/check/manifest" | while read -r f; do rm -f "$f" "$f.err"; done
	: > "$W/raw/check/manifest"
}
: > "$W/raw/check/manifest"
: > "$W/raw/checks.txt"
say "checking every signer and verifier on every size"
while IFS='|' read -r op impl class check cmd; do
	[ "$check" = - ] && continue
	for n in $size_names; do
		run_check "$op" "$impl" "$check" "$cmd" "$(input_for "$op" "$n")"
	done
done <<EOF
$cmds
EOF
judge_checks
# The signers on a sample of the mix (the verifiers are checked on all of
# it by their exit status while they run, opendkim -t by its output).
sample_step=50
[ "$mix" -ge 1000 ] || sample_step=10
say "checking the signers on every ${sample_step}th mix message"
awk -v s="$sample_step" '(NR - 1) % s == 0' "$W/mix/list" > "$W/raw/check/sample"
while IFS='|' read -r op impl class check cmd; do
	case $op in sign-*) ;; *) continue ;; esac
	while read -r f; do
		run_check "$op" "$impl" "$check" "$cmd" "$f"
	done < "$W/raw/check/sample"
done <<EOF
$cmds
EOF
judge_checks
nchecks=$(wc -l < "$W/raw/checks.txt")

# --- timing per message --------------------------------------------------------------
runs_for() { # CLASS SIZE
	if [ -n "$runs" ]; then echo "$runs"
	elif [ $quick = 1 ]; then [ "$1" = slow ] && echo 3 || echo 10
	elif [ "$1" = slow ]; then [ "$2" = 20MB ] && echo 5 || echo 20
	else [ "$2" = 20MB ] && echo 20 || echo 50
	fi
}
warm_for() { # CLASS SIZE
	if [ $quick = 1 ]; then echo 1
	elif [ "$1" = slow ]; then [ "$2" = 20MB ] && echo 1 || echo 2
	else [ "$2" = 20MB ] && echo 2 || echo 3
	fi
}

# hf NAME WARM RUNS LABEL CMD: one hyperfine run into $W/raw/hf/NAME.json.
# CMD is "seqrun -i MESSAGE COMMAND...", run without a shell (-N):
# hyperfine's subtraction of a shell's start-up time is too noisy on a
# busy machine.
hf() {
	name=$1 w=$2 r=$3
	shift 3
	set -- "$hyperfine" -N --warmup "$w" --runs "$r" --style basic \
		--export-json "$W/raw/hf/$name.json" "$@"
	"$@" > "$W/raw/hf/$name.log" 2>&1 ||
		die "hyperfine failed, see $W/raw/hf/$name.log: $(tail -3 "$W/raw/hf/$name.log")"
}

# Per size, the runs of each command are spread over $size_rounds rounds
# that go through all the commands in turn (the first with the full
# warmup, the others with one warmup run each), then pooled: a burst of
# load from elsewhere hits every command alike, not one block of runs.
size_rounds=$([ $quick = 1 ] && echo 1 || echo 5)
for n in $size_names; do
	k=1
	while [ $k -le "$size_rounds" ]; do
		say "timing $n, round $k of $size_rounds"
		while IFS='|' read -r op impl class check cmd; do
			in=$(input_for "$op" "$n")
			r=$(runs_for "$class" "$n") w=$(warm_for "$class" "$n")
			r=$(( (r + size_rounds - 1) / size_rounds ))
			[ $k = 1 ] || w=1
			hf "$(slug "$op-$impl-$n")-$k" "$w" "$r" --command-name "$impl" "$seqrun -i $in $cmd"
		done <<EOF
$cmds
EOF
		k=$((k + 1))
	done
	while IFS='|' read -r op impl class check cmd; do
		printf 'time\t%s\t%s\t%s\t%s\n' "$op" "$impl" "$n" \
			"$(helper hf-pool "$W"/raw/hf/"$(slug "$op-$impl-$n")"-*.json)" >> "$results"
	done <<EOF
$cmds
EOF
done

# --- ratios: dkimpipe against the driver, interleaved rounds ---------------------------
# Each round times dkimpipe and the driver back to back (which goes first
# alternates) with seqrun on the 2 KB message repeated: each run is one
# posix_spawn with the message as stdin, nothing in between; the first
# $rw runs of each are warmup and left out. One ratio of medians per round.
if [ -n "$drv" ]; then
	rr=$([ $quick = 1 ] && echo 10 || echo 40)
	[ -z "$runs" ] || rr=$runs
	rw=3
	mkdir -p "$W/raw/ratio"
	i=1
	while [ $i -le "$rounds" ]; do
		say "ratios: round $i of $rounds ($rw + $rr runs each)"
		for op in sign-ed25519 sign-rsa verify-rsa verify-ed25519; do
			in=$(input_for "$op" 2KB)
			l=$W/raw/ratio/list-$op
			[ -f "$l" ] || awk -v f="$in" -v n=$((rw + rr)) 'BEGIN { for (k = 0; k < n; k++) print f }' > "$l"
			if [ $((i % 2)) = 1 ]; then order="dkimpipe|libopendkim driver"; else order="libopendkim driver|dkimpipe"; fi
			for impl in "${order%|*}" "${order#*|}"; do
				c=$(printf '%s\n' "$cmds" | awk -F'|' -v o="$op" -v m="$impl" '$1==o && $2==m {print $5}')
				t=$W/raw/ratio/$(slug "$op-$impl")-$i.times
				# shellcheck disable=SC2086  # the command's words
				"$seqrun" -t "$t" "$l" $c > /dev/null 2> "$t.err" ||
					die "ratios: $impl ($op) failed: $(tail -3 "$t.err")"
			done
			d=$(helper times-stats "$W/raw/ratio/$(slug "$op-dkimpipe")-$i.times" "$rw")
			r=$(helper times-stats "$W/raw/ratio/$(slug "$op-libopendkim driver")-$i.times" "$rw")
			# ratio OP ROUND dkimpipe_median driver_median dkimpipe_cpu driver_cpu
			printf 'ratio\t%s\t%s\t%s\t%s\t%s\t%s\n' "$op" "$i" \
				"$(echo "$d" | cut -f1)" "$(echo "$r" | cut -f1)" \
				"$(echo "$d" | cut -f4)" "$(echo "$r" | cut -f4)" >> "$results"
		done
		for name in $floors; do
			t=$W/raw/ratio/floor-$name-$i.times
			"$seqrun" -t "$t" "$W/raw/ratio/list-sign-rsa" "$W/bin/floor-$name" > /dev/null 2> "$t.err" ||
				die "floor-$name failed: $(tail -3 "$t.err")"
			printf 'floor\t%s\t%s\t%s\n' "$name" "$i" "$(helper times-stats "$t" "$rw")" >> "$results"
		done
		i=$((i + 1))
	done
fi

# --- instructions: callgrind, dkimpipe and the driver, 2 KB ------------------------------
# Instruction counts do not depend on the load of the machine. One run each
# under valgrind --tool=callgrind; the total, the part in ld.so's _dl_start
# (loading and relocating the shared libraries) and the part under main.
cg=
if [ -n "$drv" ] && command -v valgrind >/dev/null && command -v callgrind_annotate >/dev/null; then
	say "callgrind: dkimpipe and the driver, 2 KB"
	mkdir -p "$W/raw/cg"
	while IFS='|' read -r op impl class check cmd; do
		case $impl in dkimpipe|"libopendkim driver") ;; *) continue ;; esac
		case $op in floor) continue ;; esac
		f=$W/raw/cg/$(slug "$op-$impl")
		# shellcheck disable=SC2086  # the command's words
		valgrind --tool=callgrind --callgrind-out-file="$f.out" $cmd < "$(input_for "$op" 2KB)" > /dev/null 2> "$f.err" ||
			die "callgrind: $impl ($op) failed: $(tail -3 "$f.err")"
		callgrind_annotate --auto=no --inclusive=yes "$f.out" > "$f.incl.txt" 2>/dev/null &&
			callgrind_annotate --auto=no --threshold=100 "$f.out" > "$f.self.txt" 2>/dev/null ||
			die "callgrind_annotate $f.out failed"
		printf 'cg\t%s\t%s\t%s\n' "$op" "$impl" "$(helper cg-parse "$f.incl.txt" "$f.self.txt")" >> "$results"
	done <<EOF
$cmds
EOF
	cg=$(valgrind --version)
else
	say "note: no valgrind (apt-get install valgrind) or no driver: no instruction counts"
fi

# --- batch: the mix, sequential, one process per message -------------------------------
while IFS='|' read -r op impl class check cmd; do
	step=1
	[ "$class" = fast ] || step=$slow_step
	list=$(list_for "$op")
	b=$W/raw/batch/$(slug "$op-$impl")
	say "batch: $op, $impl, $( [ "$step" = 1 ] && echo "$mix messages" || echo "every ${step}th of $mix messages")"
	rm -f "$b.out"
	o=/dev/null
	[ "$check" != opendkim ] || o=$b.out
	# shellcheck disable=SC2086  # the command's words
	r=$("$seqrun" -s "$step" -o "$o" -e "$b.err" -t "$b.times" "$list" $cmd) ||
		die "batch: $impl ($op) failed: $(tail -3 "$b.err")"
	wall=${r##* }
	st=$(helper times "$b.times")
	nmsg=${st%%	*}
	if [ "$check" = opendkim ] && [ "${op%%-*}" = verify ]; then
		ok=$(helper count "$b.out" 'verification \(.*\) succeeded$')
		[ "$ok" = "$nmsg" ] || die "batch: opendkim -t ($op): $ok of $nmsg messages verified"
	elif [ "$check" = opendkim ]; then
		ok=$(helper count "$b.out" '^DKIM-Signature: ')
		[ "$ok" = "$nmsg" ] || die "batch: opendkim -t ($op): $ok of $nmsg messages signed"
	fi
	printf 'batch\t%s\t%s\t%s\t%s\t%s\n' "$op" "$impl" "$step" "$st" "$wall" >> "$results"
done <<EOF
$cmds
EOF

# --- memory --------------------------------------------------------------------------
if [ -n "$gnutime" ]; then
	for n in $size_names; do
		say "peak RSS, $n"
		while IFS='|' read -r op impl class check cmd; do
			f=$W/raw/time-$(slug "$op-$impl-$n").txt
			in=$(input_for "$op" "$n")
			"$gnutime" -f '%e %M' -o "$f" sh -c "exec $cmd" < "$in" > /dev/null 2> "$f.err" ||
				die "$impl ($op) failed on ${in##*/}: $(head -3 "$f.err")"
			read -r _ kb < "$f"
			printf 'rss\t%s\t%s\t%s\t%s\n' "$op" "$impl" "$n" "$kb" >> "$results"
		done <<EOF
$cmds
EOF
	done
fi
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
minutes=$(( ($(date +%s) - t_start + 30) / 60 ))

# --- report ----------------------------------------------------------------------------
version_of() { "$@" 2>&1 | head -1; }
pkgver() { dpkg-query -W -f '${Package} ${Version}' "$1" 2>/dev/null || echo "$1 ?"; }
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
[ -n "$cpu" ] || cpu=$(uname -m)
commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo "no commit")
dirty=$(git -C "$top" status --porcelain 2>/dev/null | grep -v '^??' | head -1 || true)
[ -z "$dirty" ] || commit="$commit (with uncommitted changes)"
cflags=$(sed -n 's/^CFLAGS = //p' "$build/Makefile" 2>/dev/null | head -1)
ccname=$(sed -n 's/^CC = //p' "$build/Makefile" 2>/dev/null | head -1)
shorten() { sed "s#$W#\$W#g; s#$here/#bench/#g; s#$py #python3 #g"; }

report() {
	echo "# dkimpipe against other implementations, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "machine:   $(nproc) CPUs, $cpu, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
	echo "load:      $load_start at start, $load_end at end (1/5/15 min load average); run took $minutes min"
	echo "os:        $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME"); $(version_of openssl version)"
	echo "dkimpipe:  $(version_of "$sign" --version), tree $commit${ccname:+, $ccname $cflags}; $(pkgver libunbound8)"
	[ -z "$drv" ] || echo "driver:    bench/odkim-driver.c, $(basename "$cc") -O2, $(pkgver libopendkim11); harness bench/seqrun.c, -O2$seqrun_static"
	[ -z "$opendkim" ] || echo "opendkim:  $(version_of "$opendkim" -V) ($(pkgver opendkim)), -t test mode"
	echo "dkimpy:    $(pkgver python3-dkim), $(pkgver python3-dnspython), $("$py" --version 2>&1)"
	[ $have_maildkim = 0 ] || echo "Mail::DKIM: $(pkgver libmail-dkim-perl), $(pkgver libnet-dns-perl), perl $(perl -e 'printf "%vd", $^V')"
	echo "tools:     $(version_of "$hyperfine" --version); ${gnutime:+GNU time $(dpkg-query -W -f '${Version}' time 2>/dev/null || echo '?'); }coreutils $(cat --version | sed -n '1s/.* //p')"
	echo "dns:       $(pkgver nsd) on 127.0.0.1:$PORT (t/dnsserver.sh --dnssec), good.test signed; dkimpipe-verify validates"
	echo "           (libunbound, trust anchor test.); dkimpy and Mail::DKIM ask it without DNSSEC; the driver and"
	echo "           opendkim -t read the same keys from \$W/pubkeys (no DNS)"
	echo "keys:      rsa-${rsabits:-?} selector $rsasel, ed25519 selector $edsel (domain good.test, dkimpipe-keys new)"
	echo "messages:  LF line ends, From alice@good.test (bench/signbench.py's generator):"
	for s in $sizes; do
		n=${s%%:*}
		printf '           %-5s %9s bytes  sha256 %s\n' "$n" "$(wc -c < "$W/msgs/msg-$n.eml")" "$(cut -c1-16 "$W/msgs/msg-$n.eml.sha256")"
	done
	echo "mix:       $mix_desc; digest $mix_digest"
	echo "           verifiers get the messages signed by dkimpipe-sign (relaxed/relaxed) with one key"
	echo "commands:  (stdin: the message; stdout: /dev/null)"
	printf '%s\n' "$cmds" | while IFS='|' read -r op impl class check cmd; do
		printf '           %-15s %-19s %s\n' "$op" "$impl" "$(printf '%s' "$cmd" | shorten)"
	done
	echo "checked:   $nchecks outputs before timing (every signer and verifier on every size; the signers on every"
	echo "           ${sample_step}th mix message): each signature verified by dkimpy, each verifier said pass"
	echo "           ($W/raw/checks.txt); in the batches every verifier's exit status (opendkim -t: its output)"
	echo
	if [ -n "$drv" ]; then
		echo "dkimpipe / libopendkim driver per 2 KB message: $rounds rounds, each timing both back to back (order"
		echo "alternating) with bench/seqrun.c, $rr runs after $rw warmup; wall = median wall time of a run (spawn to"
		echo "exit), CPU = median user+system (wait4); ratio = median of the rounds' ratios, min-max across rounds."
		echo "Verify: dkimpipe's time includes its DNSSEC-validated lookups; the driver reads the key from a file:"
		echo
		helper ratio-table "$results"
		echo
		if [ -n "$floors" ]; then
			echo "Start-up floors, same rounds: an empty main() linked against the same shared libraries (NEEDED):"
			echo
			helper floor-table "$results" "$W/raw/floor-libs.txt"
			echo
		fi
	fi
	if [ -n "$cg" ]; then
		echo "Instructions per 2 KB message, Mi (2^20), one run each under callgrind ($cg): load-independent."
		echo "ld.so: ld.so's _dl_start, inclusive (loading and relocating the shared libraries); main: under main."
		echo "Valgrind hides SHA-NI from the CPU, so SHA-256-heavy code counts more than it costs natively:"
		echo
		helper cg-table "$results"
		echo
	fi
	echo "Median wall time per message, ms [p25-p75]; hyperfine -N (no shell) timing \"seqrun -i MESSAGE COMMAND\","
	echo "one process per message (the seqrun exec is in every row: see cat); the runs spread over $size_rounds round(s)"
	echo "through all commands, pooled; runs per size:"
	echo "fast $(runs_for fast 2KB) ($(warm_for fast 2KB) warmup)$(case $size_names in *20MB*) echo ", 20MB $(runs_for fast 20MB)" ;; esac); dkimpy and Mail::DKIM $(runs_for slow 2KB)$(case $size_names in *20MB*) echo ", 20MB $(runs_for slow 20MB)" ;; esac). Last column: MB/s"
	echo "from the last two sizes (the slope: start-up cancels out)."
	for op in floor sign-rsa sign-ed25519 verify-rsa verify-ed25519; do
		echo
		case $op in
		floor) echo "Floors (the unsigned message):" ;;
		sign-rsa) echo "Sign, RSA-2048:" ;;
		sign-ed25519) echo "Sign, Ed25519:" ;;
		verify-rsa) echo "Verify, RSA-2048 (dkimpipe: with DNS + DNSSEC; dkimpy, Mail::DKIM: DNS; driver, opendkim -t: key file):" ;;
		verify-ed25519) echo "Verify, Ed25519 (as above):" ;;
		esac
		echo
		helper size-table "$results" "$(echo $size_names | tr ' ' ,)" "$op"
	done
	echo
	echo "Mean CPU time (user+system) per 2 KB message, ms (hyperfine, same runs, seqrun's exec included):"
	echo
	helper cpu-table "$results" 2KB
	echo
	echo "Batch: the mix, sequential, one process per message (bench/seqrun.c: posix_spawn, wait, next);"
	echo "dkimpy and Mail::DKIM every ${slow_step}th message only. median, p90: wall time per message; CPU: median"
	echo "user+system per message:"
	echo
	helper batch-table "$results"
	if [ -n "$gnutime" ]; then
		echo
		echo "Peak RSS, MiB (GNU time %M, one run per size):"
		echo
		helper rss-table "$results" "$(echo $size_names | tr ' ' ,)"
	fi
	echo
	echo "reproduce: cd $top && bench/compare.sh$argv_quoted"
	[ -z "$dir" ] || echo "raw data:  $W/raw"
}

if [ -n "$out" ]; then
	report | tee "$out"
else
	report
fi

#!/bin/bash
# Benchmark of dkimpipe-sign against cat, sha256sum and dkimpy's dkimsign.
#
# One process per message, as an MTA runs a signing filter: every timed run
# starts the program, feeds it one message on stdin and lets it write the
# signed message to stdout (/dev/null). Reports the median wall time per
# message for each size, then peak RSS per size (GNU time %M).
#
# Usage: bench/sign.sh [--quick] [--out FILE] [--dir DIR] [--build DIR]
#                      [--runs N] [--peers-only]
#   --quick       fewer runs, no 100 MB message
#   --out FILE    also write the report to FILE
#   --dir DIR     put messages, keys and raw results in DIR and keep them
#                 (default: a temporary directory, removed at exit)
#   --build DIR   where dkimpipe-sign and dkimpipe-keys are (default: the
#                 top of the tree this script is in)
#   --runs N      timed runs per command and size (default 50, 20 MB: 20;
#                 --quick: 5 and 3)
#   --peers-only  only cat, sha256sum and dkimsign, keys made with openssl
#                 (to try the script before dkimpipe is built)
#
# Needs: bash, python3, openssl, coreutils; hyperfine (else a date +%s%N
# loop), GNU time (/usr/bin/time) for memory, python3-dkim for dkimsign and
# for checking the signatures. Nothing talks to the network.

set -eu
export LC_ALL=C

prog=${0##*/}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
argv_quoted=
[ $# = 0 ] || argv_quoted=$(printf ' %q' "$@")

quick=0 out= dir= build=$top runs= peers_only=0
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
	--peers-only) peers_only=1 ;;
	-h|--help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "$prog: unknown option $1 (try --help)" >&2; exit 64 ;;
	esac
	shift
done
case $runs in ''|*[!0-9]*) [ -z "$runs" ] || { echo "$prog: --runs N" >&2; exit 64; } ;; esac
build=$(cd "$build" && pwd)

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
say() { printf '%s\n' "$*" >&2; }
die() { say "$prog: $*"; exit 1; }

# --- tools -----------------------------------------------------------------
# dkimsign is a Python script for the system python (python3-dkim), so the
# helper's signature check runs with that python too.
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
helper() { "$py" "$here/signbench.py" "$@"; }
command -v openssl >/dev/null || die "openssl not found"
dkimsign=$(command -v dkimsign || true)
"$py" -c 'import dkim' 2>/dev/null || { dkimsign=; say "note: python3-dkim missing: no dkimsign rows, no signature check (apt-get install python3-dkim)"; }
hyperfine=$(command -v hyperfine || true)
[ -n "$hyperfine" ] || say "note: hyperfine not found (apt-get install hyperfine); timing with a date +%s%N loop"
gnutime=
[ -x /usr/bin/time ] && /usr/bin/time -f %M true >/dev/null 2>&1 && gnutime=/usr/bin/time
[ -n "$gnutime" ] || say "note: GNU time not found (apt-get install time): no memory figures"

sign=$build/dkimpipe-sign keys=$build/dkimpipe-keys
if [ $peers_only = 0 ]; then
	[ -x "$sign" ] && [ -x "$keys" ] ||
		die "no $sign or $keys: build first (cd $top && make), or use --peers-only"
fi

# --- work directory --------------------------------------------------------
if [ -n "$dir" ]; then
	mkdir -p "$dir"
	W=$(cd "$dir" && pwd)
else
	W=$(mktemp -d "${TMPDIR:-/tmp}/dkimpipe-bench.XXXXXX")
	trap 'rm -rf "$W"' EXIT
fi
trap 'say "$prog: interrupted"; exit 130' INT TERM
rm -rf "$W/ks" "$W/raw" "$W/bin"
mkdir -p "$W/raw"
if [ $peers_only = 0 ]; then
	# Time a snapshot, so that a rebuild during the run cannot change it.
	mkdir -p "$W/bin"
	cp "$sign" "$keys" "$W/bin/"
	sign=$W/bin/dkimpipe-sign keys=$W/bin/dkimpipe-keys
fi
results=$W/raw/results.tsv
: > "$results"

# --- messages ----------------------------------------------------------------
# name:bytes; contents depend only on the name and size (see signbench.py).
sizes="2KB:2048 100KB:102400 20MB:20971520"
[ $quick = 1 ] || sizes="$sizes 100MB:104857600"
say "generating messages in $W"
need=
for s in $sizes; do
	n=${s%%:*} b=${s#*:}
	f=$W/msg-$n.eml
	# reuse a kept message only if it is the one we would generate
	[ -f "$f" ] && [ "$(wc -c < "$f")" = "$b" ] && [ -f "$f.sha256" ] &&
		sha256sum -c --status "$f.sha256" 2>/dev/null && continue
	need="$need $s"
done
[ -z "$need" ] || helper gen "$W" $need
for s in $sizes; do
	n=${s%%:*}
	(cd "$W" && sha256sum "msg-$n.eml" > "msg-$n.eml.sha256")
done
time_sizes="2KB 100KB 20MB"
mem_sizes="2KB 100KB 20MB"
[ $quick = 1 ] || mem_sizes="$mem_sizes 100MB"

# --- keys --------------------------------------------------------------------
KS=$W/ks
if [ $peers_only = 0 ]; then
	say "creating keystore: $keys --keystore $KS new --domain bench.example"
	"$keys" --keystore "$KS" new --domain bench.example > "$W/raw/dns-zone.txt"
	rsasel=$(awk '$1=="bench.example" && $3=="rsa" && $4=="active" {print $2; exit}' "$KS/selectors")
	edsel=$(awk '$1=="bench.example" && $3=="ed25519" && $4=="active" {print $2; exit}' "$KS/selectors")
else
	say "--peers-only: keys made with openssl"
	rsasel=benchr edsel=benche
	mkdir -p "$KS/keys/bench.example"
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$KS/keys/bench.example/$rsasel.pem" 2>/dev/null
	openssl genpkey -algorithm ED25519 -out "$KS/keys/bench.example/$edsel.pem"
fi
[ -n "$rsasel" ] && [ -n "$edsel" ] || die "keystore $KS has no active rsa and ed25519 selector"
rsakey=$KS/keys/bench.example/$rsasel.pem
edkey=$KS/keys/bench.example/$edsel.pem
[ -f "$rsakey" ] && [ -f "$edkey" ] || die "keys not found: $rsakey $edkey"
rsabits=$(openssl pkey -in "$rsakey" -noout -text 2>/dev/null | sed -n 's/.*Private-Key: (\([0-9]*\) bit.*/\1/p')

# The same keys in the formats dkimpy reads: PKCS#1 PEM for RSA, the
# base64 seed for Ed25519.
openssl rsa -in "$rsakey" -traditional -out "$W/dkimpy-rsa.pem" 2>/dev/null
helper ed25519-seed "$edkey" > "$W/dkimpy-ed25519.key"
chmod 600 "$W/dkimpy-rsa.pem" "$W/dkimpy-ed25519.key"
# Public keys, as DNS would serve them, for the signature check.
{
	printf '%s v=DKIM1; k=rsa; p=%s\n' "$rsasel" \
		"$(openssl pkey -in "$rsakey" -pubout -outform DER | base64 -w0)"
	printf '%s v=DKIM1; k=ed25519; p=%s\n' "$edsel" \
		"$(openssl pkey -in "$edkey" -pubout -outform DER | tail -c 32 | base64 -w0)"
} > "$W/dns.txt"

# --- commands ----------------------------------------------------------------
# label|expected signatures (- = not a signer)|shell command (stdin: message)
: > "$W/empty.conf"
cmds="cat|-|cat
sha256sum|-|sha256sum"
if [ $peers_only = 0 ]; then
	s="$sign --config $W/empty.conf --keystore $KS"
	cmds="$cmds
dkimpipe-sign rsa|1|$s --selector $rsasel
dkimpipe-sign ed25519|1|$s --selector $edsel
dkimpipe-sign dual|2|$s"
fi
if [ -n "$dkimsign" ]; then
	d="$dkimsign --hcanon relaxed --bcanon relaxed"
	cmds="$cmds
dkimsign rsa|1|$d $rsasel bench.example $W/dkimpy-rsa.pem"
	if "$dkimsign" --help 2>&1 | grep -q ed25519-sha256; then
		cmds="$cmds
dkimsign ed25519|1|$d --signalg ed25519-sha256 $edsel bench.example $W/dkimpy-ed25519.key"
	else
		say "note: this dkimsign has no --signalg ed25519-sha256"
	fi
fi
labels=$(printf '%s\n' "$cmds" | cut -d'|' -f1 | paste -sd, -)

# --- check the signers before timing them -----------------------------------
say "checking outputs"
checks=
while IFS='|' read -r label want cmd; do
	[ "$want" = - ] && continue
	for n in $time_sizes; do
		o=$W/raw/out-${label// /-}-$n.eml
		sh -c "exec $cmd" < "$W/msg-$n.eml" > "$o" 2> "$o.err" ||
			die "$label failed on msg-$n.eml (exit $?): $(head -3 "$o.err")"
		if r=$(helper verify "$o" "$W/msg-$n.eml" "$W/dns.txt" "$want" 2>&1); then
			:
		else
			die "$label on msg-$n.eml: $r $(head -3 "$o.err")"
		fi
		checks="$checks
  $label, $n: $r"
	done
done <<EOF
$cmds
EOF

# --- timing ------------------------------------------------------------------
runs_for() {
	if [ -n "$runs" ]; then echo "$runs"
	elif [ $quick = 1 ]; then case $1 in 20MB) echo 3 ;; *) echo 5 ;; esac
	else case $1 in 20MB) echo 20 ;; *) echo 50 ;; esac
	fi
}
warm_for() { if [ $quick = 1 ]; then echo 1; else case $1 in 20MB) echo 2 ;; *) echo 3 ;; esac; fi; }

for n in $time_sizes; do
	m=$W/msg-$n.eml r=$(runs_for $n) w=$(warm_for $n)
	say "timing $n: $r runs, $w warmup"
	if [ -n "$hyperfine" ]; then
		set -- "$hyperfine" --warmup "$w" --runs "$r" --style basic \
			--export-json "$W/raw/hyperfine-$n.json"
		while IFS='|' read -r label want cmd; do
			set -- "$@" --command-name "$label" "$cmd < $m > /dev/null"
		done <<EOF
$cmds
EOF
		"$@" > "$W/raw/hyperfine-$n.log" 2>&1 ||
			die "hyperfine failed, see $W/raw/hyperfine-$n.log: $(tail -3 "$W/raw/hyperfine-$n.log")"
		helper hf-medians "$W/raw/hyperfine-$n.json" |
			while IFS="$(printf '\t')" read -r label med; do
				printf 'time\t%s\t%s\t%s\n' "$label" "$n" "$med"
			done >> "$results"
	else
		while IFS='|' read -r label want cmd; do
			t=$W/raw/loop-${label// /-}-$n.ns
			: > "$t"
			i=0
			while [ $i -lt $((w + r)) ]; do
				t0=$(date +%s%N)
				sh -c "exec $cmd" < "$m" > /dev/null
				t1=$(date +%s%N)
				[ $i -lt "$w" ] || echo $((t1 - t0)) >> "$t"
				i=$((i + 1))
			done
			printf 'time\t%s\t%s\t%s\n' "$label" "$n" "$(helper median-ns "$t")" >> "$results"
		done <<EOF
$cmds
EOF
	fi
done

# --- memory ------------------------------------------------------------------
if [ -n "$gnutime" ]; then
	for n in $mem_sizes; do
		say "peak RSS, $n"
		while IFS='|' read -r label want cmd; do
			f=$W/raw/time-${label// /-}-$n.txt
			"$gnutime" -f '%e %M' -o "$f" sh -c "exec $cmd" < "$W/msg-$n.eml" > /dev/null 2> "$f.err" ||
				die "$label failed on msg-$n.eml: $(head -3 "$f.err")"
			read -r el kb < "$f"
			printf 'rss\t%s\t%s\t%s\n' "$label" "$n" "$kb" >> "$results"
			[ "$n" != 100MB ] || printf 'wall1\t%s\t%s\t%s\n' "$label" "$n" "$el" >> "$results"
		done <<EOF
$cmds
EOF
	done
fi

# --- report ------------------------------------------------------------------
version_of() { "$@" 2>&1 | head -1; }
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
[ -n "$cpu" ] || cpu=$(uname -m)
commit=$(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo "no commit")
dirty=$(git -C "$top" status --porcelain 2>/dev/null | grep -v '^??' | head -1 || true)
[ -z "$dirty" ] || commit="$commit (with uncommitted changes)"
cflags=$(sed -n 's/^CFLAGS = //p' "$build/Makefile" 2>/dev/null | head -1)
cc=$(sed -n 's/^CC = //p' "$build/Makefile" 2>/dev/null | head -1)

report() {
	echo "# dkimpipe-sign benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "machine:   $(nproc) CPUs, $cpu, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)"
	echo "load:      $load_start at start (1/5/15 min load average; other busy processes skew the figures)"
	echo "os:        $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")"
	if [ $peers_only = 0 ]; then
		echo "dkimpipe:  $(version_of "$sign" --version), tree $commit${cc:+, $cc $cflags}"
	fi
	[ -z "$dkimsign" ] || echo "dkimpy:    $(dpkg-query -W -f '${Package} ${Version}' python3-dkim 2>/dev/null || echo '?'), $("$py" --version 2>&1)"
	echo "tools:     $(version_of openssl version); coreutils $(cat --version | sed -n '1s/.* //p')${hyperfine:+; $(version_of "$hyperfine" --version)}${gnutime:+; GNU time $(dpkg-query -W -f '${Version}' time 2>/dev/null || echo '?')}"
	echo "keys:      rsa-${rsabits:-?} selector $rsasel, ed25519 selector $edsel (domain bench.example$([ $peers_only = 0 ] && echo ", made by dkimpipe-keys new"))"
	echo "messages:  LF line ends; same bytes every run:"
	for s in $sizes; do
		n=${s%%:*}
		printf '           %-6s %10s bytes  sha256 %s\n' "$n" "$(wc -c < "$W/msg-$n.eml")" "$(cut -c1-16 "$W/msg-$n.eml.sha256")"
	done
	echo "commands:  (stdin: the message; stdout: /dev/null)"
	printf '%s\n' "$cmds" | while IFS='|' read -r label want cmd; do
		printf '           %-22s %s\n' "$label" "$(printf '%s' "$cmd" | sed "s#$W#\$W#g; s#$build/#./#g")"
	done
	if [ -n "$checks" ]; then
		echo "checked:   each signer's output is the input unchanged after the added headers;$checks"
	fi
	echo
	if [ -n "$hyperfine" ]; then
		how="hyperfine"
	else
		how="date +%s%N loop (times include starting sh -c)"
	fi
	echo "Median wall time per message, ms: one process per message; $how, $(runs_for 2KB) runs (20MB: $(runs_for 20MB)) after $(warm_for 2KB) (20MB: $(warm_for 20MB)) warmup:"
	echo
	helper table "$results" time "$(echo $time_sizes | tr ' ' ,)" "$labels"
	if [ -n "$gnutime" ]; then
		echo
		echo "Peak RSS, MiB (GNU time %M, one run per size)$([ $quick = 1 ] || echo '; last column: wall time of that one 100MB run, s'):"
		echo
		helper table "$results" rss "$(echo $mem_sizes | tr ' ' ,)" "$labels"
	fi
	echo
	echo "reproduce: cd $top && bench/sign.sh$argv_quoted"
	[ -z "$dir" ] || echo "raw data:  $W/raw"
}

if [ -n "$out" ]; then
	report | tee "$out"
else
	report
fi

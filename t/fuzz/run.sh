#!/bin/sh
# run.sh - build the libFuzzer targets with ASan+UBSan and run each.
#
#	sh t/fuzz/run.sh [SECONDS]	(default 60 per target)
#
# Needs clang (and libclang-rt-dev). Crashes land in t/fuzz/crashes/;
# each one found becomes a regression case in t/fuzz/corpus/.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-60}
out=${FUZZ_OUT:-$top/t/fuzz/build}
mkdir -p "$out" "$top/t/fuzz/crashes"
cflags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
inc="-I$top -I$top/common"
[ -f "$top/config.h" ] || { echo "run.sh: configure first" >&2; exit 1; }
srcs=""
for f in addr arc b64 buf canon crypto dkim keyrec message status tagval \
    authres dns verify log spf dmarc; do
	srcs="$srcs $top/common/$f.c"
done
libs="$(pkg-config --libs gnutls libpsl) -lunbound"
rc=0
for t in message canon tagval keyrec addr txt spf dmarc authres report \
    openpgpkey pgpmime spool; do
	T=$(echo "$t" | tr a-z A-Z)
	extra=""
	[ "$t" = authres ] && extra="$top/t/authres-check.c -I$top/t"
	[ "$t" = report ] && extra="$top/common/report.c
	    $(pkg-config --cflags --libs libxml-2.0 zlib libzip)"
	[ "$t" = spool ] && extra="$top/common/spool.c"
	[ "$t" = openpgpkey ] && extra="$top/common/openpgpkey.c
	    $top/common/keystore.c $(pkg-config --cflags --libs librnp)"
	[ "$t" = pgpmime ] && extra="$top/common/pgpmime.c
	    $(pkg-config --cflags --libs librnp)"
	clang $cflags $inc -DFUZZ_$T "$top/t/fuzz/fuzz.c" $extra $srcs $libs \
	    -o "$out/fuzz-$t"
	corpus=$top/t/fuzz/corpus/$t
	mkdir -p "$out/corpus-$t"
	echo "== fuzz-$t for ${secs}s"
	if ! "$out/fuzz-$t" -max_total_time="$secs" -max_len=65536 \
	    -artifact_prefix="$top/t/fuzz/crashes/$t-" -print_final_stats=1 \
	    "$out/corpus-$t" "$corpus" 2>"$out/fuzz-$t.log"; then
		echo "fuzz-$t: FAILED, see $out/fuzz-$t.log"
		tail -30 "$out/fuzz-$t.log"
		rc=1
	fi
	grep -E '^stat::number_of_executed_units|^stat::peak_rss' \
	    "$out/fuzz-$t.log" | sed "s/^/fuzz-$t /"
done
exit $rc

# lib.sh - TAP helpers for dkimpipe's shell tests; sourced by t/*.sh.
#
#	. "$(dirname "$0")/lib.sh"
#	plan 3				# or nothing, and done_testing at the end
#	run "$top_builddir/dkimpipe-sign" --keystore "$ks" <"$msg"
#	is "$status" 0 "a message from a domain with keys is signed"
#	like "$out" '^DKIM-Signature: ' "the signature comes first"
#	check "the output still has its body" grep -q '^body$' "$out_file"
#
# Plain POSIX sh (dash): no arrays, no local, no $'...'. Everything this
# file defines is named t_* (internal: _t_*) except the TAP verbs below.
# Output is TAP for automake's tap-driver.sh: "ok N - name", "not ok N -
# name", diagnostics as "# ..." lines on stdout, so they land in the .log
# next to the test they explain. The exit status is 0 only when every test
# passed and the plan was kept.
#
# Environment (set by make through AM_TESTS_ENVIRONMENT; the defaults let a
# test run by hand from the source tree: sh t/foo.sh):
#	top_srcdir, top_builddir	default: the directory above t/
#	PYTHON3, PERL			interpreters (see t_find_python3)
#	DKIMPIPE_TEST_KEEP=1		keep the temp directories (their paths
#					are printed as diagnostics)
#	DKIMPIPE_TEST_SLOW=N		every time budget, bound and pause is
#					N times longer (build.sh sets it for
#					valgrind and the sanitizers); see
#					t_timeout

t_dir=$(cd "$(dirname "$0")" && pwd -P)
: "${top_srcdir:=$(cd "$t_dir/.." && pwd -P)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir

_t_count=0		# tests run
_t_failed=0		# of which failed
_t_plan=		# planned count, empty until plan or done_testing
_t_done=0		# 1 once done_testing or skip_all printed its plan
_t_bailed=0		# 1 after bail_out
_t_cleanup=		# commands for the EXIT trap, newest first
_t_tmp=			# private directory for run's output files

# ------------------------------------------------------------------ TAP --

# plan N: this script will run N tests.
plan()
{
	_t_plan=$1
	echo "1..$1"
}

# skip_all REASON: nothing here can run on this machine (a missing tool, a
# part not built yet); automake counts the script as SKIP, not PASS.
skip_all()
{
	echo "1..0 # SKIP $*"
	_t_done=1
	exit 0
}

# bail_out REASON: the rest of the script makes no sense (the DNS server
# did not start); tap-driver reports an ERROR.
bail_out()
{
	echo "Bail out! $*"
	_t_bailed=1
	exit 1
}

# diag TEXT...: comment lines for whoever reads the log, one per argument
# (and per line within one).
diag()
{
	printf '%s\n' "$@" | sed 's/^/# /'
}

# diag_file FILE [MAX]: the file's first MAX (40) lines as diagnostics.
diag_file()
{
	[ -r "$1" ] || return 0
	sed -n "1,${2:-40}p" "$1" | sed 's/^/#   /'
}

# ok STATUS NAME: one test, passed when STATUS is 0 (ok $? "name").
ok()
{
	_t_count=$((_t_count + 1))
	if [ "$1" = 0 ]; then
		echo "ok $_t_count - $2"
		return 0
	fi
	echo "not ok $_t_count - $2"
	_t_failed=$((_t_failed + 1))
	return 1
}

# check NAME CMD [ARG...]: run CMD (stdout and stderr to the log as
# diagnostics only when it fails); passed when it exits 0.
check()
{
	_t_name=$1
	shift
	_t_ensure_tmp
	"$@" >"$_t_tmp/check.out" 2>&1
	_t_st=$?
	if ok "$_t_st" "$_t_name"; then
		return 0
	fi
	diag "command exited $_t_st: $*"
	diag_file "$_t_tmp/check.out"
	return 1
}

# is GOT WANT NAME: string equality.
is()
{
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
		return 0
	fi
	ok 1 "$3"
	diag "     got: '$1'" "    want: '$2'"
	return 1
}

# isnt GOT UNWANTED NAME: string inequality.
isnt()
{
	if [ "$1" != "$2" ]; then
		ok 0 "$3"
		return 0
	fi
	ok 1 "$3"
	diag "     got: '$1'" "expected anything else"
	return 1
}

# like GOT ERE NAME: some line of GOT matches the extended regex.
like()
{
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok 0 "$3"
		return 0
	fi
	ok 1 "$3"
	diag "     got: '$1'" "    want: /$2/"
	return 1
}

# unlike GOT ERE NAME: no line of GOT matches.
unlike()
{
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok 1 "$3"
		diag "     got: '$1'" "must not match: /$2/"
		return 1
	fi
	ok 0 "$3"
	return 0
}

# skip REASON [N]: N (1) tests that cannot run here, counted as passed.
skip()
{
	_t_n=${2:-1}
	while [ "$_t_n" -gt 0 ]; do
		_t_count=$((_t_count + 1))
		echo "ok $_t_count # SKIP $1"
		_t_n=$((_t_n - 1))
	done
}

# done_testing: with no plan, print it now ("1..N" at the end is valid
# TAP); with one, the EXIT trap checks it anyway.
done_testing()
{
	if [ -z "$_t_plan" ]; then
		_t_plan=$_t_count
		echo "1..$_t_count"
	fi
	_t_done=1
}

# ------------------------------------------------------ running things --

# run CMD [ARG...]: run CMD with the caller's stdin; stdout goes to
# $out_file, stderr to $err_file, the exit status to $status, and the
# contents to $out and $err (without trailing newlines: use the files
# for byte-exact comparisons). Never fails itself, so it is safe under
# set -e.
run()
{
	_t_ensure_tmp
	out_file=$_t_tmp/run.out
	err_file=$_t_tmp/run.err
	# status, out and err are for the caller
	# shellcheck disable=SC2034
	status=0
	# shellcheck disable=SC2034
	"$@" >"$out_file" 2>"$err_file" || status=$?
	# shellcheck disable=SC2034
	out=$(cat "$out_file")
	# shellcheck disable=SC2034
	err=$(cat "$err_file")
}

# at_exit CMD: run the one-line shell command CMD (eval'd) when the
# script exits, however it exits (failure, exit, INT, TERM, HUP). Later
# registrations run first, so a daemon started in a temp directory stops
# before the directory goes.
at_exit()
{
	_t_cleanup="$1
$_t_cleanup"
}

# mktmpdir [VAR]: make a fresh directory, removed at exit, and put its
# path in $VAR (default: tmpdir). Call it in the script's own shell, not
# in $(...): the cleanup must be registered where the trap runs.
mktmpdir()
{
	_t_d=$(mktemp -d "${TMPDIR:-/tmp}/dkimpipe-t.XXXXXX") ||
	    bail_out "mktemp -d failed"
	if [ "${DKIMPIPE_TEST_KEEP:-0}" = 1 ]; then
		diag "keeping $_t_d"
	else
		at_exit "rm -rf '$_t_d'"
	fi
	eval "${1:-tmpdir}=\$_t_d"
}

_t_ensure_tmp()
{
	[ -n "$_t_tmp" ] || mktmpdir _t_tmp
}

# t_prog NAME: path of a built program, or skip_all when it is not built
# yet (the tests for one program need not wait for the others).
t_prog()
{
	[ -x "$top_builddir/$1" ] || skip_all "$1 not built ($top_builddir/$1)"
	echo "$top_builddir/$1"
}

# t_need CMD [PACKAGE]: skip_all unless CMD is on $PATH or in an sbin
# directory (nsd lives in /usr/sbin, outside an ordinary user's PATH).
t_need()
{
	t_which "$1" >/dev/null ||
	    skip_all "$1 not installed (apt-get install ${2:-$1})"
}

# t_which CMD: print the path of CMD, searching $PATH and the sbin dirs.
t_which()
{
	_t_save_ifs=$IFS
	IFS=:
	for _t_p in $PATH /usr/local/sbin /usr/sbin /sbin; do
		if [ -n "$_t_p" ] && [ -x "$_t_p/$1" ] && [ ! -d "$_t_p/$1" ]; then
			IFS=$_t_save_ifs
			echo "$_t_p/$1"
			return 0
		fi
	done
	IFS=$_t_save_ifs
	return 1
}

# t_find_python3 MODULE...: print the first Python 3 that imports every
# MODULE: $PYTHON3, then python3 on $PATH, then /usr/bin/python3. Debian's
# python3-dkim and python3-dnspython exist only for the system Python, and
# a developer's PATH may put another python3 (pyenv, a venv) first.
t_find_python3()
{
	_t_imports=pass
	for _t_m in "$@"; do
		_t_imports="$_t_imports; import $_t_m"
	done
	for _t_py in "${PYTHON3:-}" python3 /usr/bin/python3; do
		[ -n "$_t_py" ] || continue
		if "$_t_py" -c "$_t_imports" >/dev/null 2>&1; then
			echo "$_t_py"
			return 0
		fi
	done
	return 1
}

# t_find_perl MODULE...: the same for Perl ($PERL, perl, /usr/bin/perl).
t_find_perl()
{
	_t_imports=
	for _t_m in "$@"; do
		_t_imports="$_t_imports -M$_t_m"
	done
	for _t_pl in "${PERL:-}" perl /usr/bin/perl; do
		[ -n "$_t_pl" ] || continue
		# shellcheck disable=SC2086 # one word per module
		if "$_t_pl" $_t_imports -e 1 >/dev/null 2>&1; then
			echo "$_t_pl"
			return 0
		fi
	done
	return 1
}

# --------------------------------------------------------------- time --

# A time budget in a test is a bet on the machine's speed: under valgrind
# a program runs 20 to 50 times slower, under ASan and UBSan 2 to 4
# times, and a CI machine may be running other jobs. So every budget a
# test gives a program (--timeout, --budget, timeout(1)), every bound it
# puts on how long something took, and every pause that waits for
# something to happen goes through the helpers below, which multiply it
# by DKIMPIPE_TEST_SLOW (a whole number, 1 by default).
#
# That alone is not enough for a test that wants something to time out:
# make the part that must time out one that never answers (timeout.test,
# the black hole of t/dnsserver.sh), never one that is merely slow, and
# give the budget that something else must answer within room to spare
# even at factor 1. Then the assertion holds at any speed, and the
# factor only keeps the waits and bounds in proportion.

case ${DKIMPIPE_TEST_SLOW:-1} in
''|*[!0-9]*|0*)
	echo "Bail out! DKIMPIPE_TEST_SLOW='$DKIMPIPE_TEST_SLOW':" \
	    "want a whole number from 1"
	exit 1 ;;
esac
t_slow=${DKIMPIPE_TEST_SLOW:-1}
[ "$t_slow" = 1 ] ||
    echo "# time budgets, bounds and pauses x$t_slow (DKIMPIPE_TEST_SLOW)"

# t_scale_ms MS: MS milliseconds scaled, a whole number of milliseconds
# (for bounds: ok "$([ "$ms" -lt "$(t_scale_ms 3000)" ] ...)").
t_scale_ms()
{
	awk -v v="$1" -v f="$t_slow" 'BEGIN { printf "%d\n", v * f }'
}

# t_timeout DURATION: the duration scaled, in the unit it was given in,
# for a program's option: 1s -> 10s, 800ms -> 8000ms, 1000 -> 10000 (a
# bare number stays bare: milliseconds for t/dmarc-eval --timeout, seconds
# for dkimpipe-keys --timeout and timeout(1)).
t_timeout()
{
	_t_num=$(printf '%s\n' "$1" | sed 's/[a-z]*$//')
	_t_unit=${1#"$_t_num"}
	echo "$(awk -v v="$_t_num" -v f="$t_slow" \
	    'BEGIN { printf "%d\n", v * f }')$_t_unit"
}

# t_sleep SECONDS: sleep(1) for SECONDS (a decimal fraction is fine)
# scaled: a pause that lets a process get somewhere first.
t_sleep()
{
	sleep "$(awk -v v="$1" -v f="$t_slow" 'BEGIN { printf "%.3f\n", v * f }')"
}

# --------------------------------------------------------------- exit --

_t_exit()
{
	_t_st=$?
	trap - EXIT
	# cleanups first, newest first; each one's failure is only reported
	_t_save_ifs=$IFS
	IFS='
'
	for _t_c in $_t_cleanup; do
		IFS=$_t_save_ifs
		eval "$_t_c" || diag "cleanup failed: $_t_c"
	done
	IFS=$_t_save_ifs
	if [ "$_t_bailed" = 1 ]; then
		exit 1
	fi
	if [ "$_t_done" = 1 ] && [ "$_t_count" = 0 ]; then
		exit "$_t_st"		# skip_all
	fi
	if [ -z "$_t_plan" ]; then
		diag "no plan and no done_testing: the script stopped early"
		echo "1..$_t_count"
		exit 1
	fi
	if [ "$_t_count" != "$_t_plan" ]; then
		diag "planned $_t_plan tests but ran $_t_count"
		exit 1
	fi
	if [ "$_t_failed" != 0 ]; then
		diag "failed $_t_failed of $_t_count tests"
		exit 1
	fi
	# every planned test ran and passed: the status of the script's last
	# command (often a test that was meant to fail) does not matter
	exit 0
}

trap _t_exit EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# t_need_dns: skip_all unless what t/dnsserver.sh --dnssec needs is here.
t_need_dns()
{
	t_need nsd
	t_need drill ldnsutils
	t_need ldns-keygen ldnsutils
	t_need ldns-signzone ldnsutils
	t_need perl
}

# t_dns_start DIR RECORDS [OPTION...]: serve the zone lines of RECORDS
# from an authoritative server on 127.0.0.1 (t/dnsserver.sh; --dnssec
# signs them), stopped when the test exits; sets what DIR/vars says
# (UNBOUND_CONF, ANCHOR, ...). Bails out if the server does not start.
t_dns_start()
{
	_t_dns=$1
	shift
	_t_rec=$1
	shift
	DNSSERVER_OWNER=$$ sh "$top_srcdir/t/dnsserver.sh" start "$_t_dns" \
	    "$_t_rec" "$@" >"$_t_dns.out" 2>&1 || {
		diag_file "$_t_dns.out"
		bail_out "the DNS server did not start"
	}
	at_exit "sh '$top_srcdir/t/dnsserver.sh' stop '$_t_dns' >/dev/null 2>&1"
	. "$_t_dns/vars"
}

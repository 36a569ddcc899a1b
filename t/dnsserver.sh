#!/bin/sh
# dnsserver.sh - a DNS server on 127.0.0.1 for dkimpipe's tests.
#
#	t/dnsserver.sh start DIR RECORDS [--dnssec | --root]
#	t/dnsserver.sh stop DIR
#	t/dnsserver.sh status DIR
#
# start serves the records in the file RECORDS with NSD on 127.0.0.1 at a
# random free unprivileged port, then prints DIR/vars, shell assignments
# for ". DIR/vars" or eval:
#	PORT=N			NSD's port (127.0.0.1, UDP and TCP)
#	UNBOUND_CONF='DIR/unbound.conf'	a libunbound configuration that reaches
#				these zones and nothing else (ub_ctx_config)
#	DNSSEC=0|1
#	ANCHOR='DIR/test.anchor' the DS of test. (--dnssec; else empty)
#	BLACKHOLE_PORT=N CLOSED_PORT=N	(--dnssec and --root; else empty)
#	ZONES='z1. z2. ...'	every zone served
# stop stops NSD and the helper; DIR itself stays (it is the caller's).
#
# RECORDS holds zone-file lines, one record a line, with absolute owner
# names; ';' comments and blank lines are skipped:
#	sel._domainkey.example.org. 3600 IN TXT "v=DKIM1; k=rsa; p=MIIB..." "..."
#
# Plain mode: one unsigned zone per registrable parent of the owners
# (example.org. for sel._domainkey.example.org.; example.co.uk. for a name
# under co.uk.), each with SOA and NS and its records.
#
# --dnssec: a signed tree under test. (RFC 6761 reserves it), built with
# fresh keys at each start; the records go into their zones before signing.
# Answers a validating client (trust anchor: ANCHOR) gets:
#	test.		signed (NSEC), the trust anchor
#	good.test.	signed (NSEC3, no extra iterations, no salt)  -> secure
#	  badsig._domainkey	TXT changed after signing     -> bogus
#	  oldsig._domainkey	RRSIG from a run in 2020      -> bogus (expired)
#	  (both get a placeholder Ed25519 key, RFC 8463's, unless RECORDS
#	  has records for them: give them your key to prove a verifier
#	  rejects the bogus answer, not the key)
#	unsigned.test.	no DS in test.                        -> insecure
#	wrongds.test.	signed, DS in test. is for another key -> bogus
#	timeout.test.	delegated to 127.0.0.1@BLACKHOLE_PORT, which never
#			answers                               -> SERVFAIL, slowly
#	down.test.	delegated to 127.0.0.1@CLOSED_PORT, where nothing
#			listens                               -> SERVFAIL
# Records for names outside test. are served as in plain mode (insecure).
#
# --root: every record in one unsigned zone, "." itself, so that any name
# it does not hold is NXDOMAIN from NSD (never REFUSED), at any depth,
# with no SOA or NS of ours among the names (the SPF test suite's zone
# data is a list of names, not of zones). UNBOUND_CONF sends "." to NSD
# and makes every parent of an owner name transparent, which also turns
# off libunbound's built-in answers for those names (2.0.192.in-addr.arpa.
# and 8.b.d.0.1.0.0.2.ip6.arpa., documentation ranges, are AS112 zones it
# would otherwise answer itself). The black hole and the closed port are
# there as with --dnssec, for the caller's own stub-zones.
# The glue in test. says port 53; UNBOUND_CONF's stub-zones send each zone
# to its real port, refuse every other name locally ("." refuse), and point
# the root at NSD (which refuses it), so no query can leave 127.0.0.1.
#
# Environment:
#	DNSSERVER_PORT		use this port (fail if busy) instead of a random
#				one in 20000-32699 (below Linux's ephemeral range);
#				--dnssec also takes PORT+1 and PORT+2
#	DNSSERVER_LIFETIME	seconds after which NSD is stopped even without
#				"stop" (default 1800)
#	DNSSERVER_OWNER		a pid (e.g. the test script's $$): NSD is stopped
#				as soon as that process is gone
#
# Needs nsd, drill (ldnsutils) and perl; --dnssec also ldns-keygen and
# ldns-signzone (ldnsutils). Works as any user; NSD runs unprivileged with
# every file in DIR. Adapted from shared/dnssec-testbed (see its README for
# what libunbound 1.17 answers for each case and how long it takes).
set -eu

me=dnsserver.sh
here=$(cd "$(dirname "$0")" && pwd -P)

die()
{
	echo "$me: $*" >&2
	exit 1
}

usage()
{
	echo "usage: $me start DIR RECORDS [--dnssec | --root] | stop DIR | status DIR" >&2
	exit 64
}

# find_prog NAME PACKAGE: nsd lives in /usr/sbin, outside an ordinary
# user's PATH.
find_prog()
{
	save_ifs=$IFS
	IFS=:
	for d in $PATH /usr/local/sbin /usr/sbin /sbin; do
		if [ -n "$d" ] && [ -x "$d/$1" ]; then
			IFS=$save_ifs
			echo "$d/$1"
			return 0
		fi
	done
	IFS=$save_ifs
	die "$1 not found (apt-get install $2)"
}

# alive PID: running and not a zombie (an exited daemon stays a zombie
# until init reaps it, which some containers' init never does).
alive()
{
	kill -0 "$1" 2>/dev/null || return 1
	if [ -r "/proc/$1/stat" ]; then
		[ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" != Z ] ||
		    return 1
	fi
	return 0
}

# live_pid PIDFILE: print the pid if it is alive and its command line names
# DIR (so a recycled pid is never killed).
live_pid()
{
	[ -s "$1" ] || return 1
	pid=$(sed -n '1s/^\([0-9]*\).*/\1/p' "$1")
	[ -n "$pid" ] && alive "$pid" || return 1
	if [ -r "/proc/$pid/cmdline" ]; then
		tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "$DIR" || return 1
	fi
	echo "$pid"
}

# stop_pid PIDFILE: TERM, wait up to 5 s, then KILL.
stop_pid()
{
	pid=$(live_pid "$1") || { rm -f "$1"; return 0; }
	kill "$pid" 2>/dev/null || true
	i=0
	while alive "$pid"; do
		i=$((i + 1))
		[ $i -ne 100 ] || kill -9 "$pid" 2>/dev/null || true
		[ $i -lt 140 ] || die "pid $pid ($1) does not stop"
		sleep 0.05
	done
	rm -f "$1"
}

# leftovers: live processes that run our nsd.conf (nsd's children outlive
# its main process by a moment).
leftovers()
{
	[ -d /proc/self ] || return 0
	for p in /proc/[0-9]*; do
		[ -r "$p/cmdline" ] || continue
		if tr '\0' ' ' <"$p/cmdline" 2>/dev/null |
		    grep -qF "$DIR/nsd.conf"; then
			! alive "${p#/proc/}" || echo "${p#/proc/}"
		fi
	done
	return 0
}

# ---------------------------------------------------------------- zones --

# The test. tree for --dnssec. Glue says 127.0.0.1 (port 53); the client
# configuration's stub-zones name the real ports.
zone_test()
{
	cat <<'EOF'
$ORIGIN test.
$TTL 300
@		IN SOA	ns.test. hostmaster.test. ( 1 3600 600 86400 300 )
@		IN NS	ns.test.
ns		IN A	127.0.0.1
good		IN NS	ns.good.test.
ns.good		IN A	127.0.0.1
unsigned	IN NS	ns.unsigned.test.
ns.unsigned	IN A	127.0.0.1
wrongds		IN NS	ns.wrongds.test.
ns.wrongds	IN A	127.0.0.1
timeout		IN NS	ns.timeout.test.
ns.timeout	IN A	127.0.0.1
down		IN NS	ns.down.test.
ns.down		IN A	127.0.0.1
EOF
}

# zone_child ZONE: SOA, NS and glue of a child of test.
zone_child()
{
	cat <<EOF
\$ORIGIN $1
\$TTL 300
@		IN SOA	ns.$1 hostmaster.$1 ( 1 3600 600 86400 300 )
@		IN NS	ns.$1
ns		IN A	127.0.0.1
EOF
}

# zone_plain ZONE: SOA and an out-of-zone NS (no glue, so no name in the
# zone is taken by the server's own records).
zone_plain()
{
	cat <<EOF
\$ORIGIN $1
\$TTL 300
@		IN SOA	ns.dnsserver.invalid. hostmaster.dnsserver.invalid. ( 1 3600 600 86400 300 )
@		IN NS	ns.dnsserver.invalid.
EOF
}

# RFC 8463 A.2's example Ed25519 key: the bogus names need some record.
PLACEHOLDER='"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="'

TREE="test. good.test. unsigned.test. wrongds.test."
UNSERVED="timeout.test. down.test."

# split_records RECORDS: append each record to the source of its zone in
# DIR/src; print the names of the plain zones this made.
split_records()
{
	awk -v dnssec="$DNSSEC" -v tree="$TREE" -v unserved="$UNSERVED" \
	    -v root="$ROOT" -v dir="$DIR/src" '
	function registrable(o,    n, l, z) {
		n = split(o, l, ".") - 1	# o ends in ".": l[n + 1] == ""
		if (n <= 2)
			return o
		z = l[n - 1] "." l[n] "."
		if (length(l[n]) == 2 && l[n - 1] ~ /^(ac|co|com|edu|gov|net|org)$/)
			z = l[n - 2] "." z
		return z
	}
	function under(o, z) {
		return o == z || substr(o, length(o) - length(z)) == "." z
	}
	BEGIN {
		nt = split(tree, t, " ")
		nu = split(unserved, u, " ")
	}
	/^[ \t]*(;|$)/ { next }
	{
		o = tolower($1)
		if (o !~ /\.$/) {
			printf "%s: line %d: owner not absolute: %s\n",
			    "dnsserver.sh", NR, $1 > "/dev/stderr"
			bad = 1
			next
		}
		z = ""
		if (dnssec && under(o, "test.")) {
			for (i = 1; i <= nu; i++)
				if (under(o, u[i])) {
					printf "%s: line %d: %s is in %s, %s\n",
					    "dnsserver.sh", NR, $1, u[i],
					    "which is never served" > "/dev/stderr"
					bad = 1
					next
				}
			for (i = 1; i <= nt; i++)
				if (under(o, t[i]) && length(t[i]) > length(z))
					z = t[i]
		} else {
			z = root ? "." : registrable(o)
			if (!(z in plain)) {
				plain[z] = 1
				print z
			}
		}
		print >> (dir "/" z "zone")
	}
	END { exit bad }' "$RECORDS"
}

# build: make DIR/zones/*.zone (what NSD serves), DIR/zones.list (name
# and file per line), and for --dnssec the keys and DIR/test.anchor.
# Runs in a child shell (sh -eu "$0" __build) so that set -e stops it at
# the first failing step, with everything in DIR/build.log.
build()
{
	rm -rf "$DIR/src" "$DIR/keys" "$DIR/zones"
	mkdir -p "$DIR/src" "$DIR/keys" "$DIR/zones"
	if [ "$DNSSEC" = 1 ]; then
		zone_test >"$DIR/src/test.zone"
		for z in good.test. unsigned.test. wrongds.test.; do
			zone_child "$z" >"$DIR/src/${z}zone"
		done
	fi
	split_records >"$DIR/plain.list"
	: >"$DIR/zones.list"
	# plain zones: a header, then their records (added after it: the
	# records were appended to an empty file)
	while read -r z; do
		{ zone_plain "$z"; cat "$DIR/src/${z}zone"; } >"$DIR/zones/${z}zone"
		echo "$z ${z}zone" >>"$DIR/zones.list"
	done <"$DIR/plain.list"
	[ "$DNSSEC" = 1 ] || return 0

	LDNS_KEYGEN=$(find_prog ldns-keygen ldnsutils)
	LDNS_SIGNZONE=$(find_prog ldns-signzone ldnsutils)
	for n in badsig oldsig; do
		grep -qi "^$n\._domainkey\.good\.test\.[[:space:]]" "$DIR/src/good.test.zone" ||
		    echo "$n._domainkey.good.test. 60 IN TXT $PLACEHOLDER" >>"$DIR/src/good.test.zone"
	done

	cd "$DIR/keys"
	# one ECDSA P-256 key per zone, SEP flag set (it signs everything)
	k_test=$("$LDNS_KEYGEN" -a ECDSAP256SHA256 -k test.)
	k_good=$("$LDNS_KEYGEN" -a ECDSAP256SHA256 -k good.test.)
	k_wrong=$("$LDNS_KEYGEN" -a ECDSAP256SHA256 -k wrongds.test.)
	k_other=$("$LDNS_KEYGEN" -a ECDSAP256SHA256 -k wrongds.test.)	# its DS goes into test.

	cd "$DIR/src"
	# good.test.: NSEC3 with no extra iterations and no salt (RFC 9276)
	"$LDNS_SIGNZONE" -n -t 0 -o good.test. -f good.test.signed \
	    good.test.zone "$DIR/keys/$k_good"
	"$LDNS_SIGNZONE" -n -t 0 -i 20200101000000 -e 20200201000000 \
	    -o good.test. -f good.test.expired good.test.zone "$DIR/keys/$k_good"
	# oldsig: its TXT RRSIGs come from the 2020 run; badsig: its TXT data
	# changes after signing. Either edit must happen, or the build fails.
	awk '
	function is(owner, type) {
		return tolower($1) == owner && $4 == type
	}
	FNR == NR {
		if (is("oldsig._domainkey.good.test.", "RRSIG") && $5 == "TXT")
			old = old $0 "\n"
		next
	}
	is("oldsig._domainkey.good.test.", "RRSIG") && $5 == "TXT" {
		if (!swapped++)
			printf "%s", old
		next
	}
	is("badsig._domainkey.good.test.", "TXT") {
		if (!sub(/v=DKIM1;/, "v=DKIM1; n=tampered;"))
			$0 = $0 " \"n=tampered\""
		tampered++
	}
	{ print }
	END {
		if (old == "" || !swapped || !tampered) {
			print "dnsserver.sh: making the bogus records failed" > "/dev/stderr"
			exit 1
		}
	}' good.test.expired good.test.signed >"$DIR/zones/good.test.zone"

	"$LDNS_SIGNZONE" -o wrongds.test. -f "$DIR/zones/wrongds.test.zone" \
	    wrongds.test.zone "$DIR/keys/$k_wrong"
	cp unsigned.test.zone "$DIR/zones/unsigned.test.zone"
	{ echo; cat "$DIR/keys/$k_good.ds" "$DIR/keys/$k_other.ds"; } >>test.zone
	"$LDNS_SIGNZONE" -o test. -f "$DIR/zones/test.zone" test.zone \
	    "$DIR/keys/$k_test"
	cp "$DIR/keys/$k_test.ds" "$DIR/test.anchor"
	for z in $TREE; do
		echo "$z ${z}zone" >>"$DIR/zones.list"
	done
}

# -------------------------------------------------------------- servers --

write_nsd_conf()
{
	{
		cat <<EOF
# written by dnsserver.sh for one test run
server:
	ip-address: 127.0.0.1@$PORT
	do-ip4: yes
	do-ip6: no
	server-count: 1
	username: ""
	chroot: ""
	database: ""
	zonesdir: "$DIR/zones"
	zonelistfile: "$DIR/nsd/zone.list"
	xfrdfile: "$DIR/nsd/xfrd.state"
	xfrdir: "$DIR/nsd"
	pidfile: "$DIR/nsd.pid"
	logfile: "$DIR/nsd.log"
	zonefiles-write: 0
	hide-version: yes
	verbosity: 1
	# every query comes from 127.0.0.1: NSD's default rate limit (200
	# answers a second per /24) would drop answers under load
	rrl-ratelimit: 0
	rrl-whitelist-ratelimit: 0
remote-control:
	control-enable: no
EOF
		while read -r z f; do
			printf 'zone:\n\tname: "%s"\n\tzonefile: "%s"\n' "$z" "$f"
		done <"$DIR/zones.list"
	} >"$DIR/nsd.conf"
}

start_servers()
{
	mkdir -p "$DIR/nsd"
	tries=0
	while :; do
		tries=$((tries + 1))
		PORT=${DNSSERVER_PORT:-$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 12700))}
		if [ "$DNSSEC" = 1 ] || [ "$ROOT" = 1 ]; then
			BLACKHOLE_PORT=$((PORT + 1))
			CLOSED_PORT=$((PORT + 2))
		else
			BLACKHOLE_PORT=
			CLOSED_PORT=
		fi
		write_nsd_conf
		rm -f "$DIR/nsd.pid" "$DIR/helper.pid"
		: >"$DIR/nsd.log"	# only this attempt's messages
		# the helper binds the black hole first; nsd binds its port
		# before it forks, so a busy port makes either one fail here
		"$PERL" "$here/dnsserver-helper.pl" "$DIR/helper.pid" \
		    "$DIR/nsd.pid" "$DIR/nsd.conf" "$LIFETIME" "$OWNER" \
		    "${BLACKHOLE_PORT:-0}" "${CLOSED_PORT:-0}" \
		    </dev/null >>"$DIR/helper.log" 2>&1 &
		helper=$!
		i=0
		while [ ! -s "$DIR/helper.pid" ] && kill -0 $helper 2>/dev/null &&
		    [ $i -lt 200 ]; do
			i=$((i + 1))
			sleep 0.02
		done
		if [ -s "$DIR/helper.pid" ]; then
			if "$NSD" -c "$DIR/nsd.conf" </dev/null \
			    >>"$DIR/nsd.log" 2>&1; then
				break
			fi
			stop_pid "$DIR/helper.pid"
		fi
		if [ -n "${DNSSERVER_PORT:-}" ] || [ $tries -ge 10 ]; then
			die "cannot start on port $PORT (see $DIR/nsd.log, $DIR/helper.log)"
		fi
	done
	# ready when it answers SOA for every zone; a zone file NSD could not
	# read (it starts anyway) fails at once, with NSD's words
	i=0
	while read -r z f; do
		until "$DRILL" -p "$PORT" "$z" @127.0.0.1 SOA 2>/dev/null |
		    grep -q 'rcode: NOERROR'; do
			if grep -q ' error: ' "$DIR/nsd.log"; then
				grep ' error: ' "$DIR/nsd.log" | sed 's/^[^]]*] /  /' >&2
				die "nsd cannot serve the zones (files in $DIR/zones)"
			fi
			i=$((i + 1))
			[ $i -lt 200 ] || die "nsd does not answer for $z (see $DIR/nsd.log)"
			sleep 0.05
		done
	done <"$DIR/zones.list"
}

# The libunbound configuration for the client (ub_ctx_config).
write_unbound_conf()
{
	{
		cat <<EOF
# written by dnsserver.sh: libunbound reaches the zones on 127.0.0.1@$PORT
# and nothing else. Every other name is refused locally; even libunbound's
# own lookups go to NSD, which refuses what it does not serve.
server:
	do-not-query-localhost: no
	do-ip6: no
EOF
		if [ "$ROOT" = 1 ]; then
			# every parent of every owner, letters, digits, '-' and
			# '_' only (the names of libunbound's built-in zones)
			awk '!/^[ \t]*(;|$)/ {
				o = tolower($1)
				while (o != "." && o != "") {
					if (o ~ /^[a-z0-9_.-]+$/ && !(o in seen)) {
						seen[o] = 1
						printf "\tlocal-zone: \"%s\" transparent\n", o
					}
					if (!sub(/^[^.]*\./, "", o))
						break
				}
			}' "$RECORDS"
		else
			echo '	local-zone: "." refuse'
		fi
		# transparent also replaces libunbound's built-in RFC 6761 zones
		# (test. would otherwise answer NXDOMAIN without asking anyone)
		[ "$DNSSEC" = 0 ] || echo '	local-zone: "test." transparent'
		while read -r z; do
			echo "	local-zone: \"$z\" transparent"
		done <"$DIR/plain.list"
		[ "$DNSSEC" = 0 ] || echo "	trust-anchor-file: \"$DIR/test.anchor\""
		echo
		echo '# no root hints: "." goes to NSD, which refuses it'
		printf 'stub-zone:\n\tname: "."\n\tstub-addr: 127.0.0.1@%s\n' "$PORT"
		while read -r z f; do
			[ "$z" != . ] || continue
			printf 'stub-zone:\n\tname: "%s"\n\tstub-addr: 127.0.0.1@%s\n' \
			    "$z" "$PORT"
		done <"$DIR/zones.list"
		if [ "$DNSSEC" = 1 ]; then
			echo '# never answers'
			printf 'stub-zone:\n\tname: "timeout.test."\n\tstub-addr: 127.0.0.1@%s\n' \
			    "$BLACKHOLE_PORT"
			echo '# nothing listens'
			printf 'stub-zone:\n\tname: "down.test."\n\tstub-addr: 127.0.0.1@%s\n' \
			    "$CLOSED_PORT"
		fi
	} >"$DIR/unbound.conf"
}

write_vars()
{
	anchor=
	[ "$DNSSEC" = 0 ] || anchor=$DIR/test.anchor
	zones=$(awk '{ printf "%s%s", sep, $1; sep = " " }' "$DIR/zones.list")
	cat >"$DIR/vars.tmp" <<EOF
PORT=$PORT
UNBOUND_CONF='$DIR/unbound.conf'
DNSSEC=$DNSSEC
ANCHOR='$anchor'
BLACKHOLE_PORT=$BLACKHOLE_PORT
CLOSED_PORT=$CLOSED_PORT
ZONES='$zones'
EOF
	mv "$DIR/vars.tmp" "$DIR/vars"
}

# ----------------------------------------------------------------- main --

[ $# -ge 2 ] || usage
cmd=$1
case $2 in
/*)	DIR=$2 ;;
*)	DIR=$(pwd -P)/$2 ;;
esac
case $DIR in
*\'* | *'
'*)	die "DIR must not contain a quote or a newline" ;;
esac

case $cmd in
__build)
	RECORDS=$3
	DNSSEC=$4
	ROOT=${5:-0}
	build
	;;
start)
	[ $# -ge 3 ] || usage
	RECORDS=$3
	DNSSEC=0
	ROOT=0
	case ${4:-} in
	'')	;;
	--dnssec) DNSSEC=1 ;;
	--root)	ROOT=1 ;;
	*)	usage ;;
	esac
	[ -r "$RECORDS" ] || die "cannot read $RECORDS"
	case $RECORDS in /*) ;; *) RECORDS=$(pwd -P)/$RECORDS ;; esac
	LIFETIME=${DNSSERVER_LIFETIME:-1800}
	OWNER=${DNSSERVER_OWNER:-0}
	NSD=$(find_prog nsd nsd)
	DRILL=$(find_prog drill ldnsutils)
	PERL=$(find_prog perl perl-base)
	mkdir -p "$DIR"
	! live_pid "$DIR/nsd.pid" >/dev/null || die "already running in $DIR"
	rm -f "$DIR/vars"
	sh -eu "$here/dnsserver.sh" __build "$DIR" "$RECORDS" "$DNSSEC" "$ROOT" \
	    >"$DIR/build.log" 2>&1 || {
		sed 's/^/  /' "$DIR/build.log" >&2
		die "building the zones failed"
	}
	# whatever fails from here on leaves nothing running
	trap 'stop_pid "$DIR/nsd.pid"; stop_pid "$DIR/helper.pid"' EXIT
	start_servers
	write_unbound_conf
	write_vars
	trap - EXIT
	cat "$DIR/vars"
	;;
stop)
	[ -d "$DIR" ] || exit 0
	stop_pid "$DIR/nsd.pid"
	stop_pid "$DIR/helper.pid"
	i=0
	while [ -n "$(leftovers)" ]; do
		i=$((i + 1))
		# shellcheck disable=SC2046 # one pid a word
		[ $i -ne 100 ] || kill $(leftovers) 2>/dev/null || true
		[ $i -lt 150 ] || die "nsd processes left: $(leftovers)"
		sleep 0.05
	done
	rm -f "$DIR/vars"
	;;
status)
	if live_pid "$DIR/nsd.pid" >/dev/null; then
		cat "$DIR/vars"
	else
		echo "$me: not running in $DIR" >&2
		exit 1
	fi
	;;
*)
	usage
	;;
esac

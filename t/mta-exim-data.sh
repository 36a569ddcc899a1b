#!/bin/sh
# mta-exim-data.sh - refusing at SMTP time under Exim: the DATA ACL of
# packaging/examples/exim/dmarc.conf, as documented, runs dkimpipe-verify
# on the message before Exim answers the final dot.
#
# One Exim daemon on 127.0.0.1 (t/mta-exim-data.conf) with its own
# configuration, spool and logs under a temporary directory, taking mail
# without authentication and delivering it into a maildir; the DNS of
# t/dnsserver.sh --dnssec serves the SPF and DMARC records.
#
# Checked: a message whose MAIL FROM passes SPF from the real client
# address (127.0.0.1) and aligns with From: is accepted with our
# Authentication-Results field (spf=pass, dmarc=pass); a forgery of a
# p=reject domain (SPF fails, no signature) gets 550 with our reason and
# is neither queued nor delivered; SPF fail for a domain that asks for no
# refusal is accepted with spf=fail; the null path is checked by its HELO
# name; a From: domain whose name servers do not answer gets 451, and the
# good message right after it is accepted; when no name server answers,
# a good message gets 451 and its retry is accepted once DNS answers
# again; no bounce is made.
#
# Exim: Debian's exim4-daemon-heavy (content scanning, which the ACL
# needs), found or fetched by t/mta-exim-get.sh --heavy. As in
# t/mta-exim.sh: a non-setuid copy run as root, the Exim user Debian-exim
# (nss_wrapper makes one when there is none).
# Needs root, nsd and ldnsutils (t/dnsserver.sh), setpriv, python3.
#
# DKIMPIPE_EXIM_HEAVY_CACHE=DIR	where t/mta-exim-get.sh --heavy keeps the
#				package (default ~/.cache/dkimpipe/exim4-heavy)
# EXIM=PATH			use this exim binary (with content scanning)
# DKIMPIPE_TEST_KEEP=1		keep the directory (configs, logs, maildir)
. "$(dirname "$0")/lib.sh"

verify=$(t_prog dkimpipe-verify)
[ "$(id -u)" = 0 ] ||
    skip_all "needs root: the Exim daemon starts as root and runs as its own user"
t_need_dns
t_need setpriv util-linux
py=$(t_find_python3 smtplib) || skip_all "no python3"
# shellcheck disable=SC2154 # lib.sh sets top_srcdir and t_dir
examples=$top_srcdir/packaging/examples/exim

mktmpdir tmp
# shellcheck disable=SC2154 # mktmpdir set it
chmod 0755 "$tmp"		# the Exim user reaches its files through it
exim_src=$(sh "$t_dir/mta-exim-get.sh" --heavy \
    ${DKIMPIPE_EXIM_HEAVY_CACHE:+"$DKIMPIPE_EXIM_HEAVY_CACHE"} 2>"$tmp/get.err") ||
    skip_all "no Exim with content scanning: $(tr '\n' ' ' <"$tmp/get.err")"
# the libraries t/mta-exim-get.sh fetched beside it, if any
libs=
for d in "$(dirname "$exim_src")"/../lib/*-linux-gnu; do
	[ -d "$d" ] && libs=$(cd "$d" && pwd -P)
done

# ---------------------------------------------------------- Exim user --
. "$t_dir/mta-exim-lib.sh"
# Exim re-executes itself for each delivery with LD_LIBRARY_PATH gone, but
# LD_PRELOAD kept (keep_environment): the fetched libraries are preloaded,
# from copies the Exim user can read.
preload=
if [ -n "$libs" ]; then
	mkdir -m 0755 "$tmp/lib"
	for f in "$libs"/lib*.so.*; do
		[ -f "$f" ] || continue
		cp "$f" "$tmp/lib/"
		chmod 0644 "$tmp/lib/${f##*/}"
		preload=${preload:+$preload:}$tmp/lib/${f##*/}
	done
fi
if [ -n "$preload" ]; then
	case $wrap in
	LD_PRELOAD=*)	wrap="LD_PRELOAD=$preload:${wrap#LD_PRELOAD=}" ;;
	*)		wrap="LD_PRELOAD=$preload" ;;
	esac
fi

mkdir "$tmp/bin"
cp "$verify" "$tmp/bin/"
cp "$exim_src" "$tmp/bin/exim"
chmod 0755 "$tmp/bin"/*		# never setuid
setpriv --reuid="$uid" --regid="$gid" --clear-groups -- \
    test -x "$tmp/bin/dkimpipe-verify" ||
    bail_out "the Exim user (uid $uid) cannot reach $tmp: use a TMPDIR anyone can enter"
exim=$tmp/bin/exim
# exim_x ARG...: the test's Exim
exim_x()
{
	# shellcheck disable=SC2086 # $wrap: zero to four words
	env $wrap "$exim" -C "$tmp/mx/exim.conf" "$@"
}

# ---------------------------------------------------------------- DNS --
# good.test: SPF for 127.0.0.1, p=reject (subdomains: none);
# unsigned.test: SPF for another address only, p=reject
cat >"$tmp/records" <<'EOF'
good.test. 300 IN TXT "v=spf1 ip4:127.0.0.1 -all"
_dmarc.good.test. 300 IN TXT "v=DMARC1; p=reject; sp=none"
unsigned.test. 300 IN TXT "v=spf1 ip4:192.0.2.1 -all"
_dmarc.unsigned.test. 300 IN TXT "v=DMARC1; p=reject"
EOF
t_dns_start "$tmp/dns" "$tmp/records" --dnssec

# ------------------------------------------------------ configuration --
port=$("$py" "$t_dir/mta-exim-client.py" port)
mkdir "$tmp/mx"
install -d -o "$uid" -g "$gid" -m 0750 "$tmp/mx/spool" "$tmp/mx/log" \
    "$tmp/mx/maildir"
maildir=$tmp/mx/maildir
# dkimpipe-verify's configuration file, as /etc/dkimpipe/dkimpipe.conf
# would say it for this DNS
{
	echo "[dkimpipe-verify]"
	echo "authserv-id mx.test"
	echo "resolver-conf $tmp/unbound.conf"
	echo "timeout $(t_timeout 5s)"
	echo "log stderr"
} >"$tmp/dkimpipe.conf"
chmod 0644 "$tmp/dkimpipe.conf"
# The resolver configuration it reads: the test server's, or one that
# sends every query to the port where nothing listens (a DNS outage).
sed "s/\(stub-addr: 127\.0\.0\.1@\)[0-9]*/\1$CLOSED_PORT/" "$UNBOUND_CONF" \
    >"$tmp/unbound-dead.conf"
# resolver live|dead: swap the file dkimpipe-verify reads, in one rename
resolver()
{
	case $1 in
	live)	cp "$UNBOUND_CONF" "$tmp/unbound.conf.new" ;;
	dead)	cp "$tmp/unbound-dead.conf" "$tmp/unbound.conf.new" ;;
	esac
	chmod 0644 "$tmp/unbound.conf.new"
	mv "$tmp/unbound.conf.new" "$tmp/unbound.conf"
}
resolver live
keep_env=
[ -z "$wrap" ] ||
    keep_env=$(echo "$wrap" | tr ' ' '\n' | sed 's/=.*//' | tr '\n' ':' |
    sed 's/:$//; s/:/ : /g')
# The documented ACL, with this test's program and configuration paths.
sed -e "s|/usr/bin/dkimpipe-verify|$tmp/bin/dkimpipe-verify|g" \
    -e "s|/etc/dkimpipe/dkimpipe.conf|$tmp/dkimpipe.conf|g" \
    "$examples/dmarc.conf" >"$tmp/mx/dmarc.conf"
sed -e "s|@DIR@|$tmp/mx|g" -e "s|@EXIM@|$exim|g" -e "s|@PORT@|$port|g" \
    -e "s|@KEEP_ENV@|$keep_env|g" -e "s|@EXIM_USER@|Debian-exim|g" \
    "$t_dir/mta-exim-data.conf" >"$tmp/mx/exim.conf"

exim_x -bV 2>&1 | grep '^Support for' | grep -q Content_Scanning ||
    skip_all "$exim_src has no content scanning (exim4-daemon-heavy has)"
plan 25
diag "$(exim_x -bV 2>&1 | grep '^Exim version') ($exim_src)," \
    "run as root, Exim user Debian-exim = uid $uid${wrap:+ ($wrap)}"
like "$(exim_x -bV 2>&1 | grep '^Support for')" 'Content_Scanning' \
    "this Exim has content scanning, which the ACL needs"
grep -v '^ *#' "$tmp/mx/dmarc.conf" "$tmp/mx/exim.conf" | sed "s|$tmp/||g" |
    grep -e '/usr/' -e '/etc/' -e '/var/' >"$tmp/leftover"
check "the Exim configuration uses no system path" test ! -s "$tmp/leftover" ||
    diag_file "$tmp/leftover"

# ----------------------------------------------------------- daemon --
at_exit "stop_exim '$tmp/mx'"
exim_x -bd >"$tmp/mx.start" 2>&1
"$py" "$t_dir/mta-exim-client.py" wait "$port" "$(t_timeout 10)"
ok $? "Exim listens on $port" || {
	diag_file "$tmp/mx.start"
	diag_file "$tmp/mx/log/paniclog"
	bail_out "Exim did not start"
}

# ----------------------------------------------------------- helpers --
# send HELO SENDER FILE: one SMTP session, one message to bob@mx.test;
# its result line (FILE STAGE CODE TEXT) in $tmp/sent, "STAGE CODE" in
# $sent
send()
{
	"$py" "$t_dir/mta-exim-client.py" send --port "$port" --helo "$1" \
	    --timeout "$(t_timeout 60)" --sender "$2" --rcpt bob@mx.test "$3" \
	    >"$tmp/sent" 2>&1
	sent=$(tail -n 1 "$tmp/sent" | cut -f 2,3 | tr '\t' ' ')
}
delivered()
{
	find "$maildir/new" -type f 2>/dev/null | wc -l | tr -d ' '
}
# wait_delivered N: until N messages are in the maildir
wait_delivered()
{
	_n=0
	_max=$(t_scale_ms 10000)
	while [ "$(delivered)" -lt "$1" ] && [ "$_n" -lt "$_max" ]; do
		sleep 0.05
		_n=$((_n + 50))
	done
	[ "$(delivered)" = "$1" ]
}
queued()
{
	exim_x -bpc 2>&1
}
# mailfile SUBJECT: the delivered file with that Subject:
mailfile()
{
	grep -l -x "Subject: $1" "$maildir/new"/* 2>/dev/null | head -n 1
}
# ar FILE: our Authentication-Results field, on one line
ar()
{
	sed -n '/^Authentication-Results: mx\.test;/,/^[^ \t]/p' "$1" |
	    sed '$d' | tr -d '\n' | tr '\t' ' '
}
# msg NAME FROM SUBJECT: a message file
msg()
{
	printf 'From: <%s>\nTo: <bob@mx.test>\nSubject: %s\n' "$2" "$3" >"$tmp/$1.eml"
	printf 'Date: Mon, 07 Dec 2026 12:00:00 +0000\nMessage-ID: <%s@test>\n\n' \
	    "$1" >>"$tmp/$1.eml"
	printf 'Hello Bob.\n' >>"$tmp/$1.eml"
}

# ---------------------------------------------------- a good message --
msg good alice@good.test "good one"
# with a forged field of ours on top, which must not get through
{ printf 'Authentication-Results: mx.test; dkim=pass header.d=good.test;\n'
  printf '\tdmarc=pass header.from=good.test\n'; cat "$tmp/good.eml"; } \
    >"$tmp/good.new" && mv "$tmp/good.new" "$tmp/good.eml"
send client.test alice@good.test "$tmp/good.eml"
is "$sent" "data 250" "SPF pass for alice@good.test from 127.0.0.1, aligned: accepted" ||
    { diag_file "$tmp/sent"; diag_file "$tmp/mx/log/mainlog"; }
wait_delivered 1
ok $? "and delivered" || diag_file "$tmp/mx/log/mainlog"
f=$(mailfile "good one")
a=$(ar "${f:-/dev/null}")
diag "$a"
like "$a" 'spf=pass [^;]*smtp\.mailfrom=(alice@)?good\.test' \
    "with our field: spf=pass for the MAIL FROM, checked for the real client address"
like "$a" 'dmarc=pass' "and dmarc=pass"
is "$(grep -c '^Authentication-Results: mx\.test;' "${f:-/dev/null}")" 1 \
    "one field of ours, added by the ACL: the forged one is gone"

# ---------------------------------------------------------- a forgery --
msg forged ceo@unsigned.test "forged one"
send client.test ceo@unsigned.test "$tmp/forged.eml"
is "$sent" "data 550" "a forgery of a p=reject domain: 550 after the final dot" ||
    { diag_file "$tmp/sent"; diag_file "$tmp/mx/log/mainlog"; }
like "$(cut -f 4 "$tmp/sent")" '^rejected: .*unsigned\.test' "with our reason" ||
    diag_file "$tmp/sent"

# ------------------------------------- SPF fail, no refusal asked for --
msg spffail carol@sub.good.test "spf fail"
send client.test carol@unsigned.test "$tmp/spffail.eml"
is "$sent" "data 250" "SPF fail for a From: domain with p=none (sp=none): accepted" ||
    diag_file "$tmp/sent"

# ----------------------------------------------- null path, by HELO --
msg helo dave@sub.good.test "by helo"
send good.test "" "$tmp/helo.eml"
is "$sent" "data 250" "the null path, HELO good.test: accepted" ||
    diag_file "$tmp/sent"

wait_delivered 3
ok $? "both delivered" || diag_file "$tmp/mx/log/mainlog"
a=$(ar "$(mailfile "spf fail")")
diag "$a"
like "$a" 'spf=fail [^;]*smtp\.mailfrom=(carol@)?unsigned\.test' \
    "spf=fail from the real client address and MAIL FROM"
a=$(ar "$(mailfile "by helo")")
diag "$a"
like "$a" 'spf=pass [^;]*smtp\.helo=good\.test' "spf=pass for the HELO name of the null path"

# -------------------------------------------------------- DNS outage --
msg outage eve@down.test "dns outage"
send client.test eve@down.test "$tmp/outage.eml"
is "$sent" "data 451" "the From: and MAIL FROM domain's name servers do not answer: 451" ||
    { diag_file "$tmp/sent"; diag_file "$tmp/mx/log/mainlog"; }
sed 's/^Subject: .*/Subject: good after/' "$tmp/good.eml" >"$tmp/after.eml"
send client.test alice@good.test "$tmp/after.eml"
is "$sent" "data 250" "a good message right after it is accepted" ||
    diag_file "$tmp/sent"
wait_delivered 4
ok $? "and delivered" || diag_file "$tmp/mx/log/mainlog"

# No name server answers at all, then answers again: the same message is
# deferred, then accepted when the client tries again.
resolver dead
sed 's/^Subject: .*/Subject: retried/' "$tmp/good.eml" >"$tmp/retry.eml"
send client.test alice@good.test "$tmp/retry.eml"
is "$sent" "data 451" "no name server answers: 451" ||
    { diag_file "$tmp/sent"; diag_file "$tmp/mx/log/mainlog"; }
resolver live
send client.test alice@good.test "$tmp/retry.eml"
is "$sent" "data 250" "DNS answers again: the retry is accepted" ||
    { diag_file "$tmp/sent"; diag_file "$tmp/mx/log/mainlog"; }
wait_delivered 5
ok $? "and delivered" || diag_file "$tmp/mx/log/mainlog"
like "$(ar "$(mailfile "retried")")" 'spf=pass .*dmarc=pass' \
    "with spf=pass and dmarc=pass"
is "$(grep -c 'temporarily rejected after DATA' "$tmp/mx/log/mainlog")" 2 \
    "Exim logged the two deferrals"

# ------------------------------------------------- nothing else made --
# (a delivered message leaves the queue a moment after its file appears)
_n=0
while [ "$(queued)" != 0 ] && [ "$_n" -lt "$(t_scale_ms 10000)" ]; do
	sleep 0.05
	_n=$((_n + 50))
done
is "$(queued)" 0 "the queue is empty: the refused and deferred messages were never queued"
grep -e ' \*\* ' -e '<= <> R=' "$tmp/mx/log/mainlog" >"$tmp/bounces"
check "no bounce was made" test ! -s "$tmp/bounces" || diag_file "$tmp/bounces"

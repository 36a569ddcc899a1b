#!/bin/sh
# mta-exim-arc.sh - ARC under Exim, end to end: a mailing list and a
# forwarder set up with the snippets of packaging/examples/exim/
# (list-verify.conf, list-seal.conf, forward-seal.conf, arc-forward), as
# dkimpipe-seal(1) documents them.
#
# Two Exim daemons on 127.0.0.1, each with its own configuration, spool
# and logs under a temporary directory (nothing of the system's is read
# or changed), and a list manager:
#	lists	t/mta-exim-arc.conf, the host lists.example.org: the list's
#		LMTP transport with dkimpipe-verify as its filter
#		(list-verify.conf), the sealing router and transport
#		(list-seal.conf), the forwarder's (forward-seal.conf, whose
#		filter is arc-forward), an alias fwd@ -> carol@example.net,
#		and an ordinary router that sends the rest out unsealed
#	list manager	t/mta-list-manager.py: an LMTP server that, like
#		Mailman, tags the Subject with "[list] ", adds List-Id and a
#		footer, and submits the changed message back to lists over
#		SMTP from 127.0.0.1 to the subscriber; a message to
#		list-request@ gets a notice of its own back, which carries no
#		Authentication-Results field
#	mx	t/mta-exim-mx.conf: takes any mail, delivers into a maildir
# Mail "from outside" comes from 127.0.0.2 (any 127/8 address reaches
# the loopback), so that list-seal.conf's condition on 127.0.0.1 tells
# it from the list manager's as it would on a real host.
#
# The snippets are included with their program, keystore and
# configuration paths replaced and these changes, each checked to apply:
#   - list-verify.conf: the LMTP port 8024 becomes the test's port;
#   - list-seal.conf, forward-seal.conf: the routers' dnslookup would
#     ask the system's DNS for example.net and, with ignore_target_hosts,
#     refuse the receiving Exim on 127.0.0.1; so "driver = dnslookup"
#     becomes manualroute and the ignore_target_hosts line a route_list
#     to the receiving Exim's port with "self = send". Their conditions,
#     their transports and the filters' command lines are as documented.
# Both programs find the test's dkimpipe.conf (its resolver configuration
# reaches only t/dnsserver.sh's server) through DKIMPIPE_CONFIG, which
# the frame sets with add_environment, in place of the
# /etc/dkimpipe/dkimpipe.conf they read by default.
#
# Checked: a post signed by author.example (key in the test's DNS) reaches
# the subscriber with the list's changes and one ARC set, i=1 cv=none,
# d=lists.example.org, whose ARC-Authentication-Results carries the
# list's dkim=pass for author.example; at the destination the author's
# signature fails (the list changed the message) and dkimpipe-verify and
# dkimpy both pass the chain. A post with an ARC set from an earlier hop
# gets i=2, cv=pass. A forged Authentication-Results field with the list's
# authserv-id is removed on the way in and neither it nor its claims
# reach the seal. The list manager's notice goes out unsealed and leaves
# the queue. A forwarded message is sealed unchanged (dkim=pass and
# arc=pass at the destination); one from outside with a forged field of
# the list's goes out by the forwarder's router, not the list's, and the
# field is gone before the seal. With the keystore unreadable the sealed
# transport defers (the filter's 75): the post stays queued, nothing is
# bounced, and it goes out sealed once the keystore is back.
#
# Exim: Debian's exim4-daemon-light, found or fetched by t/mta-exim-get.sh,
# a non-setuid copy started as root, run as the Exim user (Debian-exim;
# nss_wrapper makes one where missing), as in t/mta-exim.sh.
# Needs root, nsd and ldnsutils (t/dnsserver.sh), setpriv, python3; dkimpy
# (python3-dkim, python3-authres, python3-dnspython) for dkimpy's verdict.
#
# DKIMPIPE_EXIM_CACHE=DIR	where t/mta-exim-get.sh keeps the extracted
#				package (default ~/.cache/dkimpipe/exim4)
# EXIM=PATH			use this exim binary instead
# DKIMPIPE_TEST_KEEP=1		keep the directory (configs, logs, maildir)
. "$(dirname "$0")/lib.sh"

verify=$(t_prog dkimpipe-verify)
seal=$(t_prog dkimpipe-seal)
sign=$(t_prog dkimpipe-sign)
keys=$(t_prog dkimpipe-keys)
[ "$(id -u)" = 0 ] ||
    skip_all "needs root: the Exim daemon starts as root and runs as its own user"
t_need_dns
t_need setpriv util-linux
py=$(t_find_python3 smtplib socketserver) || skip_all "no python3"
dkpy=$(t_find_python3 dkim authres dns.resolver) || dkpy=
# shellcheck disable=SC2154 # lib.sh sets top_srcdir and t_dir
examples=$top_srcdir/packaging/examples/exim
LIST=list@lists.example.org
SUBSCRIBER=sub@example.net

mktmpdir tmp
# shellcheck disable=SC2154 # mktmpdir set it
chmod 0755 "$tmp"		# the Exim user reaches its files through it
# The test's own runs of the programs read no /etc/dkimpipe/dkimpipe.conf
# (Exim's get the list host's file, see above).
: >"$tmp/none.conf"
DKIMPIPE_CONFIG=$tmp/none.conf
export DKIMPIPE_CONFIG
# shellcheck disable=SC2154 # lib.sh sets t_dir
exim_src=$(sh "$t_dir/mta-exim-get.sh" ${DKIMPIPE_EXIM_CACHE:+"$DKIMPIPE_EXIM_CACHE"} \
    2>"$tmp/get.err") ||
    skip_all "no Exim: $(tr '\n' ' ' <"$tmp/get.err")"
"$py" -c 'import socket; socket.socket().bind(("127.0.0.2", 0))' 2>/dev/null ||
    skip_all "cannot use 127.0.0.2 as a client address"

# ---------------------------------------------------------- Exim user --
. "$t_dir/mta-exim-lib.sh"
# as_exim CMD...: run CMD as the Exim user
as_exim()
{
	# shellcheck disable=SC2154 # mta-exim-lib.sh sets uid and gid
	setpriv --reuid="$uid" --regid="$gid" --clear-groups -- "$@"
}
mkdir "$tmp/bin"
cp "$verify" "$seal" "$keys" "$tmp/bin/"
cp "$exim_src" "$tmp/bin/exim"
chmod 0755 "$tmp/bin"/*		# never setuid
as_exim test -x "$tmp/bin/dkimpipe-seal" ||
    bail_out "the Exim user (uid $uid) cannot reach $tmp: use a TMPDIR anyone can enter"
exim=$tmp/bin/exim
exim_l()
{
	# shellcheck disable=SC2086 # $wrap: zero or three words
	env $wrap "$exim" -C "$tmp/lists/exim.conf" "$@"
}
exim_m()
{
	# shellcheck disable=SC2086
	env $wrap "$exim" -C "$tmp/mx/exim.conf" "$@"
}

# ----------------------------------------------------- keystore, DNS --
# The list's keystore belongs to the Exim user; the author's and an
# earlier forwarder's (relay.example) are the test's.
ks=$tmp/keys
install -d -o "$uid" -g "$gid" -m 0700 "$ks"
{
	as_exim "$tmp/bin/dkimpipe-keys" -k "$ks" new -d lists.example.org &&
	"$keys" -k "$tmp/others" new -d author.example -a rsa &&
	"$keys" -k "$tmp/others" new -d relay.example -a rsa
} >"$tmp/records" 2>"$tmp/keys.err" ||
    { diag_file "$tmp/keys.err"; bail_out "dkimpipe-keys new failed"; }
t_dns_start "$tmp/dns" "$tmp/records" --dnssec
# what the Exim user reads of it: the resolver configuration and the
# trust anchor it names
chmod 0755 "$tmp/dns"
chmod 0644 "$UNBOUND_CONF" ${ANCHOR:+"$ANCHOR"}
VERIFY="$verify --resolver-conf $UNBOUND_CONF --timeout $(t_timeout 5s)"

# ------------------------------------------------------ configuration --
port_l=$("$py" "$t_dir/mta-exim-client.py" port)
port_m=$("$py" "$t_dir/mta-exim-client.py" port)
port_lmtp=$("$py" "$t_dir/mta-exim-client.py" port)
while [ "$port_m" = "$port_l" ]; do
	port_m=$("$py" "$t_dir/mta-exim-client.py" port)
done
while [ "$port_lmtp" = "$port_l" ] || [ "$port_lmtp" = "$port_m" ]; do
	port_lmtp=$("$py" "$t_dir/mta-exim-client.py" port)
done
for d in lists mx; do
	mkdir "$tmp/$d"
	install -d -o "$uid" -g "$gid" -m 0750 "$tmp/$d/spool" "$tmp/$d/log"
done
install -d -o "$uid" -g "$gid" -m 0750 "$tmp/mx/maildir"
maildir=$tmp/mx/maildir
L=$tmp/lists

# dkimpipe.conf, as /etc/dkimpipe/dkimpipe.conf would say it on the list
# host (packaging/examples/postfix/dkimpipe.conf-seal), for this DNS
{
	echo "[dkimpipe-verify]"
	echo "authserv-id lists.example.org"
	echo "resolver-conf $UNBOUND_CONF"
	echo "timeout $(t_timeout 5s)"
	echo "[dkimpipe-seal]"
	echo "authserv-id lists.example.org"
	echo "domain lists.example.org"
	echo "keystore $ks"
} >"$L/dkimpipe.conf"
echo "fwd: carol@example.net" >"$L/aliases"
chmod 0644 "$L/dkimpipe.conf" "$L/aliases"

# The documented snippets, with this test's paths and the changes listed
# at the top.
paths()
{
	sed -e "s|/usr/bin/dkimpipe-verify|$tmp/bin/dkimpipe-verify|g" \
	    -e "s|/usr/bin/dkimpipe-seal|$tmp/bin/dkimpipe-seal|g" \
	    -e "s|/usr/local/libexec/arc-forward|$tmp/bin/arc-forward|g" \
	    -e "s|/etc/dkimpipe/keys|$ks|g" "$@"
}
paths "$examples/arc-forward" >"$tmp/bin/arc-forward"
chmod 0755 "$tmp/bin/arc-forward"
paths -e "s|^\(  port = \)8024\$|\1$port_lmtp|" "$examples/list-verify.conf" \
    >"$L/list-verify.conf"
# router_to_mx SNIPPET NAME: the snippet's router (up to the first blank
# line after its name) into NAME.routers, routed to mx; the rest into
# NAME.transports; how many lines changed into NAME.changed
router_to_mx()
{
	paths "$1" | awk -v r="$L/$2.routers" -v t="$L/$2.transports" \
	    -v port="$port_m" '
	!in_t && /^$/ && seen { in_t = 1 }
	/^[a-z_0-9]+:$/ { seen = 1 }
	in_t { print >t; next }
	/^  driver = dnslookup$/ { print "  driver = manualroute" >r; n++; next }
	/^  ignore_target_hosts = / {
		print "  route_list = * 127.0.0.1::" port >r
		print "  self = send" >r
		n++
		next
	}
	{ print >r }
	END { print n + 0 }' >"$L/$2.changed"
}
router_to_mx "$examples/list-seal.conf" list-seal
router_to_mx "$examples/forward-seal.conf" forward-seal
keep_env=
[ -z "$wrap" ] || keep_env="LD_PRELOAD : NSS_WRAPPER_PASSWD : NSS_WRAPPER_GROUP"
sed -e "s|@DIR@|$L|g" -e "s|@EXIM@|$exim|g" -e "s|@PORT@|$port_l|g" \
    -e "s|@MX_PORT@|$port_m|g" -e "s|@KEEP_ENV@|$keep_env|g" \
    "$t_dir/mta-exim-arc.conf" >"$L/exim.conf"
sed -e "s|@DIR@|$tmp/mx|g" -e "s|@EXIM@|$exim|g" -e "s|@PORT@|$port_m|g" \
    -e "s|@KEEP_ENV@|$keep_env|g" -e "s|@EXIM_USER@|Debian-exim|g" \
    "$t_dir/mta-exim-mx.conf" >"$tmp/mx/exim.conf"

plan 58
diag "$(exim_l -bV 2>&1 | grep '^Exim version') ($exim_src)," \
    "run as root, Exim user Debian-exim = uid $uid${wrap:+ (nss_wrapper)}"

# ------------------------------------------------ the snippets as used --
is "$(cat "$L/list-seal.changed") $(cat "$L/forward-seal.changed")" "2 2" \
    "list-seal.conf, forward-seal.conf: in each router driver and ignore_target_hosts changed, nothing else"
is "$(grep -c "^  port = $port_lmtp\$" "$L/list-verify.conf")" 1 \
    "list-verify.conf: the LMTP port changed"
is "$(grep -h -e '^remote_smtp_arc:$' -e '^remote_smtp_arcfwd:$' \
    "$L/list-seal.transports" "$L/forward-seal.transports" | tr '\n' ' ')" \
    "remote_smtp_arc: remote_smtp_arcfwd: " \
    "each snippet's transport is in the transports section"
cat "$L/exim.conf" "$L"/*.routers "$L"/*.transports "$L/list-verify.conf" \
    "$tmp/bin/arc-forward" "$tmp/mx/exim.conf" | grep -v '^ *#' |
    sed "s|$tmp/||g" | grep -e '/usr/' -e '/etc/' -e '/var/' >"$tmp/leftover"
check "the configurations and arc-forward use no system path" \
    test ! -s "$tmp/leftover" || diag_file "$tmp/leftover"

# ---------------------------------------------------------- daemons --
"$py" "$t_dir/mta-list-manager.py" serve --lmtp-port "$port_lmtp" \
    --smtp-port "$port_l" --list "$LIST" --subscribers "$SUBSCRIBER" \
    --log "$tmp/manager.log" >"$tmp/manager.out" 2>&1 &
manager=$!
at_exit "kill $manager 2>/dev/null"
at_exit "stop_exim '$tmp/mx'"
exim_m -bd >"$tmp/mx.start" 2>&1
at_exit "stop_exim '$L'"
exim_l -bd >"$tmp/lists.start" 2>&1
w=$(t_timeout 10)
"$py" "$t_dir/mta-exim-client.py" wait "$port_l" "$w" &&
    "$py" "$t_dir/mta-exim-client.py" wait "$port_m" "$w" &&
    "$py" "$t_dir/mta-exim-client.py" wait "$port_lmtp" "$w"
ok $? "lists (port $port_l), mx ($port_m) and the list manager (LMTP $port_lmtp) listen" || {
	diag_file "$tmp/lists.start"
	diag_file "$tmp/mx.start"
	diag_file "$tmp/manager.out"
	diag_file "$L/log/paniclog"
	bail_out "a server did not start"
}

# ----------------------------------------------------------- helpers --
# send RCPT FILE: one message from alice@author.example, from outside
# (127.0.0.2), to lists; the server's last answer code in $sent
send()
{
	"$py" "$t_dir/mta-list-manager.py" send --port "$port_l" \
	    --source 127.0.0.2 --timeout "$(t_timeout 60)" \
	    --sender alice@author.example --rcpt "$1" "$2" >"$tmp/sent" 2>&1
	sent=$(cut -c 1-3 "$tmp/sent")
}
delivered()
{
	find "$maildir/new" -type f 2>/dev/null | wc -l | tr -d ' '
}
delivered_is()
{
	[ "$(delivered)" = "$1" ]
}
queue_is()
{
	[ "$(exim_l -bpc 2>&1)" = "$1" ]
}
# wait_for TEST...: until TEST succeeds (10 s at most, scaled)
wait_for()
{
	_n=0
	_max=$(t_scale_ms 10000)
	until "$@"; do
		[ "$_n" -lt "$_max" ] || return 1
		sleep 0.05
		_n=$((_n + 50))
	done
}
# mailfile SUBJECT: the delivered file with that Subject:
mailfile()
{
	_f=$(grep -l -x "Subject: $1" "$maildir/new"/* 2>/dev/null | head -n 1)
	echo "${_f:-$tmp/nothing-delivered}"
}
# fields FILE: its header fields, one a line, unfolded, white space
# squeezed
fields()
{
	tr -d '\r' <"$1" 2>/dev/null | awk '/^$/ { exit }
	    /^[ \t]/ { s = s " " $0; next }
	    { if (s != "") print s; s = $0 }
	    END { if (s != "") print s }' | tr -s ' \t' '  '
}
# seal FILE I: the i=, cv= and d= tags of the ARC-Seal of instance I
seal_tags()
{
	fields "$1" | grep -i '^ARC-Seal:' | sed 's/^[^:]*://' | tr -d ' ' |
	    grep -e "^i=$2;" -e ";i=$2;" -e ";i=$2\$" | tr ';' '\n' |
	    grep -e '^i=' -e '^cv=' -e '^d=' | sort | tr '\n' ' ' | sed 's/ $//'
}
# aar FILE I: the ARC-Authentication-Results of instance I
aar()
{
	fields "$1" | grep -i "^ARC-Authentication-Results: i=$2;"
}
# ams_count FILE I: how many ARC-Message-Signature fields of instance I
ams_count()
{
	fields "$1" | grep -i '^ARC-Message-Signature:' | tr -d ' ' |
	    grep -c -e ":i=$2;" -e ";i=$2;" -e ";i=$2\$"
}
# mx_results FILE: dkimpipe-verify at the destination: its
# Authentication-Results field, on one line
mx_results()
{
	$VERIFY --authserv-id mx.example.net <"$1" >"$tmp/verified" \
	    2>"$tmp/verify.err"
	fields "$tmp/verified" | grep -i '^Authentication-Results: mx\.example\.net;'
}
# dkimpy FILE: dkimpy's arc_verify verdict (pass, fail, none, ...)
dkimpy_is()
{
	if [ -n "$dkpy" ]; then
		"$dkpy" "$t_dir/arc-dkimpy.py" verify --port "$PORT" "$1" \
		    >"$tmp/dkimpy.out" 2>&1
		is "$(cut -f 2 "$tmp/dkimpy.out")" pass "$2" ||
		    diag_file "$tmp/dkimpy.out"
	else
		skip "dkimpy not found (apt-get install python3-dkim python3-authres python3-dnspython)"
	fi
}
log_lines()
{
	wc -l <"$L/log/mainlog" | tr -d ' '
}
log_since()
{
	sed "1,${1}d" "$L/log/mainlog"
}
# msg NAME TO SUBJECT: $tmp/NAME.eml, from alice@author.example, signed
# by author.example unless NAME starts with "unsigned"
msg()
{
	{
		printf 'From: Alice <alice@author.example>\nTo: <%s>\n' "$2"
		printf 'Subject: %s\nDate: Mon, 07 Dec 2026 12:00:00 +0000\n' "$3"
		printf 'Message-ID: <%s@author.example>\nMIME-Version: 1.0\n' "$1"
		printf 'Content-Type: text/plain; charset=us-ascii\n\n'
		printf 'Hello list,\n.a line that starts with a dot\n\nAlice\n'
	} >"$tmp/$1.raw"
	case $1 in
	unsigned*) cp "$tmp/$1.raw" "$tmp/$1.eml" ;;
	*)	"$sign" -k "$tmp/others" <"$tmp/$1.raw" >"$tmp/$1.eml" \
		    2>"$tmp/sign.err" ||
		    { diag_file "$tmp/sign.err"; bail_out "dkimpipe-sign failed"; } ;;
	esac
}
n=0	# messages delivered so far

# -------------------------------------------------- a post to the list --
msg post "$LIST" "a post"
send "$LIST" "$tmp/post.eml"
is "$sent" 250 "a post signed by author.example, from outside, is accepted for the list" ||
    diag_file "$tmp/sent"
n=$((n + 1))
wait_for delivered_is $n
ok $? "the list manager's copy reaches the subscriber" || {
	diag_file "$tmp/manager.log"
	diag_file "$L/log/mainlog"
	diag_file "$tmp/mx/log/mainlog"
}
f=$(mailfile "\[list\] a post")
diag "delivered: $f"
# routed LOCAL: the router and transport of the lists Exim's delivery to
# LOCAL@..., from its log since line $mark (which it may write after the
# mx has delivered the message: waited for)
logged()
{
	log_since "$mark" | grep -q "$1"
}
routed()
{
	wait_for logged " => $1@"
	log_since "$mark" | grep " => $1@" |
	    sed 's/.* R=\([^ ]*\) T=\([^ ]*\) .*/\1 \2/'
}
mark=0
is "$(routed sub)" "arc_seal remote_smtp_arc" \
    "Exim sent it out through list-seal.conf's router and transport" ||
    diag_file "$L/log/mainlog"
check "with the list's Subject tag" test -f "$f"
grep -q '^list mailing list -- list@lists.example.org$' "$f" 2>/dev/null
ok $? "and its footer" || diag_file "$f" 60
is "$(seal_tags "$f" 1)" "cv=none d=lists.example.org i=1" \
    "ARC-Seal: i=1, cv=none, d=lists.example.org" || diag_file "$f" 40
is "$(seal_tags "$f" 2)" "" "and no second set"
is "$(ams_count "$f" 1)" 1 "one ARC-Message-Signature, i=1"
like "$(aar "$f" 1)" '^ARC-Authentication-Results: i=1; lists\.example\.org;.* dkim=pass .*header\.d=author\.example' \
    "ARC-Authentication-Results: the list's dkim=pass for author.example, as it arrived" ||
    diag "$(aar "$f" 1)"
r=$(mx_results "$f")
like "$r" ' dkim=fail .*header\.d=author\.example' \
    "at the destination the author's signature fails: the list changed the message" ||
    diag "$r"
like "$r" ' arc=pass ' "and dkimpipe-verify passes the chain (arc=pass)" ||
    { diag "$r"; diag_file "$tmp/verify.err"; }
dkimpy_is "$f" "dkimpy's arc_verify passes it too"

# ------------------------------------------ a post that has a chain --
# An earlier forwarder, relay.example, checked and sealed it (i=1).
msg chained "$LIST" "a chained post"
$VERIFY --authserv-id relay.example <"$tmp/chained.eml" |
    "$seal" -k "$tmp/others" -A relay.example \
    -d relay.example >"$tmp/chained.sealed" 2>"$tmp/seal.err" ||
    { diag_file "$tmp/seal.err"; bail_out "sealing as relay.example failed"; }
send "$LIST" "$tmp/chained.sealed"
is "$sent" 250 "a post with an ARC set of relay.example is accepted" ||
    diag_file "$tmp/sent"
n=$((n + 1))
wait_for delivered_is $n
ok $? "and reaches the subscriber" || diag_file "$L/log/mainlog"
f=$(mailfile "\[list\] a chained post")
is "$(seal_tags "$f" 1) / $(seal_tags "$f" 2)" \
    "cv=none d=relay.example i=1 / cv=pass d=lists.example.org i=2" \
    "the list adds i=2, cv=pass, after relay.example's i=1" || diag_file "$f" 50
like "$(aar "$f" 2)" '; arc=pass ' "its ARC-Authentication-Results: arc=pass on the way in" ||
    diag "$(aar "$f" 2)"
like "$(mx_results "$f")" ' arc=pass ' "dkimpipe-verify at the destination: arc=pass" ||
    diag_file "$tmp/verified" 20
dkimpy_is "$f" "dkimpy: pass"

# -------------------------------------------- a forged result of ours --
# Unsigned, with a field that claims the list's own dkim=pass for it.
msg unsigned-forged "$LIST" "a forged result"
{
	printf 'Authentication-Results: lists.example.org; dkim=pass\n'
	printf '\theader.d=author.example header.b=FORGED1; arc=pass\n'
	cat "$tmp/unsigned-forged.eml"
} >"$tmp/forged.eml"
send "$LIST" "$tmp/forged.eml"
is "$sent" 250 "an unsigned post with a forged Authentication-Results of lists.example.org is accepted" ||
    diag_file "$tmp/sent"
n=$((n + 1))
wait_for delivered_is $n
ok $? "and reaches the subscriber" || diag_file "$L/log/mainlog"
f=$(mailfile "\[list\] a forged result")
is "$(grep -c FORGED1 "$f" 2>&1)" 0 "the forged field is gone" ||
    diag_file "$f" 40
like "$(aar "$f" 1)" '^ARC-Authentication-Results: i=1; lists\.example\.org;.* dkim=none' \
    "the seal carries the list's own result, dkim=none, not the forged pass" ||
    diag "$(aar "$f" 1)"
like "$(mx_results "$f")" ' arc=pass ' "and the chain passes at the destination" ||
    diag_file "$tmp/verified" 20

# ---------------------------------------- the list manager's own mail --
mark=$(log_lines)
msg request "list-request@lists.example.org" "subscribe"
send list-request@lists.example.org "$tmp/request.eml"
is "$sent" 250 "a request to list-request@ is accepted" || diag_file "$tmp/sent"
n=$((n + 1))
wait_for delivered_is $n
ok $? "the list manager's notice reaches alice" || {
	diag_file "$tmp/manager.log"
	diag_file "$L/log/mainlog"
}
f=$(mailfile "Your request to $LIST")
is "$(routed alice)" "dnslookup remote_smtp" "through the ordinary router and transport" ||
    diag_file "$L/log/mainlog"
is "$(fields "$f" | grep -c -i -e '^ARC-' -e '^Authentication-Results:')" 0 \
    "it has no Authentication-Results, so it goes out unsealed" || diag_file "$f" 30
wait_for queue_is 0
ok $? "and nothing waits in the queue" || exim_l -bp 2>&1 | diag_file /dev/stdin

# -------------------------------------------------- the forwarder --
mark=$(log_lines)
msg forward "fwd@lists.example.org" "forward me"
send fwd@lists.example.org "$tmp/forward.eml"
is "$sent" 250 "a message to the alias fwd@lists.example.org is accepted" ||
    diag_file "$tmp/sent"
n=$((n + 1))
wait_for delivered_is $n
ok $? "and forwarded to carol@example.net" || diag_file "$L/log/mainlog"
f=$(mailfile "forward me")
is "$(routed carol)" "arc_forward remote_smtp_arcfwd" \
    "Exim sent it out through forward-seal.conf's router and transport" ||
    diag_file "$L/log/mainlog"
is "$(seal_tags "$f" 1)" "cv=none d=lists.example.org i=1" \
    "arc-forward sealed it: i=1, cv=none, d=lists.example.org" || diag_file "$f" 40
like "$(aar "$f" 1)" '^ARC-Authentication-Results: i=1; lists\.example\.org;.* dkim=pass .*header\.d=author\.example' \
    "with arc-forward's own dkim=pass for author.example" || diag "$(aar "$f" 1)"
r=$(mx_results "$f")
like "$r" ' dkim=pass .*header\.d=author\.example' \
    "at the destination the author's signature still passes (nothing changed)" ||
    diag "$r"
like "$r" ' arc=pass ' "and the chain passes (dkimpipe-verify)" || diag "$r"
dkimpy_is "$f" "dkimpy: pass"
body_of()
{
	sed '1,/^$/d' "$1" | tr -d '\r'
}
body_of "$tmp/forward.eml" >"$tmp/body.sent"
body_of "$f" >"$tmp/body.got" 2>/dev/null
check "the body arrives byte for byte" cmp -s "$tmp/body.sent" "$tmp/body.got"

# Forwarded from outside with a forged field of the list's: not the
# list's router (it came from 127.0.0.2), and arc-forward's check removes
# the field before the seal.
mark=$(log_lines)
msg unsigned-fwd "fwd@lists.example.org" "forward a forgery"
{
	printf 'Authentication-Results: lists.example.org; dkim=pass\n'
	printf '\theader.d=author.example header.b=FORGED2\n'
	cat "$tmp/unsigned-fwd.eml"
} >"$tmp/forged-fwd.eml"
send fwd@lists.example.org "$tmp/forged-fwd.eml"
is "$sent" 250 "a message to fwd@ with a forged Authentication-Results of lists.example.org is accepted" ||
    diag_file "$tmp/sent"
n=$((n + 1))
wait_for delivered_is $n
ok $? "and forwarded" || diag_file "$L/log/mainlog"
f=$(mailfile "forward a forgery")
is "$(routed carol)" "arc_forward remote_smtp_arcfwd" \
    "by forward-seal.conf's router, not list-seal.conf's: it came from outside" ||
    diag_file "$L/log/mainlog"
is "$(grep -c FORGED2 "$f" 2>&1)" 0 "the forged field is gone"
like "$(aar "$f" 1)" '^ARC-Authentication-Results: i=1; lists\.example\.org;.* dkim=none' \
    "the seal carries arc-forward's own dkim=none" || diag "$(aar "$f" 1)"

# ------------------------------------------ sealing cannot be done --
# The keystore unreadable for the Exim user: dkimpipe-seal exits 75,
# Exim defers the sealed copy.
chmod 0 "$ks"
mark=$(log_lines)
msg held "$LIST" "a held post"
send "$LIST" "$tmp/held.eml"
is "$sent" 250 "with the keystore unreadable, a post is still accepted" ||
    diag_file "$tmp/sent"
wait_for logged 'T=remote_smtp_arc defer .*transport filter process failed (75)'
ok $? "the sealing transport defers it: the filter exits 75" || log_since "$mark" |
    diag_file /dev/stdin
# (the post itself leaves the queue once the list manager answered LMTP)
wait_for queue_is 1
ok $? "the list's copy waits in the queue" || exim_l -bp 2>&1 | diag_file /dev/stdin
is "$(delivered)" $n "nothing more is delivered"
log_since 0 | grep -e ' \*\* ' -e '<= <> ' >"$tmp/bounces"
check "nothing bounced, no bounce message made" test ! -s "$tmp/bounces" ||
    diag_file "$tmp/bounces"
chmod 0700 "$ks"
exim_l -qff >"$tmp/qff.out" 2>&1
n=$((n + 1))
wait_for delivered_is $n
ok $? "with the keystore back, the queue run delivers it" || {
	diag_file "$tmp/qff.out"
	log_since "$mark" | diag_file /dev/stdin
}
f=$(mailfile "\[list\] a held post")
is "$(seal_tags "$f" 1)" "cv=none d=lists.example.org i=1" "sealed, i=1" ||
    diag_file "$f" 40
like "$(mx_results "$f")" ' arc=pass ' "and its chain passes" ||
    diag_file "$tmp/verified" 20
wait_for queue_is 0
ok $? "the queue is empty"

# ---------------------------------------------------------- at the end --
grep -c 'not submitted' "$tmp/manager.log" >"$tmp/n"
is "$(cat "$tmp/n")" 0 "the list manager could always submit" ||
    diag_file "$tmp/manager.log"
grep -l -e 'dkimpipe-' -e 'fatal:' "$maildir/new"/* >"$tmp/leaked" 2>/dev/null
check "no delivered message holds a filter's diagnostics" test ! -s "$tmp/leaked" ||
    diag_file "$tmp/leaked"

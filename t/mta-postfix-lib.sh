# mta-postfix-lib.sh - what t/mta-postfix.sh and t/mta-postfix-dmarc.sh
# share once their private Postfix is unpacked: the accounts Postfix
# needs, helpers that read delivered mail, and pf_stop. Sourced after
# t/lib.sh; uses AUTHSERV (the authserv-id of the configuration under
# test), and pf, queue and tmp when pf_stop runs.

# ----------------------------------------------------------- accounts --
# Postfix's mail_owner and setgid_group, made as Debian's postinst makes
# them (adduser), or with useradd where adduser is missing. Another test
# run making them at the same moment is no failure.
need_group()
{
	getent group "$1" >/dev/null && return 0
	addgroup --system "$1" >/dev/null 2>&1 || groupadd --system "$1" ||
	    getent group "$1" >/dev/null || bail_out "cannot create the group $1"
	diag "created the group $1 ($2)"
}
need_group postfix "the group of Postfix's mail_owner"
need_group postdrop "Postfix's setgid_group"
if ! getent passwd postfix >/dev/null; then
	adduser --system --home /var/spool/postfix --no-create-home \
	    --disabled-password --ingroup postfix postfix >/dev/null 2>&1 ||
	    useradd --system --gid postfix --home-dir /var/spool/postfix \
		--no-create-home --shell /usr/sbin/nologin postfix ||
	    getent passwd postfix >/dev/null ||
	    bail_out "cannot create the user postfix"
	diag "created the user postfix (Postfix's mail_owner)"
fi
getent passwd nobody >/dev/null || bail_out "no user nobody"
NOBODY_UID=$(id -u nobody)
NOBODY_GID=$(id -g nobody)

# ---------------------------------------------------- header helpers --

# fields FILE: the names of the header fields, in order, one line
fields()
{
	awk '/^$/ { exit } /^[^ \t]/ { sub(/:.*/, ""); printf "%s%s", s, $0; s = " " }
	    END { print "" }' "$1"
}

# drop_fields N FILE: FILE without its first N header fields
drop_fields()
{
	awk -v n="$1" '
	hdr && /^$/ { hdr = 0 }
	hdr && /^[^ \t]/ { f++ }
	hdr && f <= n { next }
	{ print }' hdr=1 f=0 "$2"
}

# field NAME FILE: every NAME field of the header, each unfolded on a line
field()
{
	awk -v name="$1" '
	function flush() { if (cur != "") print cur; cur = "" }
	/^$/ { exit }
	/^[ \t]/ { if (cur != "") { sub(/^[ \t]+/, " "); cur = cur $0 } next }
	{ flush(); if (tolower(substr($0, 1, length(name) + 1)) == tolower(name) ":") cur = $0 }
	END { flush() }' "$2"
}

# ar FILE: our Authentication-Results field, unfolded
ar()
{
	field Authentication-Results "$1" | grep "^Authentication-Results: $AUTHSERV;"
}

# results FILE: the dkim= results of our field, space-separated
results()
{
	ar "$1" | grep -o 'dkim=[a-z]*' | sed 's/dkim=//' | tr '\n' ' ' |
	    sed 's/ $//'
}

# wait_until SECONDS CMD...: poll CMD every 0.1 s; 0 once it succeeds
wait_until()
{
	_w_n=$(($1 * 10))
	shift
	while ! "$@" >/dev/null 2>&1; do
		_w_n=$((_w_n - 1))
		[ $_w_n -gt 0 ] || return 1
		sleep 0.1
	done
}

# new_file MAILDIR PATTERN: the one message in MAILDIR/new that has a line
# matching PATTERN (grep -E), or fail
new_file()
{
	_n_f=$(grep -lE -- "$2" "$1"/new/* 2>/dev/null | head -n 2)
	[ -n "$_n_f" ] && [ "$(echo "$_n_f" | wc -l)" = 1 ] || return 1
	echo "$_n_f"
}
has_file() { new_file "$@" >/dev/null; }
count_new() { find "$1/new" -type f 2>/dev/null | wc -l | tr -d ' '; }
at_least() { [ "$(count_new "$1")" -ge "$2" ]; }

# pf_stop: "postfix stop", then make sure that every process of the
# instance is gone: the daemons (master's session) within 10 s, else
# SIGKILL; then what pipe(8) started in sessions of their own (the
# wrapper, dkimpipe-verify, sendmail, postdrop: all run from $tmp),
# SIGTERM first, so that the wrapper removes its temporary file.
pf_stop()
{
	if [ -s "$queue/pid/master.pid" ]; then
		_ps_m=$(tr -d ' \n' <"$queue/pid/master.pid")
		pf postfix stop >/dev/null 2>&1
		_ps_i=0
		while [ -n "$(pf_procs "$_ps_m")" ] && [ $_ps_i -lt 100 ]; do
			_ps_i=$((_ps_i + 1))
			sleep 0.1
		done
		# shellcheck disable=SC2046 # one pid a word
		[ -z "$(pf_procs "$_ps_m")" ] ||
		    kill -KILL $(pf_procs "$_ps_m") 2>/dev/null
	fi
	_ps_i=0
	while [ -n "$(pf_leftovers)" ] && [ $_ps_i -lt 30 ]; do
		# shellcheck disable=SC2046
		[ $_ps_i != 0 ] || kill -TERM $(pf_leftovers) 2>/dev/null
		# shellcheck disable=SC2046
		[ $_ps_i != 20 ] || kill -KILL $(pf_leftovers) 2>/dev/null
		_ps_i=$((_ps_i + 1))
		sleep 0.1
	done
	[ -z "$(pf_procs "${_ps_m:-0}")$(pf_leftovers)" ]
}
# pf_procs SID: live (not zombie) processes of session SID
pf_procs()
{
	for _pp_s in /proc/[0-9]*/stat; do
		sed -n 's/^\([0-9]*\) (.*) \([A-Z]\) [0-9]* [0-9]* \([0-9]*\) .*/\1 \2 \3/p' \
		    "$_pp_s" 2>/dev/null
	done | awk -v sid="$1" '$3 == sid && $2 != "Z" { print $1 }'
}
# pf_leftovers: live processes whose command line names a file in $tmp
pf_leftovers()
{
	for _pl_d in /proc/[0-9]*; do
		case $( { tr '\0' ' ' <"$_pl_d/cmdline"; } 2>/dev/null) in
		*"$tmp/"*)
			[ "$(sed -n 's/^[0-9]* (.*) \([A-Z]\) .*/\1/p' \
			    "$_pl_d/stat" 2>/dev/null)" = Z ] || echo "${_pl_d#/proc/}" ;;
		esac
	done
}

# ------------------------------------------------------------ main.cf --
# pf PROGRAM ARG...: one of the unpacked Postfix commands, for this instance
pf()
{
	_pf_p=$1
	shift
	LD_LIBRARY_PATH=$PF_LIB "$pf/usr/sbin/$_pf_p" -c "$conf" "$@"
}

# pf_main_cf NAME: the main.cf lines every test instance starts with:
# every path under $tmp and $pf, the accounts, the environment the
# unpacked programs need, the mail log. The test appends its own.
pf_main_cf()
{
	cat <<EOF
# written by t/$1: a test instance, everything under $tmp
compatibility_level = 3.6
queue_directory = $queue
data_directory = $tmp/data
meta_directory = $tmp/meta
daemon_directory = $pf/usr/lib/postfix/sbin
command_directory = $pf/usr/sbin
shlib_directory = $PF_LIB
sendmail_path = $pf/usr/sbin/sendmail
newaliases_path = $pf/usr/bin/newaliases
mailq_path = $pf/usr/bin/mailq
html_directory = no
readme_directory = no
manpage_directory = $pf/usr/share/man
sample_directory = $pf/etc/postfix
mail_owner = postfix
setgid_group = postdrop
# The unpacked programs find their libraries through LD_LIBRARY_PATH:
# master gives it to the daemons, pipe(8) to the wrapper's sendmail.
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C
    POSTLOG_SERVICE POSTLOG_HOSTNAME LD_LIBRARY_PATH=$PF_LIB
export_environment = TZ MAIL_CONFIG LANG LD_LIBRARY_PATH
maillog_file = $tmp/maillog
maillog_file_prefixes = $tmp
EOF
}

# -------------------------------------------------------------- SMTP --
# (uses $py and $client, the test's python3 and t/mta-postfix-smtp.py)
# send PORT SENDER FILE RCPT...: one SMTP transaction; $sent is the
# server's answer "STAGE CODE"
send()
{
	_s_port=$1
	_s_from=$2
	_s_file=$3
	shift 3
	_s_args=
	for _s_r; do
		_s_args="$_s_args --rcpt $_s_r"
	done
	# shellcheck disable=SC2086 # addresses have no spaces
	sent=$("$py" "$client" send --port "$_s_port" --sender "$_s_from" \
	    $_s_args "$_s_file" 2>&1 | cut -f2,3 | tr '\t' ' ')
}

# pf_main_cf_mailboxes DOMAINS: the main.cf lines that deliver mail for
# DOMAINS into the maildirs under $mail ($conf/vmailbox names them), as
# nobody, and let nothing else leave the machine.
pf_main_cf_mailboxes()
{
	cat <<EOF
virtual_mailbox_domains = $1
virtual_mailbox_base = $mail
virtual_mailbox_maps = texthash:$conf/vmailbox
virtual_uid_maps = static:$NOBODY_UID
virtual_gid_maps = static:$NOBODY_GID
# nothing leaves this machine
default_transport = error:5.3.0 no mail leaves the test
relay_transport = error:5.3.0 no mail leaves the test
notify_classes =
biff = no
EOF
}

# ------------------------------------------------------------ start --
# pf_start_tries TRY [FILE...]: run TRY, the test's function that picks
# ports, writes master.cf, starts Postfix (its output in $tmp/start.out)
# and waits for its listeners, up to three times (a port another program
# took meanwhile), stopping Postfix between tries; when no try works, bail
# out with the start output, each FILE that exists and the mail log's end.
pf_start_tries()
{
	_st_try=$1
	shift
	for _ in 1 2 3; do
		"$_st_try" && return 0
		pf_stop
	done
	diag_file "$tmp/start.out"
	for _st_f; do
		[ -r "$_st_f" ] && diag_file "$_st_f"
	done
	[ -r "$tmp/maillog" ] && tail -n 20 "$tmp/maillog" | sed 's/^/#   /'
	bail_out "Postfix did not start"
}

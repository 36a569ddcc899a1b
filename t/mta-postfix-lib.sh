# mta-postfix-lib.sh - what t/mta-postfix.sh and t/mta-postfix-dmarc.sh
# share once their private Postfix is unpacked: the accounts Postfix
# needs, and helpers that read delivered mail. Sourced after t/lib.sh;
# uses AUTHSERV (the authserv-id of the configuration under test).

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

# mta-exim-lib.sh - what the Exim tests (t/mta-exim*.sh) share: the Exim
# user, and stop_exim. Sourced after t/lib.sh and mktmpdir; sets uid and
# gid to Debian-exim's, made up through nss_wrapper where the account
# does not exist (wrap: the environment that runs Exim with it, or empty).

wrap=
if uid=$(id -u Debian-exim 2>/dev/null); then
	gid=$(id -g Debian-exim)
else
	nsslib=
	for f in /usr/lib/*/libnss_wrapper.so /usr/lib/libnss_wrapper.so \
	    /usr/lib64/libnss_wrapper.so; do
		[ -f "$f" ] && { nsslib=$f; break; }
	done
	[ -n "$nsslib" ] ||
	    skip_all "no Debian-exim user, and no nss_wrapper to make one (apt-get install libnss-wrapper)"
	uid=64990
	while getent passwd "$uid" >/dev/null || getent group "$uid" >/dev/null; do
		uid=$((uid + 1))
	done
	gid=$uid
	{ getent passwd; echo "Debian-exim:x:$uid:$gid::/nonexistent:/usr/sbin/nologin"; } \
	    >"$tmp/passwd"
	{ getent group; echo "Debian-exim:x:$gid:"; } >"$tmp/group"
	wrap="LD_PRELOAD=$nsslib NSS_WRAPPER_PASSWD=$tmp/passwd NSS_WRAPPER_GROUP=$tmp/group"
fi

# stop_exim DIR: stop the daemon whose pid file is DIR/exim.pid, waiting
# up to 5 s for it to go before it is killed.
stop_exim()
{
	[ -f "$1/exim.pid" ] || return 0
	_p=$(cat "$1/exim.pid")
	kill "$_p" 2>/dev/null || return 0
	_n=0
	while kill -0 "$_p" 2>/dev/null && [ "$_n" -lt 100 ]; do
		sleep 0.05
		_n=$((_n + 1))
	done
	kill -9 "$_p" 2>/dev/null || :
}

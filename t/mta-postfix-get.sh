#!/bin/sh
# mta-postfix-get.sh - find or fetch the Postfix that t/mta-postfix.sh runs.
#
#	sh t/mta-postfix-get.sh [CACHEDIR]
#
# Prints the directory of an unpacked Debian postfix package (its
# usr/sbin/postfix, usr/lib/postfix/sbin/master, usr/lib/postfix/*.so,
# usr/share/postfix/master.cf.dist, etc/postfix/postfix-files) on stdout
# and exits 0, or prints why there is none on stderr and exits 1:
#	$POSTFIX_ROOT			if set: such a directory, made by hand
#	CACHEDIR			unpacked earlier by this script
#	else: apt-get download postfix and dpkg-deb -x it into CACHEDIR
#	(default $XDG_CACHE_HOME or $HOME/.cache, then dkimpipe/postfix)
#
# Why not apt-get install postfix, or the postfix already installed:
#   - Debian's postfix conflicts with exim4-daemon-light, which the Exim
#     test may have installed (both provide mail-transport-agent);
#   - an installed postfix comes with a system instance, /etc/postfix and
#     port 25, none of which a test should touch;
#   - the test instance lives in a temporary directory, and Postfix's
#     set-gid postdrop accepts another configuration directory only when
#     /etc/postfix/main.cf lists it (alternate_config_directories). The
#     unpacked postdrop is not set-gid, so it needs no such blessing (the
#     test opens the maildrop directory instead, see t/mta-postfix.sh).
# The unpacked programs find their libraries (usr/lib/postfix/*.so; the
# RUNPATH says /usr/lib/postfix) through LD_LIBRARY_PATH, and need the
# shared libraries that the package depends on (libdb5.3, libicu72,
# libnsl2, libsasl2-2, libssl3 on Debian 12), which this script checks
# and names. Nothing is installed or configured here: CACHEDIR is the only
# thing written.
set -eu

me=mta-postfix-get.sh
cache=${1:-${XDG_CACHE_HOME:-${HOME:-/nonexistent}/.cache}/dkimpipe/postfix}

# works DIR: the unpacked programs run (every library found)
works()
{
	[ -x "$1/usr/sbin/postconf" ] &&
	    [ -x "$1/usr/lib/postfix/sbin/master" ] &&
	    LD_LIBRARY_PATH=$1/usr/lib/postfix "$1/usr/sbin/postconf" -d \
		mail_version >/dev/null 2>&1
}

# missing_libs DIR: library packages the package depends on that are not
# installed, from the Depends line kept in DIR/DEPENDS
missing_libs()
{
	tr ',' '\n' <"$1/DEPENDS" | sed 's/^ *//; s/[ (].*//' |
	    grep '^lib' | while read -r p; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		    grep -q 'install ok installed' || echo "$p"
	done | tr '\n' ' ' | sed 's/ $//'
}

if [ -n "${POSTFIX_ROOT:-}" ]; then
	works "$POSTFIX_ROOT" ||
	    { echo "$me: POSTFIX_ROOT=$POSTFIX_ROOT: no working postfix there" >&2; exit 1; }
	echo "$POSTFIX_ROOT"
	exit 0
fi

if [ ! -x "$cache/usr/sbin/postfix" ]; then
	# shellcheck disable=SC2015 # either missing is the same failure
	command -v apt-get >/dev/null 2>&1 && command -v dpkg-deb >/dev/null 2>&1 ||
	    { echo "$me: no apt-get and dpkg-deb to fetch postfix with" >&2; exit 1; }
	mkdir -p "$(dirname "$cache")" 2>/dev/null ||
	    { echo "$me: cannot create $(dirname "$cache")" >&2; exit 1; }
	# next to the cache, so that the final mv is a rename
	dl=$(mktemp -d "$(dirname "$cache")/.postfix-get.XXXXXX")
	trap 'rm -rf "$dl"' EXIT
	# apt-get download runs as _apt where it can; a directory of root's
	# is not _apt's to write, hence the sandbox user
	sandbox=
	[ "$(id -u)" = 0 ] && sandbox="-o APT::Sandbox::User=root"
	# shellcheck disable=SC2086 # empty or one option
	if ! (cd "$dl" && apt-get download -q $sandbox postfix) \
	    >"$dl/log" 2>&1; then
		# an old or missing package list: refresh it once, as root
		if [ "$(id -u)" = 0 ]; then
			apt-get update -qq >>"$dl/log" 2>&1 || :
			# shellcheck disable=SC2086
			(cd "$dl" && apt-get download -q $sandbox postfix) \
			    >>"$dl/log" 2>&1 || :
		fi
	fi
	deb=$(find "$dl" -maxdepth 1 -name 'postfix_*.deb' | head -n 1)
	if [ -z "$deb" ]; then
		echo "$me: apt-get download postfix failed:" >&2
		tail -n 5 "$dl/log" >&2
		exit 1
	fi
	dpkg-deb -x "$deb" "$dl/root"
	dpkg-deb -f "$deb" Version >"$dl/root/VERSION"
	dpkg-deb -f "$deb" Depends >"$dl/root/DEPENDS"
	# put the tree in place in one step, so that a run that stops halfway
	# leaves either nothing or a complete tree; another run that got
	# there first is as good
	rm -rf "$cache"
	mv -T "$dl/root" "$cache" 2>/dev/null || [ -x "$cache/usr/sbin/postfix" ] ||
	    { echo "$me: cannot create $cache" >&2; exit 1; }
fi

if ! works "$cache"; then
	need=$(missing_libs "$cache")
	if [ -n "$need" ]; then
		echo "$me: postfix needs: $need (apt-get install $need)" >&2
	else
		echo "$me: $cache/usr/sbin/postconf does not run:" >&2
		LD_LIBRARY_PATH=$cache/usr/lib/postfix "$cache/usr/sbin/postconf" \
		    -d mail_version 2>&1 | tail -n 3 >&2 || :
	fi
	exit 1
fi
echo "$cache"

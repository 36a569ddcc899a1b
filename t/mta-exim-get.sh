#!/bin/sh
# mta-exim-get.sh - find or fetch the Exim binary that t/mta-exim.sh runs.
#
#	sh t/mta-exim-get.sh [--heavy] [CACHEDIR]
#
# Prints the path of an exim binary on stdout and exits 0, or prints why
# there is none on stderr and exits 1. In this order:
#	$EXIM				if set (any Exim 4.96 or later)
#	/usr/sbin/exim4			Debian's exim4-daemon-light or -heavy,
#					when installed system-wide
#	CACHEDIR/usr/sbin/exim4		extracted earlier by this script
#	else: apt-get download exim4-daemon-light and dpkg -x it into
#	CACHEDIR (default $HOME/.cache/dkimpipe/exim4)
#
# --heavy: an Exim with content scanning (Exim's -bV lists Content_Scanning),
# which t/mta-exim-data.sh needs: $EXIM or /usr/sbin/exim4 only if it has
# it, else exim4-daemon-heavy, into CACHEDIR (default
# $HOME/.cache/dkimpipe/exim4-heavy). The library packages it needs that
# are not installed (libmariadb3 on a Debian 12 without MariaDB) are
# fetched and extracted beside it, in CACHEDIR/usr/lib/<triplet>: the
# caller sets LD_LIBRARY_PATH to that directory when it exists.
#
# Why not apt-get install: Debian's exim4 packages conflict with postfix
# (both provide mail-transport-agent, and exim4-config conflicts with
# postfix by name), and the Postfix tests need postfix installed. The
# extracted binary runs fine from anywhere, given the shared libraries its
# package depends on (libidn12, libgnutls-dane0, libdb5.3, libnsl2,
# libpcre2-8-0 on Debian 12: none of them conflicts with anything), which
# this script checks and names. Nothing is installed or configured here:
# CACHEDIR is the only thing written.
set -eu

me=mta-exim-get.sh
pkg=exim4-daemon-light
name=exim4
if [ "${1:-}" = --heavy ]; then
	pkg=exim4-daemon-heavy
	name=exim4-heavy
	shift
fi
cache=${1:-${HOME:-/nonexistent}/.cache/dkimpipe/$name}

# scanning BINARY: true when BINARY has content scanning, or when it need
# not (the light package will do)
scanning()
{
	[ "$pkg" = exim4-daemon-light ] ||
	    "$1" -C /dev/null -bV 2>/dev/null | grep -q Content_Scanning
}

if [ -n "${EXIM:-}" ]; then
	[ -x "$EXIM" ] || { echo "$me: EXIM=$EXIM is not executable" >&2; exit 1; }
	echo "$EXIM"
	exit 0
fi
if [ -x /usr/sbin/exim4 ] && scanning /usr/sbin/exim4; then
	echo /usr/sbin/exim4
	exit 0
fi

# libs DEB: the library packages DEB depends on that are not installed.
missing_libs()
{
	dpkg-deb -f "$1" Depends | tr ',' '\n' | sed 's/^ *//; s/[ (].*//' |
	    grep '^lib' | while read -r p; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		    grep -q 'install ok installed' || echo "$p"
	done | tr '\n' ' ' | sed 's/ $//'
}

if [ ! -x "$cache/usr/sbin/exim4" ]; then
	if ! command -v apt-get >/dev/null 2>&1 ||
	    ! command -v dpkg-deb >/dev/null 2>&1; then
		echo "$me: no exim4, and no apt-get to fetch one" >&2
		exit 1
	fi
	mkdir -p "$cache" 2>/dev/null ||
	    { echo "$me: cannot create $cache" >&2; exit 1; }
	dl=$(mktemp -d "${TMPDIR:-/tmp}/exim-get.XXXXXX")
	trap 'rm -rf "$dl"' EXIT
	# apt-get download runs as _apt where it can; root's own temp
	# directory is not _apt's to write, hence the sandbox user.
	sandbox=
	[ "$(id -u)" = 0 ] && sandbox="-o APT::Sandbox::User=root"
	# shellcheck disable=SC2086 # empty or one option
	if ! (cd "$dl" && apt-get download -q $sandbox "$pkg") \
	    >"$dl/log" 2>&1; then
		# an old or missing package list: refresh it once, as root
		if [ "$(id -u)" = 0 ]; then
			apt-get update -qq >>"$dl/log" 2>&1 || :
			# shellcheck disable=SC2086
			(cd "$dl" && apt-get download -q $sandbox \
			    "$pkg") >>"$dl/log" 2>&1 || :
		fi
	fi
	deb=
	for f in "$dl"/"$pkg"_*.deb; do
		[ -f "$f" ] && deb=$f
	done
	if [ -z "$deb" ]; then
		echo "$me: apt-get download $pkg failed:" >&2
		tail -n 5 "$dl/log" >&2
		exit 1
	fi
	dpkg-deb -x "$deb" "$dl/root"
	# no setuid-root program lying about in a cache directory
	chmod u-s "$dl/root/usr/sbin/exim4"
	dpkg-deb -f "$deb" Version >"$dl/root/VERSION"
	need=$(missing_libs "$deb")
	if [ -n "$need" ] && [ "$pkg" = exim4-daemon-heavy ]; then
		# libraries only (no maintainer scripts run): beside the binary
		# shellcheck disable=SC2086 # package names, one a word
		(cd "$dl" && apt-get download -q $sandbox $need) \
		    >>"$dl/log" 2>&1 || :
		left=
		for p in $need; do
			lib=
			for f in "$dl/${p}"_*.deb; do
				[ -f "$f" ] && lib=$f
			done
			if [ -n "$lib" ]; then
				dpkg-deb -x "$lib" "$dl/root"
			else
				left="$left $p"
			fi
		done
		need=${left# }
	fi
	[ -z "$need" ] || echo "$need" >"$dl/root/MISSING"
	# replace the cache in one step, so a run that stops halfway leaves
	# either nothing or a complete tree
	rm -rf "$cache.new"
	mv "$dl/root" "$cache.new"
	rm -rf "$cache"
	mv "$cache.new" "$cache"
fi

if [ -s "$cache/MISSING" ]; then
	# maybe installed since: ask again
	need=
	# shellcheck disable=SC2013 # one package name a word
	for p in $(cat "$cache/MISSING"); do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		    grep -q 'install ok installed' || need="$need $p"
	done
	if [ -n "$need" ]; then
		echo "$me: exim4 needs:$need (apt-get install$need)" >&2
		exit 1
	fi
	rm -f "$cache/MISSING"
fi
echo "$cache/usr/sbin/exim4"

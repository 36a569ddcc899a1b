#!/bin/sh
# verify-opendkim.sh - verify every DKIM signature in files with OpenDKIM.
#
#	t/verify-opendkim.sh RECORDS FILE...
#
# Prints one line per signature, tab-separated, as t/verify-dkimpy.py does:
#
#	FILE  INDEX  ALGORITHM  RESULT  DETAIL
#
# RESULT: pass; fail (libopendkim says "Bad signature"); error (anything
# else: DETAIL is what opendkim-testmsg printed). A file without a
# signature gives "FILE - - nosig -" when libopendkim finds nothing else
# wrong with it, and "FILE - - error DETAIL" when it refuses the message
# itself (this build says "Syntax error" without a Date: field, for one).
#
# The verifier is opendkim-testmsg (opendkim-tools), libopendkim with
# nothing around it. It reads one message on stdin and exits 0 when "the"
# signature verifies, so each signature is checked alone: a copy of the
# message keeps that DKIM-Signature field and drops the others (those
# fields are in no h= list). It has no option for a key file or a name
# server: libopendkim asks the name servers in /etc/resolv.conf, on port 53.
# So everything runs in new network and mount namespaces (unshare(1)): a
# loopback interface of our own, t/dnsserver.sh serving RECORDS on its
# 127.0.0.1:53, and a resolv.conf naming it bind-mounted over
# /etc/resolv.conf. The machine's own DNS, network and files are untouched,
# and nothing outlives the run (NSD is stopped on exit; the namespaces go
# with their last process).
#
# Exit status: 0 (results on stdout), 77 when this machine cannot do it
# (no unshare permission, no opendkim-testmsg; the reason on stderr), 1 on
# other errors.
set -eu

me=verify-opendkim.sh
here=$(cd "$(dirname "$0")" && pwd -P)

skip()
{
	echo "$me: $*" >&2
	exit 77
}

die()
{
	echo "$me: $*" >&2
	exit 1
}

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
	return 1
}

# lo_up: bring up the new namespace's loopback interface: ip(8) if there
# is one (iproute2 is not in every minimal image), else SIOCSIFFLAGS.
lo_up()
{
	if ip=$(find_prog ip); then
		"$ip" link set lo up && return 0
	fi
	perl -e '
		use Socket;
		socket(my $s, PF_INET, SOCK_DGRAM, 0) or die "socket: $!\n";
		my $req = pack("a16 x16", "lo");
		ioctl($s, 0x8913, $req) or die "SIOCGIFFLAGS: $!\n";
		my $flags = unpack("x16 s", $req) | 0x1 | 0x40;	# UP, RUNNING
		ioctl($s, 0x8914, pack("a16 s x14", "lo", $flags))
		    or die "SIOCSIFFLAGS: $!\n";'
}

# split_sigs DIR FILE...: for each signature of each FILE, DIR/N.eml with
# only that DKIM-Signature field; prints "FILE INDEX ALG PATH" lines
# (ALG "nosig" and PATH FILE itself for a file without a signature).
split_sigs()
{
	perl -e '
		use strict;
		my $dir = shift;
		my $n = 0;
		for my $file (@ARGV) {
			open(my $fh, "<:raw", $file) or die "$file: $!\n";
			my $data = do { local $/; <$fh> };
			close($fh);
			# header fields: a line and its continuation lines
			my ($head, $rest) = $data =~ /\A(.*?(?:\r?\n)(?=\r?\n)|.*\z)(.*)\z/s;
			my @f = $head =~ /([^ \t\r\n][^\n]*(?:\n|\z)(?:[ \t][^\n]*(?:\n|\z))*)/g;
			my @sig = grep { $f[$_] =~ /^dkim-signature[ \t]*:/i } 0 .. $#f;
			if (!@sig) {
				print "$file\t-\tnosig\t$file\n";
				next;
			}
			for my $k (0 .. $#sig) {
				my ($alg) = $f[$sig[$k]] =~ /[:;]\s*a\s*=\s*([A-Za-z0-9-]+)/;
				my %drop = map { $_ => 1 } grep { $_ != $sig[$k] } @sig;
				my $path = sprintf("%s/%d.eml", $dir, ++$n);
				open(my $o, ">:raw", $path) or die "$path: $!\n";
				print $o map { $drop{$_} ? () : $f[$_] } 0 .. $#f;
				print $o $rest;
				close($o) or die "$path: $!\n";
				print "$file\t$k\t", $alg // "?", "\t$path\n";
			}
		}' "$@"
}

case ${1:-} in
--inside)
	shift
	records=$1
	shift
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/verify-opendkim.XXXXXX")
	trap 'sh "$here/dnsserver.sh" stop "$tmp/dns" >/dev/null 2>&1 || :
	    rm -rf "$tmp"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	lo_up || die "cannot bring up lo in the new network namespace"
	printf 'nameserver 127.0.0.1\noptions attempts:2 timeout:2\n' \
	    >"$tmp/resolv.conf"
	mount --bind "$tmp/resolv.conf" /etc/resolv.conf ||
	    die "cannot bind-mount a resolv.conf in the new mount namespace"
	DNSSERVER_PORT=53 DNSSERVER_OWNER=$$ \
	    sh "$here/dnsserver.sh" start "$tmp/dns" "$records" >/dev/null
	mkdir "$tmp/msg" "$tmp/spool"
	split_sigs "$tmp/msg" "$@" >"$tmp/list"
	testmsg=$(find_prog opendkim-testmsg)
	while IFS='	' read -r file idx alg path; do
		if "$testmsg" -t "$tmp/spool" <"$path" >/dev/null 2>"$tmp/err"; then
			res=pass detail=-
		else
			detail=$(tr '\t\n' '  ' <"$tmp/err" |
			    sed 's/^opendkim-testmsg: //; s/ *$//')
			case $alg/$detail in
			nosig/*"No signature"*)	res=nosig detail=- ;;
			*"Bad signature"*)	res=fail ;;
			*)			res=error ;;
			esac
		fi
		[ "$alg" != nosig ] || idx=- alg=-
		printf '%s\t%s\t%s\t%s\t%s\n' "$file" "$idx" "$alg" "$res" "${detail:--}"
	done <"$tmp/list"
	;;
'' | -*)
	echo "usage: $me RECORDS FILE..." >&2
	exit 64
	;;
*)
	records=$1
	shift
	[ $# -gt 0 ] || die "no files"
	find_prog opendkim-testmsg >/dev/null ||
	    skip "opendkim-testmsg not installed (apt-get install opendkim-tools)"
	find_prog unshare >/dev/null || skip "unshare not installed (util-linux)"
	find_prog nsd >/dev/null || skip "nsd not installed"
	# root can make the namespaces; anyone else needs a user namespace
	# (and its mapped root) around them
	userns=
	[ "$(id -u)" = 0 ] || userns=-r
	# shellcheck disable=SC2086 # empty or one word
	unshare $userns -n -m sh -c 'mount --make-rprivate / && exit 0' \
	    >/dev/null 2>&1 ||
	    skip "cannot make network and mount namespaces here (unshare $userns -n -m failed)"
	case $records in /*) ;; *) records=$(pwd -P)/$records ;; esac
	# shellcheck disable=SC2086
	exec unshare $userns -n -m --propagation private \
	    sh "$here/verify-opendkim.sh" --inside "$records" "$@"
	;;
esac

#!/bin/sh
# interop-sign.sh - what dkimpipe-sign signs, other DKIM verifiers accept.
#
# A keystore with an RSA and an Ed25519 key for example.org, its records on
# a loopback NSD (t/dnsserver.sh), and t/gen-messages.py's awkward messages
# (LF and CRLF) signed with relaxed/relaxed and with simple/simple. Then,
# each verifier run once over the whole batch:
#	dkimpy 1.1.4		t/verify-dkimpy.py	RSA and Ed25519
#	Mail::DKIM 1.20230212	t/verify-maildkim.pl	RSA (it has no Ed25519)
#	OpenDKIM 2.11.0		t/verify-opendkim.sh	RSA and Ed25519, in its
#				own network namespace (it only asks resolv.conf's
#				servers on port 53); skipped where unshare is denied
# One TAP line per verifier, message set (lf, crlf), key type and canon;
# the diagnostics name every file that failed and why. Also: the signer
# exits 0 and adds one signature per key to every message, with the
# message's own line endings, the rest of its output is the input byte for
# byte, and each verifier rejects copies changed after signing (so a
# verifier that passes everything fails here).
#
# Verifiers see each signed message as an SMTP hop delivers it: with a
# line ending added to a last line that has none (t/smtp-copy.pl says why).
# A verifier that refuses an input before looking at any signature (dkimpy
# cannot parse "Subject :"; this libopendkim wants a Date: field and no
# second Subject:) is asked about the unsigned inputs first; those files
# are left out of its results, and listed.
#
# DKIMPIPE_TEST_KEEP=1 keeps the directory with everything (in/, out/,
# smtp/, *.results) for a closer look.
. "$(dirname "$0")/lib.sh"

sign=$(t_prog dkimpipe-sign)
keys=$(t_prog dkimpipe-keys)
t_need nsd
t_need drill ldnsutils
py=$(t_find_python3 dkim dns.resolver nacl) ||
    skip_all "python3 with dkim, dnspython and nacl not found (apt-get install python3-dkim)"
perl=$(t_find_perl Mail::DKIM::Verifier Net::DNS::Resolver) || perl=

CANONS="relaxed/relaxed simple/simple"
SETS="lf crlf"
TIMESTAMP=1700000000		# t= pinned: the same bytes every run

plan 36

mktmpdir tmpdir
# shellcheck disable=SC2154 # mktmpdir set it
ks=$tmpdir/ks
mkdir "$tmpdir/in" "$tmpdir/out" "$tmpdir/smtp" "$tmpdir/smtp/input" \
    "$tmpdir/smtp/tampered"

"$keys" --keystore "$ks" new --domain example.org >"$tmpdir/new.out" 2>&1 ||
    { diag_file "$tmpdir/new.out"; bail_out "dkimpipe-keys new failed"; }
"$keys" --keystore "$ks" dns --domain example.org >"$tmpdir/records" \
    2>"$tmpdir/dns.err" ||
    { diag_file "$tmpdir/dns.err"; bail_out "dkimpipe-keys dns failed"; }
DNSSERVER_OWNER=$$ sh "$t_dir/dnsserver.sh" start "$tmpdir/dns" \
    "$tmpdir/records" >/dev/null 2>"$tmpdir/dnsserver.err" ||
    { diag_file "$tmpdir/dnsserver.err"; diag_file "$tmpdir/records";
      bail_out "the DNS server did not start"; }
at_exit "sh '$t_dir/dnsserver.sh' stop '$tmpdir/dns'"
# shellcheck source=/dev/null # PORT, UNBOUND_CONF, ... (t/dnsserver.sh)
. "$tmpdir/dns/vars"

"$py" "$t_dir/gen-messages.py" --domain example.org "$tmpdir/in" 2>/dev/null ||
    bail_out "gen-messages.py failed"
ls "$tmpdir/in" >"$tmpdir/names"
n=$(wc -l <"$tmpdir/names")
[ "$n" -ge 220 ]
ok $? "gen-messages.py wrote $n messages (at least 220)"

# ------------------------------------------------------------- signing --
# dirname of a canon: relaxed/relaxed -> relaxed-relaxed
cdir()
{
	echo "$1" | tr / -
}

for c in $CANONS; do
	d=$(cdir "$c")
	mkdir "$tmpdir/out/$d" "$tmpdir/smtp/$d"
	: >"$tmpdir/sign-$d.fail"
	while read -r f; do
		"$sign" --keystore "$ks" --canon "$c" --timestamp "$TIMESTAMP" \
		    <"$tmpdir/in/$f" >"$tmpdir/out/$d/$f" 2>"$tmpdir/sign.err" ||
		    echo "$f: exit $? $(head -c 300 "$tmpdir/sign.err")" \
		    >>"$tmpdir/sign-$d.fail"
	done <"$tmpdir/names"
	[ ! -s "$tmpdir/sign-$d.fail" ]
	ok $? "dkimpipe-sign --canon $c exits 0 for every message" ||
	    diag_file "$tmpdir/sign-$d.fail" 60

	perl "$t_dir/check-passthrough.pl" "$tmpdir/in" "$tmpdir/out/$d" \
	    >"$tmpdir/pass-$d"
	awk -F'\t' '$2 != 2 || ($3 != "rsa-sha256,ed25519-sha256" &&
	    $3 != "ed25519-sha256,rsa-sha256") {
		print $1 ": " $2 " signatures added (" $3 ")"
	}' "$tmpdir/pass-$d" >"$tmpdir/count-$d"
	[ ! -s "$tmpdir/count-$d" ]
	ok $? "--canon $c adds one rsa-sha256 and one ed25519-sha256 signature to every message" ||
	    diag_file "$tmpdir/count-$d" 60
	awk -F'\t' '$4 != "same" { print $1 ": " $4 " " $5 }' \
	    "$tmpdir/pass-$d" >"$tmpdir/same-$d"
	[ ! -s "$tmpdir/same-$d" ]
	ok $? "--canon $c: the output below the added fields is the input, byte for byte" || {
		diag_file "$tmpdir/same-$d" 60
		f=$(sed -n '1s/:.*//p' "$tmpdir/same-$d")
		diag "first one: cmp of the input with the output's tail:"
		perl -0777 -pe 's/\A(?:dkim-signature[ \t]*:[^\n]*\n(?:[ \t][^\n]*\n)*)*//i' \
		    "$tmpdir/out/$d/$f" >"$tmpdir/tail"
		cmp "$tmpdir/in/$f" "$tmpdir/tail" 2>&1 | sed 's/^/#   /'
	}
	awk -F'\t' '$6 != "-" && $6 != $7 {
		print $1 ": input " $7 ", added fields " $6
	}' "$tmpdir/pass-$d" >"$tmpdir/eol-$d"
	[ ! -s "$tmpdir/eol-$d" ]
	ok $? "--canon $c: the added fields end their lines as the input's first line does" ||
	    diag_file "$tmpdir/eol-$d" 60
	perl "$t_dir/smtp-copy.pl" "$tmpdir/smtp/$d" "$tmpdir/out/$d"/*.eml
done
perl "$t_dir/smtp-copy.pl" "$tmpdir/smtp/input" "$tmpdir/in"/*.eml

# Copies changed after signing, which every verifier must reject: the
# first body byte of a plain LF message signed relaxed, the Subject of a
# folded CRLF message signed simple.
body=$(grep -m1 -- '-plain-lf\.eml$' "$tmpdir/names")
subj=$(grep -m1 -- '-folded-crlf\.eml$' "$tmpdir/names")
perl -0777 -pe 's/(\r?\n\r?\n)/${1}X/' \
    "$tmpdir/smtp/relaxed-relaxed/$body" >"$tmpdir/smtp/tampered/body.eml"
perl -pe 's/^Subject: /Subject: Re: /i' \
    "$tmpdir/smtp/simple-simple/$subj" >"$tmpdir/smtp/tampered/subject.eml"
if ! [ -s "$tmpdir/smtp/tampered/body.eml" ] ||
    ! [ -s "$tmpdir/smtp/tampered/subject.eml" ] ||
    cmp -s "$tmpdir/smtp/tampered/body.eml" "$tmpdir/smtp/relaxed-relaxed/$body" ||
    cmp -s "$tmpdir/smtp/tampered/subject.eml" "$tmpdir/smtp/simple-simple/$subj"; then
	bail_out "making the tampered copies failed"
fi
all="$tmpdir/smtp/input/*.eml $tmpdir/smtp/tampered/*.eml"
for c in $CANONS; do
	all="$all $tmpdir/smtp/$(cdir "$c")/*.eml"
done

# ----------------------------------------------------------- verifying --
# results V: one verifier's lines, FILE IDX ALG RESULT DETAIL, with the
# paths made relative to $tmpdir/smtp (input/NAME, relaxed-relaxed/NAME)
relpaths()
{
	sed "s|^$tmpdir/smtp/||"
}

# shellcheck disable=SC2086 # $all: globs, one word each
"$py" "$t_dir/verify-dkimpy.py" --port "$PORT" $all 2>"$tmpdir/dkimpy.err" |
    relpaths >"$tmpdir/dkimpy.results"
[ -s "$tmpdir/dkimpy.results" ] ||
    { diag_file "$tmpdir/dkimpy.err"; bail_out "verify-dkimpy.py printed nothing"; }
if [ -n "$perl" ]; then
	# shellcheck disable=SC2086
	"$perl" "$t_dir/verify-maildkim.pl" --port "$PORT" $all \
	    2>"$tmpdir/maildkim.err" | relpaths >"$tmpdir/maildkim.results"
	[ -s "$tmpdir/maildkim.results" ] ||
	    { diag_file "$tmpdir/maildkim.err"; bail_out "verify-maildkim.pl printed nothing"; }
	maildkim_skip=
else
	maildkim_skip="Mail::DKIM not installed (apt-get install libmail-dkim-perl)"
fi
# shellcheck disable=SC2086
sh "$t_dir/verify-opendkim.sh" "$tmpdir/records" $all \
    2>"$tmpdir/opendkim.err" | relpaths >"$tmpdir/opendkim.results"
if [ -s "$tmpdir/opendkim.results" ]; then
	opendkim_skip=
else
	opendkim_skip=$(sed -n '$s/^verify-opendkim.sh: //p' "$tmpdir/opendkim.err")
	opendkim_skip=${opendkim_skip:-verify-opendkim.sh printed nothing}
fi

# opendkim-testmsg cannot judge two kinds of input fairly, whoever signed
# them (found with dkimpy-signed copies, which Mail::DKIM and dkimpy pass):
# - a bare CR: testmsg always sets DKIM_LIBFLAGS_FIXCRLF, and libopendkim's
#   dkim_canon_fixcrlf() then hashes a CR not followed by LF as CRLF;
# - no empty line after the header fields: testmsg feeds dkim_chunk(),
#   which never sees an end of header, and the simple body hash differs
#   (a milter always gets one from the MTA).
perl -0777 -ne '
	s|.*/||, print("$_\tbare CR in the body: testmsg hashes it as CRLF\n")
	    for /\n\r?\n(.*)\z/s && $1 =~ /\r(?!\n)/ ? ($ARGV) : ();
	s|.*/||, print("$_\tno empty line after the header: testmsg never ends the header\n")
	    for /\n\r?\n/ ? () : ($ARGV);' "$tmpdir/in"/*.eml \
    >"$tmpdir/opendkim.limits"

# excluded V: names of inputs V refuses unsigned ("input/NAME ... error"),
# and for OpenDKIM the ones above; a diagnostic lists them
excluded()
{
	{
		awk -F'\t' '$1 ~ /^input\// && $4 != "nosig" {
			sub(/^input\//, "", $1)
			print $1 "\trefused unsigned: " $5
		}' "$tmpdir/$1.results"
		[ "$1" != opendkim ] || cat "$tmpdir/opendkim.limits"
	} | sort -u -k1,1 >"$tmpdir/$1.excluded"
	if [ -s "$tmpdir/$1.excluded" ]; then
		diag "$1: $(wc -l <"$tmpdir/$1.excluded") messages left out of its results:"
		sed 's/\t/: /; s/^/#   /' "$tmpdir/$1.excluded" | sed 60q
	fi
}

# verdict V SET ALG CANON: every non-excluded message of SET (lf, crlf)
# signed with CANON has exactly one ALG signature and V passed it
verdict()
{
	awk -F'\t' -v set="$2" -v alg="$3" -v dir="$(cdir "$4")" '
	FILENAME == ARGV[1] { skip[$1] = 1; next }
	FILENAME == ARGV[2] {
		if ($0 ~ ("-" set "\\.eml$") && !($0 in skip))
			want[$0] = 1
		next
	}
	index($1, dir "/") == 1 && $3 == alg {
		f = substr($1, length(dir) + 2)
		n[f]++
		if ($4 != "pass")
			why[f] = $4 " (" $5 ")"
	}
	END {
		for (f in want) {
			if (n[f] == 0)
				print f ": no " alg " signature seen"
			else if (n[f] > 1)
				print f ": " n[f] " " alg " signatures"
			else if (f in why)
				print f ": " why[f]
			else
				good++
		}
		if (good == 0)
			print "(no message passed: is anything being checked?)"
	}' "$tmpdir/$1.excluded" "$tmpdir/names" "$tmpdir/$1.results" |
	    sort >"$tmpdir/verdict"
	[ ! -s "$tmpdir/verdict" ]
}

# rejects V: every signature on the tampered copies fails
rejects()
{
	awk -F'\t' '$1 ~ /^tampered\// {
		n++
		if ($4 == "pass") print $1 " " $3 ": pass"
	}
	END { if (n < 2) print "only " n + 0 " signatures on tampered copies seen" }' \
	    "$tmpdir/$1.results" >"$tmpdir/verdict"
	[ ! -s "$tmpdir/verdict" ]
}

for v in dkimpy maildkim opendkim; do
	case $v in
	dkimpy)		name=dkimpy skipwhy= ;;
	maildkim)	name=Mail::DKIM skipwhy=$maildkim_skip ;;
	opendkim)	name=OpenDKIM skipwhy=$opendkim_skip ;;
	esac
	if [ -n "$skipwhy" ]; then
		skip "$skipwhy" 9
		continue
	fi
	excluded "$v"
	for c in $CANONS; do
		for s in $SETS; do
			for k in rsa ed25519; do
				if [ "$v.$k" = maildkim.ed25519 ]; then
					skip "Mail::DKIM 1.20230212 (Debian 12) has no Ed25519"
					continue
				fi
				verdict "$v" "$s" "$k-sha256" "$c"
				ok $? "$name verifies the $k signature on every $s message ($c)" ||
				    diag_file "$tmpdir/verdict" 60
			done
		done
	done
	rejects "$v"
	ok $? "$name rejects the signatures on copies changed after signing" ||
	    diag_file "$tmpdir/verdict"
done

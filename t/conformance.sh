#!/bin/sh
# conformance - dkimpipe-verify against the public DKIM conformance data
# in t/data/conformance (see its README): every "verify" case of the
# rfc6376, rfc8463, mail-dkim, dkimpy and mail-auth MANIFESTs, and every
# "sign" case (sign with dkimpipe-sign, verify the result). One TAP line a
# case, named "ID: expect E, got G" with the verdicts per signature, top
# down; they are compared by class (pass, fail, perm = permerror, policy or
# neutral; temp = temperror; none), as the data's README says.
#
# One DNS server (t/dnsserver.sh) serves the union of the records.txt
# files. Of dns-failures.txt, NXDOMAIN names are simply absent; TIMEOUT and
# SERVFAIL names get a stub zone in our copy of the resolver configuration
# that points at the server's black hole (never answers) or closed port
# (nothing listens). Those two exist only in --dnssec mode, hence that mode;
# the conformance zones themselves are served unsigned either way.
#
# The time: a case's "now" field when it has one, else $fixed_now, which
# is after every t= in the data and before no x= a valid case depends on.
#
# Deliberate differences from "expect" go in deliberate() below, each with
# its reason: the case then must give our verdict instead, and its name
# says so. Nothing is skipped silently: the cases this script does not run
# (sign-repro) are TAP skips with the reason; the ARC cases (mail-auth's
# two; the ValiMail suite has t/arc-suite.sh) compare the arc= result.
. "$(dirname "$0")/lib.sh"

verify=$top_builddir/dkimpipe-verify
sign=$top_builddir/dkimpipe-sign
keys=$top_builddir/dkimpipe-keys
for p in "$verify" "$sign" "$keys"; do
	[ -x "$p" ] || skip_all "$p not built"
done
t_need nsd
t_need drill ldnsutils
t_need ldns-keygen ldnsutils
t_need ldns-signzone ldnsutils
t_need base64 coreutils

data=$top_srcdir/t/data/conformance
folders="rfc8463 rfc6376 mail-dkim dkimpy mail-auth"
authserv=conformance.invalid
fixed_now=1700000000	# 2023-11-14: after every t= of a DKIM case (newest 2022-11-07)

# deliberate ID: print "VERDICTS<TAB>REASON" when dkimpipe-verify gives
# another verdict than "expect" for case ID on purpose.
deliberate()
{
	case $1 in
	ma-dkim-004)
		printf '%s\t%s\n' fail "its t=1667862801 (its Date:) is \
19137 s after the case's now, upstream's fixed clock: dkimpipe refuses a \
signature from the future beyond --clock-skew (RFC 6376 3.5 allows it; \
our verification issue asks for fail, as for expiry), while the peers \
ignore t=; at its own t= it passes (derived test below)"
		;;
	*)	return 1 ;;
	esac
}

mktmpdir tmp

# ---------------------------------------------------------------- DNS --

# The union of the records.txt files, first folder first. An owner may be
# in several folders (the RFC 8463 keys are); the copies must carry the
# same key (p=), and only the first is served: two TXT records at one
# name would be another test.
for f in $folders; do
	awk -v folder="$f" '/^[ \t]*(;|$)/ { next } { print folder, $0 }' \
	    "$data/$f/records.txt"
done >"$tmp/all-records"
awk '
function value(line,    v, s) {		# the strings, concatenated
	v = ""
	while (match(line, /"([^"\\]|\\.)*"/)) {
		s = substr(line, RSTART + 1, RLENGTH - 2)
		v = v s
		line = substr(line, RSTART + RLENGTH)
	}
	return v
}
function pkey(v) {
	gsub(/[ \t]/, "", v)
	return match(v, /(^|;)p=[^;]*/) ? substr(v, RSTART, RLENGTH) : "none"
}
{
	o = tolower($2)
	line = $0
	sub(/^[^ ]+ /, "", line)
	k = pkey(value(line))
	if (o in key) {
		if (key[o] != k) {
			printf "%s: %s and %s publish different keys\n",
			    $2, from[o], $1
			bad = 1
		}
		next
	}
	key[o] = k
	from[o] = $1
	print line >out
}
END { exit bad }' out="$tmp/records.txt" "$tmp/all-records" >"$tmp/dups"
ok $? "the records.txt files agree where they share an owner name"
diag_file "$tmp/dups"

cat "$data"/*/dns-failures.txt 2>/dev/null |
    awk '!/^[ \t]*(;|$)/ { print tolower($1), $2 }' >"$tmp/failures"

t_dns_start "$tmp/dns" "$tmp/records.txt" --dnssec

# Our resolver configuration: the server's, plus a stub zone for the
# domain of each TIMEOUT or SERVFAIL name. (libunbound retries a closed
# port until the deadline, so SERVFAIL looks like a timeout to us too.)
cp "$UNBOUND_CONF" "$tmp/unbound.conf"
awk -v bh="$BLACKHOLE_PORT" -v closed="$CLOSED_PORT" -v zones=" $ZONES " '
$2 == "NXDOMAIN" { next }
$2 == "TIMEOUT" || $2 == "SERVFAIL" {
	d = $1
	sub(/^.*\._domainkey\./, "", d)
	if (index(zones, " " d " ")) {
		printf "%s: its domain is a served zone\n", $1 > "/dev/stderr"
		exit 1
	}
	printf "# %s %s\nstub-zone:\n\tname: \"%s\"\n\tstub-addr: 127.0.0.1@%s\n",
	    $1, $2, d, ($2 == "TIMEOUT" ? bh : closed)
	next
}
{ printf "%s: unknown failure %s\n", $1, $2 > "/dev/stderr"; exit 1 }
' "$tmp/failures" >>"$tmp/unbound.conf" 2>"$tmp/stub.err"
ok $? "dns-failures.txt: stub zones for the TIMEOUT and SERVFAIL names"
diag_file "$tmp/stub.err"

# ------------------------------------------------------------ helpers --

# ar_words FILE: the verdicts of the first field of FILE, which must be
# our Authentication-Results, as "w1,w2,...": comments and quoted strings
# dropped, then one word per "dkim=" resinfo.
ar_words()
{
	awk -v id="$authserv" '
	NR == 1 {
		if ($0 !~ /^Authentication-Results:/) {
			bad = "no-Authentication-Results"
			exit
		}
		ar = $0
		next
	}
	/^[ \t]/ { ar = ar " " $0; next }
	{ exit }
	END {
		if (bad != "") {
			print bad
			exit
		}
		gsub(/\r/, "", ar)
		s = ""
		depth = 0
		q = 0
		esc = 0
		for (i = 1; i <= length(ar); i++) {
			c = substr(ar, i, 1)
			if (esc) {
				esc = 0
				if (!depth)
					s = s c
			} else if (c == "\\") {
				esc = 1
				if (!depth)
					s = s c
			} else if (q) {
				if (c == "\"")
					q = 0
			} else if (depth) {
				if (c == "(")
					depth++
				else if (c == ")" && --depth == 0)
					s = s " "
			} else if (c == "(") {
				depth = 1
			} else if (c == "\"") {
				q = 1
				s = s "\"\""
			} else {
				s = s c
			}
		}
		sub(/^Authentication-Results:[ \t]*/, "", s)
		n = split(s, part, ";")
		got = part[1]
		gsub(/[ \t]/, "", got)
		if (got != id) {
			print "authserv-id:" got
			exit
		}
		out = ""
		for (i = 2; i <= n; i++) {
			p = part[i]
			sub(/^[ \t]+/, "", p)
			if (p == "")
				continue
			if (match(tolower(p), /^dkim[ \t]*=[ \t]*[a-z]+/)) {
				w = tolower(substr(p, 1, RLENGTH))
				sub(/^dkim[ \t]*=[ \t]*/, "", w)
			} else if (match(tolower(p), /^(arc|spf|dmarc)[ \t]*=/)) {
				continue	# other methods: not verdicts of DKIM
			} else {
				w = "?"
			}
			out = out (out == "" ? "" : ",") w
		}
		print (out == "" ? "nothing" : out)
	}' "$1"
}

# classes LIST: the verdict classes of a comma list of verdicts.
classes()
{
	printf '%s\n' "$1" | awk -F, '{
		for (i = 1; i <= NF; i++) {
			w = $i
			if (w == "permerror" || w == "policy" || w == "neutral")
				w = "perm"
			else if (w == "temperror")
				w = "temp"
			printf "%s%s", (i > 1 ? "," : ""), w
		}
		print ""
	}'
}

# ar_diag FILE: our Authentication-Results field (the reasons) as
# diagnostics.
ar_diag()
{
	awk 'NR > 1 && !/^[ \t]/ { exit } { sub(/\r$/, ""); print }' "$1" |
	    sed 's/^/#   /'
}

# verify_file ID MESSAGE NOW: run dkimpipe-verify; $got is its verdict
# list, or what went wrong.
verify_file()
{
	"$verify" --resolver-conf "$tmp/unbound.conf" --authserv-id "$authserv" \
	    --now "$3" --timeout "$(t_timeout 2s)" <"$2" >"$tmp/out" 2>"$tmp/err"
	vstatus=$?
	if [ "$vstatus" != 0 ]; then
		got="exit-$vstatus"
	else
		got=$(ar_words "$tmp/out")
	fi
}

# judge ID EXPECT: one TAP line for $got against EXPECT (or against our
# deliberate verdict, when the case has one).
judge()
{
	want=$2
	name="$1: expect $2, got $got"
	why=
	if d=$(deliberate "$1"); then
		want=${d%%	*}
		why=${d#*	}
		name="$1: expect $2, got $got, deliberately $want"
	fi
	gotc=$(classes "$got")
	if [ -n "$gotc" ] && [ "$gotc" = "$(classes "$want")" ]; then
		ok 0 "$name"
		[ -z "$why" ] || diag "deliberately $want: $why"
		pass_count=$((pass_count + 1))
		# the class agrees; another word is worth a look all the same
		if [ "$got" != "$want" ]; then
			diag "same class, other word; our reasons:"
			ar_diag "$tmp/out"
		fi
		return 0
	fi
	ok 1 "$name"
	[ -z "$why" ] || diag "deliberately $want: $why"
	fail_list="$fail_list $1"
	if [ "$vstatus" = - ]; then
		diag "it failed before verification:"
	else
		diag "exit $vstatus; the Authentication-Results:"
	fi
	ar_diag "$tmp/out"
	diag_file "$tmp/err" 10
	return 1
}

# pem_key FILE OUT: a key file as PEM in OUT. dkimpy keeps Ed25519 keys
# as a bare base64 32-byte seed; that becomes PKCS#8 (RFC 8410).
pem_key()
{
	if grep -q -- '-----BEGIN' "$1"; then
		cp "$1" "$2"
		return
	fi
	{
		echo '-----BEGIN PRIVATE KEY-----'
		{
			printf '\060\056\002\001\000\060\005\006\003\053\145\160\004\042\004\040'
			base64 -d <"$1"
		} | base64
		echo '-----END PRIVATE KEY-----'
	} >"$2"
}

# param NAME PARAMS: the value of NAME= in "k=v;k=v".
param()
{
	printf '%s\n' "$2" | tr ';' '\n' | sed -n "s/^$1=//p"
}

# tag NAME FIELD: the value of tag NAME in a DKIM-Signature field without
# white space.
tag()
{
	printf '%s;\n' "$2" | sed -n "s/^[^:]*:\\(.*;\\)\\{0,1\\}$1=\\([^;]*\\);.*/\\2/p"
}

# sign_case FOLDER ID INPUT PARAMS: sign INPUT as PARAMS say (a keystore
# of one imported key), then verify; $got as for verify_file.
sign_case()
{
	key=$(param key "$4")
	d=$(param d "$4")
	s=$(param s "$4")
	a=$(param a "$4")
	c=$(param c "$4")
	vstatus=-
	: >"$tmp/out"
	: >"$tmp/err"
	ks=$tmp/ks-$2
	pem_key "$data/$1/$key" "$tmp/key.pem"
	if ! "$keys" --keystore "$ks" import --domain "$d" --selector "$s" \
	    "$tmp/key.pem" </dev/null >"$tmp/err" 2>&1; then
		got="import-failed"
		return
	fi
	if ! "$sign" --keystore "$ks" --domain "$d" --selector "$s" \
	    --canon "$c" --timestamp "$fixed_now" <"$data/$1/$3" \
	    >"$tmp/signed" 2>"$tmp/err"; then
		got="sign-failed"
		return
	fi
	sigs=$(grep -ci '^DKIM-Signature:' "$tmp/signed")
	# a= and c= of the signature we made (it is the first field)
	field=$(awk 'NR > 1 && !/^[ \t]/ { exit } { printf "%s", $0 }' \
	    "$tmp/signed" | tr -d ' \t\r')
	made="$(tag a "$field") $(tag c "$field")"
	if [ "$sigs" != 1 ] || [ "$made" != "$a $c" ]; then
		got="signed-with:$sigs:$made"
		return
	fi
	verify_file "$2" "$tmp/signed" "$fixed_now"
}

# ---------------------------------------------------------------- run --

pass_count=0
fail_list=
for f in $folders; do
	while IFS='	' read -r id kind input expect _ _ now params _; do
		case $id in '#'* | '') continue ;; esac
		case $kind in
		verify)
			[ "$now" != - ] || now=$fixed_now
			verify_file "$id" "$data/$f/$input" "$now"
			judge "$id" "$expect"
			;;
		sign)
			sign_case "$f" "$id" "$input" "$params"
			judge "$id" "$expect"
			;;
		sign-repro)
			skip "$id: b= reproduction is t/rfc8463-t's job"
			;;
		arc-validate)
			[ "$now" != - ] || now=$fixed_now
			verify_file "$id" "$data/$f/$input" "$now"
			[ "$vstatus" != 0 ] || got=$(tr -d '\r' <"$tmp/out" |
			    awk 'NR > 1 && !/^[ \t]/ { exit } { s = s " " $0 }
			    END { if (match(s, /arc=[a-z]+/))
				print substr(s, RSTART, RLENGTH)
			    else print "no-arc" }')
			is "$got" "$expect" "$id: expect $expect, got $got"
			[ "$got" = "$expect" ] || ar_diag "$tmp/out"
			;;
		*)
			ok 1 "$id: unknown kind $kind"
			;;
		esac
	done <"$data/$f/MANIFEST"
done

# ------------------------------------------------------------ derived --

# Two checks the MANIFESTs do not state, on their messages at another time.
# ma-dkim-004 at its own t=: the signature itself is good (upstream says
# pass); only the case's clock makes it one from the future.
verify_file ma-dkim-004 "$data/mail-auth/messages/dkim-004.eml" 1667862801
judge derived:ma-dkim-004@1667862801 pass
# ma-dkim-005 after its x= (1667930064) plus --clock-skew: expired. We say
# fail, as the verification issue asks: the signature was checked and is
# no longer acceptable. RFC 6376 6.1.1 calls it "PERMFAIL (signature
# expired)" and the data's class for an expired signature (md-ignore_7,
# Mail::DKIM's "invalid") is permerror; both say it never passes, which is
# what matters to a receiver. No case in the data reaches the expiry check
# otherwise: md-ignore_7 is rsa-sha1, refused first.
verify_file ma-dkim-005 "$data/mail-auth/messages/dkim-005.eml" "$fixed_now"
judge derived:ma-dkim-005@$fixed_now fail

diag "$pass_count cases agree with the data${fail_list:+; these do not:$fail_list}"
done_testing

#!/bin/sh
# arc-suite - RFC 8617 against ValiMail's ARC test suite, in
# t/data/conformance/arc-test-suite (see the README there):
#  - every validation case (171) through dkimpipe-verify, whose arc=
#    result must equal the MANIFEST's "expect";
#  - every signing case (17) through dkimpipe-seal with the suite's key,
#    t= and header list: the new ARC-Authentication-Results, ARC-Message-
#    Signature and ARC-Seal must equal the suite's, b= included (RSA
#    PKCS#1 v1.5 is deterministic), compared in the suite's normal form;
#    then the sealed message must validate in dkimpipe-verify (arc=pass,
#    or arc=fail where the new seal says cv=fail).
# One NSD on 127.0.0.1 (t/dnsserver.sh) serves the suite's records.
# Deliberate differences from the suite go in deliberate() with a reason.
. "$(dirname "$0")/lib.sh"

verify=$(t_prog dkimpipe-verify)
seal=$(t_prog dkimpipe-seal)
keys=$(t_prog dkimpipe-keys)
t_need nsd
t_need drill ldnsutils
t_need perl
python=/usr/bin/python3
[ -x $python ] || skip_all "no /usr/bin/python3"
$python -c 'import yaml' 2>/dev/null ||
    skip_all "python3-yaml not installed (apt-get install python3-yaml)"

data=$top_srcdir/t/data/conformance/arc-test-suite
authserv=arc-suite.invalid

# deliberate CASE: print "VERDICT<TAB>REASON" when a validation verdict
# differs on purpose (none do).
deliberate()
{
	return 1
}

# sign_deliberate CASE: print the reason when a signing case differs on
# purpose.
sign_deliberate()
{
	case $1 in
	arc-ar_merged1|arc-ar_merged2)
		echo "the suite merges every Authentication-Results of the \
srv-id into the AAR; dkimpipe-seal carries the topmost one only, the one \
dkimpipe-verify wrote (it removes the others that claim its id), so a \
field from outside can never be sealed; the AMS must still be the \
suite's, the AAR ours, and the chain must validate"
		;;
	*)	return 1 ;;
	esac
}

mktmpdir tmp
$python "$top_srcdir/t/arc-suite.py" extract "$data" "$tmp/x" ||
    bail_out "cannot read the suite"

# The suite's records; the signing file's key is the same dummy key.
grep -v '^;' "$data/records.txt" | grep . >"$tmp/records.txt"
t_dns_start "$tmp/dns" "$tmp/records.txt"

nv=$(wc -l <"$tmp/x/validate.list")
ns=$(wc -l <"$tmp/x/sign.list")
plan $((nv + 2 * ns + 1))

# arc_word FILE: the arc= result of our Authentication-Results at the top.
arc_word()
{
	awk 'NR == 1 && !/^Authentication-Results:/ { print "no-A-R"; exit }
	NR > 1 && !/^[ \t]/ { exit }
	{ s = s $0 }
	END { if (s != "" && match(s, /arc=[a-z]+/))
		print substr(s, RSTART, RLENGTH)
	    else if (s != "") print "no-arc" }' "$1" | tr -d '\r'
}

# ------------------------------------------------------------ validate --
agree=0
while IFS='	' read -r case expect; do
	"$verify" --authserv-id "$authserv" --resolver-conf "$UNBOUND_CONF" \
	    --timeout "$(t_timeout 5s)" <"$tmp/x/v/$case.eml" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	got=$(arc_word "$tmp/out")
	[ $rc = 0 ] || got="exit $rc: $(head -1 "$tmp/err")"
	if d=$(deliberate "$case"); then
		want=${d%%	*}
		is "$got" "$want" "$case: expect $expect, got $got (deliberate: ${d#*	})"
	else
		is "$got" "$expect" "$case: expect $expect, got $got"
		[ "$got" = "$expect" ] && agree=$((agree + 1))
	fi
	[ "$got" = "$expect" ] || diag "$(sed -n '1,4p' "$tmp/out" | tr -d '\r')"
done <"$tmp/x/validate.list"
diag "$agree of $nv validation cases agree with the suite"

# ---------------------------------------------------------------- seal --
# The suite's key in a keystore of our own, as an operator would have it.
domain=$(cat "$tmp/x/sign.domain")
sel=$(cat "$tmp/x/sign.selector")
ks=$tmp/ks
"$keys" --keystore "$ks" import --domain "$domain" --selector "$sel" \
    "$tmp/x/sign.key" >"$tmp/import.out" 2>&1
ok $? "the suite's key imports into a keystore"
diag_file "$tmp/import.out"

while read -r case; do
	{ read -r t; read -r srvid; read -r hdrs; } <"$tmp/x/s/$case.args"
	"$seal" --keystore "$ks" --domain "$domain" --selector "$sel" \
	    --authserv-id "$srvid" --headers "$hdrs" --timestamp "$t" \
	    <"$tmp/x/s/$case.eml" >"$tmp/sealed" 2>"$tmp/err"
	rc=$?
	want=arc=pass
	grep -q '^AS	.*cv=fail' "$tmp/x/s/$case.want" && want=arc=fail
	if grep -q '^AAR	$' "$tmp/x/s/$case.want"; then
		# the suite wants no new set: the chain had ended already
		cmp -s "$tmp/x/s/$case.eml" "$tmp/sealed"
		cmp=$?
		[ $rc = 0 ] || cmp=1
		ok $cmp "$case: no new set, the message unchanged (exit $rc)"
		want=arc=fail
	elif why=$(sign_deliberate "$case"); then
		$python "$top_srcdir/t/arc-suite.py" compare-topmost \
		    "$tmp/x/s/$case.want" "$tmp/sealed" "$tmp/x/s/$case.eml" \
		    >"$tmp/cmp" 2>&1
		cmp=$?
		[ $rc = 0 ] || { echo "exit $rc: $(head -1 "$tmp/err")" \
		    >>"$tmp/cmp"; cmp=1; }
		ok $cmp "$case: the suite's AMS, our AAR (deliberate: $why)"
		[ $cmp = 0 ] || diag_file "$tmp/cmp"
	else
		$python "$top_srcdir/t/arc-suite.py" compare \
		    "$tmp/x/s/$case.want" "$tmp/sealed" >"$tmp/cmp" 2>&1
		cmp=$?
		[ $rc = 0 ] || { echo "exit $rc: $(head -1 "$tmp/err")" \
		    >>"$tmp/cmp"; cmp=1; }
		ok $cmp "$case: the new ARC set is the suite's"
		[ $cmp = 0 ] || diag_file "$tmp/cmp"
	fi
	"$verify" --authserv-id "$authserv" --resolver-conf "$UNBOUND_CONF" \
	    --now "$t" <"$tmp/sealed" >"$tmp/out" 2>"$tmp/err"
	is "$(arc_word "$tmp/out")" $want "$case: and it validates as $want"
done <"$tmp/x/sign.list"

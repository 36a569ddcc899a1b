#!/bin/sh
# dmarc-dns - DMARC policy discovery, the DNS Tree Walk and Identifier
# Alignment (RFC 9989) against real DNS: t/dnsserver.sh --dnssec serves
# the records below on 127.0.0.1, under test. only (good.test. signed,
# unsigned.test. insecure, wrongds.test. bogus, timeout.test. a server
# that never answers). t/dmarc-eval makes one evaluation a case and
# prints one line; each case asserts that line whole:
#	dmarc=R policy=P tag=p|sp|np dis=D from=F domain=POLICY-DOMAIN
#	    org=ORGANIZATIONAL-DOMAIN sec=DNSSEC
# ("-" for what does not apply; org is "-" when nothing needed it).
. "$(dirname "$0")/lib.sh"

eval_prog=$(t_prog t/dmarc-eval)
t_need nsd
t_need drill ldnsutils
t_need ldns-signzone ldnsutils
mktmpdir tmp

cat >"$tmp/records" <<'EOF'
_dmarc.reject.good.test.	300 IN TXT "v=DMARC1; p=reject"
_dmarc.quar.good.test.		300 IN TXT "v=DMARC1; p=quarantine"
_dmarc.none.good.test.		300 IN TXT "v=DMARC1; p=none; rua=mailto:dmarc@none.good.test"
; an Organizational Domain with a policy for each kind of subdomain
_dmarc.org1.good.test.		300 IN TXT "v=DMARC1; p=none; sp=quarantine; np=reject"
sub.org1.good.test.		300 IN TXT "a name that exists"
_dmarc.testing.good.test.	300 IN TXT "v=DMARC1; p=reject; t=y"
_dmarc.pct.good.test.		300 IN TXT "v=DMARC1; p=reject; pct=50"
nodmarc.good.test.		300 IN TXT "no DMARC record here"
; no valid p= and no rua=: unusable; with a valid rua=: p=none
_dmarc.broken.good.test.	300 IN TXT "v=DMARC1; p=bogus; sp=none"
_dmarc.ruaonly.good.test.	300 IN TXT "v=DMARC1; p=block; rua=mailto:dmarc@ruaonly.good.test"
_dmarc.nop.good.test.		300 IN TXT "v=DMARC1; sp=reject"
_dmarc.sloppy.good.test.	300 IN TXT "v=DMARC1; p=reject;; adkim=x; foo=bar"
; two DMARC records at one name: both discarded
_dmarc.two.good.test.		300 IN TXT "v=DMARC1; p=reject"
_dmarc.two.good.test.		300 IN TXT "v=DMARC1; p=none"
_dmarc.mixed.good.test.		300 IN TXT "v=spf1 -all"
_dmarc.mixed.good.test.		300 IN TXT "v=DMARC1; p=quarantine"
; the walk from 12 labels skips to the last 7: this one is never asked
_dmarc.deep.good.test.		300 IN TXT "v=DMARC1; p=quarantine"
_dmarc.b.c.d.e.f.g.h.i.deep.good.test. 300 IN TXT "v=DMARC1; p=none; psd=n"
_dmarc.strict.good.test.	300 IN TXT "v=DMARC1; p=reject; adkim=s; aspf=s"
; RFC 9989 B.4.3, one level down: psd.good.test. is a Public Suffix Domain
_dmarc.psd.good.test.		300 IN TXT "v=DMARC1; p=reject; psd=y"
_dmarc.giant.psd.good.test.	300 IN TXT "v=DMARC1; p=quarantine"
_dmarc.unsigned.test.		300 IN TXT "v=DMARC1; p=reject"
_dmarc.dept.unsigned.test.	300 IN TXT "v=DMARC1; p=none; psd=n"
_dmarc.wrongds.test.		300 IN TXT "v=DMARC1; p=reject"
EOF
sh "$top_srcdir/t/dnsserver.sh" start "$tmp/dns" "$tmp/records" --dnssec \
    >/dev/null 2>"$tmp/dns.err" ||
    { diag_file "$tmp/dns.err"; bail_out "the test DNS server did not start"; }
at_exit "sh '$top_srcdir/t/dnsserver.sh' stop '$tmp/dns' >/dev/null 2>&1"
. "$tmp/dns/vars"

# case_is NAME WANT ARG...: dmarc-eval exits 0, its first line is WANT.
# Its DNS budget is the default (5 s) scaled, unless ARG has a --timeout
# (the later one counts).
case_is()
{
	_name=$1
	_want=$2
	shift 2
	run "$eval_prog" --resolver-conf "$UNBOUND_CONF" \
	    --timeout "$(t_scale_ms 5000)" "$@"
	if is "$(sed -n 1p "$out_file") (exit $status)" "$_want (exit 0)" \
	    "$_name"; then
		return 0
	fi
	diag "dmarc-eval $* (exit $status)"
	diag_file "$err_file"
	return 1
}

# ------------------------------------------------------------- policy --
case_is "p=reject, nothing authenticated: fail, reject" \
    "dmarc=fail policy=reject tag=p dis=reject from=reject.good.test domain=reject.good.test org=- sec=secure" \
    --from-domain reject.good.test
case_is "p=quarantine: fail, quarantine" \
    "dmarc=fail policy=quarantine tag=p dis=quarantine from=quar.good.test domain=quar.good.test org=- sec=secure" \
    --from-domain quar.good.test
case_is "p=none: fail, nothing to do" \
    "dmarc=fail policy=none tag=p dis=none from=none.good.test domain=none.good.test org=- sec=secure" \
    --from-domain none.good.test
case_is "an existing subdomain gets sp=" \
    "dmarc=fail policy=quarantine tag=sp dis=quarantine from=sub.org1.good.test domain=org1.good.test org=org1.good.test sec=secure" \
    --from-domain sub.org1.good.test
case_is "a non-existent subdomain (NXDOMAIN) gets np=" \
    "dmarc=fail policy=reject tag=np dis=reject from=ghost.org1.good.test domain=org1.good.test org=org1.good.test sec=secure" \
    --from-domain ghost.org1.good.test
case_is "the Organizational Domain itself gets p=" \
    "dmarc=fail policy=none tag=p dis=none from=org1.good.test domain=org1.good.test org=- sec=secure" \
    --from-domain org1.good.test
case_is "t=y: reject is applied as quarantine" \
    "dmarc=fail policy=reject tag=p dis=quarantine from=testing.good.test domain=testing.good.test org=- sec=secure" \
    --from-domain testing.good.test
run "$eval_prog" --resolver-conf "$UNBOUND_CONF" --timeout "$(t_scale_ms 5000)" \
    --from-domain testing.good.test --authres
is "$(sed -n 2p "$out_file")" "dmarc=fail (p=reject t=y dis=quarantine) header.from=testing.good.test" \
    "Authentication-Results for t=y"
case_is "pct=50 (RFC 7489): as t=y (RFC 9989 A.6)" \
    "dmarc=fail policy=reject tag=p dis=quarantine from=pct.good.test domain=pct.good.test org=- sec=secure" \
    --from-domain pct.good.test
case_is "pct=50, RFC 7489 sampling, roll 10: selected, reject" \
    "dmarc=fail policy=reject tag=p dis=reject from=pct.good.test domain=pct.good.test org=- sec=secure" \
    --from-domain pct.good.test --pct-roll 10
case_is "pct=50, RFC 7489 sampling, roll 60: not selected, quarantine" \
    "dmarc=fail policy=reject tag=p dis=quarantine from=pct.good.test domain=pct.good.test org=- sec=secure" \
    --from-domain pct.good.test --pct-roll 60
case_is "no record anywhere on the walk: none" \
    "dmarc=none policy=- tag=- dis=none from=nodmarc.good.test domain=- org=nodmarc.good.test sec=secure" \
    --from-domain nodmarc.good.test
case_is "no valid p= and no rua=: permerror, no policy" \
    "dmarc=permerror policy=- tag=- dis=none from=broken.good.test domain=broken.good.test org=- sec=secure" \
    --from-domain broken.good.test
case_is "no valid p= but a valid rua=: as p=none" \
    "dmarc=fail policy=none tag=p dis=none from=ruaonly.good.test domain=ruaonly.good.test org=- sec=secure" \
    --from-domain ruaonly.good.test
case_is "no p= at all: as p=none" \
    "dmarc=fail policy=none tag=p dis=none from=nop.good.test domain=nop.good.test org=- sec=secure" \
    --from-domain nop.good.test
case_is "no p= at all: its sp= still counts for subdomains" \
    "dmarc=fail policy=reject tag=sp dis=reject from=a.nop.good.test domain=nop.good.test org=nop.good.test sec=secure" \
    --from-domain a.nop.good.test
case_is "stray ';', a bad adkim=, an unknown tag: the rest counts" \
    "dmarc=fail policy=reject tag=p dis=reject from=sloppy.good.test domain=sloppy.good.test org=- sec=secure" \
    --from-domain sloppy.good.test
case_is "two DMARC records at one name: both discarded, none" \
    "dmarc=none policy=- tag=- dis=none from=two.good.test domain=- org=two.good.test sec=secure" \
    --from-domain two.good.test
case_is "an SPF record next to the DMARC record does not count" \
    "dmarc=fail policy=quarantine tag=p dis=quarantine from=mixed.good.test domain=mixed.good.test org=- sec=secure" \
    --from-domain mixed.good.test

# --------------------------------------------------------------- walk --
case_is "12 labels: the walk skips to the last 7 (the psd=n record between is never asked)" \
    "dmarc=fail policy=quarantine tag=p dis=quarantine from=a.b.c.d.e.f.g.h.i.deep.good.test domain=deep.good.test org=deep.good.test sec=secure" \
    --from-domain a.b.c.d.e.f.g.h.i.deep.good.test
case_is "the same record, asked for by name when it is the Author Domain's" \
    "dmarc=fail policy=none tag=p dis=none from=b.c.d.e.f.g.h.i.deep.good.test domain=b.c.d.e.f.g.h.i.deep.good.test org=- sec=secure" \
    --from-domain b.c.d.e.f.g.h.i.deep.good.test
case_is "under a psd=y domain: the Organizational Domain is one label below, the PSD's policy applies" \
    "dmarc=fail policy=reject tag=p dis=reject from=x.bank1.psd.good.test domain=psd.good.test org=bank1.psd.good.test sec=secure" \
    --from-domain x.bank1.psd.good.test
case_is "B.4.3: SPF mail.giant under psd=y is aligned with giant" \
    "dmarc=pass policy=quarantine tag=p dis=none from=giant.psd.good.test domain=giant.psd.good.test org=giant.psd.good.test sec=secure" \
    --from-domain giant.psd.good.test --spf pass --spf-domain mail.giant.psd.good.test
case_is "B.4.3: DKIM mail.mega under psd=y is not" \
    "dmarc=fail policy=quarantine tag=p dis=quarantine from=giant.psd.good.test domain=giant.psd.good.test org=giant.psd.good.test sec=secure" \
    --from-domain giant.psd.good.test --dkim-pass mail.mega.psd.good.test:secure
case_is "the Organizational Domain found by the walk (fewest labels), unsigned zone" \
    "dmarc=fail policy=reject tag=p dis=reject from=a.b.unsigned.test domain=unsigned.test org=unsigned.test sec=insecure" \
    --from-domain a.b.unsigned.test
case_is "psd=n makes a subtree its own Organizational Domain" \
    "dmarc=fail policy=none tag=p dis=none from=x.dept.unsigned.test domain=dept.unsigned.test org=dept.unsigned.test sec=insecure" \
    --from-domain x.dept.unsigned.test
case_is "so a d= elsewhere in the parent zone is not aligned with it" \
    "dmarc=fail policy=none tag=p dis=none from=x.dept.unsigned.test domain=dept.unsigned.test org=dept.unsigned.test sec=insecure" \
    --from-domain x.dept.unsigned.test --dkim-pass other.unsigned.test

# ------------------------------------------------ the PSL (RFC 7489) --
case_is "--psl: psd=n means nothing, the registrable domain's policy applies" \
    "dmarc=fail policy=reject tag=p dis=reject from=x.dept.unsigned.test domain=unsigned.test org=unsigned.test sec=insecure" \
    --from-domain x.dept.unsigned.test --psl
case_is "--psl: and d=other.unsigned.test is aligned" \
    "dmarc=pass policy=reject tag=p dis=none from=x.dept.unsigned.test domain=unsigned.test org=unsigned.test sec=insecure" \
    --from-domain x.dept.unsigned.test --dkim-pass other.unsigned.test --psl
case_is "--psl: psd=y means nothing, mail.mega is aligned with giant" \
    "dmarc=pass policy=quarantine tag=p dis=none from=giant.psd.good.test domain=giant.psd.good.test org=good.test sec=secure" \
    --from-domain giant.psd.good.test --dkim-pass mail.mega.psd.good.test:secure --psl
case_is "--psl: a record at the Author Domain is the same for both" \
    "dmarc=fail policy=reject tag=p dis=reject from=reject.good.test domain=reject.good.test org=- sec=secure" \
    --from-domain reject.good.test --psl

# ---------------------------------------------------------- alignment --
case_is "DKIM d= the Author Domain, key secure: pass, secure" \
    "dmarc=pass policy=reject tag=p dis=none from=reject.good.test domain=reject.good.test org=- sec=secure" \
    --from-domain reject.good.test --dkim-pass reject.good.test:secure
case_is "the same with a key from an unsigned zone: pass, insecure" \
    "dmarc=pass policy=reject tag=p dis=none from=reject.good.test domain=reject.good.test org=- sec=insecure" \
    --from-domain reject.good.test --dkim-pass reject.good.test
case_is "relaxed: d=mail.reject.good.test is aligned" \
    "dmarc=pass policy=reject tag=p dis=none from=reject.good.test domain=reject.good.test org=reject.good.test sec=secure" \
    --from-domain reject.good.test --dkim-pass mail.reject.good.test:secure
case_is "d= of another Organizational Domain: fail" \
    "dmarc=fail policy=reject tag=p dis=reject from=reject.good.test domain=reject.good.test org=reject.good.test sec=secure" \
    --from-domain reject.good.test --dkim-pass quar.good.test:secure
case_is "SPF alone, aligned (relaxed): pass" \
    "dmarc=pass policy=reject tag=p dis=none from=reject.good.test domain=reject.good.test org=reject.good.test sec=secure" \
    --from-domain reject.good.test --spf pass --spf-domain bounce.reject.good.test
case_is "DKIM aligned, SPF fail: pass" \
    "dmarc=pass policy=reject tag=p dis=none from=reject.good.test domain=reject.good.test org=- sec=secure" \
    --from-domain reject.good.test --dkim-pass reject.good.test:secure --spf fail --spf-domain reject.good.test
case_is "SPF aligned, DKIM of another domain: pass" \
    "dmarc=pass policy=reject tag=p dis=none from=reject.good.test domain=reject.good.test org=reject.good.test sec=secure" \
    --from-domain reject.good.test --dkim-pass quar.good.test:secure --spf pass --spf-domain reject.good.test
case_is "SPF fail on the very domain aligns nothing" \
    "dmarc=fail policy=reject tag=p dis=reject from=reject.good.test domain=reject.good.test org=- sec=secure" \
    --from-domain reject.good.test --spf fail --spf-domain reject.good.test
case_is "SPF softfail neither" \
    "dmarc=fail policy=reject tag=p dis=reject from=reject.good.test domain=reject.good.test org=- sec=secure" \
    --from-domain reject.good.test --spf softfail --spf-domain reject.good.test
case_is "a null MAIL FROM: the HELO domain is the SPF domain" \
    "dmarc=pass policy=reject tag=p dis=none from=reject.good.test domain=reject.good.test org=reject.good.test sec=secure" \
    --from-domain reject.good.test --spf pass --helo mx.reject.good.test
case_is "strict DKIM: a subdomain d= is not aligned" \
    "dmarc=fail policy=reject tag=p dis=reject from=strict.good.test domain=strict.good.test org=- sec=secure" \
    --from-domain strict.good.test --dkim-pass mail.strict.good.test:secure
case_is "strict DKIM: the same name in another case is" \
    "dmarc=pass policy=reject tag=p dis=none from=strict.good.test domain=strict.good.test org=- sec=secure" \
    --from-domain strict.good.test --dkim-pass STRICT.Good.Test:secure
case_is "strict SPF: a subdomain is not aligned" \
    "dmarc=fail policy=reject tag=p dis=reject from=strict.good.test domain=strict.good.test org=- sec=secure" \
    --from-domain strict.good.test --spf pass --spf-domain bounce.strict.good.test
run "$eval_prog" --resolver-conf "$UNBOUND_CONF" --timeout "$(t_scale_ms 5000)" \
    --from-domain reject.good.test --authres
is "$(sed -n 2p "$out_file")" "dmarc=fail (p=reject dis=reject) header.from=reject.good.test" \
    "Authentication-Results resinfo"

# ------------------------------------------------------- From: domains --
case_is "two From: domains: permerror (RFC 9989 5.3.1)" \
    "dmarc=permerror policy=- tag=- dis=none from=- domain=- org=- sec=insecure" \
    --from-domain reject.good.test --from-domain quar.good.test
# a From of several mailboxes is not one author, even in one domain
case_is "two addresses of one domain: not one mailbox, permerror" \
    "dmarc=permerror policy=- tag=- dis=none from=- domain=- org=- sec=insecure" \
    --from 'Alice <a@reject.good.test>, b@REJECT.good.test'
case_is "an addr-spec then an angle-addr: permerror" \
    "dmarc=permerror policy=- tag=- dis=none from=- domain=- org=- sec=insecure" \
    --from 'a@reject.good.test <x@none.good.test>'

# -------------------------------------------------------- DNS trouble --
case_is "a bogus answer (broken chain of trust) is never used: temperror" \
    "dmarc=temperror policy=- tag=- dis=none from=wrongds.test domain=- org=- sec=bogus" \
    --from-domain wrongds.test
# timeout.test never answers: a walk under it times out at any speed. Only
# the bound on how long that took depends on the machine, and scales.
budget=$(t_scale_ms 1000)
bound=$(t_scale_ms 3000)
start=$(date +%s%N)
case_is "a server that never answers: temperror" \
    "dmarc=temperror policy=- tag=- dis=none from=x.timeout.test domain=- org=- sec=insecure" \
    --from-domain x.timeout.test --timeout "$budget"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "within the budget of $budget ms (took ${ms} ms; bound $bound)" \
    test "$ms" -lt "$bound"
case_is "a name the resolver refuses: temperror" \
    "dmarc=temperror policy=- tag=- dis=none from=example.com domain=- org=- sec=insecure" \
    --from-domain example.com
# Here the policy of reject.good.test must answer within the budget that
# the walk for x.timeout.test then runs out of: the one process budget
# is 3 s (scaled), room to spare for a few loopback lookups on a busy
# machine, while the walk can only end by timing out, however long.
budget=$(t_scale_ms 3000)
bound=$(t_scale_ms 6000)
case_is "an aligned d= passes though another d='s walk times out" \
    "dmarc=pass policy=reject tag=p dis=none from=reject.good.test domain=reject.good.test org=- sec=secure" \
    --from-domain reject.good.test --dkim-pass reject.good.test:secure --dkim-pass x.timeout.test:secure --timeout "$budget"
start=$(date +%s%N)
case_is "an unaligned d= whose walk times out: temperror, not fail" \
    "dmarc=temperror policy=reject tag=p dis=none from=reject.good.test domain=reject.good.test org=reject.good.test sec=insecure" \
    --from-domain reject.good.test --dkim-pass x.timeout.test:secure --timeout "$budget"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "within the budget of $budget ms too (took ${ms} ms; bound $bound)" \
    test "$ms" -lt "$bound"

done_testing

#!/bin/sh
# spf-suite - spf_check() (through t/spf-eval) against the public RFC 7208
# test suite in t/data/spf/rfc7208-tests.yml (see the README there). One
# TAP line a case, "SCENARIO/CASE: expect X, got Y"; a case with several
# acceptable results lists them as "X|Y", the first the preferred one.
# A case that names an explanation also needs that explanation; "DEFAULT"
# is the suite driver's default one (pyspf's testspf.py sets it so),
# which we pass as --default-explanation.
#
# Each scenario's zonedata is served by NSD on 127.0.0.1 (t/dnsserver.sh
# --root: one zone ".", so every other name is NXDOMAIN), as pyspf's test
# driver serves it: a name's "SPF" records are also its TXT records unless
# it lists TXT records of its own; "TXT: NONE" is no record. A TIMEOUT
# entry makes lookups of that name time out, except those of a type the
# name lists before the TIMEOUT: the name gets a stub-zone to the black
# hole (which never answers), those records are answered by libunbound
# itself (local-data, typetransparent), and names under it that the
# zonedata lists get stub-zones back to NSD. Records the suite makes
# malformed (bytes outside ASCII, a CR) are served byte for byte, as the
# UTF-8 of the YAML text, as pyspf encodes them.
#
# Deliberate differences from the suite go in deliberate() below, each
# with its reason: the case then must give our verdict instead, and its
# name says so. No case is skipped.
. "$(dirname "$0")/lib.sh"

eval_prog=$top_builddir/t/spf-eval
[ -x "$eval_prog" ] || skip_all "t/spf-eval not built (make check builds it)"
t_need nsd
t_need drill ldnsutils
py=$(t_find_python3 yaml) || skip_all "no python3 with yaml (apt-get install python3-yaml)"

suite=$top_srcdir/t/data/spf/rfc7208-tests.yml
# The whole process's DNS budget, ms: a TIMEOUT case waits this long.
budget=$(t_timeout 1500)	# scaled under valgrind and sanitizers

# deliberate SCENARIO/CASE: print "VERDICT<TAB>EXPLANATION<TAB>REASON"
# when spf_check() gives another verdict or explanation than the suite on
# purpose (EXPLANATION "-": none is checked).
deliberate()
{
	case $1 in
	"Macro expansion rules/v-macro-ip6")
		printf '%s\t%s\t%s\n' fail "cafe:babe::1 is queried as \
1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.e.b.a.b.e.f.a.c.ip6.arpa" \
"the suite wants %{ir} of an address given as CAFE:BABE::1 in capitals \
(pyspf keeps the case of its input); RFC 7208 7.3 leaves the case of the \
nibbles open and its 7.4 example is in lowercase, as %{c} is (RFC 5952): \
%{i} does not depend on how the MTA wrote the address (DNS compares names \
without case, so lookups are the same either way)"
		;;
	"Initial processing/null-text")
		printf '%s\t%s\t%s\n' temperror - "null.example.com has a \
TXT record with no character-string at all, which RFC 1035 3.3.14 does not \
allow (one or more); NSD serves it as the suite has it, and libunbound \
refuses the whole answer as malformed (SERVFAIL), so the evaluator never \
sees the v=spf1 record beside it: a DNS error is a temperror (4.4). Had \
the resolver passed the answer on, the empty record would be ignored as \
any other non-SPF TXT record is, giving pass"
		;;
	*)	return 1 ;;
	esac
}

mktmpdir tmp

# ------------------------------------------------------ the conversion --

# For scenario N (from 1): $tmp/N/records (zone lines), $tmp/N/unbound
# (resolver configuration to add, with @BH@ and @NSD@ for the ports),
# $tmp/N/cases (one a line, fields separated by \037 so that an empty one
# stays: name, host, helo, mailfrom, results joined by "|", explanation
# or "-"), $tmp/N/name.
"$py" - "$suite" "$tmp" <<'PY' >"$tmp/convert.out" 2>&1
import os, sys, yaml

suite, out = sys.argv[1], sys.argv[2]

def zname(n):
    """A name as a zone file owner or target: absolute, escaped."""
    n = n.rstrip('.')
    if n == '':
        return '.'
    s = ''
    for ch in n.encode('utf-8'):
        c = chr(ch)
        if c.isalnum() or c in '-_.':
            s += c
        else:
            s += '\\%03d' % ch
    return s + '.'

def qstr(v):
    """One character-string, quoted, every byte outside printable ASCII
    (and '"', '\\') as \\DDD."""
    s = '"'
    for ch in v.encode('utf-8'):
        if ch < 0x20 or ch > 0x7e or ch in (0x22, 0x5c):
            s += '\\%03d' % ch
        else:
            s += chr(ch)
    return s + '"'

def records(name, entries):
    """pyspf testspf.getrdata(): (type, value) in order; generated TXT
    from SPF at the end; 'TIMEOUT' kept in place."""
    got, txt, gen = [], [], True
    for m in entries:
        if m == 'TIMEOUT':
            got.append('TIMEOUT')
            continue
        for t, v in m.items():
            if t in ('TXT', 'SPF') and isinstance(v, str):
                v = (v,)
            if t == 'TXT':
                gen = False
            elif t == 'SPF' and gen:
                txt.append(('TXT', v))
            if v != ('NONE',):
                got.append((t, v))
    if gen:
        got.extend(txt)
    return got

def rdata(t, v):
    if t in ('TXT', 'SPF'):
        # no string at all ("SPF: [ ]", null-text): an empty rdata,
        # which only the RFC 3597 form can write
        return ' '.join(qstr(s) for s in v) if v else '\\# 0'
    if t == 'MX':
        return '%d %s' % (v[0], zname(v[1]))
    if t in ('PTR', 'CNAME'):
        return zname(v)
    return str(v)

for k, sc in enumerate(yaml.safe_load_all(open(suite, 'rb')), 1):
    d = os.path.join(out, str(k))
    os.mkdir(d)
    zd = dict((n.lower(), records(n, e)) for n, e in sc['zonedata'].items())
    timeouts = [n for n in zd if 'TIMEOUT' in zd[n]]
    with open(os.path.join(d, 'records'), 'w') as z, \
         open(os.path.join(d, 'unbound'), 'w') as u:
        for n, rs in zd.items():
            if n in timeouts:
                before = rs[:rs.index('TIMEOUT')]
                u.write('# %s: TIMEOUT\nstub-zone:\n\tname: "%s"\n'
                        '\tstub-addr: 127.0.0.1@@BH@\n' % (n, zname(n)))
                if before:
                    u.write('server:\n\tlocal-zone: "%s" typetransparent\n'
                            % zname(n))
                    for t, v in before:
                        u.write("\tlocal-data: '%s 300 IN %s %s'\n"
                                % (zname(n), t, rdata(t, v)))
                continue
            for t, v in rs:
                # NSD holds no type SPF record without a string; that
                # type is asked for by nobody here (RFC 7208 3.1), the
                # TXT copy is what counts
                if t == 'SPF' and not v:
                    continue
                z.write('%s 300 IN %s %s\n' % (zname(n), t, rdata(t, v)))
            if any(n.endswith('.' + p) for p in timeouts):
                u.write('stub-zone:\n\tname: "%s"\n'
                        '\tstub-addr: 127.0.0.1@@NSD@\n' % zname(n))
    with open(os.path.join(d, 'cases'), 'w') as c:
        for name, t in sorted(sc['tests'].items()):
            res = t['result']
            if isinstance(res, str):
                res = [res]
            fields = [name, str(t['host']), str(t['helo']),
                      str(t['mailfrom']), '|'.join(res),
                      str(t.get('explanation', '-'))]
            for f in fields:
                if '\037' in f or '\n' in f:
                    sys.exit('%s: a field with \\037 or a newline' % name)
            c.write('\037'.join(fields) + '\n')
    with open(os.path.join(d, 'name'), 'w') as f:
        f.write(sc['description'] + '\n')
PY
ok $? "the suite converts into zone data and cases" || {
	diag_file "$tmp/convert.out"
	done_testing
	exit 1
}

# ------------------------------------------------------------ the cases --

us=$(printf '\037')
k=1
while [ -d "$tmp/$k" ]; do
	scen=$(cat "$tmp/$k/name")
	DNSSERVER_OWNER=$$ sh "$top_srcdir/t/dnsserver.sh" start "$tmp/dns$k" \
	    "$tmp/$k/records" --root >"$tmp/dns$k.out" 2>&1
	if ! ok $? "$scen: NSD serves the zonedata"; then
		diag_file "$tmp/dns$k.out"
		k=$((k + 1))
		continue
	fi
	. "$tmp/dns$k/vars"
	{
		cat "$UNBOUND_CONF"
		sed -e "s/@BH@/$BLACKHOLE_PORT/g" -e "s/@NSD@/$PORT/g" \
		    "$tmp/$k/unbound"
	} >"$tmp/$k/unbound.conf"
	while IFS=$us read -r name host helo mailfrom want wantexp; do
		id="$scen/$name"
		"$eval_prog" --resolver-conf "$tmp/$k/unbound.conf" \
		    --budget "$budget" --ip "$host" --helo "$helo" \
		    --sender "$mailfrom" --default-explanation DEFAULT \
		    >"$tmp/out" 2>"$tmp/err" </dev/null
		st=$?
		got=$(sed -n 1p "$tmp/out")
		gotexp=$(sed -n 2p "$tmp/out")
		[ $st = 0 ] || got="exit $st"
		if d=$(deliberate "$id"); then
			dv=${d%%	*}
			d=${d#*	}
			de=${d%%	*}
			pass=1
			if [ "$got" = "$dv" ] && { [ "$de" = - ] ||
			    [ "$gotexp" = "$de" ]; }; then
				pass=0
			fi
			ok $pass "$id: expect $want, got $got, deliberately $dv"
			[ "$de" = - ] ||
			    diag "explanation \"$gotexp\", deliberately \"$de\""
			diag "${d#*	}"
			continue
		fi
		pass=1
		case "|$want|" in *"|$got|"*) pass=0 ;; esac
		# the explanation (free text) stays out of the TAP name
		name_exp=
		if [ "$wantexp" != - ]; then
			name_exp=", and the explanation"
			[ "$gotexp" = "$wantexp" ] || pass=1
		fi
		ok $pass "$id: expect $want, got $got$name_exp" || {
			[ "$wantexp" = - ] ||
			    diag "explanation: got \"$gotexp\", want \"$wantexp\""
			diag_file "$tmp/err"
		}
	done <"$tmp/$k/cases"
	sh "$top_srcdir/t/dnsserver.sh" stop "$tmp/dns$k" >/dev/null 2>&1
	k=$((k + 1))
done
ok "$([ $k -gt 10 ] && echo 0 || echo 1)" "the suite had scenarios ($((k - 1)))"
done_testing

#!/bin/sh
# config-exit - a fault in the configuration file defers (75), whatever
# the fault: a bad value as much as an unknown option, for every filter,
# with nothing on stdout; the same value on the command line is a usage
# error (64). Postfix pipe(8) bounces on 64: one typo in the file must not
# bounce every message.
. "$(dirname "$0")/lib.sh"

sign=$(t_prog dkimpipe-sign)
verify=$(t_prog dkimpipe-verify)
seal=$(t_prog dkimpipe-seal)
keys=$(t_prog dkimpipe-keys)
mktmpdir tmp
ks=$tmp/ks
"$keys" --keystore "$ks" new --domain good.test --algorithm ed25519 \
    --selector s1 >/dev/null || bail_out "cannot make a keystore"
printf 'From: a@good.test\nSubject: x\n\nbody\n' >"$tmp/m.eml"
unset DKIMPIPE_CONFIG DKIMPIPE_KEYSTORE

# conf PROGRAM NAME VALUE: a config file with a good base and one line
conf()
{
	{
		printf '# a line for another program is not ours\n'
		printf '[dkimpipe-keys]\nbits 1\n'
		printf '[%s]\n' "$1"
		case $1 in
		dkimpipe-sign)	printf 'keystore %s\n' "$ks" ;;
		dkimpipe-seal)	printf 'keystore %s\ndomain good.test\n' "$ks" ;;
		dkimpipe-verify) printf 'authserv-id mx.good.test\n' ;;
		esac
		[ -z "$2" ] || printf '%s %s\n' "$2" "$3"
	} >"$tmp/$1.conf"
}

prog_path()
{
	case $1 in
	dkimpipe-sign)	echo "$sign" ;;
	dkimpipe-seal)	echo "$seal" ;;
	dkimpipe-verify) echo "$verify" ;;
	esac
}

# each PROGRAM NAME VALUE: in the file 75, on the command line 64
each()
{
	_p=$(prog_path "$1")
	conf "$1" "$2" "$3"
	run "$_p" --config "$tmp/$1.conf" <"$tmp/m.eml"
	is "$status" 75 "$1: '$2 $3' in the config file: EX_TEMPFAIL"
	is "$(wc -c <"$out_file" | tr -d ' ')" 0 "$1: '$2 $3' in the file: nothing written"
	like "$err" "^$1: fatal: config $tmp/$1\\.conf: --$2" \
	    "$1: '$2 $3' in the file: one line naming the file and the option"
	conf "$1"
	run "$_p" --config "$tmp/$1.conf" "--$2=$3" <"$tmp/m.eml"
	is "$status" 64 "$1: --$2=$3 on the command line: EX_USAGE"
	is "$(wc -c <"$out_file" | tr -d ' ')" 0 "$1: --$2=$3: nothing written"
	like "$err" "^$1: fatal: --$2" "$1: --$2=$3: naming the option"
}

# the good bases work
for p in dkimpipe-sign dkimpipe-verify dkimpipe-seal; do
	conf "$p"
	run "$(prog_path "$p")" --config "$tmp/$p.conf" <"$tmp/m.eml"
	is "$status" 0 "$p: the good config file works"
done

for p in dkimpipe-sign dkimpipe-verify dkimpipe-seal; do
	each "$p" log syslogg
	each "$p" bad-input maybe
	each "$p" max-signatures-no-such 1
done
each dkimpipe-sign expire 5x
each dkimpipe-sign canon loose
each dkimpipe-sign headers subject:to
each dkimpipe-sign no-key maybe
each dkimpipe-sign domain 'a b'
each dkimpipe-sign selector 'a;b'
each dkimpipe-sign timestamp soon
each dkimpipe-verify timeout 5x
each dkimpipe-verify timeout nan
each dkimpipe-verify timeout 1e400
each dkimpipe-verify timeout 99999999999999999999
each dkimpipe-verify timeout 0
each dkimpipe-verify max-signatures 0
each dkimpipe-verify max-signatures many
each dkimpipe-verify clock-skew -1
each dkimpipe-verify dnssec maybe
each dkimpipe-verify resolver maybe
each dkimpipe-verify reject always
each dkimpipe-verify reject-code 69
each dkimpipe-verify client-ip 'not an address'
each dkimpipe-verify authserv-id 'mx;x'
each dkimpipe-verify now yesterday
each dkimpipe-seal domain 'a b'
each dkimpipe-seal selector 'a;b'
each dkimpipe-seal headers arc-seal
each dkimpipe-seal no-results maybe
each dkimpipe-seal authserv-id 'a(b)'
each dkimpipe-seal timestamp soon

# a bad file is broken even when the command line gives a good value
conf dkimpipe-verify timeout 5x
run "$verify" --config "$tmp/dkimpipe-verify.conf" --timeout 5s <"$tmp/m.eml"
is "$status" 75 "a bad value in the file is a fault even if the command line overrides it"
# a good file and a good command line
conf dkimpipe-verify timeout 2s
run "$verify" --config "$tmp/dkimpipe-verify.conf" --timeout 800ms <"$tmp/m.eml"
is "$status" 0 "good values in the file and on the command line: exit 0"
like "$out" '^Authentication-Results: mx\.good\.test;' "the file's authserv-id"
# DKIMPIPE_CONFIG names a file just as --config does
conf dkimpipe-sign log syslogg
DKIMPIPE_CONFIG=$tmp/dkimpipe-sign.conf run "$sign" <"$tmp/m.eml"
is "$status" 75 "a bad value in the DKIMPIPE_CONFIG file: EX_TEMPFAIL"
# a value that only a command-line option completes is not missing yet
printf '[dkimpipe-seal]\nkeystore %s\n' "$ks" >"$tmp/seal-nodomain.conf"
run "$seal" --config "$tmp/seal-nodomain.conf" --domain good.test <"$tmp/m.eml"
is "$status" 0 "seal: --domain on the command line completes the file"
run "$seal" --config "$tmp/seal-nodomain.conf" <"$tmp/m.eml"
is "$status" 64 "seal: no --domain anywhere: EX_USAGE, as before"
done_testing

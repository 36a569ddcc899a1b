#!/bin/sh
# interop-verify.sh - what other DKIM signers sign, dkimpipe-verify passes.
#
# The opposite direction of t/interop-sign.sh. Fresh keys made with openssl
# (RSA-2048 and Ed25519) for good.test, their records in the DNSSEC-signed
# good.test. of t/dnsserver.sh --dnssec, and t/gen-messages.py's awkward
# messages (LF and CRLF) signed by three other implementations, each run
# once over the whole set:
#	dkimpy 1.1.4		t/peer-sign-dkimpy.py	RSA and Ed25519
#	Mail::DKIM 1.20230212	t/peer-sign-maildkim.pl	RSA (it has no Ed25519)
#	libopendkim 2.11.0	t/peer-sign-opendkim.py	RSA and Ed25519 (ctypes:
#				the helper's header says why not a command)
# each with relaxed/relaxed and with simple/simple and its own choice of
# signed header fields. A batch is one signer, algorithm and canon. For
# each batch, dkimpipe-verify (one process a message) must say dkim=pass
# with "DNSSEC secure" for every message signed, with the batch's header.a
# and header.s; and for every 10th message (001, 011, 021, ...) it must
# say dkim=fail for a copy with one body byte changed ("body hash") and for
# one with one byte changed in a signed header field, Subject when h= has
# it, else From ("signature did not verify"). Three TAP lines a batch; the
# diagnostics name every file that went wrong, with its
# Authentication-Results.
#
# A signature that dkimpipe-verify does not pass is shown to dkimpy
# (t/verify-dkimpy.py, one process for all of them). When dkimpy says
# "fail" too (the signature does not match the message), the signer made a
# bad signature: the file is listed, and left out of the batch's verdict
# and of its tamper checks. Anything dkimpy passes, or cannot judge, counts
# against dkimpipe-verify. One more exception, dkimpy's relaxed body
# canonicalization of a last line that ends in whitespace without a line
# ending (see "ends-in-wsp" below): listed, not counted. A batch left with
# nothing to judge is skipped. What libopendkim 2.11.0~beta2 gets wrong,
# found here (dkimpy rejects each of these as dkimpipe-verify does, and
# Mail::DKIM's signatures of the same messages pass; libopendkim's own
# verifier rejects the Ed25519 ones too):
#	ed25519-sha256 with simple header canonicalization: the DKIM-Signature
#	    field it hashes is folded differently from the one it returns
#	    (almost the whole batch)
#	relaxed body canonicalization drops bare CRs ("one\rtwo" -> "onetwo")
#	simple header canonicalization of a message without a header/body
#	    separator hashes an extra CRLF after the last field
#
# Messages a signer refuses (dkimpy and libopendkim: "Subject :", RFC 5322
# 4.5.4's obsolete syntax) are listed, not counted; each batch must have
# signed at least 9 in 10.
#
# DKIMPIPE_TEST_KEEP=1 keeps the directory with everything: keys/,
# records, in/, signed/PEER/BATCH/NAME (and NAME.ar, .rc, .err: what
# dkimpipe-verify said), tamper/PEER/BATCH/{body,header}/, *.verdict.
. "$(dirname "$0")/lib.sh"

verify=$(t_prog dkimpipe-verify)
t_need nsd
t_need drill ldnsutils
t_need ldns-signzone ldnsutils
t_need openssl
py=$(t_find_python3 dkim dns.resolver nacl) ||
    skip_all "python3 with dkim, dnspython and nacl not found (apt-get install python3-dkim python3-dnspython)"
perl=$(t_find_perl Mail::DKIM::Signer) || perl=

DOMAIN=good.test
RSA_SEL='peer-rsa2048'
ED_SEL='peer-ed25519'
TIMESTAMP=1700000000		# t= pinned: the same signatures for the same keys
AUTHSERV=mx.test
JOBS=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
[ "$JOBS" -ge 1 ] 2>/dev/null || JOBS=2
[ "$JOBS" -le 8 ] || JOBS=8

# signer/ALG.HC-BC, in the order of the TAP lines
BATCHES="dkimpy/rsa-sha256.relaxed-relaxed dkimpy/rsa-sha256.simple-simple
dkimpy/ed25519-sha256.relaxed-relaxed dkimpy/ed25519-sha256.simple-simple
maildkim/rsa-sha256.relaxed-relaxed maildkim/rsa-sha256.simple-simple
opendkim/rsa-sha256.relaxed-relaxed opendkim/rsa-sha256.simple-simple
opendkim/ed25519-sha256.relaxed-relaxed opendkim/ed25519-sha256.simple-simple"

plan 31

mktmpdir
mkdir "$tmpdir/keys" "$tmpdir/signed" "$tmpdir/tamper"
k=$tmpdir/keys

# ---------------------------------------------------------------- keys --
# rsa.pkcs8.pem (libopendkim), rsa.pkcs1.pem (dkimpy, Mail::DKIM),
# ed25519.pem (libopendkim), ed25519.seed (dkimpy: base64 of the 32-byte
# private key)
# shellcheck disable=SC2015 # any step failing is the same failure
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$k/rsa.pkcs8.pem" 2>"$k/err" &&
    { openssl pkey -in "$k/rsa.pkcs8.pem" -traditional \
	-out "$k/rsa.pkcs1.pem" 2>>"$k/err" ||
      openssl rsa -in "$k/rsa.pkcs8.pem" -out "$k/rsa.pkcs1.pem" \
	2>>"$k/err"; } &&
    grep -q 'BEGIN RSA PRIVATE KEY' "$k/rsa.pkcs1.pem" &&
    openssl genpkey -algorithm ed25519 -out "$k/ed25519.pem" 2>>"$k/err" &&
    openssl pkey -in "$k/ed25519.pem" -outform DER >"$k/ed25519.der" \
	2>>"$k/err" &&
    [ "$(wc -c <"$k/ed25519.der")" -eq 48 ] &&
    tail -c 32 "$k/ed25519.der" | base64 >"$k/ed25519.seed" ||
    { diag_file "$k/err"; bail_out "openssl could not make the keys"; }

# p= of RSA: base64 of the DER SubjectPublicKeyInfo; of Ed25519 (RFC 8463
# 4.2): base64 of the raw 32-byte public key, the tail of its SPKI
rsa_p=$(openssl pkey -in "$k/rsa.pkcs8.pem" -pubout -outform DER | base64 |
    tr -d '\n')
ed_spki=$(openssl pkey -in "$k/ed25519.pem" -pubout -outform DER | wc -c)
ed_p=$(openssl pkey -in "$k/ed25519.pem" -pubout -outform DER | tail -c 32 |
    base64)
# shellcheck disable=SC2015
[ -n "$rsa_p" ] && [ "$ed_spki" -eq 44 ] && [ -n "$ed_p" ] ||
    bail_out "openssl could not export the public keys"
# a TXT string holds at most 255 octets: "..." "..." as dkimpipe-keys
# prints them
rsa_txt=$(printf 'v=DKIM1; k=rsa; p=%s\n' "$rsa_p" | fold -w 250 |
    sed 's/.*/"&"/' | tr '\n' ' ' | sed 's/ $//')
{
	printf '%s._domainkey.%s.\t3600\tIN\tTXT\t%s\n' "$RSA_SEL" "$DOMAIN" "$rsa_txt"
	printf '%s._domainkey.%s.\t3600\tIN\tTXT\t"v=DKIM1; k=ed25519; p=%s"\n' \
	    "$ED_SEL" "$DOMAIN" "$ed_p"
} >"$tmpdir/records"

DNSSERVER_OWNER=$$ sh "$t_dir/dnsserver.sh" start "$tmpdir/dns" \
    "$tmpdir/records" --dnssec >/dev/null 2>"$tmpdir/dnsserver.err" ||
    { diag_file "$tmpdir/dnsserver.err"; diag_file "$tmpdir/records";
      bail_out "the DNS server did not start"; }
at_exit "sh '$t_dir/dnsserver.sh' stop '$tmpdir/dns' >/dev/null 2>&1"
. "$tmpdir/dns/vars"

# ------------------------------------------------------------ messages --
"$py" "$t_dir/gen-messages.py" --domain "$DOMAIN" "$tmpdir/in" \
    >/dev/null 2>"$tmpdir/gen.err" ||
    { diag_file "$tmpdir/gen.err"; bail_out "gen-messages.py failed"; }
(cd "$tmpdir/in" && ls) | grep '\.eml$' >"$tmpdir/names"
n=$(wc -l <"$tmpdir/names")
[ "$n" -ge 220 ]
ok $? "gen-messages.py wrote $n messages for $DOMAIN (at least 220)"

# ------------------------------------------------------------- signing --
# peer_skip_S / peer_fail_S: why signer S has no batches (a skip) or why
# its batches are all failures (it crashed)
# shellcheck disable=SC2034 # read through eval
{
	peer_skip_dkimpy='' peer_skip_maildkim='' peer_skip_opendkim=''
	peer_fail_dkimpy='' peer_fail_maildkim='' peer_fail_opendkim=''
}

# signer S CMD...: run a t/peer-sign-* helper, its exit status decides
signer()
{
	_s=$1
	shift
	"$@" >"$tmpdir/sign-$_s.log" 2>&1
	_st=$?
	case $_st in
	0)	;;
	77)	_why=$(tail -n 1 "$tmpdir/sign-$_s.log" |
		    sed 's/^peer-sign-[a-z]*\.[a-z]*: //')
		eval "peer_skip_$_s=\$_why" ;;
	*)	eval "peer_fail_$_s=\"its helper exited \$_st\"" ;;
	esac
}

signer dkimpy "$py" "$t_dir/peer-sign-dkimpy.py" --domain "$DOMAIN" \
    --out "$tmpdir/signed/dkimpy" --timestamp "$TIMESTAMP" \
    --rsa-key "$k/rsa.pkcs1.pem" --rsa-selector "$RSA_SEL" \
    --ed25519-seed "$k/ed25519.seed" --ed25519-selector "$ED_SEL" \
    "$tmpdir/in"/*.eml
if [ -n "$perl" ]; then
	signer maildkim "$perl" "$t_dir/peer-sign-maildkim.pl" \
	    --domain "$DOMAIN" --out "$tmpdir/signed/maildkim" \
	    --timestamp "$TIMESTAMP" \
	    --rsa-key "$k/rsa.pkcs1.pem" --rsa-selector "$RSA_SEL" \
	    "$tmpdir/in"/*.eml
else
	# shellcheck disable=SC2034 # read through eval
	peer_skip_maildkim="Mail::DKIM not installed (apt-get install libmail-dkim-perl)"
fi
signer opendkim "$py" "$t_dir/peer-sign-opendkim.py" --domain "$DOMAIN" \
    --out "$tmpdir/signed/opendkim" --timestamp "$TIMESTAMP" \
    --rsa-key "$k/rsa.pkcs8.pem" --rsa-selector "$RSA_SEL" \
    --ed25519-key "$k/ed25519.pem" --ed25519-selector "$ED_SEL" \
    "$tmpdir/in"/*.eml

# ----------------------------------------------------------- tampering --
# For each batch, copies of every 10th message (in name order) with one
# byte changed: tamper/B/body/NAME (the first body byte that is not CR or
# LF: a letter or digit becomes the next one, anything else "X"; none, no
# copy) and tamper/B/header/NAME (the first letter or digit of the value
# of the last Subject field when the signature's h= names Subject, else
# of the last From field). tamper.log says what changed, a line a copy.
awk 'NR % 10 == 1' "$tmpdir/names" >"$tmpdir/subset"
for b in $BATCHES; do
	[ -d "$tmpdir/signed/$b" ] || continue
	mkdir -p "$tmpdir/tamper/$b/body" "$tmpdir/tamper/$b/header"
	while read -r f; do
		[ ! -f "$tmpdir/signed/$b/$f" ] || echo "$b/$f"
	done <"$tmpdir/subset"
done >"$tmpdir/tamper.list"
# shellcheck disable=SC2016 # perl's own $variables
perl -e '
	use strict;
	my ($src, $dst) = (shift, shift);
	sub nextc {
		my $c = shift;
		return $c eq "z" ? "a" : $c eq "Z" ? "A" : $c eq "9" ? "0"
		    : $c =~ /[A-Za-z0-9]/ ? chr(ord($c) + 1) : "X";
	}
	sub put {
		my ($path, $data) = @_;
		open(my $o, ">:raw", $path) or die "$path: $!\n";
		print $o $data;
		close($o) or die "$path: $!\n";
	}
	while (my $rel = <STDIN>) {
		chomp $rel;
		my ($b, $name) = $rel =~ m{^(.*)/([^/]+)$} or next;
		open(my $fh, "<:raw", "$src/$rel") or die "$src/$rel: $!\n";
		my $m = do { local $/; <$fh> };
		close($fh);
		my ($head, $sep) = ($m, "");
		($head, $sep) = ($1, $2) if $m =~ /\A(.*?\n)(\r?\n)/s;
		my $bodyat = length($head) + length($sep);
		# body: the first byte that is not CR or LF
		if ($sep ne "" && substr($m, $bodyat) =~ /[^\r\n]/) {
			my $at = $bodyat + $-[0];
			my $t = $m;
			my $old = substr($t, $at, 1);
			my $new = nextc($old);
			$old = $old eq "\t" ? "TAB" : $old eq " " ? "SP"
			    : $old =~ /[\x21-\x7e]/ ? $old
			    : sprintf("\\x%02x", ord($old));
			print "$rel\tbody\tbyte ", $at - $bodyat,
			    " of the body: $old -> $new\n";
			substr($t, $at, 1) = $new;
			put("$dst/$b/body/$name", $t);
		} else {
			print "$rel\tbody\tno copy: no body byte to change\n";
		}
		# header: fields of the head, with their offsets
		my (@f, $pos);
		while ($head =~ /\G([^\n]*\n(?:[ \t][^\n]*\n)*)/g) {
			push @f, [$-[1], $1];
		}
		my ($sig) = grep { $_->[1] =~ /^dkim-signature[ \t]*:/i } @f;
		my ($h) = $sig ? $sig->[1] =~ /[;:]\s*h\s*=([^;]*)/ : ();
		my %signed = map { (lc($_) => 1) } split /\s*:\s*/,
		    ($h // "") =~ s/\s+//gr;
		my $want = $signed{subject} ? "subject" : "from";
		my ($field) = (grep { $_->[1] =~ /^\Q$want\E[ \t]*:/i } @f)[-1];
		if (!$field || !$signed{$want} ||
		    $field->[1] !~ /^[^:]*:[^A-Za-z0-9]*[A-Za-z0-9]/) {
			print "$rel\theader\tno copy: no signed Subject or From to change\n";
			next;
		}
		my $at = $field->[0] + $+[0] - 1;
		my $t = $m;
		my $new = nextc(substr($t, $at, 1));
		my ($fname) = $field->[1] =~ /^([^:]*?)[ \t]*:/;
		print "$rel\theader\t$fname: ", substr($t, $at, 1), " -> $new\n";
		substr($t, $at, 1) = $new;
		put("$dst/$b/header/$name", $t);
	}' "$tmpdir/signed" "$tmpdir/tamper" <"$tmpdir/tamper.list" \
    >"$tmpdir/tamper.log" 2>"$tmpdir/tamper.err" ||
    { diag_file "$tmpdir/tamper.err"; bail_out "making the tampered copies failed"; }

# ----------------------------------------------------------- verifying --
# every signed and tampered file through dkimpipe-verify, one process a
# message, $JOBS at a time: FILE.ar (its output), FILE.err, FILE.rc
find "$tmpdir/signed" "$tmpdir/tamper" -type f -name '*.eml' |
    sort >"$tmpdir/verify.list"
# shellcheck disable=SC2016 # expanded by the inner sh
xargs -n 25 -P "$JOBS" sh -c '
	v=$1 conf=$2 id=$3 budget=$4
	shift 4
	for f; do
		"$v" --resolver-conf "$conf" --authserv-id "$id" --timeout "$budget" \
		    <"$f" >"$f.ar" 2>"$f.err"
		echo $? >"$f.rc"
	done' sh "$verify" "$UNBOUND_CONF" "$AUTHSERV" "$(t_timeout 2s)" \
    <"$tmpdir/verify.list"

# judge MODE ALG SELECTOR DIR: a line per DIR/*.eml, NAME TAB ok|bad TAB
# what dkimpipe-verify said (its Authentication-Results unfolded, or its
# exit status and stderr). MODE pass: exit 0, one dkim= result, pass,
# "DNSSEC secure" in its comment, header.d, header.s and header.a those of
# the batch. MODE body, header: exit 0, one dkim=fail, the comment saying
# "body hash" (body) or "signature did not verify" (header).
judge()
{
	# shellcheck disable=SC2016
	perl -e '
		use strict;
		my ($mode, $alg, $sel, $dom, $dir) = @ARGV;
		opendir(my $dh, $dir) or die "$dir: $!\n";
		for my $name (sort grep { /\.eml$/ } readdir $dh) {
			my $p = "$dir/$name";
			my $read = sub {
				open(my $fh, "<:raw", $_[0]) or return "";
				local $/;
				my $s = <$fh> // "";
				return $s;
			};
			my $rc = $read->("$p.rc");
			chomp $rc;
			my $ar = $read->("$p.ar");
			$ar = $ar =~ /\A(Authentication-Results:[^\n]*\n(?:[ \t][^\n]*\n)*)/i
			    ? $1 : "";
			$ar =~ s/\r?\n[ \t]+/ /g;
			$ar =~ s/[\r\n]+//g;
			$ar =~ s/\t/ /g;
			my @res = $ar =~ /\bdkim=([a-z]+)/g;
			my ($comment) = $ar =~ /\bdkim=[a-z]+\s*\(([^)]*)\)/;
			$comment //= "";
			my $why;
			if ($rc ne "0") {
				(my $err = $read->("$p.err")) =~ s/\s+/ /g;
				$why = "exit $rc: " . substr($err, 0, 300);
			} elsif (!$ar) {
				$why = "no Authentication-Results on top";
			} elsif (@res != 1) {
				$why = scalar(@res) . " dkim= results";
			} elsif ($mode eq "pass") {
				if ($res[0] ne "pass") {
					$why = "not pass";
				} elsif ($comment !~ /DNSSEC secure/) {
					$why = "no \"DNSSEC secure\"";
				} elsif ($ar !~ /\bheader\.d=\Q$dom\E(?:\s|;|$)/ ||
				    $ar !~ /\bheader\.s=\Q$sel\E(?:\s|;|$)/ ||
				    $ar !~ /\bheader\.a=\Q$alg\E(?:\s|;|$)/) {
					$why = "header.d, header.s or header.a is not $dom, $sel, $alg";
				}
			} else {
				my $want = $mode eq "body" ? qr/body hash/
				    : qr/signature did not verify/;
				if ($res[0] ne "fail") {
					$why = "not fail";
				} elsif ($comment !~ $want) {
					$why = "fail, but not for the $mode";
				}
			}
			print "$name\t", ($why ? "bad" : "ok"), "\t",
			    ($why ? "$why: " : ""), ($ar || "-"), "\n";
		}' "$1" "$2" "$3" "$DOMAIN" "$4"
}

for b in $BATCHES; do
	[ -d "$tmpdir/signed/$b" ] || continue
	v=$(echo "$b" | tr / _)
	alg=${b#*/}
	alg=${alg%%.*}
	case $alg in rsa-*) sel=$RSA_SEL ;; *) sel=$ED_SEL ;; esac
	judge pass "$alg" "$sel" "$tmpdir/signed/$b" >"$tmpdir/$v.verdict"
	for m in body header; do
		judge "$m" "$alg" "$sel" "$tmpdir/tamper/$b/$m" >"$tmpdir/$v.$m.verdict"
	done
done

# the signatures dkimpipe-verify did not pass, shown to dkimpy: FILE IDX
# ALG RESULT DETAIL lines (t/verify-dkimpy.py), FILE relative to signed/
for b in $BATCHES; do
	v=$(echo "$b" | tr / _)
	[ -f "$tmpdir/$v.verdict" ] || continue
	awk -F'\t' -v d="$tmpdir/signed/$b/" '$2 == "bad" { print d $1 }' \
	    "$tmpdir/$v.verdict"
done >"$tmpdir/referee.list"
: >"$tmpdir/referee.results"
if [ -s "$tmpdir/referee.list" ]; then
	# shellcheck disable=SC2046 # one word a path (mktemp's, no blanks)
	"$py" "$t_dir/verify-dkimpy.py" --port "$PORT" \
	    $(cat "$tmpdir/referee.list") 2>"$tmpdir/referee.err" |
	    sed "s|^$tmpdir/signed/||" >"$tmpdir/referee.results"
	[ -s "$tmpdir/referee.results" ] || {
		diag "verify-dkimpy.py said nothing about the signatures dkimpipe-verify did not pass:"
		diag_file "$tmpdir/referee.err"
	}
fi

# Inputs whose last byte is SP or TAB: a last line that ends in whitespace
# and has no line ending. dkimpy 1.1.4's relaxed body canonicalization keeps
# one SP of that whitespace (b"abc  " -> b"abc \r\n"), where RFC 6376 3.4.4
# ignores whitespace at the end of lines and Mail::DKIM, libopendkim and
# dkimpipe-verify make it b"abc\r\n"; dkimpy's own verifier rejects such a
# signature too once an SMTP hop adds the line ending. In dkimpy's relaxed
# batches those messages are listed, not counted, when dkimpipe-verify
# says "body hash did not verify".
# shellcheck disable=SC2016
perl -e 'for my $f (@ARGV) {
		open(my $fh, "<:raw", $f) or die "$f: $!\n";
		my $d = do { local $/; <$fh> };
		(my $n = $f) =~ s{.*/}{};
		print "$n\n" if $d =~ /[ \t]\z/;
	}' "$tmpdir/in"/*.eml >"$tmpdir/ends-in-wsp"

# names FILE: the names in FILE (one a line) as diagnostics, a few a line,
# the first 40 of them
names()
{
	{ sed 40q "$1" | tr '\n' ' '; echo; } | fold -s -w 72 | sed 's/^/#   /'
	[ "$(wc -l <"$1")" -le 40 ] || diag "  ... and $(($(wc -l <"$1") - 40)) more"
}

# ------------------------------------------------------------- verdicts --
for b in $BATCHES; do
	peer=${b%%/*}
	alg=${b#*/}
	canon=${alg#*.}
	alg=${alg%%.*}
	canon=$(echo "$canon" | tr - /)
	v=$(echo "$b" | tr / _)
	case $peer in
	dkimpy)		pname=dkimpy ;;
	maildkim)	pname=Mail::DKIM ;;
	opendkim)	pname=libopendkim ;;
	esac
	label="$pname $alg $canon"
	eval "skipwhy=\$peer_skip_$peer failwhy=\$peer_fail_$peer"
	if [ -n "$skipwhy" ]; then
		skip "$label: $skipwhy" 3
		continue
	fi
	if [ -n "$failwhy" ] || [ ! -d "$tmpdir/signed/$b" ]; then
		ok 1 "$label: signing failed (${failwhy:-no batch written})"
		diag_file "$tmpdir/sign-$peer.log"
		skip "$label: nothing signed" 2
		continue
	fi

	# $v.peerbad: not passed, and dkimpy says fail too; $v.known: not
	# passed, dkimpy's relaxed canon of a last line ending in WSP (above);
	# $v.fail: every other one not passed
	case $b in
	dkimpy/*.relaxed-*)	wsp=$tmpdir/ends-in-wsp ;;
	*)			wsp=/dev/null ;;
	esac
	awk -F'\t' -v b="$b/" -v out="$tmpdir/$v" '
	FILENAME == ARGV[1] {
		if (index($1, b) == 1 && $4 == "fail")
			bad[substr($1, length(b) + 1)] = 1
		next
	}
	FILENAME == ARGV[2] { wsp[$1] = 1; next }
	$2 != "bad" { next }
	$1 in bad { print $1 > (out ".peerbad"); next }
	($1 in wsp) && $3 ~ /body hash did not verify/ {
		print $1 > (out ".known"); next
	}
	{ print $1 ": " $3 > (out ".fail") }' \
	    "$tmpdir/referee.results" "$wsp" "$tmpdir/$v.verdict"
	touch "$tmpdir/$v.peerbad" "$tmpdir/$v.known" "$tmpdir/$v.fail"
	signed=$(wc -l <"$tmpdir/$v.verdict")
	unsigned=$(wc -l <"$tmpdir/signed/$b.unsigned")
	peerbad=$(wc -l <"$tmpdir/$v.peerbad")
	known=$(wc -l <"$tmpdir/$v.known")
	nfail=$(wc -l <"$tmpdir/$v.fail")
	good=$((signed - peerbad - known))
	note=
	[ "$unsigned" -eq 0 ] || note="$note, $unsigned refused by the signer"
	[ "$peerbad" -eq 0 ] ||
	    note="$note, $peerbad mis-signed (dkimpy rejects them too)"
	[ "$known" -eq 0 ] ||
	    note="$note, $known with dkimpy's trailing-WSP canon"
	if [ "$good" -eq 0 ]; then
		skip "$label: no message left to judge$note" 3
	else
		[ "$nfail" -eq 0 ] && [ $((signed * 10)) -ge $((n * 9)) ]
		ok $? "$label: dkimpipe-verify passes $((good - nfail)) of $good signed messages, DNSSEC secure$note" || {
			[ $((signed * 10)) -ge $((n * 9)) ] ||
			    diag "only $signed of $n messages signed"
			diag_file "$tmpdir/$v.fail" 60
		}
	fi
	if [ "$unsigned" -gt 0 ]; then
		diag "$label: refused by the signer:"
		sed 's/\t/: /; s/^/#   /' "$tmpdir/signed/$b.unsigned" | sed 20q
	fi
	if [ "$peerbad" -gt 0 ]; then
		diag "$label: mis-signed, dkimpy says fail too (left out):"
		names "$tmpdir/$v.peerbad"
	fi
	if [ "$known" -gt 0 ]; then
		diag "$label: last line ends in WSP without a line ending, dkimpy keeps the WSP (left out):"
		names "$tmpdir/$v.known"
	fi
	[ "$good" -gt 0 ] || continue

	# tampered copies of the messages whose signature passed
	for m in body header; do
		awk -F'\t' 'FILENAME == ARGV[1] { if ($2 == "ok") pass[$1] = 1; next }
		$1 in pass' "$tmpdir/$v.verdict" "$tmpdir/$v.$m.verdict" \
		    >"$tmpdir/$v.$m.checked"
		tn=$(wc -l <"$tmpdir/$v.$m.checked")
		case $m in
		body)	what="one body byte" ;;
		header)	what="one byte of a signed header field" ;;
		esac
		if [ "$tn" -eq 0 ]; then
			skip "$label: no copy with $what changed of a message that passed"
			continue
		fi
		awk -F'\t' '$2 == "bad" { print $1 ": " $3 }' \
		    "$tmpdir/$v.$m.checked" >"$tmpdir/$v.$m.fail"
		[ ! -s "$tmpdir/$v.$m.fail" ]
		ok $? "$label: dkimpipe-verify says fail for every copy with $what changed ($tn)" || {
			diag_file "$tmpdir/$v.$m.fail" 30
			diag "what was changed:"
			grep "^$b/.*	$m	" "$tmpdir/tamper.log" | cut -f1,3 |
			    sed 's/^/#   /' | sed 30q
		}
	done
done

#!/usr/bin/perl
# check-passthrough.pl - did a signer add header fields and change nothing?
#
#	check-passthrough.pl INDIR OUTDIR
#
# For each file in INDIR (sorted by name), OUTDIR/NAME is the signer's
# output. The DKIM-Signature fields at its top (each with its continuation
# lines) are the added ones; what follows them must be the input, byte for
# byte. One line per file on stdout, tab-separated:
#
#	NAME  NSIG  ALGORITHMS  RESULT  DETAIL  ADDED-EOL  INPUT-EOL
#
# NSIG: the added fields; ALGORITHMS: their a= values, comma-separated, top
# first ("-" for none); RESULT: same, or differs with DETAIL giving the
# first differing offset of the rest against the input, or missing when
# there is no output file. ADDED-EOL: how the added fields end their lines,
# lf, crlf or mixed ("-" for none); INPUT-EOL: crlf when the input's first
# line ends in CRLF, else lf. Exit status 0 unless an argument is wrong.
use strict;
use warnings;

my ($indir, $outdir) = @ARGV;
die "usage: $0 INDIR OUTDIR\n" unless defined $outdir && -d $indir;

sub slurp {
	my $path = shift;
	open(my $fh, "<:raw", $path) or return undef;
	local $/;
	my $data = <$fh>;
	return $data // "";
}

opendir(my $dh, $indir) or die "$indir: $!\n";
for my $name (sort grep { -f "$indir/$_" } readdir($dh)) {
	my $in = slurp("$indir/$name");
	my $out = slurp("$outdir/$name");
	my $ineol = $in =~ /\A[^\n]*\r\n/ ? "crlf" : "lf";
	if (!defined $out) {
		print "$name\t0\t-\tmissing\t-\t-\t$ineol\n";
		next;
	}
	my @algs;
	my $pos = 0;
	# a field: its first line, then lines that start with WSP
	while (substr($out, $pos) =~
	    /\A(dkim-signature[ \t]*:[^\n]*\n(?:[ \t][^\n]*\n)*)/i) {
		my $f = $1;
		my ($a) = $f =~ /[:;]\s*a\s*=\s*([A-Za-z0-9-]+)/;
		push @algs, $a // "?";
		$pos += length $f;
	}
	my $added = substr($out, 0, $pos);
	my $crlf = () = $added =~ /\r\n/g;
	my $lf = () = $added =~ /(?<!\r)\n/g;
	my $eol = !length $added ? "-" : $lf && $crlf ? "mixed" :
	    $crlf ? "crlf" : "lf";
	my $rest = substr($out, $pos);
	my ($res, $detail) = ("same", "-");
	if ($rest ne $in) {
		my $i = 0;
		$i++ while $i < length($in) && $i < length($rest) &&
		    substr($in, $i, 1) eq substr($rest, $i, 1);
		($res, $detail) = ("differs", sprintf("at input byte %d "
		    . "(input %d bytes, rest of output %d)", $i, length $in,
		    length $rest));
	}
	printf "%s\t%d\t%s\t%s\t%s\t%s\t%s\n", $name, scalar @algs,
	    @algs ? join(",", @algs) : "-", $res, $detail, $eol, $ineol;
}

#!/usr/bin/perl
# peer-sign-maildkim.pl - sign a batch of messages with Mail::DKIM::Signer.
#
#	peer-sign-maildkim.pl --domain D --out DIR [--timestamp T]
#	    --rsa-key PKCS1.pem --rsa-selector S FILE...
#
# One process signs every FILE with rsa-sha256, once relaxed/relaxed and
# once simple/simple, with Mail::DKIM's own choice of header fields (h=).
# A batch is one canonicalization; it goes to DIR/ALG.HC-BC/, as
# t/peer-sign-dkimpy.py writes them:
#
#	DIR/rsa-sha256.simple-simple/BASENAME	the signed copy of FILE
#	DIR/rsa-sha256.simple-simple.unsigned	BASENAME<TAB>why, for each
#						FILE Mail::DKIM would not sign
#
# Mail::DKIM wants what an SMTP server hands it: CRLF line endings. Each
# file goes in as dkimsign.pl, Mail::DKIM's own command-line signer
# (dkimproxy-sign in Debian), feeds it: line by line, each line (the last
# one too, newline or not) without one CR before its LF, then CRLF; a bare
# CR inside a line stays. The signed copy is one DKIM-Signature field,
# folded with the file's own line ending (CRLF if its first line ends in
# CRLF, else LF), then the file byte for byte.
#
# Only RSA: Debian 12's Mail::DKIM 1.20230212 has no Ed25519 signer. The
# key is PKCS#1 PEM ("BEGIN RSA PRIVATE KEY"): Mail::DKIM::PrivateKey hands
# the base64 to Crypt::OpenSSL::RSA as one. --timestamp pins t=.
#
# Needs libmail-dkim-perl. Exit status 0 when every batch was written.
use strict;
use warnings;
use File::Basename qw(basename);
use File::Path qw(make_path);
use Getopt::Long;
use Mail::DKIM::PrivateKey;
use Mail::DKIM::Signer;

my ($domain, $out, $timestamp, $keyfile, $selector);
GetOptions("domain=s" => \$domain, "out=s" => \$out,
	"timestamp=i" => \$timestamp, "rsa-key=s" => \$keyfile,
	"rsa-selector=s" => \$selector)
    && defined $domain && defined $out && defined $keyfile
    && defined $selector && @ARGV
    or die "usage: $0 --domain D --out DIR [--timestamp T] --rsa-key PEM --rsa-selector S FILE...\n";

my $key = Mail::DKIM::PrivateKey->load(File => $keyfile);
my @batches;
for my $canon ("relaxed/relaxed", "simple/simple") {
	(my $name = "rsa-sha256.$canon") =~ s{/}{-};
	my $dir = "$out/$name";
	make_path($dir);
	open(my $unsigned, ">", "$dir.unsigned") or die "$dir.unsigned: $!\n";
	push @batches, { canon => $canon, dir => $dir, unsigned => $unsigned };
}

sub clean {
	my $s = shift // "";
	$s =~ s/\s+/ /g;
	$s =~ s/^ | $//g;
	return length $s ? $s : "-";
}

for my $file (@ARGV) {
	open(my $fh, "<:raw", $file) or die "$file: $!\n";
	my $data = do { local $/; <$fh> } // "";
	close($fh);
	my $base = basename($file);
	my $eol = $data =~ /\A[^\n]*\r\n/ ? "\r\n" : "\n";
	# dkimsign.pl: while (<STDIN>) { chomp; s/\015?$/\015\012/s; PRINT }
	my @lines = $data =~ /([^\n]*\n|[^\n]+\z)/g;
	for my $b (@batches) {
		my $sig = eval {
			my $dkim = Mail::DKIM::Signer->new(
			    Algorithm => "rsa-sha256", Method => $b->{canon},
			    Domain => $domain, Selector => $selector, Key => $key,
			    defined $timestamp ? (Timestamp => $timestamp) : ());
			for my $line (@lines) {
				(my $l = $line) =~ s/\n\z//;
				$l =~ s/\r\z//;
				$dkim->PRINT("$l\r\n");
			}
			$dkim->CLOSE();
			$dkim->signature or die "no signature made\n";
			$dkim->signature->as_string;
		};
		if (!defined $sig) {
			print { $b->{unsigned} } "$base\t", clean($@), "\n";
			next;
		}
		# as_string folds with CRLF TAB (or bare LF); use the file's ending
		$sig =~ s/\r?\n/$eol/g;
		my $path = "$b->{dir}/$base";
		open(my $o, ">:raw", $path) or die "$path: $!\n";
		print $o $sig, $eol, $data;
		close($o) or die "$path: $!\n";
	}
}
for my $b (@batches) {
	close($b->{unsigned}) or die "$b->{dir}.unsigned: $!\n";
}

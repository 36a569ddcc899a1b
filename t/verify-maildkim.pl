#!/usr/bin/perl
# verify-maildkim.pl - verify every DKIM signature in files with Mail::DKIM.
#
#	verify-maildkim.pl --port PORT [--server 127.0.0.1] FILE...
#
# Keys come from the DNS server at SERVER:PORT (t/dnsserver.sh) through a
# Net::DNS::Resolver installed with Mail::DKIM::DNS::resolver(): no
# resolv.conf, nothing leaves the machine. One line per signature on
# stdout, tab-separated, as t/verify-dkimpy.py prints them:
#
#	FILE  INDEX  ALGORITHM  RESULT  DETAIL
#
# RESULT is Mail::DKIM's: pass, fail, invalid (e.g. "unsupported
# algorithm": Debian 12's Mail::DKIM 1.20230212 has no Ed25519), temperror,
# none. A file without a signature gives "FILE - - nosig -".
#
# Mail::DKIM wants what an SMTP server would hand it: CRLF line endings
# and a final CRLF. Each file is converted as dkimverify.pl, Mail::DKIM's
# own command-line verifier, converts its input: every line, the last one
# too, ends in CRLF (an LF file gets CRLF; a bare CR inside a line stays).
# RFC 6376 3.4.3 and 3.4.4 add a missing final CRLF to the body anyway, so
# this changes no correct signature's outcome; fed raw, Mail::DKIM
# 1.20230212's simple body hash would leave it out.
#
# Needs libmail-dkim-perl (and libnet-dns-perl, its dependency).
use strict;
use warnings;
use Getopt::Long;
use Mail::DKIM::DNS;
use Mail::DKIM::Verifier;
use Net::DNS::Resolver;

my ($port, $server) = (undef, "127.0.0.1");
GetOptions("port=i" => \$port, "server=s" => \$server)
    && defined $port && @ARGV
    or die "usage: $0 --port PORT [--server ADDR] FILE...\n";

Mail::DKIM::DNS::resolver(Net::DNS::Resolver->new(
	nameservers => [$server], port => $port, recurse => 0,
	udp_timeout => 5, tcp_timeout => 5, retry => 2, dnsrch => 0,
	defnames => 0));

sub clean {
	my $s = shift;
	return "-" unless defined $s && length $s;
	$s =~ s/[\t\r\n]+/ /g;
	return $s;
}

$| = 1;
for my $file (@ARGV) {
	open(my $fh, "<:raw", $file) or die "$file: $!\n";
	my $data = do { local $/; <$fh> };
	close($fh);
	# as dkimverify.pl: each line (the last one too, newline or not) loses
	# one CR before its LF and gets CRLF
	$data =~ s/\r?\n/\r\n/g;
	$data .= "\r\n" if length($data) && $data !~ /\r\n\z/;
	my $v = Mail::DKIM::Verifier->new();
	eval {
		$v->PRINT($data);
		$v->CLOSE();
		1;
	} or do {
		print "$file\t-\t-\terror\t", clean($@), "\n";
		next;
	};
	my @sigs = $v->signatures;
	if (!@sigs) {
		print "$file\t-\t-\tnosig\t-\n";
		next;
	}
	my $i = 0;
	for my $sig (@sigs) {
		# DomainKeys signatures would show up here too; we add none
		my $alg = eval { $sig->algorithm } // "?";
		printf "%s\t%d\t%s\t%s\t%s\n", $file, $i++, clean($alg),
		    clean($sig->result), clean($sig->result_detail);
	}
}

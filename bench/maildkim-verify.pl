#!/usr/bin/perl
# maildkim-verify.pl - Mail::DKIM's command-line verifier, asking the test
# DNS server, for bench/verify.sh.
#
#	maildkim-verify.pl PORT < message
#
# Does what /usr/bin/dkimproxy-verify (libmail-dkim-perl's dkimverify.pl)
# does: feed stdin to Mail::DKIM::Verifier line by line, each line ending
# in CRLF, and print each signature's result. The one difference: instead
# of enable_EDNS0 (a Net::DNS::Resolver with resolv.conf's servers and a
# 1240-byte UDP size), Mail::DKIM::DNS::resolver() gets a resolver that
# asks only 127.0.0.1 at PORT (t/dnsserver.sh's NSD), with the same UDP
# size and no search list. Net::DNS does not validate DNSSEC.
#
# Exit status 0 if there are signatures and every one says pass, else 1.
# Debian 12's Mail::DKIM 1.20230212 has no Ed25519: such a signature gets
# "invalid (unsupported algorithm ed25519)".
use strict;
use warnings;
use Mail::DKIM::DNS;
use Mail::DKIM::Verifier;
use Net::DNS::Resolver;

my $port = shift;
defined $port && $port =~ /^[0-9]+$/ && !@ARGV
    or die "usage: $0 PORT < message\n";

my $res = Net::DNS::Resolver->new(nameservers => ['127.0.0.1'],
    port => $port, dnsrch => 0, defnames => 0);
$res->udppacketsize(1280 - 40);
Mail::DKIM::DNS::resolver($res);

my $dkim = Mail::DKIM::Verifier->new();
while (<STDIN>) {
	chomp;
	s/\015$//;
	$dkim->PRINT("$_\015\012");
}
$dkim->CLOSE;

my ($n, $pass) = (0, 0);
foreach my $signature ($dkim->signatures) {
	$n++;
	$pass++ if $signature->result eq 'pass';
	print "signature identity: ", $signature->identity, "\n";
	print "verify result: ", $signature->result_detail, "\n";
}
exit($n && $n == $pass ? 0 : 1);

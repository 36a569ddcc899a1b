#!/usr/bin/perl
# smtp-copy.pl - copy messages as an SMTP hop would deliver them.
#
#	smtp-copy.pl DESTDIR FILE...
#
# Writes DESTDIR/BASENAME for each FILE: the same bytes, plus a line ending
# if the last line has none (CRLF when the first line ends in CRLF, else
# LF). SMTP carries lines (RFC 5321 2.3.8, 4.1.1.4), so the MTA that takes
# a filter's output adds exactly that before the message reaches anyone
# who verifies it. RFC 6376 3.4.3 and 3.4.4 add the CRLF too, but
# verifiers given the bare file disagree: dkimpy 1.1.4's relaxed body
# keeps the WSP at the end of a last line without CRLF (it strips WSP only
# before a CRLF), and Mail::DKIM 1.20230212's simple body hash leaves out
# the CRLF it should add (it hashes "hello" for a body "hello"). Given
# what the receiver gets, they agree.
use strict;
use warnings;
use File::Basename qw(basename);

my $dest = shift;
die "usage: $0 DESTDIR FILE...\n" unless defined $dest && -d $dest && @ARGV;
for my $file (@ARGV) {
	open(my $in, "<:raw", $file) or die "$file: $!\n";
	my $data = do { local $/; <$in> } // "";
	close($in);
	if (length($data) && substr($data, -1) ne "\n") {
		$data .= $data =~ /\A[^\n]*\r\n/ ? "\r\n" : "\n";
	}
	my $path = "$dest/" . basename($file);
	open(my $out, ">:raw", $path) or die "$path: $!\n";
	print $out $data;
	close($out) or die "$path: $!\n";
}

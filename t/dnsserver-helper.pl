# dnsserver-helper.pl - t/dnsserver.sh's companion process.
#
#	perl dnsserver-helper.pl PIDFILE NSDPIDFILE NSDCONF LIFETIME OWNER BH CLOSED
#
# A watchdog: it stops nsd (TERM to the pid in NSDPIDFILE, only if that
# process's command line names NSDCONF) when LIFETIME seconds have passed,
# or when the process OWNER (0: none) is gone, so that a test run killed
# before its cleanup leaves no server behind. It exits when nsd is gone.
#
# With BH > 0 it is also the black hole on 127.0.0.1:BH, a server that never
# answers (a UDP socket nobody reads and a TCP listener nobody accepts on),
# and it checks that 127.0.0.1:CLOSED is free so the "down" zone gets ICMP
# port unreachable. Binding fails with a message on stderr and exit 1; the
# caller then tries other ports.
#
# PIDFILE is written (atomically) once the sockets are bound.
use strict;
use warnings;
use Socket;

my ($pidfile, $nsdpidfile, $nsdconf, $lifetime, $owner, $bh, $closed) = @ARGV;
die "usage: $0 PIDFILE NSDPIDFILE NSDCONF LIFETIME OWNER BH CLOSED\n"
    unless defined $closed;

# a ^C at the terminal must not take the watchdog before the owner goes
$SIG{INT} = $SIG{HUP} = $SIG{QUIT} = 'IGNORE';

my $lo = inet_aton("127.0.0.1");
my @keep;			# the black hole's sockets live as long as we do
if ($bh > 0) {
	socket(my $u, PF_INET, SOCK_DGRAM, 0) or die "socket: $!\n";
	bind($u, pack_sockaddr_in($bh, $lo)) or die "udp 127.0.0.1:$bh: $!\n";
	socket(my $t, PF_INET, SOCK_STREAM, 0) or die "socket: $!\n";
	setsockopt($t, SOL_SOCKET, SO_REUSEADDR, 1);
	bind($t, pack_sockaddr_in($bh, $lo)) or die "tcp 127.0.0.1:$bh: $!\n";
	listen($t, 128) or die "listen: $!\n";
	push @keep, $u, $t;
	for my $type (SOCK_DGRAM, SOCK_STREAM) {
		socket(my $c, PF_INET, $type, 0) or die "socket: $!\n";
		bind($c, pack_sockaddr_in($closed, $lo))
		    or die "127.0.0.1:$closed is in use\n";
		close($c);
	}
}

open(my $p, ">", "$pidfile.tmp") or die "$pidfile.tmp: $!\n";
print $p "$$\n";
close($p) or die "$pidfile.tmp: $!\n";
rename("$pidfile.tmp", $pidfile) or die "$pidfile: $!\n";

# The pid in NSDPIDFILE if that process runs our configuration and is not
# a zombie (in a container, init may be slow to reap).
sub nsd_pid {
	open(my $f, "<", $nsdpidfile) or return 0;
	my $l = <$f>;
	return 0 unless defined $l && $l =~ /^(\d+)/;
	my $pid = $1;
	return 0 unless kill(0, $pid);
	if (open(my $s, "<", "/proc/$pid/stat")) {
		my $st = <$s> // "";
		return 0 if $st =~ /\) Z /;
	}
	if (open(my $c, "<", "/proc/$pid/cmdline")) {
		local $/;
		my $cmd = <$c> // "";
		return 0 if index($cmd, $nsdconf) < 0;
	}
	return $pid;
}

my $end = time + $lifetime;
my $startby = time + 60;	# nsd must appear by then, or nobody needs us
my $seen = 0;
while (1) {
	select(undef, undef, undef, 0.2);
	my $pid = nsd_pid();
	$seen ||= $pid;
	exit 0 if $seen && !$pid;		# stopped
	exit 0 if !$seen && time > $startby;	# never started
	my $why;
	$why = "lifetime of $lifetime s is over" if time > $end;
	$why = "owner process $owner is gone" if $owner > 0 && !kill(0, $owner);
	next unless defined $why;
	print STDERR "dnsserver-helper: $why: stopping nsd $pid\n";
	kill("TERM", $pid) if $pid;
	exit 0;
}

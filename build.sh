#!/bin/sh
# build.sh - build dkimpipe from a fresh clone on Debian 12.
#
#   sh build.sh demo    install build dependencies, build, sign a sample
#                       message with a demo keystore, show the result
#   sh build.sh check   install build and test dependencies, build, and
#                       run the whole test suite (what CI runs)
#   sh build.sh sanitize  the test suite again in a copy of the tree built
#                       with AddressSanitizer and UndefinedBehaviorSanitizer
#   sh build.sh valgrind  the unit and program tests in a copy of the tree,
#                       every program run under valgrind memcheck
#   sh build.sh deps    only install the dependencies
#
# Packages are installed with apt-get only when missing (root needed then).
set -eu
cd "$(dirname "$0")"

BUILD_DEPS="build-essential autoconf automake pkg-config libgnutls28-dev
libunbound-dev libevent-dev libpopt-dev libpsl-dev publicsuffix
libxml2-dev zlib1g-dev libzip-dev librnp-dev"
# the demo serves its DNS records on 127.0.0.1 (t/dnsserver.sh)
DEMO_DEPS="nsd ldnsutils perl"
TEST_DEPS="libxml2-utils mandoc python3 python3-dkim python3-dnspython python3-authres python3-yaml
libmail-dkim-perl libnet-dns-perl opendkim-tools nsd ldnsutils openssl clang
libclang-rt-14-dev valgrind libdb5.3 libicu72 libnsl2 libsasl2-2 libssl3
libnss-wrapper sasl2-bin libidn12 libgnutls-dane0 libpcre2-8-0 procmail maildrop
dns-root-data dpkg-dev debhelper adduser libopendmarc-dev gnupg sq"

missing()
{
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		    grep -q 'install ok installed' || echo "$p"
	done
}

install_deps()
{
	# shellcheck disable=SC2086
	need=$(missing $*)
	[ -z "$need" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "build.sh: missing packages (run as root to install):" $need >&2
		exit 1
	fi
	echo "build.sh: installing:" $need
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $need >/dev/null
	# Installing nsd starts the system's own NSD on port 53; the tests run
	# their own instance and need no system one.
	if command -v systemctl >/dev/null 2>&1; then
		systemctl disable --now nsd >/dev/null 2>&1 || true
	fi
}

# The MTA tests run Debian's Postfix and Exim unpacked, not installed
# (the two packages conflict): fetch them now, so make check needs no
# network.
fetch_mtas()
{
	sh t/mta-postfix-get.sh >/dev/null || :
	sh t/mta-exim-get.sh >/dev/null || :
	sh t/mta-exim-get.sh --heavy >/dev/null || :
}

# The install paths the README and the man pages name (/usr/bin,
# /etc/dkimpipe/keys), then CONFIGURE_FLAGS; a tree configured with other
# flags is configured again, so a change of flags always takes effect.
build()
{
	flags="--prefix=/usr --sysconfdir=/etc ${CONFIGURE_FLAGS:-}"
	[ -x configure ] || autoreconf -fi
	# shellcheck disable=SC2086,SC2046
	if [ ! -f Makefile ] || [ "$(echo $flags)" != "$(echo $(
	    ./config.status --config 2>/dev/null | tr -d "'"))" ]; then
		# shellcheck disable=SC2086
		./configure $flags
	fi
	make -j"$(nproc 2>/dev/null || echo 2)"
}

# The demo's files stay in demo/ (made anew each run), so that every
# command it prints can be run again by hand.
demo()
{
	d=demo
	rm -rf "$d"
	mkdir -p "$d"
	ks=$d/keys
	echo
	echo "== A demo keystore for example.org (RSA-2048 and Ed25519):"
	echo "   ./dkimpipe-keys --keystore $ks new --domain example.org"
	./dkimpipe-keys --keystore "$ks" new --domain example.org \
	    >"$d/records"
	./dkimpipe-keys --keystore "$ks" list
	cat >"$d/msg.eml" <<'MSG'
From: Alice Example <alice@example.org>
To: Bob <bob@example.net>
Subject: Lunch on Friday?
Date: Mon, 23 Nov 2026 12:00:00 +0000
Message-ID: <demo.1@example.org>

Hi Bob,

the usual place at noon?

Alice
MSG
	echo
	echo "== The message signed:"
	echo "   ./dkimpipe-sign --keystore $ks <$d/msg.eml >$d/signed.eml"
	./dkimpipe-sign --keystore "$ks" <"$d/msg.eml" >"$d/signed.eml"
	sed -n '/^$/q;p' "$d/signed.eml"
	echo
	echo "   h= names each signed field, and names From, To, Subject and a few"
	echo "   more once again: that \"oversigning\" makes a second copy of such a"
	echo "   field, added on the way, break the signature."
	echo
	echo "== The DNS records to publish:"
	echo "   ./dkimpipe-keys --keystore $ks dns --domain example.org"
	./dkimpipe-keys --keystore "$ks" dns --domain example.org
	echo
	echo "== Checked by dkimpipe-verify, against those records served by a"
	echo "   DNS server on 127.0.0.1 (t/dnsserver.sh; the zone is not signed,"
	echo "   so the keys are DNSSEC insecure; in a signed zone they are secure):"
	if DNSSERVER_OWNER=$$ sh t/dnsserver.sh start "$d/dns" "$d/records" \
	    >"$d/dns.log" 2>&1; then
		. "$d/dns/vars"
		echo "   ./dkimpipe-verify --resolver-conf $UNBOUND_CONF \\"
		echo "       --authserv-id mx.example.net <$d/signed.eml"
		./dkimpipe-verify --resolver-conf "$UNBOUND_CONF" \
		    --authserv-id mx.example.net <"$d/signed.eml" |
		    sed -n '1,/^[^ \t]/{/^Authentication-Results:/p;/^[ \t]/p;}'
		sh t/dnsserver.sh stop "$d/dns" >/dev/null 2>&1
		echo "   (the server is stopped now; to run this again, start it"
		echo "   first: sh t/dnsserver.sh start $d/dns $d/records)"
	else
		echo "   (the DNS server did not start: see $d/dns.log)"
	fi
	if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import dkim' 2>/dev/null; then
		echo
		echo "== Checked with dkimpy against the same records:"
		./dkimpipe-keys --keystore "$ks" dns --domain example.org \
		    --format single >"$d/records.single"
		/usr/bin/python3 - "$d/records.single" "$d/signed.eml" <<'PY'
import sys, dkim
recs = {}
for line in open(sys.argv[1]):
    name, _, value = line.rstrip("\n").split("\t", 2)
    recs[name.lower()] = value.encode()
msg = open(sys.argv[2], "rb").read()
def dns(name, timeout=5):
    return recs.get(name.decode().rstrip(".").lower())
d = dkim.DKIM(msg)
for i in range(2):
    print("   signature %d:" % (i + 1), "pass" if d.verify(idx=i, dnsfunc=dns) else "FAIL")
PY
	fi
	echo
	echo "The demo's files are in $d/; the build's output is in build.log."
}

# A copy of the source tree (what git tracks, as it is now) in $1.
copy_tree()
{
	mkdir -p "$1"
	git ls-files -z | xargs -0 tar -cf - | tar -xf - -C "$1"
}

sanitize()
{
	dir=${SANITIZE_DIR:-$(pwd)/build-sanitize}
	rm -rf "$dir"
	copy_tree "$dir"
	cd "$dir"
	autoreconf -fi
	san="-fsanitize=address,undefined"
	cc -c -o asan-options.o t/asan-options.c
	./configure CFLAGS="-O1 -g $san -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	    LDFLAGS="$san" LIBS="$dir/asan-options.o"
	make -j"$(nproc 2>/dev/null || echo 2)"
	# the sanitizers slow every program down: the tests' time budgets
	# scale with DKIMPIPE_TEST_SLOW (t/lib.sh)
	DKIMPIPE_TEST_SLOW=${DKIMPIPE_TEST_SLOW:-5} \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 make check
}

valgrind_check()
{
	dir=${VALGRIND_DIR:-$(pwd)/build-valgrind}
	rm -rf "$dir"
	copy_tree "$dir"
	cd "$dir"
	autoreconf -fi
	./configure CFLAGS="-O1 -g"
	make -j"$(nproc 2>/dev/null || echo 2)"
	make -j2 check TESTS= >/dev/null	# build the C tests
	# every program, and every C test, behind a wrapper that runs it
	# under memcheck and fails on any error or definite leak
	mkdir -p .real/t
	for p in dkimpipe-sign dkimpipe-keys dkimpipe-verify dkimpipe-seal \
	    dkimpipe-report dkimpipe-encrypt \
	    t/*-t t/spf-eval t/dmarc-eval; do
		[ -x "$p" ] || continue
		mv "$p" ".real/$p"
		cat >"$p" <<WRAP
#!/bin/sh
exec valgrind -q --error-exitcode=99 --leak-check=full \
    --errors-for-leak-kinds=definite --show-leak-kinds=definite \
    --suppressions="$dir/t/valgrind.supp" "$dir/.real/$p" "\$@"
WRAP
		chmod +x "$p"
		touch -r ".real/$p" "$p"
	done
	# the interop and load tests run hundreds of processes: not here;
	# nor t/report-send.sh (4 minutes under memcheck, clean when last
	# run so; the sanitizer build runs it), to keep CI inside its time.
	# memcheck runs a program 20 to 50 times slower: the tests' time
	# budgets scale with DKIMPIPE_TEST_SLOW (t/lib.sh); the property
	# test's 400 cases run in the other builds, 100 are enough here
	DKIMPIPE_TEST_SLOW=${DKIMPIPE_TEST_SLOW:-10} \
	AUTHRES_CASES=${AUTHRES_CASES:-100} \
	make check TESTS="t/buf-t t/canon-t t/tagval-t t/addr-t t/dkim-t \
	    t/rfc8463-t t/message-t t/dns-t t/spf-t t/dmarc-t t/sign-basic.sh \
	    t/sign-badinput.sh t/sign-authz.sh t/keys-basic.sh t/keys-perms.sh \
	    t/verify-dns.sh t/faults.sh t/seal-basic.sh t/arc-suite.sh \
	    t/dmarc-dns.sh t/verify-policy.sh t/authres-t t/verify-hostile.sh \
	    t/author-hostile.sh t/keys-hostile.sh t/config-exit.sh \
	    t/authres-property.sh t/openpgpkey-t t/pgpmime-t t/keys-openpgp.sh \
	    t/report-t t/report-read.sh t/report-summary.sh \
	    t/spool-t t/report-spool.sh \
	    t/encrypt-basic.sh t/encrypt-faults.sh"
}

case "${1:-}" in
deps)	install_deps $BUILD_DEPS $TEST_DEPS ;;
demo)	install_deps $BUILD_DEPS $DEMO_DEPS
	if ! build >build.log 2>&1; then
		tail -20 build.log
		echo "build.sh: the build failed; its output is in build.log" >&2
		exit 1
	fi
	demo ;;
check)	install_deps $BUILD_DEPS $TEST_DEPS; fetch_mtas; build; make check ;;
sanitize) install_deps $BUILD_DEPS $TEST_DEPS; sanitize ;;
valgrind) install_deps $BUILD_DEPS $TEST_DEPS valgrind; valgrind_check ;;
*)	echo "usage: sh build.sh demo|check|sanitize|valgrind|deps" >&2; exit 64 ;;
esac

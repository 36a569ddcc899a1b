#!/bin/sh
# pkg-deb - build the Debian package with packaging/build-deb.sh, install
# it with dpkg -i, check its files, modes and user, sign and verify a
# message with the installed programs as the user dkimpipe, then purge it.
#
# Runs only with DKIMPIPE_TEST_DEB=1, as root, on Debian: it takes a
# minute or more, and installs a package and a system user on the
# machine. It refuses to run where dkimpipe is already installed or
# /etc/dkimpipe exists, and leaves the machine as it found it (it removes
# the user dkimpipe, /etc/dkimpipe and its keys when it created them).
# Needs dpkg-dev, debhelper and the package's Build-Depends; nsd and
# ldnsutils for the DNS part, as the other tests.
. "$(dirname "$0")/lib.sh"

[ "${DKIMPIPE_TEST_DEB:-0}" = 1 ] ||
    skip_all "builds, installs and purges the .deb: set DKIMPIPE_TEST_DEB=1 (root, Debian, slow)"
[ "$(id -u)" = 0 ] || skip_all "DKIMPIPE_TEST_DEB=1 but not root: dpkg -i needs root"
for p in dpkg-buildpackage dh dpkg-checkbuilddeps runuser; do
	t_which $p >/dev/null ||
	    bail_out "DKIMPIPE_TEST_DEB=1 but $p is missing (apt-get install dpkg-dev debhelper)"
done
missing=$(dpkg-checkbuilddeps "$top_srcdir/packaging/debian/control" 2>&1) ||
    bail_out "build dependencies missing: $missing"
if dpkg-query -W -f='${Status}' dkimpipe 2>/dev/null | grep -q 'installed'; then
	bail_out "dkimpipe is installed on this machine; this test installs and purges its own build (dpkg --purge dkimpipe first)"
fi
[ ! -e /etc/dkimpipe ] ||
    bail_out "/etc/dkimpipe exists; this test would mix its keys with those there"

mktmpdir tmp
chmod 755 "$tmp"		# the user dkimpipe reads the resolver files
user_existed=0
getent passwd dkimpipe >/dev/null && user_existed=1
# Newest first: purge, then /etc/dkimpipe, then the user.
[ $user_existed = 1 ] ||
    at_exit "if getent passwd dkimpipe >/dev/null; then deluser --system --quiet dkimpipe >/dev/null 2>&1 || userdel dkimpipe; fi; if getent group dkimpipe >/dev/null; then delgroup --system --quiet dkimpipe >/dev/null 2>&1 || groupdel dkimpipe; fi"
at_exit "rm -rf /etc/dkimpipe"
at_exit "dpkg-statoverride --remove /etc/dkimpipe/keys >/dev/null 2>&1 || :"
at_exit "dpkg --purge dkimpipe >/dev/null 2>&1 || :"

# --------------------------------------------------------------- build --

run sh "$top_srcdir/packaging/build-deb.sh" "$tmp/out"
is "$status" 0 "packaging/build-deb.sh builds the package" ||
    { diag_file "$err_file" 60; bail_out "no package"; }
deb=$(grep '/dkimpipe_[^/]*\.deb$' "$out_file")
check "the .deb is in the output directory" test -f "$deb"
[ -f "$deb" ] || bail_out "no .deb"
diag "built $deb"
like "$(grep -E '^# (PASS|FAIL|ERROR):' "$tmp/out/dkimpipe-build.log" | tr '\n' ' ')" \
    'PASS: +[1-9][0-9]* # FAIL: +0 # ERROR: +0' "the tests in the package build passed"
version=$(sed -n 's/^AC_INIT(\[dkimpipe\], *\[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
like "$(dpkg-deb -f "$deb" Version)" "^$version-" "its version is configure.ac's, $version"
depends=$(dpkg-deb -f "$deb" Depends)
like "$depends" '(^|, )dns-root-data(,|$)' "Depends: dns-root-data (the root trust anchor)"
like "$depends" '(^|, )adduser(,|$)' "Depends: adduser (postinst)"
like "$depends" 'libunbound8' "Depends: libunbound8, from shlibs"
dpkg-deb -c "$deb" | awk '{ print $1, $2, $6 }' >"$tmp/contents"
for f in usr/bin/dkimpipe-sign usr/bin/dkimpipe-verify usr/bin/dkimpipe-keys \
    usr/bin/dkimpipe-seal; do
	check "$f, mode 0755 root" grep -qx -- "-rwxr-xr-x root/root ./$f" "$tmp/contents"
done
for f in man1/dkimpipe-sign.1 man1/dkimpipe-verify.1 man1/dkimpipe-keys.1 \
    man1/dkimpipe-seal.1 \
    man5/dkimpipe-keystore.5; do
	check "man page $f" grep -q -- " ./usr/share/man/$f.gz$" "$tmp/contents"
done
check "examples" grep -q -- ' ./usr/share/doc/dkimpipe/examples/procmailrc$' "$tmp/contents"
is "$(dpkg-deb -I "$deb" conffiles)" /etc/dkimpipe/dkimpipe.conf \
    "/etc/dkimpipe/dkimpipe.conf is the one conffile"

# ------------------------------------------------------------- install --

run dpkg -i "$deb"
is "$status" 0 "dpkg -i installs it" || { diag_file "$out_file"; diag_file "$err_file"; }
dpkg-query -W -f='${Status}' dkimpipe >"$tmp/st" 2>&1
is "$(cat "$tmp/st")" "install ok installed" "dpkg says installed"
uid=$(id -u dkimpipe 2>/dev/null)
check "the user dkimpipe exists" test -n "$uid"
check "a system user (uid $uid < 1000)" test "${uid:-1000}" -lt 1000
is "$(id -gn dkimpipe 2>/dev/null)" dkimpipe "in its own group dkimpipe"
is "$(getent passwd dkimpipe | cut -d: -f7)" /usr/sbin/nologin "with no login shell"
is "$(stat -c '%U %G %a' /etc/dkimpipe/keys 2>&1)" "dkimpipe dkimpipe 750" \
    "/etc/dkimpipe/keys: dkimpipe:dkimpipe 0750"
like "$(dpkg-statoverride --list /etc/dkimpipe/keys)" \
    '^dkimpipe dkimpipe 0?750 /etc/dkimpipe/keys$' "through dpkg-statoverride"
is "$(stat -c '%U %G %a' /etc/dkimpipe/dkimpipe.conf 2>&1)" "root root 644" \
    "/etc/dkimpipe/dkimpipe.conf: root, 0644"
like "$(/usr/bin/dkimpipe-sign --version 2>&1)" "$version" "/usr/bin/dkimpipe-sign --version: $version"
run dpkg -i "$deb"
is "$status" 0 "installing it again works (postinst runs twice)"
is "$(stat -c '%U %G %a' /etc/dkimpipe/keys 2>&1)" "dkimpipe dkimpipe 750" \
    "and the keystore keeps its owner"

# ------------------------------------------- sign and verify, installed --

# As the README says: the keys are made by the user that will use them,
# in the default keystore; the filters read the packaged dkimpipe.conf.
as_dkimpipe()
{
	runuser -u dkimpipe -- "$@"
}
run as_dkimpipe /usr/bin/dkimpipe-keys new --domain good.test
is "$status" 0 "dkimpipe-keys new, as dkimpipe, in /etc/dkimpipe/keys" || diag_file "$err_file"
cp "$out_file" "$tmp/records"
keyfile=$(find /etc/dkimpipe/keys -name '*.pem' -type f | head -n 1)
is "$(stat -c '%U %a' "$keyfile" 2>&1)" "dkimpipe 600" "the private key is dkimpipe's, 0600"
run as_dkimpipe /usr/bin/dkimpipe-keys dns --domain good.test
is "$status" 0 "dkimpipe-keys dns"
chmod 644 "$tmp/records"

printf 'From: Alice <alice@good.test>\nTo: bob@example.net\nSubject: installed\nDate: Mon, 23 Nov 2026 10:00:00 +0000\n\nHello Bob,\n\nfrom the package.\n' >"$tmp/msg.eml"
as_dkimpipe /usr/bin/dkimpipe-sign <"$tmp/msg.eml" >"$tmp/signed.eml" 2>"$tmp/sign.err"
is "$?" 0 "/usr/bin/dkimpipe-sign, as dkimpipe, with the packaged configuration"
is "$(grep -c '^DKIM-Signature:' "$tmp/signed.eml")" 2 "two signatures (RSA and Ed25519)"
sed 's/^from the package/from elsewhere/' "$tmp/signed.eml" >"$tmp/tampered.eml"

if t_which nsd >/dev/null && t_which ldns-signzone >/dev/null; then
	sh "$top_srcdir/t/dnsserver.sh" start "$tmp/dns" "$tmp/records" --dnssec \
	    >/dev/null 2>"$tmp/dns.err" ||
	    { diag_file "$tmp/dns.err"; bail_out "the test DNS server did not start"; }
	at_exit "sh '$top_srcdir/t/dnsserver.sh' stop '$tmp/dns' >/dev/null 2>&1"
	. "$tmp/dns/vars"
	chmod -R a+rX "$tmp/dns"
	run as_dkimpipe /usr/bin/dkimpipe-verify --resolver-conf "$UNBOUND_CONF" \
	    --authserv-id mx.test <"$tmp/signed.eml"
	is "$status" 0 "/usr/bin/dkimpipe-verify, as dkimpipe" || diag_file "$err_file"
	like "$(head -n 1 "$out_file")" '^Authentication-Results: mx\.test;$' "our field on top"
	is "$(grep -c '	dkim=pass (.*DNSSEC secure)' "$out_file")" 2 \
	    "dkim=pass, DNSSEC secure, twice"
	run as_dkimpipe /usr/bin/dkimpipe-verify --resolver-conf "$UNBOUND_CONF" \
	    --authserv-id mx.test <"$tmp/tampered.eml"
	is "$(grep -c '	dkim=fail (' "$out_file")" 2 "a changed body: dkim=fail, twice"
	# The default trust anchor, dns-root-data's, loads (a missing one
	# gives temperror), beside the test zone's own.
	run as_dkimpipe /usr/bin/dkimpipe-verify --resolver-conf "$UNBOUND_CONF" \
	    --trust-anchor /usr/share/dns/root.key --authserv-id mx.test <"$tmp/signed.eml"
	is "$(grep -c '	dkim=pass (' "$out_file")" 2 \
	    "with dns-root-data's /usr/share/dns/root.key loaded too: pass"
else
	skip "nsd and ldnsutils are needed for the DNS test zone" 5
fi

# --------------------------------------------------------------- purge --

run dpkg --purge dkimpipe
is "$status" 0 "dpkg --purge" || { diag_file "$out_file"; diag_file "$err_file"; }
check "the programs are gone" test ! -e /usr/bin/dkimpipe-sign
check "the conffile is gone" test ! -e /etc/dkimpipe/dkimpipe.conf
is "$(dpkg-statoverride --list /etc/dkimpipe/keys)" "" "the statoverride is gone"
check "the keys stay (their public halves are in DNS)" test -f "$keyfile"
check "the user dkimpipe stays (it may own files)" getent passwd dkimpipe

done_testing

#!/bin/sh
# man-lint - every man page is mandoc-clean, and every option a program
# accepts is documented in its page.
. "$(dirname "$0")/lib.sh"

mandoc=$(command -v "${MANDOC:-mandoc}" 2>/dev/null) || mandoc=/usr/bin/mandoc
[ -x "$mandoc" ] || bail_out "mandoc is required (apt-get install mandoc)"
for page in "$top_srcdir"/man/*.[158]; do
	run "$mandoc" -Tlint -W warning "$page"
	is "$status$out$err" 0 "$(basename "$page"): mandoc -Tlint is clean"
done
for prog in dkimpipe-sign dkimpipe-keys dkimpipe-verify dkimpipe-seal \
    dkimpipe-report dkimpipe-encrypt; do
	page=$top_srcdir/man/$prog.1
	opts=$("$top_builddir/$prog" --help | grep -o -- '--[a-z][a-z-]*' | sort -u |
	    grep -v -e '--help' -e '--usage')
	for o in $opts; do
		name=${o#--}
		# "Fl -name" or "Fl \-name", as an item or in the text
		check "$prog: $o is in $prog.1" \
		    sh -c "sed 's/\\\\-/-/g' '$page' | grep -Eq 'Fl -$name( |\$)'"
	done
done
check "dkimpipe-sign.1 says why there is no l=" grep -q 'l=' "$top_srcdir/man/dkimpipe-sign.1"
check "the keystore format has its own page" test -f "$top_srcdir/man/dkimpipe-keystore.5"
done_testing

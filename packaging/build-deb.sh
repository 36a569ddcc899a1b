#!/bin/sh
# build-deb.sh - build the Debian binary package from this source tree.
#
#	sh packaging/build-deb.sh OUTDIR
#
# dpkg-buildpackage wants debian/ at the top of the source tree, and this
# tree keeps it in packaging/debian/. So: copy the tree into a temporary
# directory as dkimpipe-VERSION/ (in a git checkout, the files git knows
# or would add: tracked and untracked, not ignored, so the build outputs
# of an in-tree build stay behind; elsewhere, everything but .git), put
# packaging/debian there as debian/, run "dpkg-buildpackage -us -uc -b",
# and copy the .deb, .buildinfo and .changes files to OUTDIR. The build
# log is OUTDIR/dkimpipe-build.log. Prints the path of the .deb.
#
# Needs dpkg-dev, debhelper and the Build-Depends of
# packaging/debian/control (dpkg-checkbuilddeps names what is missing).
# Runs as any user: the package needs no root to build. The version in
# packaging/debian/changelog must match AC_INIT in configure.ac.
#
# Environment: DEB_BUILD_OPTIONS as usual (nocheck skips the tests);
# parallel=N is added when it has none.
set -eu

me=build-deb.sh
die()
{
	echo "$me: $*" >&2
	exit 1
}

[ $# = 1 ] || { echo "usage: sh packaging/build-deb.sh OUTDIR" >&2; exit 64; }
top=$(cd "$(dirname "$0")/.." && pwd -P)
mkdir -p "$1"
out=$(cd "$1" && pwd -P)
for p in dpkg-buildpackage dpkg-parsechangelog dh; do
	command -v $p >/dev/null 2>&1 ||
	    die "$p not found (apt-get install dpkg-dev debhelper)"
done

version=$(sed -n 's/^AC_INIT(\[dkimpipe\], *\[\([^]]*\)\].*/\1/p' "$top/configure.ac")
[ -n "$version" ] || die "no version in $top/configure.ac"
debversion=$(dpkg-parsechangelog -l "$top/packaging/debian/changelog" -S Version)
[ "${debversion%-*}" = "$version" ] ||
    die "packaging/debian/changelog is at $debversion but configure.ac at $version: add an entry (dch -c packaging/debian/changelog -v $version-1)"

work=$(mktemp -d "${TMPDIR:-/tmp}/dkimpipe-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
src=$work/dkimpipe-$version
mkdir "$src"

# The files git knows or would add, listed first so that a git failure is
# seen; safe.directory lets another user than the tree's owner list them.
if [ -e "$top/.git" ] && command -v git >/dev/null 2>&1 &&
    git -C "$top" -c safe.directory="$top" ls-files -z --cached --others \
	--exclude-standard >"$work/files"; then
	# tracked files deleted in the work tree are skipped, not an error
	tar -C "$top" --null -T "$work/files" --ignore-failed-read -cf - 2>/dev/null |
	    tar -xf - -C "$src"
else
	[ ! -e "$top/.git" ] || echo "$me: git cannot list the files: copying the whole tree" >&2
	(cd "$top" && tar --exclude=./.git -cf - .) | tar -xf - -C "$src"
fi
[ -f "$src/configure.ac" ] || die "copying the tree to $src failed"
chmod -R u+w "$src"	# a read-only tree, as in make distcheck
rm -rf "$src/debian"
cp -R "$top/packaging/debian" "$src/debian"

case " ${DEB_BUILD_OPTIONS:-} " in
*" parallel="*) ;;
*)	DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:+$DEB_BUILD_OPTIONS }parallel=$(nproc 2>/dev/null || echo 1)" ;;
esac
export DEB_BUILD_OPTIONS

# Run from make (t/pkg-deb.sh under "make check"), the caller's MAKEFLAGS
# would reach the package's own make: its command-line variables (a TESTS
# list) and jobserver. And the package's tests must not build a package.
unset MAKEFLAGS MFLAGS MAKELEVEL DKIMPIPE_TEST_DEB

log=$out/dkimpipe-build.log
echo "$me: building dkimpipe $debversion in $src (log: $log)" >&2
if ! (cd "$src" && dpkg-buildpackage -us -uc -b) >"$log" 2>&1; then
	tail -n 40 "$log" >&2
	die "dpkg-buildpackage failed; the whole log is $log"
fi

found=0
for f in "$work"/*.deb "$work"/*.buildinfo "$work"/*.changes; do
	[ -e "$f" ] || continue
	cp "$f" "$out/"
	found=1
done
[ $found = 1 ] || die "dpkg-buildpackage made no package"
for f in "$work"/*.deb; do
	echo "$out/$(basename "$f")"
done

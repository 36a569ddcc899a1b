#!/bin/sh
# keys-hostile - the keystore and the authorization map under hostile
# values: dkimpipe-keys writes only what it reads back (every value is
# checked before anything is written, and a refused command leaves the
# keystore byte for byte as it was); the filters and dkimpipe-keys refuse
# a hand-made line that the writers would refuse; authz postfix never
# grants what the map does not; a FIFO never blocks a program; a
# keystore that others may write is refused like a readable key.
. "$(dirname "$0")/lib.sh"

sign=$(t_prog dkimpipe-sign)
keys=$(t_prog dkimpipe-keys)
verify=$(t_prog dkimpipe-verify)
seal=$(t_prog dkimpipe-seal)
t_which timeout >/dev/null || skip_all "timeout(1) not installed"
t_which mkfifo >/dev/null || skip_all "mkfifo(1) not installed"
mktmpdir tmp
ks=$tmp/ks
"$keys" --keystore "$ks" new --domain good.test --algorithm ed25519 \
    --selector s1 >/dev/null &&
    "$keys" --keystore "$ks" authz add alice alice@good.test >/dev/null ||
    bail_out "cannot make a keystore"
printf 'From: Alice <alice@good.test>\nSubject: x\n\nbody\n' >"$tmp/alice.eml"
printf 'From: Bob <bob@good.test>\nSubject: x\n\nbody\n' >"$tmp/bob.eml"
printf 'From: x@evil.test\nSubject: x\n\nbody\n' >"$tmp/evil.eml"
nl='
'
tab=$(printf '\t')
cr=$(printf '\r')
long4100=$(awk 'BEGIN { while (n++ < 4100) printf "a" }')
long321=$(awk 'BEGIN { while (n++ < 321) printf "a" }')
local65=$(awk 'BEGIN { while (n++ < 65) printf "a" }')

# shown VALUE: a value fit for a test name (echo must not meet a
# backslash, nor a newline end the name): 40 characters, others as '?'.
shown()
{
	printf '%s' "$1" | tr -c 'A-Za-z0-9@.#,;:_ =+-' '?' | cut -c1-40
}

# The whole keystore as bytes, modes and times: a rewrite shows.
snap()
{
	tar --sort=name --numeric-owner -C "$ks" -cf - . | sha256sum
}

# refused CODE NAME CMD...: CMD exits CODE and changes nothing.
refused()
{
	_code=$1
	_name=$2
	shift 2
	_before=$(snap)
	run "$@"
	is "$status" "$_code" "$_name: exit $_code"
	is "$(snap)" "$_before" "$_name: the keystore is as it was"
}

# readable NAME: both readers still take the keystore.
readable()
{
	run "$keys" --keystore "$ks" authz list
	is "$status" 0 "$1: dkimpipe-keys still reads the keystore"
	run "$sign" --keystore "$ks" --auth-user alice <"$tmp/alice.eml"
	is "$status" 0 "$1: dkimpipe-sign still signs"
}

# ----------------------------------------- class 7: authz add patterns --
refused 64 "a pattern with a newline and a second grant" \
    "$keys" --keystore "$ks" authz add eve "x@evil.test${nl}bob @good.test"
like "$err" 'authz add: .*want local@domain' "the message says what a pattern is"
run "$keys" --keystore "$ks" authz check eve bob@good.test
is "$status" 77 "eve was not granted bob"
for p in "x@evil.test${cr}bob@good.test" "x@evil.test${tab}bob@good.test" \
    "bob @good.test" "a,b@good.test" "#@good.test" "a#b@good.test" \
    "a@b@good.test" "@@good.test" "@" "good.test" "a@" "@good.test." \
    "a..b@good.test" ".a@good.test" "a.@good.test" '"a b"@good.test' \
    '"a"@good.test' "a(b)@good.test" "a<b>@good.test" "a;b@good.test" \
    "${local65}@good.test" "a@${long321}.test" "a@good..test" \
    "$(printf 'a\001b@good.test')" "$(printf 'a\177@good.test')" \
    "$(printf 'caf\303\251@good.test')"; do
	shown=$(shown "$p")
	refused 64 "pattern [$shown]" "$keys" --keystore "$ks" authz add eve "$p"
done
refused 64 "authz add gina '#@good.test' (it would read back as a comment)" \
    "$keys" --keystore "$ks" authz add gina '#@good.test'
refused 64 "a quoted local part with a space" \
    "$keys" --keystore "$ks" authz add gina '"gina x"@good.test'
refused 64 "one bad pattern among good ones: none is added" \
    "$keys" --keystore "$ks" authz add alice ok@good.test "x y@good.test"
run "$keys" --keystore "$ks" authz list
unlike "$out" 'ok@good\.test' "the good pattern was not added either"

# ---------------------------------------- class 7, 8: authz user names --
for u in "mallory,bob" "mallory bob" "mallory${tab}bob" "mallory${nl}bob" \
    "mallory${cr}" "#gina" "gina#x" "" "$long4100" "$long321" "a;b" \
    "a:b" "a/b" "a\\b" "a'b" "$(printf 'a\001')" "$(printf 'a\177')" \
    "$(printf 'j\303\266rg')"; do
	shown=$(shown "$u")
	refused 64 "user name [$shown]" \
	    "$keys" --keystore "$ks" authz add "$u" @good.test
done
run "$keys" --keystore "$ks" authz add "$long4100" @good.test
like "$err" 'not a user name \(want 1 to 320 letters' \
    "a 4,100-character user name: the message says what a name is"
check "and the message line stays short" test "${#err}" -lt 300
readable "after every refused authz add"

# ----------------------------- class 8: what is written is read back --
for u in "alice.smith" "a_b-c" "carol@good.test" "dave+x=y%z" \
    "$(awk 'BEGIN { while (n++ < 320) printf "u" }')"; do
	run "$keys" --keystore "$ks" authz add "$u" "o'neil+x@good.test" \
	    "{a}|b~c!d@good.test" @sub.good.test
	is "$status" 0 "user $(printf '%.12s' "$u"): valid values are added"
done
readable "after the valid additions"
run "$keys" --keystore "$ks" authz check carol@good.test "o'neil+x@good.test"
is "$status" 0 "and they grant what they say"

# ---------------------------------------------- class 8: new --user --
refused 64 "new --user with a newline (it would break selectors)" \
    "$keys" --keystore "$ks" new -d good.test -a ed25519 -u "a${nl}b"
like "$err" 'new: --user .*not a user name' "the message names --user"
for u in "a b" "a${tab}b" "a,b" "#a" "$long4100" "a${cr}"; do
	shown=$(shown "$u")
	refused 64 "new --user [$shown]" \
	    "$keys" --keystore "$ks" new -d good.test -a ed25519 -u "$u"
done
for id in "x=y@good.test" "x@evil.test" "x@good.test${nl}y" "x y@good.test" \
    "#x@good.test" "x@@good.test" "nodomain"; do
	shown=$(shown "$id")
	refused 64 "new --identity [$shown]" \
	    "$keys" --keystore "$ks" new -d good.test -a ed25519 -u erin -i "$id"
done
refused 64 "import with a bad --user" \
    "$keys" --keystore "$ks" import -d good.test -s imp -u "a,b" \
    "$ks/keys/good.test/s1.pem"
refused 64 "new --identity without --user" \
    "$keys" --keystore "$ks" new -d good.test -a ed25519 -i x@good.test
refused 64 "rotate --user with a newline" \
    "$keys" --keystore "$ks" rotate -d good.test -u "alice${nl}x"
readable "after every refused new"
long200=$(awk 'BEGIN { while (n++ < 200) printf "l" }')
run "$keys" --keystore "$ks" new -d good.test -a ed25519 -u "$long200" \
    -i long@good.test
is "$status" 0 "a 200-character user name gets a key (its selector is cut short)"
"$keys" --keystore "$ks" authz add "$long200" bob@good.test >/dev/null
run "$sign" --keystore "$ks" --auth-user "$long200" <"$tmp/bob.eml"
is "$status" 0 "and signs with it"
like "$out" 's=l{48}-[0-9]{6}e;' "under a selector of at most 63 characters"
run "$keys" --keystore "$ks" new -d good.test -a ed25519 -u frank.x@good.test
is "$status" 0 "a user name that is an address gets a key"
"$keys" --keystore "$ks" authz add frank.x@good.test @good.test >/dev/null
run "$sign" --keystore "$ks" --auth-user frank.x@good.test <"$tmp/bob.eml"
is "$status" 0 "and signs with it"
like "$out" 'i=frank\.x@good\.test;' "with its identity"

# a fresh keystore directory is not even made for a refused command
refused 64 "new on a fresh keystore with a bad domain" \
    "$keys" --keystore "$tmp/fresh" new -d '../etc'
check "the fresh keystore directory was not made" test ! -e "$tmp/fresh"
run "$keys" --keystore "$tmp/fresh" new -d good.test -a ed25519 -u "a${nl}b"
is "$status" 64 "new on a fresh keystore with a bad user: EX_USAGE"
check "and the directory was not made" test ! -e "$tmp/fresh"
printf 'not a key\n' >"$tmp/notakey"
run "$keys" --keystore "$tmp/fresh" import -d good.test -s s1 "$tmp/notakey"
is "$status" 65 "import of a file that is no key: EX_DATAERR"
check "and the directory was not made" test ! -e "$tmp/fresh"

# ------------------------------- class 7, 8: hand-made lines are refused --
# (the readers use the writers' validators: a line the writer would
# refuse is a broken keystore, 75 for the filter, 78 for dkimpipe-keys)
cp "$ks/authz" "$tmp/authz.good"
cp "$ks/selectors" "$tmp/selectors.good"
bad_table()	# bad_table FILE NAME LINE
{
	cp "$tmp/$1.good" "$ks/$1"
	printf '%s\n' "$3" >>"$ks/$1"
	run "$sign" --keystore "$ks" --auth-user alice <"$tmp/alice.eml"
	is "$status" 75 "$2: dkimpipe-sign defers"
	like "$err" "keystore .*: $1 line [0-9]+: " "$2: naming the file and line"
	run "$keys" --keystore "$ks" authz list
	is "$status" 78 "$2: dkimpipe-keys says the keystore is broken"
	cp "$tmp/$1.good" "$ks/$1"
}
bad_table authz "a user name with a comma" "mallory,bob${tab}@good.test"
bad_table authz "a user name with a CR" "mallory${cr}x${tab}@good.test"
bad_table authz "a pattern with two @" "eve${tab}a@b@good.test"
bad_table authz "a pattern @@domain" "eve${tab}@@good.test"
bad_table authz "a quoted local part" "eve${tab}\"a\"@good.test"
bad_table authz "a 4,100-character user" "${long4100}"
bad_table selectors "a user with a comma" \
    "good.test${tab}u1${tab}ed25519${tab}active${tab}a,b${tab}a@good.test"
bad_table selectors "an identity outside the domain" \
    "good.test${tab}u1${tab}ed25519${tab}active${tab}ab${tab}ab@evil.test"
bad_table selectors "an identity with '='" \
    "good.test${tab}u1${tab}ed25519${tab}active${tab}ab${tab}a=b@good.test"
cp "$tmp/authz.good" "$ks/authz"
printf 'eve\t@evil.test\000bob\t@good.test\n' >>"$ks/authz"
run "$keys" --keystore "$ks" authz list
is "$status" 78 "a NUL byte in authz: refused, not read as the end of the line"
like "$err" 'authz line [0-9]+: a NUL byte' "and said so"
cp "$tmp/authz.good" "$ks/authz"
readable "with the tables restored"

# ----------------------------- class 7: authz postfix grants no more --
run "$keys" --keystore "$ks" authz postfix
is "$status" 0 "authz postfix"
printf '%s\n' "$out" >"$tmp/postfix"
"$keys" --keystore "$ks" authz list >"$tmp/list"
# every owner on a line holds the key itself or its @domain in the map
awk -F '\t' '
	NR == FNR { have[$1 SUBSEP $2] = 1; next }
	NF != 2 || $1 ~ /[ ,]/ || $2 ~ /[ \t]/ { print "malformed: " $0; bad = 1; next }
	{
		dom = $1; sub(/^[^@]*/, "", dom)
		n = split($2, u, ",")
		for (i = 1; i <= n; i++)
			if (u[i] == "" || !(((u[i] SUBSEP $1) in have) ||
			    ((u[i] SUBSEP dom) in have))) {
				print "not in the map: " u[i] " as " $1; bad = 1
			}
	}
	END { exit bad }' "$tmp/list" "$tmp/postfix" >"$tmp/postfix.bad"
ok $? "every owner on every line is granted that address by the map"
diag_file "$tmp/postfix.bad"
unlike "$out" '(^|,)bob(,|$)' "bob, never granted, is in no line"

# -------------------------------------------------- class 9: FIFOs --
key=$ks/keys/good.test/s1.pem
fifo_case()	# fifo_case PATH NAME: PATH replaced by a FIFO
{
	mv "$1" "$tmp/fifo.saved"
	mkfifo -m 0600 "$1"
	run timeout 20 "$sign" --keystore "$ks" <"$tmp/alice.eml"
	is "$status" 75 "$2 is a FIFO: dkimpipe-sign defers at once"
	like "$err" 'not a regular file' "$2 is a FIFO: and says what is wrong"
	run timeout 20 "$keys" --keystore "$ks" dns -d good.test
	is "$status" 78 "$2 is a FIFO: dkimpipe-keys exits 78 at once"
	rm -f "$1"
	mv "$tmp/fifo.saved" "$1"
}
fifo_case "$key" "the key file"
fifo_case "$ks/selectors" "selectors"
fifo_case "$ks/authz" "authz"
mkfifo "$tmp/conf.fifo"
for p in "$sign --keystore $ks" "$verify --authserv-id mx.test" \
    "$seal --keystore $ks --domain good.test"; do
	name=${p%% *}
	name=${name##*/}
	# shellcheck disable=SC2086 # one word per argument
	run timeout 20 $p --config "$tmp/conf.fifo" <"$tmp/alice.eml"
	is "$status" 75 "$name --config naming a FIFO: EX_TEMPFAIL at once"
	like "$err" 'conf\.fifo: not a regular file' "$name: and says what is wrong"
done
run timeout 20 "$sign" --keystore "$ks" --config "$tmp" <"$tmp/alice.eml"
is "$status" 75 "a directory as --config: EX_TEMPFAIL"
readable "after the FIFOs"

# ------------------------------- class 9: writable by group or others --
perm_case()	# perm_case PATH MODE NAME
{
	_old=$(stat -c %a "$1")
	chmod "$2" "$1"
	run "$sign" --keystore "$ks" --auth-user alice <"$tmp/alice.eml"
	is "$status" 75 "$3 mode $2: dkimpipe-sign refuses it (75)"
	like "$err" "writable by group or others; fix with chmod go-w $1\$" \
	    "$3 mode $2: naming the path and the fix"
	is "$out" "" "$3 mode $2: nothing on stdout"
	run "$keys" --keystore "$ks" list
	is "$status" 78 "$3 mode $2: dkimpipe-keys exits 78"
	run "$keys" --keystore "$ks" authz add zed @good.test
	is "$status" 78 "$3 mode $2: and changes nothing there"
	chmod "$_old" "$1"
}
perm_case "$ks" 770 "the keystore directory"
perm_case "$ks" 757 "the keystore directory"
perm_case "$ks/keys" 730 "keys/"
perm_case "$ks/keys" 703 "keys/"
perm_case "$ks/keys/good.test" 770 "keys/good.test/"
perm_case "$ks/selectors" 664 "selectors"
perm_case "$ks/selectors" 646 "selectors"
perm_case "$ks/authz" 664 "authz"
perm_case "$ks/authz" 666 "authz"
run "$keys" --keystore "$ks" authz list
unlike "$out" '^zed' "no command ran on an unsafe keystore"
readable "with the modes restored"

# ----------------------------------- class 9: a symlinked key, a table --
mv "$key" "$tmp/real.pem"
ln -s "$tmp/real.pem" "$key"
run "$sign" --keystore "$ks" <"$tmp/alice.eml"
is "$status" 75 "a symlinked key: EX_TEMPFAIL"
like "$err" 's1\.pem: is a symbolic link, not followed$' \
    "reported as a symbolic link, not as an input/output error"
run "$keys" --keystore "$ks" dns -d good.test
is "$status" 78 "dkimpipe-keys dns with a symlinked key: EX_CONFIG"
like "$err" 'is a symbolic link' "and says so"
rm "$key"
mv "$tmp/real.pem" "$key"
mv "$ks/authz" "$tmp/authz.real"
ln -s "$tmp/authz.real" "$ks/authz"
run "$sign" --keystore "$ks" --auth-user alice <"$tmp/alice.eml"
is "$status" 75 "a symlinked authz: EX_TEMPFAIL"
like "$err" 'authz: is a symbolic link' "reported as a symbolic link"
rm "$ks/authz"
mv "$tmp/authz.real" "$ks/authz"
readable "at the end"
check "no temporary files are left" \
    sh -c "! find '$ks' -name '*.tmp*' | grep -q ."
done_testing

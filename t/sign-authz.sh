#!/bin/sh
# sign-authz - the authorization map: who may send as which address.
. "$(dirname "$0")/lib.sh"

sign=$top_builddir/dkimpipe-sign
keys=$top_builddir/dkimpipe-keys
mktmpdir tmp
ks=$tmp/ks
"$keys" --keystore "$ks" new --domain example.org >/dev/null ||
    bail_out "cannot make a keystore"
printf 'From: Alice <alice@example.org>\nSubject: x\n\nbody\n' >"$tmp/alice.eml"
printf 'From: Sales <sales@example.org>\nSubject: x\n\nbody\n' >"$tmp/sales.eml"
printf 'From: alice@example.org, sales@example.org\nSender: alice@example.org\nSubject: x\n\nbody\n' >"$tmp/both.eml"

run "$sign" --keystore "$ks" --auth-user bob <"$tmp/alice.eml"
is "$status" 0 "no map: any authenticated user signs by domain"

run "$keys" --keystore "$ks" authz add alice alice@example.org
is "$status" 0 "authz add alice alice@example.org"
run "$keys" --keystore "$ks" authz add bob @Example.ORG
is "$status" 0 "authz add bob @example.org (a whole domain)"
run "$keys" --keystore "$ks" authz add carol not-an-address
is "$status" 64 "a pattern without @domain: EX_USAGE"

run "$sign" --keystore "$ks" --auth-user alice <"$tmp/alice.eml"
is "$status" 0 "alice may send as alice@example.org"
is "$(grep -c '^DKIM-Signature' "$out_file")" 2 "and it is signed"
run "$sign" --keystore "$ks" --auth-user ALICE <"$tmp/alice.eml"
is "$status" 0 "user names compare without case"
run "$sign" --keystore "$ks" --auth-user alice <"$tmp/sales.eml"
is "$status" 77 "alice may not send as sales@example.org: EX_NOPERM"
is "$err" "dkimpipe-sign: fatal: refused: user alice may not send as sales@example.org" \
    "one line naming user and address"
is "$(wc -c <"$out_file" | tr -d ' ')" 0 "nothing on stdout"
run "$sign" --keystore "$ks" --auth-user alice <"$tmp/both.eml"
is "$status" 77 "every From address must be allowed"
run "$sign" --keystore "$ks" --auth-user bob <"$tmp/sales.eml"
is "$status" 0 "bob may send as anyone @example.org"
run "$sign" --keystore "$ks" --auth-user mallory <"$tmp/alice.eml"
is "$status" 77 "a user not in the map is refused"
run "$sign" --keystore "$ks" <"$tmp/alice.eml"
is "$status" 0 "without --auth-user (local mail) the domain signs"

# The SMTP-time check for an Exim ACL, and the Postfix export.
run "$keys" --keystore "$ks" authz check alice alice@example.org
is "$status" 0 "authz check: allowed is exit 0"
run "$keys" --keystore "$ks" authz check alice 'Sales <sales@example.org>'
is "$status" 77 "authz check: not allowed is exit 77"
like "$err" 'not allowed: user alice may not send as sales@example.org' "with the reason"
run "$keys" --keystore "$ks" authz postfix
is "$out" "$(printf 'alice@example.org\talice,bob\n@example.org\tbob')" \
    "authz postfix: smtpd_sender_login_maps lines"
"$keys" --keystore "$ks" authz add alice @example.org
run "$keys" --keystore "$ks" authz postfix
like "$out" "$(printf '^@example.org\tbob,alice$')" "owners of one pattern joined by commas"
like "$out" "$(printf '^alice@example.org\talice,bob$')" \
    "an address's line also names its @domain owners (Postfix stops at the first key)"
run "$keys" --keystore "$ks" authz list
like "$out" "$(printf '^alice\talice@example.org$')" "authz list"
run "$keys" --keystore "$ks" authz del alice
is "$status" 0 "authz del USER removes all of the user's lines"
run "$keys" --keystore "$ks" authz check alice alice@example.org
is "$status" 77 "and alice is refused again"
run "$keys" --keystore "$ks" authz del alice
is "$status" 64 "deleting what is not there: EX_USAGE"
check "the map is 0644, readable by the MTA user" \
    sh -c "[ \"\$(stat -c %a '$ks/authz')\" = 644 ]"
done_testing

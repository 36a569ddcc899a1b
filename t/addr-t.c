/* addr-t - From: addresses. */
#include "config.h"

#include <string.h>

#include "addr.h"
#include "status.h"
#include "tap.h"

static char a[4][DP_MAX_ADDR + 1];

static int
one(const char *v, const char *want, const char *name)
{
	size_t n;
	int r = addr_list(v, strlen(v), a, 4, &n);

	if (r != 0 || n != 1)
		return ok(0, "%s (r=%d n=%zu)", name, r, n);
	return is_str(a[0], want, name);
}

int
main(void)
{
	size_t n;

	plan(11);
	one(" Alice <alice@Example.ORG>", "alice@example.org",
	    "display name, domain lowercased");
	one("alice@example.org (Alice)", "alice@example.org", "comment");
	one("\"Smith, John\" <john@example.org>", "john@example.org",
	    "quoted name with a comma");
	one("\"john doe\"@example.org", "\"john doe\"@example.org",
	    "quoted local part");
	one("<@relay.example:bob@example.org>", "bob@example.org",
	    "source route dropped");
	one("Undisclosed: bob@example.org;", "bob@example.org", "a group");
	one("(c (nested)) Bob <bob@example.org>", "bob@example.org",
	    "nested comments");
	is_int(addr_list("a@x.org, b@y.org", 16, a, 4, &n) == 0 && n == 2 &&
	    strcmp(a[1], "b@y.org") == 0, 1, "two addresses");
	is_int(addr_list("Alice <alice@x.org", 18, a, 4, &n), DP_E_SYNTAX,
	    "unclosed angle bracket");
	is_int(addr_list("nobody", 6, a, 4, &n), DP_E_SYNTAX, "no '@'");
	is_int(domain_eq("Example.ORG.", "example.org"), 1,
	    "domains compare without case and final dot");
	return done_testing();
}

/* tagval-t - tag=value lists, RFC 6376 3.2. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "status.h"
#include "tagval.h"
#include "tap.h"

static int
parse(const char *s, struct taglist *tl)
{
	return tagval_parse(s, strlen(s), tl);
}

int
main(void)
{
	struct taglist tl;
	const struct tag *t;
	char many[DP_MAX_TAGS * 8 + 16];
	size_t i;

	plan(12);
	is_int(parse("v=1; a=rsa-sha256;\r\n\tb=ab\r\n cd ;", &tl), 0,
	    "folded list with a final ';' parses");
	is_int((long long)tl.n, 3, "three tags");
	t = tagval_get(&tl, "b");
	is_int(t != NULL && t->vlen == 7 && memcmp(t->val, "ab\r\n cd", 7) ==
	    0, 1, "inner FWS kept, outer dropped");
	is_int(parse("a=1; a=2", &tl), DP_E_SYNTAX,
	    "a duplicate tag invalidates the list");
	is_int(parse("a=1;;b=2", &tl), DP_E_SYNTAX, "an empty tag-spec");
	is_int(parse("1a=1", &tl), DP_E_SYNTAX,
	    "a tag name starts with a letter");
	is_int(parse("a", &tl), DP_E_SYNTAX, "a tag without '='");
	is_int(parse("p=", &tl), 0, "an empty value is allowed");
	is_int((long long)tagval_get(&tl, "p")->vlen, 0, "and is empty");
	is_int(parse("n=a;b", &tl), DP_E_SYNTAX, "text after ';' must be a tag");
	is_int(parse("n=\x01", &tl), DP_E_SYNTAX, "control bytes are not "
	    "VALCHAR");
	for (i = 0, many[0] = '\0'; i <= DP_MAX_TAGS; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many),
		    "t%zu=1;", i);
	is_int(parse(many, &tl), DP_E_LIMIT, "more than DP_MAX_TAGS tags");
	return done_testing();
}

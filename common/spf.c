/* spf.c - check_host() of RFC 7208, one lookup after the other. */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "dns.h"
#include "limits.h"
#include "spf.h"
#include "status.h"

/* What a term is (4.6.1). */
enum kind {
	M_ALL, M_INCLUDE, M_A, M_MX, M_PTR, M_IP4, M_IP6, M_EXISTS,
	T_REDIRECT, T_EXP, T_UNKNOWN,
};

struct term {
	enum kind	 kind;
	enum spf_verdict qual;		/* what a match gives */
	const char	*text;		/* the whole term, for reasons */
	size_t		 tlen;
	const char	*spec;		/* domain-spec or network; NULL: none */
	size_t		 slen;
	int		 cidr4, cidr6;	/* -1: not given */
	unsigned char	 net[16];	/* ip4, ip6 */
};

/* One check: the query, its counters, and what it found. */
struct ctx {
	struct dns		*dns;
	int			 v6;
	unsigned char		 ip[16];
	char			 ipstr[INET6_ADDRSTRLEN];
	char			 sender[DP_MAX_SPF_SENDER + 1];
	char			 local[DP_MAX_SPF_SENDER + 1];
	char			 odomain[DP_MAX_SPF_SENDER + 1];
	char			 helo[DP_MAX_SPF_SENDER + 1];
	const char		*receiver;
	long long		 now;
	int			 terms;		/* 4.6.4 */
	int			 voids;
	int			 looked;	/* an answer was used */
	enum dnssec		 sec;
	int			 have_p;
	char			 p[DP_MAX_DOMAIN + 1];
	char			 reason[256];
};

/* Outcomes of matching one mechanism, next to the verdicts. */
#define NOMATCH		0
#define MATCH		1
#define ERR_TEMP	(-1)
#define ERR_PERM	(-2)

const char *
spf_verdict_name(enum spf_verdict v)
{
	static const char *names[] = { "none", "neutral", "pass", "fail",
	    "softfail", "temperror", "permerror" };

	return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] :
	    "permerror";
}

static void
why(struct ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The first reason stays: it is the one that decided. */
static void
why(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->reason[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------------ names -- */

int
spf_valid_domain(const char *name)
{
	size_t n = strlen(name), l = 0, labels = 0, i;

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0 || n > DP_MAX_DOMAIN)
		return 0;
	for (i = 0; i <= n; i++) {
		if (i == n || name[i] == '.') {
			if (l == 0 || l > DP_MAX_LABEL)
				return 0;
			labels++;
			l = 0;
			continue;
		}
		/* ASCII (a label may hold any byte, but what comes here
		 * is text: 3.1), and no domain literal ("[192.0.2.1]", 4.3);
		 * qname() escapes the rest for the query */
		if ((unsigned char)name[i] < ' ' ||
		    (unsigned char)name[i] > '~' ||
		    name[i] == '[' || name[i] == ']')
			return 0;
		l++;
	}
	return labels >= 2;
}

/*
 * name as libunbound reads a name (sldns presentation format): every
 * byte but a letter, digit, '-', '_' or '.' as \DDD. out holds
 * 4 * DP_MAX_DOMAIN + 1.
 */
static void
qname(const char *name, char *out)
{
	const unsigned char *p;
	size_t o = 0;

	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.')
			out[o++] = (char)*p;
		else
			o += (size_t)sprintf(out + o, "\\%03u", *p);
	}
	out[o] = '\0';
}

/* Is name equal to domain, or under it (5.5)? */
static int
name_under(const char *name, const char *domain)
{
	size_t ln = strlen(name), ld = strlen(domain);

	if (ln > 0 && name[ln - 1] == '.')
		ln--;
	if (ld > 0 && domain[ld - 1] == '.')
		ld--;
	if (ln == ld)
		return strncasecmp(name, domain, ld) == 0;
	return ln > ld && name[ln - ld - 1] == '.' &&
	    strncasecmp(name + ln - ld, domain, ld) == 0;
}

/* The reverse name of the client (5.5), in out (80 bytes). */
static void
reverse_name(const struct ctx *c, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	int i;

	if (!c->v6) {
		snprintf(out, 80, "%u.%u.%u.%u.in-addr.arpa", c->ip[3],
		    c->ip[2], c->ip[1], c->ip[0]);
		return;
	}
	for (i = 15; i >= 0; i--) {
		out[o++] = hex[c->ip[i] & 0xf];
		out[o++] = '.';
		out[o++] = hex[c->ip[i] >> 4];
		out[o++] = '.';
	}
	memcpy(out + o, "ip6.arpa", sizeof("ip6.arpa"));
}

/* --------------------------------------------------------- addresses -- */

/* Parse text as an address: 4 (IPv4, mapped ones too), 6, or 0. */
static int
parse_ip(const char *s, unsigned char ip[16])
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0xff, 0xff };

	if (inet_pton(AF_INET, s, ip) == 1)
		return 4;
	if (inet_pton(AF_INET6, s, ip) != 1)
		return 0;
	if (memcmp(ip, mapped, 12) == 0) {
		memmove(ip, ip + 12, 4);
		return 4;
	}
	return 6;
}

static int
prefix_eq(const unsigned char *a, const unsigned char *b, int bits)
{
	int whole = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)whole) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a[whole] ^ b[whole]) & (0xff << (8 - rest)) & 0xff) == 0;
}

int
spf_cidr_match(const char *a, const char *net, int bits)
{
	unsigned char x[16], y[16];
	int fa, fn;

	if ((fa = parse_ip(a, x)) == 0 || (fn = parse_ip(net, y)) != fa ||
	    bits < 0 || bits > (fa == 4 ? 32 : 128))
		return -1;
	return prefix_eq(x, y, bits);
}

/* ----------------------------------------------------------- macros -- */

static int
is_delim(int ch)
{
	return ch != '\0' && strchr(".-+,/_=", ch) != NULL;
}

/*
 * Check the macro-string s[0..n) (7.1): 0, or -1. explain: c, r and t
 * are allowed, and spaces.
 */
static int
macro_check(const char *s, size_t n, int explain)
{
	size_t i = 0;
	int ch;

	while (i < n) {
		ch = (unsigned char)s[i];
		if (ch == ' ' && explain) {
			i++;
			continue;
		}
		if (ch != '%') {
			if (ch < 0x21 || ch > 0x7e)
				return -1;
			i++;
			continue;
		}
		if (++i == n)
			return -1;
		if (s[i] == '%' || s[i] == '_' || s[i] == '-') {
			i++;
			continue;
		}
		if (s[i] != '{' || ++i == n)
			return -1;
		ch = tolower((unsigned char)s[i]);
		if (strchr("slodiphv", ch) == NULL &&
		    !(explain && strchr("crt", ch) != NULL))
			return -1;
		i++;
		if (i < n && s[i] == '0')
			return -1;	/* 7.3: the DIGIT must be nonzero */
		while (i < n && isdigit((unsigned char)s[i]))
			i++;
		if (i < n && (s[i] == 'r' || s[i] == 'R'))
			i++;
		while (i < n && is_delim(s[i]))
			i++;
		if (i == n || s[i] != '}')
			return -1;
		i++;
	}
	return 0;
}

/* The validated name of the client for %{p} (5.5, 7.3); "unknown". */
static void p_macro(struct ctx *, const char *domain);

/* The value of macro letter ch (lowercase) into v (DP_MAX_SPF_EXPAND). */
static void
macro_value(struct ctx *c, int ch, const char *domain, char *v, size_t vlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;
	int i;

	switch (ch) {
	case 's':
		snprintf(v, vlen, "%s", c->sender);
		break;
	case 'l':
		snprintf(v, vlen, "%s", c->local);
		break;
	case 'o':
		snprintf(v, vlen, "%s", c->odomain);
		break;
	case 'd':
		snprintf(v, vlen, "%s", domain);
		break;
	case 'i':
		if (!c->v6) {
			snprintf(v, vlen, "%s", c->ipstr);
			break;
		}
		/* 7.3: IPv6 as dot-separated nibbles */
		for (i = 0; i < 16; i++) {
			v[o++] = hex[c->ip[i] >> 4];
			v[o++] = '.';
			v[o++] = hex[c->ip[i] & 0xf];
			v[o++] = i == 15 ? '\0' : '.';
		}
		break;
	case 'p':
		p_macro(c, domain);
		snprintf(v, vlen, "%s", c->p);
		break;
	case 'v':
		snprintf(v, vlen, "%s", c->v6 ? "ip6" : "in-addr");
		break;
	case 'h':
		snprintf(v, vlen, "%s", c->helo);
		break;
	case 'c':
		snprintf(v, vlen, "%s", c->ipstr);
		break;
	case 'r':
		snprintf(v, vlen, "%s", c->receiver);
		break;
	case 't':
		snprintf(v, vlen, "%lld", c->now);
		break;
	default:
		v[0] = '\0';
	}
}

/*
 * Expand s[0..n) into out (outlen). 0, DP_E_SYNTAX, DP_E_LIMIT.
 */
static int
expand(struct ctx *c, const char *domain, const char *s, size_t n,
    int explain, char *out, size_t outlen)
{
	char v[DP_MAX_SPF_EXPAND + 1], t[DP_MAX_SPF_EXPAND + 1];
	size_t start[DP_MAX_SPF_EXPAND + 2], len[DP_MAX_SPF_EXPAND + 2];
	char delims[8];
	size_t i = 0, o = 0, np, k, vl, first, tl, j;
	unsigned long digits;
	int ch, upper, rev;

	if (macro_check(s, n, explain) != 0)
		return DP_E_SYNTAX;
#define PUT(p, l) do {							\
		if ((l) >= outlen - o)					\
			return DP_E_LIMIT;				\
		memcpy(out + o, (p), (l));				\
		o += (l);						\
	} while (0)
	while (i < n) {
		if (s[i] != '%') {
			PUT(s + i, 1);
			i++;
			continue;
		}
		i++;
		if (s[i] == '%' || s[i] == '_' || s[i] == '-') {
			PUT(s[i] == '%' ? "%" : s[i] == '_' ? " " : "%20",
			    (size_t)(s[i] == '-' ? 3 : 1));
			i++;
			continue;
		}
		i++;			/* '{' */
		ch = (unsigned char)s[i++];
		upper = isupper(ch);
		macro_value(c, tolower(ch), domain, v, sizeof(v));
		digits = 0;
		while (isdigit((unsigned char)s[i])) {
			if (digits < 1000)
				digits = digits * 10 + (unsigned long)(s[i] -
				    '0');
			i++;
		}
		rev = 0;
		if (s[i] == 'r' || s[i] == 'R') {
			rev = 1;
			i++;
		}
		k = 0;
		delims[0] = '\0';
		while (is_delim(s[i])) {
			if (k < sizeof(delims) - 1 &&
			    strchr(delims, s[i]) == NULL) {
				delims[k++] = s[i];
				delims[k] = '\0';
			}
			i++;
		}
		if (k == 0)
			strcpy(delims, ".");
		i++;			/* '}' */
		/* 7.3: split on the delimiters, reverse, keep the right
		 * DIGIT parts, join with dots */
		vl = strlen(v);
		for (np = 0, j = 0, start[0] = 0; j <= vl; j++)
			if (j == vl || strchr(delims, v[j]) != NULL) {
				len[np] = j - start[np];
				np++;
				start[np] = j + 1;
			}
		if (rev)
			for (j = 0; j < np / 2; j++) {
				size_t ts = start[j], tn = len[j];

				start[j] = start[np - 1 - j];
				len[j] = len[np - 1 - j];
				start[np - 1 - j] = ts;
				len[np - 1 - j] = tn;
			}
		first = digits != 0 && digits < np ? np - digits : 0;
		for (tl = 0, j = first; j < np; j++) {
			if (j > first)
				t[tl++] = '.';
			memcpy(t + tl, v + start[j], len[j]);
			tl += len[j];
		}
		t[tl] = '\0';
		if (!upper) {
			PUT(t, tl);
			continue;
		}
		/* 7.3: uppercase letters are URL-escaped (RFC 3986) */
		for (j = 0; j < tl; j++) {
			char esc[4];
			int u = (unsigned char)t[j];

			if (isalnum(u) || strchr("-._~", u) != NULL)
				PUT(t + j, 1);
			else {
				snprintf(esc, sizeof(esc), "%%%02X", u);
				PUT(esc, 3);
			}
		}
	}
#undef PUT
	out[o] = '\0';
	return 0;
}

/*
 * 7.3: a name longer than DP_MAX_DOMAIN loses labels on the left until
 * it fits.
 */
static void
cut_left(char *name)
{
	char *p = name;
	size_t n;

	while ((n = strlen(p)) > DP_MAX_DOMAIN && (p = strchr(p, '.')) != NULL)
		p++;
	if (p == NULL) {
		name[0] = '\0';
		return;
	}
	memmove(name, p, strlen(p) + 1);
}

/* Expand a domain-spec into out (DP_MAX_SPF_EXPAND + 1). */
static int
expand_domain(struct ctx *c, const char *domain, const char *s, size_t n,
    char *out)
{
	int r;

	if ((r = expand(c, domain, s, n, 0, out, DP_MAX_SPF_EXPAND + 1)) != 0)
		return r;
	cut_left(out);
	return 0;
}

/* ------------------------------------------------------------- syntax -- */

static int
is_toplabel(const char *s, size_t n)
{
	size_t i;
	int alpha = 0, dash = 0;

	if (n == 0 || s[0] == '-' || s[n - 1] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		if (isalpha((unsigned char)s[i]))
			alpha = 1;
		else if (s[i] == '-')
			dash = 1;
		else if (!isdigit((unsigned char)s[i]))
			return 0;
	}
	return alpha || dash;
}

/* domain-spec = macro-string domain-end (7.1) */
static int
domain_spec_ok(const char *s, size_t n)
{
	size_t e, b, i;
	int last_macro = 0;

	if (n == 0 || macro_check(s, n, 0) != 0)
		return 0;
	/* does it end with a macro-expand ("%{...}", "%%", "%_", "%-")?
	 * macro_check() has seen that each '%' starts a whole one */
	for (i = 0; i < n;) {
		if (s[i] != '%') {
			last_macro = 0;
			i++;
			continue;
		}
		if (s[i + 1] == '{')
			i = (size_t)((const char *)memchr(s + i, '}', n - i) -
			    s) + 1;
		else
			i += 2;
		last_macro = 1;
	}
	if (last_macro)
		return 1;
	e = n;
	if (s[e - 1] == '.')
		e--;
	for (b = e; b > 0 && s[b - 1] != '.'; b--)
		;
	return b > 0 && is_toplabel(s + b, e - b);
}

/*
 * Take "/N" (1 to 3 digits, no leading zero) at the end of s[0..*n): its
 * value, with *n cut to before the '/'; -1, *n as it was, when none.
 */
static long
cidr_suffix(const char *s, size_t *n)
{
	size_t e = *n, b = e, k;
	long v = 0;

	while (b > 0 && e - b < 4 && isdigit((unsigned char)s[b - 1]))
		b--;
	if (b == e || b == 0 || s[b - 1] != '/' || e - b > 3 ||
	    (s[b] == '0' && e - b > 1))
		return -1;
	for (k = b; k < e; k++)
		v = v * 10 + (s[k] - '0');
	*n = b - 1;
	return v;
}

/* Parse one term (4.6.1, 5, 6). 0, or -1 for a syntax error. */
static int
parse_term(const char *s, size_t n, struct term *t)
{
	static const struct {
		const char	*name;
		enum kind	 kind;
	} mechs[] = {
		{ "all", M_ALL }, { "include", M_INCLUDE }, { "a", M_A },
		{ "mx", M_MX }, { "ptr", M_PTR }, { "ip4", M_IP4 },
		{ "ip6", M_IP6 }, { "exists", M_EXISTS },
	};
	char ipbuf[INET6_ADDRSTRLEN + 1];
	size_t i, nl, rest;
	long v;

	memset(t, 0, sizeof(*t));
	t->text = s;
	t->tlen = n;
	t->cidr4 = t->cidr6 = -1;
	t->qual = SPF_PASS;
	/* a modifier: name "=" before any ":" or "/" (4.6.1) */
	for (i = 0; i < n && s[i] != '=' && s[i] != ':' && s[i] != '/'; i++)
		;
	if (i < n && s[i] == '=') {
		if (i == 0 || !isalpha((unsigned char)s[0]))
			return -1;
		for (nl = 1; nl < i; nl++)
			if (!isalnum((unsigned char)s[nl]) &&
			    strchr("-_.", s[nl]) == NULL)
				return -1;
		t->spec = s + i + 1;
		t->slen = n - i - 1;
		if (i == 8 && strncasecmp(s, "redirect", 8) == 0)
			t->kind = T_REDIRECT;
		else if (i == 3 && strncasecmp(s, "exp", 3) == 0)
			t->kind = T_EXP;
		else {
			t->kind = T_UNKNOWN;
			return macro_check(t->spec, t->slen, 0);
		}
		return domain_spec_ok(t->spec, t->slen) ? 0 : -1;
	}
	if (n > 0 && strchr("+-~?", s[0]) != NULL) {
		t->qual = s[0] == '+' ? SPF_PASS : s[0] == '-' ? SPF_FAIL :
		    s[0] == '~' ? SPF_SOFTFAIL : SPF_NEUTRAL;
		s++;
		n--;
	}
	for (nl = 0; nl < n && s[nl] != ':' && s[nl] != '/'; nl++)
		;
	for (i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
		if (strlen(mechs[i].name) == nl &&
		    strncasecmp(s, mechs[i].name, nl) == 0)
			break;
	if (i == sizeof(mechs) / sizeof(mechs[0]))
		return -1;
	t->kind = mechs[i].kind;
	s += nl;
	rest = n - nl;
	switch (t->kind) {
	case M_ALL:
		return rest == 0 ? 0 : -1;
	case M_INCLUDE:
	case M_EXISTS:
		if (rest < 2 || s[0] != ':')
			return -1;
		t->spec = s + 1;
		t->slen = rest - 1;
		return domain_spec_ok(t->spec, t->slen) ? 0 : -1;
	case M_PTR:
		if (rest == 0)
			return 0;
		if (s[0] != ':')
			return -1;
		t->spec = s + 1;
		t->slen = rest - 1;
		return domain_spec_ok(t->spec, t->slen) ? 0 : -1;
	case M_A:
	case M_MX:
		/* dual-cidr-length at the end: [ "/" 4 ] [ "//" 6 ] */
		if ((v = cidr_suffix(s, &rest)) >= 0) {
			if (rest > 0 && s[rest - 1] == '/') {
				rest--;
				if (v > 128)
					return -1;
				t->cidr6 = (int)v;
				if ((v = cidr_suffix(s, &rest)) >= 0) {
					if (v > 32)
						return -1;
					t->cidr4 = (int)v;
				}
			} else {
				if (v > 32)
					return -1;
				t->cidr4 = (int)v;
			}
		}
		if (rest == 0)
			return 0;
		if (s[0] != ':' || rest == 1)
			return -1;
		t->spec = s + 1;
		t->slen = rest - 1;
		return domain_spec_ok(t->spec, t->slen) ? 0 : -1;
	case M_IP4:
	case M_IP6:
		if (rest < 2 || s[0] != ':')
			return -1;
		t->spec = s + 1;
		t->slen = rest - 1;
		for (i = t->slen; i > 0 && t->spec[i - 1] != '/'; i--)
			;
		if (i > 0) {
			size_t dl = t->slen - i;

			if (dl == 0 || dl > 3 || (t->spec[i] == '0' &&
			    dl > 1))
				return -1;
			for (v = 0, nl = i; nl < t->slen; nl++) {
				if (!isdigit((unsigned char)t->spec[nl]))
					return -1;
				v = v * 10 + (t->spec[nl] - '0');
			}
			if (v > (t->kind == M_IP4 ? 32 : 128))
				return -1;
			if (t->kind == M_IP4)
				t->cidr4 = (int)v;
			else
				t->cidr6 = (int)v;
			t->slen = i - 1;
		}
		if (t->slen == 0 || t->slen >= sizeof(ipbuf))
			return -1;
		memcpy(ipbuf, t->spec, t->slen);
		ipbuf[t->slen] = '\0';
		if (inet_pton(t->kind == M_IP4 ? AF_INET : AF_INET6, ipbuf,
		    t->net) != 1)
			return -1;
		return 0;
	default:
		return -1;
	}
}

/* The next space-separated term of [*p, end): 1, or 0 at the end. */
static int
next_term(const char **p, const char *end, const char **s, size_t *n)
{
	const char *q = *p;

	while (q < end && *q == ' ')
		q++;
	if (q == end)
		return 0;
	*s = q;
	while (q < end && *q != ' ')
		q++;
	*n = (size_t)(q - *s);
	*p = q;
	return 1;
}

/* Does rec begin with the version section "v=spf1" (4.5)? */
static int
is_spf1(const char *rec, size_t len)
{
	return len >= 6 && strncasecmp(rec, "v=spf1", 6) == 0 &&
	    (len == 6 || rec[6] == ' ');
}

int
spf_record_check(const char *rec, size_t len, char *whybuf, size_t whylen)
{
	const char *p, *end = rec + len, *s;
	struct term t;
	size_t n, i;
	int redirects = 0, exps = 0;

	if (whylen > 0)
		whybuf[0] = '\0';
	if (!is_spf1(rec, len)) {
		snprintf(whybuf, whylen, "no \"v=spf1\"");
		return DP_E_SYNTAX;
	}
	/* 3.1: ASCII; 4.6.1: terms are separated by spaces only */
	for (i = 0; i < len; i++)
		if ((unsigned char)rec[i] < ' ' ||
		    (unsigned char)rec[i] > '~') {
			snprintf(whybuf, whylen, "a byte 0x%02x in the record",
			    (unsigned char)rec[i]);
			return DP_E_SYNTAX;
		}
	p = rec + 6;
	while (next_term(&p, end, &s, &n)) {
		if (parse_term(s, n, &t) != 0) {
			snprintf(whybuf, whylen, "bad term \"%.*s\"",
			    n > 64 ? 64 : (int)n, s);
			return DP_E_SYNTAX;
		}
		if ((t.kind == T_REDIRECT && redirects++ > 0) ||
		    (t.kind == T_EXP && exps++ > 0)) {
			snprintf(whybuf, whylen, "%s= twice",
			    t.kind == T_EXP ? "exp" : "redirect");
			return DP_E_SYNTAX;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- DNS -- */

/* Fold the DNSSEC status of an answer the verdict rests on. */
static void
note_sec(struct ctx *c, enum dnssec s)
{
	if (!c->looked) {
		c->looked = 1;
		c->sec = s;
	} else if (s == DNSSEC_BOGUS || c->sec == DNSSEC_BOGUS)
		c->sec = DNSSEC_BOGUS;
	else if (s != DNSSEC_SECURE)
		c->sec = DNSSEC_INSECURE;
}

static const char *
type_name(int type)
{
	return type == DNS_T_A ? "A" : type == DNS_T_AAAA ? "AAAA" :
	    type == DNS_T_MX ? "MX" : type == DNS_T_PTR ? "PTR" : "TXT";
}

/* Submit a lookup of name (valid) without waiting. */
static void
submit(struct ctx *c, const char *name, int type, struct dns_txt *a)
{
	char q[4 * DP_MAX_DOMAIN + 1];

	if (c->dns == NULL) {
		memset(a, 0, sizeof(*a));
		a->type = type;
		a->done = 1;
		a->status = DNS_TEMP;
		snprintf(a->why, sizeof(a->why), "no resolver");
		return;
	}
	qname(name, q);
	(void)dns_submit(c->dns, q, type, a);	/* a refusal marks a done */
}

/* Wait for what was submitted: 0, or ERR_TEMP. */
static int
wait_all(struct ctx *c)
{
	if (c->dns != NULL && dns_wait(c->dns) != 0) {
		why(c, "DNS resolver failure");
		return ERR_TEMP;
	}
	return 0;
}

/*
 * An answer's status for SPF: DNS_OK, DNS_NXDOMAIN or DNS_NODATA, or -1:
 * a temperror (4.4, 5): an error, a timeout, a bogus answer.
 */
static int
usable(struct ctx *c, const char *name, struct dns_txt *a, int fold)
{
	/* a lookup that got no answer has no DNSSEC status to fold */
	if (fold && (a->sec == DNSSEC_BOGUS || a->status == DNS_OK ||
	    a->status == DNS_NXDOMAIN || a->status == DNS_NODATA))
		note_sec(c, a->sec);
	if (a->sec == DNSSEC_BOGUS) {
		why(c, "DNSSEC bogus %s %s", type_name(a->type), name);
		return -1;
	}
	switch (a->status) {
	case DNS_OK:
	case DNS_NXDOMAIN:
	case DNS_NODATA:
		return (int)a->status;
	default:
		why(c, "%s %s: %s", type_name(a->type), name,
		    a->why[0] != '\0' ? a->why : "DNS error");
		return -1;
	}
}

/* One lookup, waited for: the status as usable() gives it. */
static int
lookup(struct ctx *c, const char *name, int type, struct dns_txt *a)
{
	submit(c, name, type, a);
	if (wait_all(c) != 0)
		return -1;
	return usable(c, name, a, 1);
}

/* 4.6.4: one more term that queries DNS. */
static int
count_term(struct ctx *c)
{
	if (++c->terms > DP_SPF_MAX_DNS_TERMS) {
		why(c, "more than %d DNS-querying terms", DP_SPF_MAX_DNS_TERMS);
		return ERR_PERM;
	}
	return 0;
}

/* 4.6.4: a lookup that found nothing. */
static int
count_void(struct ctx *c)
{
	if (++c->voids > DP_SPF_MAX_VOID) {
		why(c, "more than %d void lookups", DP_SPF_MAX_VOID);
		return ERR_PERM;
	}
	return 0;
}

/* Is the client among the address records of a (cidr bits)? */
static int
addr_match(const struct ctx *c, const struct dns_txt *a, int bits)
{
	size_t i, want = c->v6 ? 16 : 4;

	for (i = 0; i < a->nrec; i++)
		if (buf_len(a->rec[i]) == want && prefix_eq((const unsigned
		    char *)buf_data(a->rec[i]), c->ip, bits))
			return 1;
	return 0;
}

/*
 * The validated names of the client (5.5): PTR, then the address records
 * of the first DP_SPF_MAX_PTR names, looked up together. Calls found()
 * for each name whose addresses include the client until it returns 1.
 * NOMATCH when the PTR lookup finds nothing or fails (5.5: a DNS error
 * makes no match), MATCH when found() said so.
 */
static int
validated_names(struct ctx *c, int (*found)(const char *, void *),
    void *arg, int *voidp)
{
	char rev[80];
	struct dns_txt ptr, *addr;
	size_t i, n;
	int st, r = NOMATCH;

	*voidp = 0;
	reverse_name(c, rev);
	submit(c, rev, DNS_T_PTR, &ptr);
	if (wait_all(c) != 0)
		return ERR_TEMP;
	if ((st = usable(c, rev, &ptr, 1)) != DNS_OK) {
		*voidp = st == DNS_NXDOMAIN || st == DNS_NODATA;
		dns_txt_clear(&ptr);
		return NOMATCH;
	}
	n = ptr.nrec < DP_SPF_MAX_PTR ? ptr.nrec : DP_SPF_MAX_PTR;
	if ((addr = calloc(n + 1, sizeof(*addr))) == NULL) {
		dns_txt_clear(&ptr);
		return ERR_TEMP;
	}
	for (i = 0; i < n; i++)
		if (spf_valid_domain(buf_data(ptr.rec[i])))
			submit(c, buf_data(ptr.rec[i]), c->v6 ? DNS_T_AAAA :
			    DNS_T_A, &addr[i]);
		else
			addr[i].done = 1;	/* status DNS_PENDING: skip */
	if (wait_all(c) != 0)
		r = ERR_TEMP;
	for (i = 0; i < n && r == NOMATCH; i++) {
		/* 5.5: a name whose lookup fails is skipped */
		if (addr[i].status != DNS_OK || addr[i].sec == DNSSEC_BOGUS)
			continue;
		if (addr_match(c, &addr[i], c->v6 ? 128 : 32)) {
			note_sec(c, addr[i].sec);
			if (found(buf_data(ptr.rec[i]), arg))
				r = MATCH;
		}
	}
	for (i = 0; i < n; i++)
		dns_txt_clear(&addr[i]);
	free(addr);
	dns_txt_clear(&ptr);
	return r;
}

struct pick {
	const char	*domain;
	char		*best;		/* DP_MAX_DOMAIN + 1 */
	int		 exact;
};

static int
pick_p(const char *name, void *arg)
{
	struct pick *pk = arg;

	/* 7.3: a name under <domain> is preferred, then any */
	if (name_under(name, pk->domain)) {
		snprintf(pk->best, DP_MAX_DOMAIN + 1, "%s", name);
		pk->exact = 1;
		return 1;
	}
	if (pk->best[0] == '\0')
		snprintf(pk->best, DP_MAX_DOMAIN + 1, "%s", name);
	return 0;
}

static void
p_macro(struct ctx *c, const char *domain)
{
	char saved[sizeof(c->reason)];
	struct pick pk;
	int v;

	if (c->have_p)
		return;
	memcpy(saved, c->reason, sizeof(saved));
	c->have_p = 1;
	snprintf(c->p, sizeof(c->p), "unknown");
	if (c->dns == NULL)
		return;
	c->p[0] = '\0';
	pk.domain = domain;
	pk.best = c->p;
	pk.exact = 0;
	(void)validated_names(c, pick_p, &pk, &v);
	memcpy(c->reason, saved, sizeof(saved));
	if (c->p[0] == '\0')
		snprintf(c->p, sizeof(c->p), "unknown");
}

static int
ptr_found(const char *name, void *arg)
{
	return name_under(name, arg);
}

/* ------------------------------------------------------- check_host -- */

static enum spf_verdict check_host(struct ctx *, const char *domain,
    int depth, char *exp);

/* The target of a term: its domain-spec expanded, or the domain. */
static int
target(struct ctx *c, const struct term *t, const char *domain, char *out)
{
	int r;

	if (t->spec == NULL) {
		snprintf(out, DP_MAX_SPF_EXPAND + 1, "%s", domain);
		return 0;
	}
	if ((r = expand_domain(c, domain, t->spec, t->slen, out)) != 0) {
		why(c, "cannot expand \"%.*s\"%s", (int)(t->tlen > 64 ? 64 :
		    t->tlen), t->text, r == DP_E_LIMIT ? ": too long" : "");
		return ERR_PERM;
	}
	return 0;
}

static int match(struct ctx *, const struct term *, const char *, int);

/*
 * Evaluate a mechanism: MATCH, NOMATCH, ERR_TEMP, ERR_PERM. What was said
 * on the way to no match (an include's own verdict, a PTR lookup that
 * failed) decides nothing: the reason is put back.
 */
static int
mechanism(struct ctx *c, const struct term *t, const char *domain, int depth)
{
	char saved[sizeof(c->reason)];
	int r;

	memcpy(saved, c->reason, sizeof(saved));
	if ((r = match(c, t, domain, depth)) == NOMATCH)
		memcpy(c->reason, saved, sizeof(saved));
	return r;
}

static int
match(struct ctx *c, const struct term *t, const char *domain, int depth)
{
	char name[DP_MAX_SPF_EXPAND + 1];
	struct dns_txt a, *addr;
	enum spf_verdict v;
	size_t i, n;
	int st, r, isvoid;

	switch (t->kind) {
	case M_ALL:
		return MATCH;
	case M_IP4:
		return !c->v6 && prefix_eq(c->ip, t->net, t->cidr4 < 0 ? 32 :
		    t->cidr4) ? MATCH : NOMATCH;
	case M_IP6:
		return c->v6 && prefix_eq(c->ip, t->net, t->cidr6 < 0 ? 128 :
		    t->cidr6) ? MATCH : NOMATCH;
	default:
		break;
	}
	if ((r = count_term(c)) != 0)
		return r;
	if ((r = target(c, t, domain, name)) != 0)
		return r;
	switch (t->kind) {
	case M_INCLUDE:
		/* 5.2: the included record's verdict, its exp= unused */
		v = check_host(c, name, depth + 1, NULL);
		switch (v) {
		case SPF_PASS:
			return MATCH;
		case SPF_FAIL:
		case SPF_SOFTFAIL:
		case SPF_NEUTRAL:
			return NOMATCH;
		case SPF_TEMPERROR:
			return ERR_TEMP;
		case SPF_NONE:
			why(c, "include:%s has no SPF record", name);
			return ERR_PERM;
		default:
			return ERR_PERM;
		}
	case M_A:
	case M_EXISTS:
		/* a name DNS cannot carry matches nothing (5, 4.3) */
		if (!spf_valid_domain(name))
			return NOMATCH;
		/* 5.7: exists asks for A even for an IPv6 client */
		st = lookup(c, name, t->kind == M_EXISTS || !c->v6 ? DNS_T_A :
		    DNS_T_AAAA, &a);
		if (st < 0)
			return ERR_TEMP;
		if (st != DNS_OK || a.nrec == 0) {
			dns_txt_clear(&a);
			return count_void(c) != 0 ? ERR_PERM : NOMATCH;
		}
		r = t->kind == M_EXISTS ? MATCH : addr_match(c, &a, c->v6 ?
		    (t->cidr6 < 0 ? 128 : t->cidr6) :
		    (t->cidr4 < 0 ? 32 : t->cidr4)) ? MATCH : NOMATCH;
		dns_txt_clear(&a);
		return r;
	case M_MX:
		if (!spf_valid_domain(name))
			return NOMATCH;
		if ((st = lookup(c, name, DNS_T_MX, &a)) < 0)
			return ERR_TEMP;
		if (st != DNS_OK || a.nrec == 0) {
			dns_txt_clear(&a);
			return count_void(c) != 0 ? ERR_PERM : NOMATCH;
		}
		/* 4.6.4: more than ten MX names is a permerror */
		if (a.nans > DP_SPF_MAX_MX) {
			why(c, "mx:%s has more than %d MX records", name,
			    DP_SPF_MAX_MX);
			dns_txt_clear(&a);
			return ERR_PERM;
		}
		n = a.nrec;
		if ((addr = calloc(n + 1, sizeof(*addr))) == NULL) {
			dns_txt_clear(&a);
			return ERR_TEMP;
		}
		for (i = 0; i < n; i++)
			if (spf_valid_domain(buf_data(a.rec[i])))
				submit(c, buf_data(a.rec[i]), c->v6 ?
				    DNS_T_AAAA : DNS_T_A, &addr[i]);
			else
				addr[i].status = DNS_NXDOMAIN;
		r = wait_all(c) != 0 ? ERR_TEMP : NOMATCH;
		for (i = 0; i < n && r == NOMATCH; i++) {
			if (addr[i].dns == NULL)
				continue;	/* not a name: nothing there */
			if ((st = usable(c, buf_data(a.rec[i]), &addr[i],
			    1)) < 0)
				r = ERR_TEMP;
			else if (st == DNS_OK && addr_match(c, &addr[i],
			    c->v6 ? (t->cidr6 < 0 ? 128 : t->cidr6) :
			    (t->cidr4 < 0 ? 32 : t->cidr4)))
				r = MATCH;
		}
		for (i = 0; i < n; i++)
			dns_txt_clear(&addr[i]);
		free(addr);
		dns_txt_clear(&a);
		return r;
	case M_PTR:
		r = validated_names(c, ptr_found, name, &isvoid);
		if (r == NOMATCH && isvoid && count_void(c) != 0)
			return ERR_PERM;
		return r;
	default:
		return ERR_PERM;
	}
}

/* 6.2: the explanation of a fail, from exp=; "" when there is none. */
static void
explain(struct ctx *c, const struct term *t, const char *domain, char *exp)
{
	char name[DP_MAX_SPF_EXPAND + 1];
	struct dns_txt a;
	const char *s = NULL;
	size_t k, len = 0;

	exp[0] = '\0';
	if (expand_domain(c, domain, t->spec, t->slen, name) != 0 ||
	    !spf_valid_domain(name))
		return;
	submit(c, name, DNS_T_TXT, &a);
	/* the text is no part of the verdict: its DNSSEC status is not
	 * folded in, and any trouble only loses the text */
	if (wait_all(c) != 0 || a.sec == DNSSEC_BOGUS || a.status != DNS_OK ||
	    a.nrec != 1 || a.more) {
		dns_txt_clear(&a);
		return;
	}
	s = buf_data(a.rec[0]);
	len = buf_len(a.rec[0]);
	for (k = 0; k < len; k++)
		if ((unsigned char)s[k] < ' ' || (unsigned char)s[k] > '~')
			break;
	if (k == len && expand(c, domain, s, len, 1, exp,
	    DP_MAX_SPF_EXPAND + 1) != 0)
		exp[0] = '\0';
	dns_txt_clear(&a);
}

/*
 * check_host(<ip>, domain, <sender>) (4): the verdict. exp: where a fail's
 * explanation goes (DP_MAX_SPF_EXPAND + 1), or NULL inside include.
 */
static enum spf_verdict
check_host(struct ctx *c, const char *domain, int depth, char *exp)
{
	char whybuf[128], rname[DP_MAX_SPF_EXPAND + 1];
	struct dns_txt a;
	struct term t, redirect, expt;
	const char *p, *end, *s, *rec = NULL;
	char *copy = NULL;
	size_t i, n, found = 0, rlen = 0;
	int st, r, has_all = 0, has_redirect = 0, has_exp = 0;
	enum spf_verdict v = SPF_NEUTRAL;

	memset(&redirect, 0, sizeof(redirect));
	memset(&expt, 0, sizeof(expt));
	if (exp != NULL)
		exp[0] = '\0';
	/* 4.3: a name that is no FQDN has no record */
	if (!spf_valid_domain(domain)) {
		why(c, "\"%s\" is not a domain name", domain);
		return SPF_NONE;
	}
	if (depth > DP_SPF_MAX_DNS_TERMS + 1) {
		why(c, "include and redirect nested too deeply");
		return SPF_PERMERROR;
	}
	if ((st = lookup(c, domain, DNS_T_TXT, &a)) < 0)
		return SPF_TEMPERROR;
	if (st != DNS_OK) {
		dns_txt_clear(&a);
		why(c, "no SPF record at %s", domain);
		return SPF_NONE;
	}
	/* 4.5: exactly one record that begins with "v=spf1" */
	for (i = 0; i < a.nrec; i++)
		if (is_spf1(buf_data(a.rec[i]), buf_len(a.rec[i]))) {
			found++;
			rec = buf_data(a.rec[i]);
			rlen = buf_len(a.rec[i]);
		}
	if (a.more && found == 0) {
		dns_txt_clear(&a);
		why(c, "more than %d TXT records at %s", DP_MAX_DNS_RECORDS,
		    domain);
		return SPF_PERMERROR;
	}
	if (found != 1) {
		dns_txt_clear(&a);
		if (found == 0) {
			why(c, "no SPF record at %s", domain);
			return SPF_NONE;
		}
		why(c, "more than one SPF record at %s", domain);
		return SPF_PERMERROR;
	}
	if (rlen > DP_MAX_SPF_RECORD || (copy = malloc(rlen + 1)) == NULL) {
		dns_txt_clear(&a);
		why(c, "SPF record at %s: %s", domain, copy == NULL && rlen <=
		    DP_MAX_SPF_RECORD ? "out of memory" : "too long");
		return rlen > DP_MAX_SPF_RECORD ? SPF_PERMERROR : SPF_TEMPERROR;
	}
	memcpy(copy, rec, rlen);
	copy[rlen] = '\0';
	dns_txt_clear(&a);
	/* 4.6: a syntax error anywhere is a permerror, before anything */
	if (spf_record_check(copy, rlen, whybuf, sizeof(whybuf)) != 0) {
		why(c, "SPF record at %s: %s", domain, whybuf);
		free(copy);
		return SPF_PERMERROR;
	}
	end = copy + rlen;
	for (p = copy + 6; next_term(&p, end, &s, &n);) {
		(void)parse_term(s, n, &t);
		if (t.kind == M_ALL)
			has_all = 1;
		else if (t.kind == T_REDIRECT) {
			redirect = t;
			has_redirect = 1;
		} else if (t.kind == T_EXP) {
			expt = t;
			has_exp = 1;
		}
	}
	/* 4.6.2: the mechanisms from left to right; the first match wins */
	for (p = copy + 6; next_term(&p, end, &s, &n);) {
		(void)parse_term(s, n, &t);
		if (t.kind >= T_REDIRECT)
			continue;
		r = mechanism(c, &t, domain, depth);
		if (r == ERR_TEMP) {
			v = SPF_TEMPERROR;
			goto out;
		}
		if (r == ERR_PERM) {
			v = SPF_PERMERROR;
			goto out;
		}
		if (r == MATCH) {
			v = t.qual;
			why(c, "%s matched %.*s", domain,
			    (int)(t.tlen > 64 ? 64 : t.tlen), t.text);
			if (v == SPF_FAIL && exp != NULL && has_exp)
				explain(c, &expt, domain, exp);
			goto out;
		}
	}
	/* 6.1: redirect= only when nothing matched and there is no all */
	if (has_redirect && !has_all) {
		if (count_term(c) != 0) {
			v = SPF_PERMERROR;
			goto out;
		}
		if (target(c, &redirect, domain, rname) != 0) {
			v = SPF_PERMERROR;
			goto out;
		}
		v = check_host(c, rname, depth + 1, exp);
		if (v == SPF_NONE) {
			c->reason[0] = '\0';
			why(c, "redirect=%s has no SPF record", rname);
			v = SPF_PERMERROR;
		}
		goto out;
	}
	why(c, "%s: no mechanism matched", domain);
	v = SPF_NEUTRAL;
out:
	free(copy);
	return v;
}

/* ------------------------------------------------------------ entry -- */

static int
setup(struct ctx *c, struct dns *dns, const struct spf_query *q,
    enum spf_who who)
{
	const char *sender, *at, *helo;
	int fam;

	memset(c, 0, sizeof(*c));
	c->dns = dns;
	c->sec = DNSSEC_INSECURE;
	if (q->ip == NULL || (fam = parse_ip(q->ip, c->ip)) == 0)
		return DP_E_USAGE;
	c->v6 = fam == 6;
	inet_ntop(c->v6 ? AF_INET6 : AF_INET, c->ip, c->ipstr,
	    sizeof(c->ipstr));
	helo = q->helo != NULL ? q->helo : "";
	if (strlen(helo) + sizeof("postmaster@") > sizeof(c->sender))
		return DP_E_LIMIT;
	snprintf(c->helo, sizeof(c->helo), "%s", helo);
	sender = q->sender != NULL && who == SPF_MAILFROM ? q->sender : "";
	if (strlen(sender) > DP_MAX_SPF_SENDER)
		return DP_E_LIMIT;
	/* 2.4: the null path, and HELO (2.3), use postmaster@helo */
	if (sender[0] == '\0')
		snprintf(c->sender, sizeof(c->sender), "postmaster@%s", helo);
	else
		snprintf(c->sender, sizeof(c->sender), "%s", sender);
	if ((at = strrchr(c->sender, '@')) == NULL) {
		snprintf(c->local, sizeof(c->local), "postmaster");
		snprintf(c->odomain, sizeof(c->odomain), "%s", c->sender);
	} else {
		snprintf(c->local, sizeof(c->local), "%.*s",
		    (int)(at - c->sender), c->sender);
		snprintf(c->odomain, sizeof(c->odomain), "%s", at + 1);
	}
	/* 4.3: no local-part is "postmaster" */
	if (c->local[0] == '\0') {
		snprintf(c->local, sizeof(c->local), "postmaster");
		/* "@domain" gets 10 bytes longer: it may no longer fit */
		if ((size_t)snprintf(c->sender, sizeof(c->sender),
		    "postmaster@%s", c->odomain) >= sizeof(c->sender))
			return DP_E_LIMIT;
	}
	c->receiver = q->receiver != NULL && q->receiver[0] != '\0' ?
	    q->receiver : "unknown";
	c->now = q->now != 0 ? q->now : (long long)time(NULL);
	return 0;
}

int
spf_check(struct dns *dns, const struct spf_query *q, enum spf_who who,
    struct spf_result *out)
{
	struct ctx *c;
	const char *domain;
	int r;

	memset(out, 0, sizeof(*out));
	out->sec = DNSSEC_INSECURE;
	if ((c = malloc(sizeof(*c))) == NULL)
		return DP_E_NOMEM;
	if ((r = setup(c, dns, q, who)) != 0) {
		free(c);
		if (r != DP_E_LIMIT)
			return r;
		/* longer than SMTP allows (RFC 5321 4.5.3.1): no domain
		 * we could check */
		out->verdict = SPF_NONE;
		snprintf(out->reason, sizeof(out->reason), "%s longer than "
		    "%d bytes", who == SPF_HELO ? "HELO name" : "sender",
		    DP_MAX_SPF_SENDER);
		return 0;
	}
	domain = who == SPF_HELO ? c->helo : c->odomain;
	snprintf(out->domain, sizeof(out->domain), "%s", domain);
	out->verdict = check_host(c, domain, 0, out->explanation);
	if (out->verdict != SPF_FAIL)
		out->explanation[0] = '\0';
	out->sec = c->looked ? c->sec : DNSSEC_INSECURE;
	/* a bogus answer that only made a ptr or %{p} find nothing (5.5)
	 * leaves a verdict that rests on no bogus data: not secure, but
	 * bogus goes with the temperror of a bogus answer that mattered */
	if (out->sec == DNSSEC_BOGUS && out->verdict != SPF_TEMPERROR)
		out->sec = DNSSEC_INSECURE;
	/* any other temperror rests on a lookup that got no answer */
	if (out->verdict == SPF_TEMPERROR && out->sec != DNSSEC_BOGUS)
		out->sec = DNSSEC_INSECURE;
	snprintf(out->reason, sizeof(out->reason), "%s", c->reason);
	out->dns_terms = c->terms;
	out->void_lookups = c->voids;
	free(c);
	return 0;
}

int
spf_expand(struct dns *dns, const struct spf_query *q, const char *domain,
    const char *s, size_t n, int explain, char *out, size_t outlen)
{
	struct ctx *c;
	int r;

	if (outlen == 0)
		return DP_E_LIMIT;
	out[0] = '\0';
	if ((c = malloc(sizeof(*c))) == NULL)
		return DP_E_NOMEM;
	if ((r = setup(c, dns, q, SPF_MAILFROM)) == 0)
		r = expand(c, domain, s, n, explain, out, outlen);
	free(c);
	return r;
}

/* authres-check.c - a strict RFC 8601 reader for the tests. It is not
 * the project's parser (dkimpipe never reads results it did not write but
 * for the authserv-id): it exists to prove that what we write reads back
 * as exactly what we computed. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "arc.h"
#include "authres.h"
#include "authres-check.h"
#include "buf.h"
#include "verify.h"

struct rd {
	const char	*p, *end;
};

static int
tspecial(int c)
{
	return strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

static int
token_char(int c)
{
	return c > 0x20 && c < 0x7f && !tspecial(c);
}

/* RFC 5322 CFWS: blanks, folds (already checked), nested comments. */
static int
cfws(struct rd *r)
{
	int depth;

	for (;;) {
		while (r->p < r->end && strchr(" \t\r\n", *r->p) != NULL)
			r->p++;
		if (r->p >= r->end || *r->p != '(')
			return 0;
		for (depth = 0; r->p < r->end; r->p++) {
			if (*r->p == '\\') {
				if (++r->p >= r->end)
					return -1;
			} else if (*r->p == '(')
				depth++;
			else if (*r->p == ')' && --depth == 0) {
				r->p++;
				break;
			}
		}
		if (depth != 0)
			return -1;
	}
}

static int
add(char *out, size_t *n, size_t max, int c)
{
	if (*n + 1 >= max)
		return -1;
	out[(*n)++] = (char)c;
	out[*n] = '\0';
	return 0;
}

/* quoted-string, its content (quoted-pairs undone) appended to out */
static int
qstring(struct rd *r, char *out, size_t *n, size_t max)
{
	if (r->p >= r->end || *r->p != '"')
		return -1;
	for (r->p++; r->p < r->end && *r->p != '"'; r->p++) {
		if (*r->p == '\\' && ++r->p >= r->end)
			return -1;
		if (*r->p == '\r' || *r->p == '\n')
			continue;	/* a fold inside: not content */
		if (add(out, n, max, *r->p) != 0)
			return -1;
	}
	if (r->p >= r->end)
		return -1;
	r->p++;
	return 0;
}

/* a run of characters ok() accepts, at least one */
static int
run(struct rd *r, int (*ok)(int), char *out, size_t *n, size_t max)
{
	const char *s = r->p;

	while (r->p < r->end && ok((unsigned char)*r->p))
		if (add(out, n, max, *r->p++) != 0)
			return -1;
	return r->p > s ? 0 : -1;
}

/* RFC 2045 value: token / quoted-string */
static int
value(struct rd *r, char *out, size_t max)
{
	size_t n = 0;

	out[0] = '\0';
	if (r->p < r->end && *r->p == '"')
		return qstring(r, out, &n, max);
	return run(r, token_char, out, &n, max);
}

static int
atext_dot(int c)
{
	return c == '.' || (c > 0x20 && c < 0x7f && strchr("()<>@,;:\\\"[]",
	    c) == NULL);
}

static int
domain_char(int c)
{
	return c == '.' || c == '-' || c == '_' || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* pvalue = [ [local-part] "@" ] domain-name / value (RFC 8601 2.2) */
static int
pvalue(struct rd *r, char *out, size_t max)
{
	size_t n = 0;

	out[0] = '\0';
	if (r->p < r->end && *r->p == '"') {
		if (qstring(r, out, &n, max) != 0)
			return -1;
	} else if (r->p < r->end && *r->p != '@' &&
	    run(r, atext_dot, out, &n, max) != 0)
		return -1;
	if (r->p < r->end && *r->p == '@') {
		r->p++;
		if (add(out, &n, max, '@') != 0 ||
		    run(r, domain_char, out, &n, max) != 0)
			return -1;
	}
	return 0;
}

static int
keyword(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

int
ar_check_parse(const char *field, size_t len, struct ar_field *f,
    const char **why)
{
	static const char name[] = "Authentication-Results:";
	struct rd r = { field, field + len };
	struct ar_res *res;
	struct ar_prop *pr;
	char word[64];
	size_t i, n;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < len; i++) {
		if (field[i] == '\r') {
			if (i + 2 >= len || field[i + 1] != '\n' ||
			    (field[i + 2] != '\t' && field[i + 2] != ' ')) {
				*why = "a CR or LF that is no fold";
				return -1;
			}
			i += 2;
		} else if ((unsigned char)field[i] < 0x20 ||
		    (unsigned char)field[i] > 0x7e) {
			*why = "a byte outside printable US-ASCII";
			return -1;
		}
	}
	if (len < sizeof(name) - 1 || strncmp(field, name, sizeof(name) - 1)) {
		*why = "not an Authentication-Results field";
		return -1;
	}
	r.p += sizeof(name) - 1;
	if (cfws(&r) != 0 || value(&r, f->id, sizeof(f->id)) != 0) {
		*why = "no authserv-id";
		return -1;
	}
	for (;;) {
		if (cfws(&r) != 0) {
			*why = "a comment that does not end";
			return -1;
		}
		if (r.p == r.end)
			break;
		if (*r.p != ';') {
			*why = "text after a result where ';' should be";
			return -1;
		}
		r.p++;
		if (f->nres == ARC_MAX_RES) {
			*why = "too many results";
			return -1;
		}
		res = &f->res[f->nres++];
		n = 0;
		if (cfws(&r) != 0 || run(&r, keyword, res->method,
		    &n, sizeof(res->method)) != 0 || cfws(&r) != 0 ||
		    r.p >= r.end || *r.p++ != '=' || cfws(&r) != 0 ||
		    (n = 0, run(&r, keyword, res->result, &n,
		    sizeof(res->result))) != 0) {
			*why = "a result is not method=result";
			return -1;
		}
		/* propspecs: ptype "." property "=" pvalue */
		for (;;) {
			if (cfws(&r) != 0) {
				*why = "a comment that does not end";
				return -1;
			}
			if (r.p == r.end || *r.p == ';')
				break;
			if (res->nprops == ARC_MAX_PROPS) {
				*why = "too many properties";
				return -1;
			}
			pr = &res->props[res->nprops++];
			n = 0;
			if (run(&r, keyword, word, &n, sizeof(word)) != 0 ||
			    r.p >= r.end || *r.p++ != '.' ||
			    add(word, &n, sizeof(word), '.') != 0 ||
			    run(&r, keyword, word, &n, sizeof(word)) != 0 ||
			    cfws(&r) != 0 || r.p >= r.end || *r.p++ != '=' ||
			    cfws(&r) != 0 ||
			    pvalue(&r, pr->value, sizeof(pr->value)) != 0) {
				*why = "a property is not ptype.property=pvalue";
				return -1;
			}
			snprintf(pr->name, sizeof(pr->name), "%s", word);
		}
	}
	return 0;
}

void
ar_check_expect(const char *in, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; in[i] != '\0' && i + 1 < outlen; i++)
		out[i] = (unsigned char)in[i] < 0x20 ||
		    (unsigned char)in[i] > 0x7e ? '?' : in[i];
	out[i] = '\0';
}

const char *
ar_check_prop(const struct ar_field *f, size_t i, const char *name)
{
	size_t k;

	for (k = 0; i < f->nres && k < f->res[i].nprops; k++)
		if (strcmp(f->res[i].props[k].name, name) == 0)
			return f->res[i].props[k].value;
	return NULL;
}

static int
prop_is(const struct ar_field *f, size_t i, const char *name, const char *in)
{
	char want[ARC_MAX_TEXT];
	const char *got = ar_check_prop(f, i, name);

	ar_check_expect(in, want, sizeof(want));
	return got != NULL && strcmp(got, want) == 0;
}

int
ar_check_roundtrip(const char *const v[AR_NVALS], const char **why)
{
	struct sig_result s;
	const struct sig_result *sp = &s;
	struct arc_info a;
	struct ar_field f;
	struct buf *b;
	char i_at[300];
	int r;

	memset(&s, 0, sizeof(s));
	s.r = DKIM_FAIL;
	s.a = "rsa-sha256";
	s.looked_up = 1;
	s.bits = 2048;
	snprintf(s.reason, sizeof(s.reason), "%s", v[AR_DKIM_WHY]);
	snprintf(s.d, sizeof(s.d), "%s", v[AR_D]);
	snprintf(s.s, sizeof(s.s), "%s", v[AR_S]);
	snprintf(s.i, sizeof(s.i), "%s", v[AR_I]);
	snprintf(s.b8, sizeof(s.b8), "ab+/=x%c", v[AR_S][0]);
	memset(&a, 0, sizeof(a));
	a.r = ARC_FAIL;
	a.n = 2;
	snprintf(a.sealer, sizeof(a.sealer), "%s", v[AR_SEALER]);
	snprintf(a.reason, sizeof(a.reason), "%s", v[AR_ARC_WHY]);
	if ((b = buf_new(1 << 16)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	r = authres_begin(b, "mx.test");
	if (r == 0)
		r = authres_dkim(b, &sp, 1);
	if (r == 0)
		r = authres_arc(b, &a, "192.0.2.1");
	if (r == 0 && (r = buf_adds(b, ";\r\n\tspf=pass (")) == 0 &&
	    (r = authres_comment(b, v[AR_SPF_WHY])) == 0 &&
	    (r = buf_adds(b, ") smtp.mailfrom=")) == 0 &&
	    (r = authres_value(b, v[AR_MAILFROM], 1)) == 0 &&
	    (r = buf_adds(b, "\r\n\tsmtp.helo=")) == 0)
		r = authres_value(b, v[AR_HELO], 0);
	if (r != 0) {
		buf_free(b);
		*why = "building the field failed";
		return -1;
	}
	r = ar_check_parse(buf_data(b), buf_len(b), &f, why);
	buf_free(b);
	if (r != 0)
		return -1;
	snprintf(i_at, sizeof(i_at), "@%s", s.d);
	*why = NULL;
	if (strcmp(f.id, "mx.test") != 0)
		*why = "the authserv-id is not ours";
	else if (f.nres != 3 || strcmp(f.res[0].method, "dkim") != 0 ||
	    strcmp(f.res[1].method, "arc") != 0 ||
	    strcmp(f.res[2].method, "spf") != 0)
		*why = "not exactly dkim, arc, spf";
	else if (strcmp(f.res[0].result, "fail") != 0 ||
	    strcmp(f.res[1].result, "fail") != 0 ||
	    strcmp(f.res[2].result, "pass") != 0)
		*why = "a result is not the one computed";
	else if (s.d[0] == '\0' ? f.res[0].nprops != 0 :
	    (f.res[0].nprops != 5 || !prop_is(&f, 0, "header.d", s.d) ||
	    !prop_is(&f, 0, "header.s", s.s) ||
	    !prop_is(&f, 0, "header.i", s.i[0] != '\0' ? s.i : i_at)))
		*why = "header.d, header.s or header.i reads back otherwise";
	else if (f.res[1].nprops != 1 ||
	    !prop_is(&f, 1, "smtp.remote-ip", "192.0.2.1"))
		*why = "smtp.remote-ip reads back otherwise";
	else if (f.res[2].nprops != 2 ||
	    !prop_is(&f, 2, "smtp.mailfrom", v[AR_MAILFROM]) ||
	    !prop_is(&f, 2, "smtp.helo", v[AR_HELO]))
		*why = "smtp.mailfrom or smtp.helo reads back otherwise";
	return *why == NULL ? 0 : -1;
}

/* fuzz.c - libFuzzer entry points for every parser of untrusted input.
 * Built once per target with -DFUZZ_<NAME>; see t/fuzz/run.sh. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "arc.h"
#include "authres.h"
#include "buf.h"
#include "canon.h"
#include "dmarc.h"
#include "dns.h"
#include "dkim.h"
#include "keyrec.h"
#include "message.h"
#include "spf.h"
#include "tagval.h"
#include "verify.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
sink(void *arg, const void *p, size_t n)
{
	(void)arg;
	(void)p;
	(void)n;
	return 0;
}

#ifdef FUZZ_MESSAGE
/* The reader, then every field through both header canonicalizations,
 * signature parsing, b= removal, the A-R forgery check, and the ARC
 * chain (fields parsed, structure, the data each seal signs). */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct message *m;
	struct dkim_sig sig = { 0 };	/* cleared after each field */
	struct arc_chain *chain;
	struct buf *b;
	unsigned k;
	const char *why;
	FILE *f;
	size_t i;

	if ((f = tmpfile()) == NULL)
		return 0;
	fwrite(data, 1, size, f);
	fflush(f);
	rewind(f);
	if (message_read_header(fileno(f), NULL, &m) == 0) {
		(void)message_read_body(m, fileno(f), NULL, NULL);
		b = buf_new(1 << 20);
		for (i = 0; i < message_nfields(m); i++) {
			const struct hfield *h = message_field(m, i);

			buf_reset(b);
			(void)canon_header(b, CANON_SIMPLE, h->raw, h->rawlen, 1);
			buf_reset(b);
			(void)canon_header(b, CANON_RELAXED, h->raw, h->rawlen,
			    0);
			buf_reset(b);
			(void)dkim_strip_b(b, h->raw, h->rawlen);
			(void)authres_is_ours(h, "mx.example");
			if (hfield_is(h, "dkim-signature") &&
			    dkim_sig_parse(h->value, h->valuelen, &sig,
			    &why) == 0) {
				buf_reset(b);
				(void)dkim_header_data(b, m, sig.hc, sig.h,
				    sig.nh, h->raw, h->rawlen);
			}
			dkim_sig_clear(&sig);
		}
		/* the ARC chain's structure and every seal's signed data */
		if ((chain = malloc(sizeof(*chain))) != NULL &&
		    arc_collect(m, chain) == 0 && chain->ok)
			for (k = 1; k <= chain->n; k++) {
				buf_reset(b);
				(void)arc_seal_data(b, chain->set, k);
			}
		free(chain);
		buf_free(b);
		message_free(m);
	}
	fclose(f);
	return 0;
}
#endif

#ifdef FUZZ_CANON
/* Body canonicalization in two chunks split at the first byte. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct canon_body cb;
	size_t cut;

	if (size == 0)
		return 0;
	cut = data[0] % (size + 1);
	canon_body_init(&cb, data[0] & 1 ? CANON_RELAXED : CANON_SIMPLE,
	    data[0] & 2 ? (uint64_t)size / 2 : UINT64_MAX, sink, NULL);
	canon_body_update(&cb, (const char *)data, cut);
	canon_body_update(&cb, (const char *)data + cut, size - cut);
	canon_body_final(&cb);
	return 0;
}
#endif

#ifdef FUZZ_TAGVAL
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct taglist tl;
	struct dkim_sig sig;
	struct arc_seal as;
	const char *why;

	(void)tagval_parse((const char *)data, size, &tl);
	(void)dkim_sig_parse((const char *)data, size, &sig, &why);
	dkim_sig_clear(&sig);
	(void)dkim_ams_parse((const char *)data, size, &sig, &why);
	dkim_sig_clear(&sig);
	(void)dkim_seal_parse((const char *)data, size, &as, &why);
	return 0;
}
#endif

#ifdef FUZZ_KEYREC
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dkim_key k;
	const char *why;

	if (keyrec_parse((const char *)data, size, &k, &why) == 0)
		pubkey_free(k.pub);
	return 0;
}
#endif

#ifdef FUZZ_ADDR
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char a[DP_MAX_FROM_ADDRS][DP_MAX_ADDR + 1];
	size_t n;

	(void)addr_list((const char *)data, size, a, DP_MAX_FROM_ADDRS, &n);
	return 0;
}
#endif

#ifdef FUZZ_TXT
/* TXT rdata joining, then the joined text as a key record. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf *b = buf_new(DP_MAX_SIG_BYTES);
	struct dkim_key k;
	const char *why;

	if (b != NULL && dns_txt_join(data, size, b) == 0 &&
	    keyrec_parse(buf_data(b), buf_len(b), &k, &why) == 0)
		pubkey_free(k.pub);
	buf_free(b);
	return 0;
}
#endif

#ifdef FUZZ_SPF
/*
 * An SPF record's syntax check, then the same bytes as a macro-string to
 * expand, as a domain-spec and as an explanation, for an IPv4 and an
 * IPv6 client (no DNS: %{p} is "unknown").
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct spf_query q4 = { "192.0.2.3", "mx.example.org",
	    "strong-bad@email.example.com", "mx.example.net", 1 };
	static const struct spf_query q6 = { "2001:db8::cb01",
	    "mx.example.org", "", NULL, 1 };
	char why[128], out[DP_MAX_SPF_EXPAND + 1];
	const char *s = (const char *)data;

	(void)spf_record_check(s, size, why, sizeof(why));
	if (memchr(data, '\0', size) != NULL)
		return 0;
	(void)spf_expand(NULL, &q4, "email.example.com", s, size, 0, out,
	    sizeof(out));
	(void)spf_expand(NULL, &q6, "email.example.com", s, size, 1, out,
	    sizeof(out));
	return 0;
}
#endif

#ifdef FUZZ_DMARC
/* A DMARC record; the same bytes as a domain (a Tree Walk's names)
 * and as a From: value (the Author Domain). */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dmarc_record r;
	char names[DP_DMARC_WALK][DP_MAX_DOMAIN + 1];
	char d[DP_MAX_DOMAIN + 1], *s;
	size_t nd;

	(void)dmarc_record_parse((const char *)data, size, &r);
	(void)dmarc_author_domain((const char *)data, size, d, &nd);
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)dmarc_walk_names(s, names);
	free(s);
	return 0;
}
#endif

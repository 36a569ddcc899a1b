/* rfc8463-t - RFC 8463 Appendix A: our signatures equal the RFC's. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "b64.h"
#include "buf.h"
#include "canon.h"
#include "crypto.h"
#include "dkim.h"
#include "message.h"
#include "status.h"
#include "tap.h"

/* The body hash of m's body (already canonicalized into bodyc). */
static struct message *
load(const char *name, struct buf *body)
{
	struct message *m;
	int fd;

	if ((fd = open(data_path(name), O_RDONLY)) == -1 ||
	    message_read_header(fd, NULL, &m) != 0) {
		printf("Bail out! cannot read %s\n", name);
		exit(1);
	}
	message_read_body(m, fd, (body_sink)buf_add, body);
	close(fd);
	return m;
}

static const struct hfield *
nth_sig(const struct message *m, int k)
{
	size_t i;

	for (i = 0; i < message_nfields(m); i++)
		if (hfield_is(message_field(m, i), "dkim-signature") &&
		    k-- == 0)
			return message_field(m, i);
	return NULL;
}

static struct privkey *
key(const char *name)
{
	struct privkey *pk;
	size_t n;
	char *pem = slurp(data_path(name), &n);

	if (privkey_import(pem, n, &pk) != 0) {
		printf("Bail out! cannot import %s\n", name);
		exit(1);
	}
	free(pem);
	return pk;
}

static int
to_hash(void *h, const void *p, size_t n)
{
	return hash_update(h, p, n);
}

int
main(void)
{
	struct buf *body = buf_new(1 << 20), *data = buf_new(1 << 20);
	struct buf *b = buf_new(4096), *want = buf_new(4096);
	struct buf *p = buf_new(4096);
	struct message *m;
	const struct hfield *f;
	struct dkim_sig sig;
	struct canon_body cb;
	struct privkey *pk;
	struct pubkey *pub;
	struct hash *h;
	unsigned char digest[64];
	const char *why, *keys[2] = { "rfc8463/keys/brisbane.ed25519.pem",
	    "rfc8463/keys/test.rsa.pem" };
	/* RFC 8463 A.2 p= values */
	const char *pubs[2] = {
	    "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
	    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08"
	    "a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsC"
	    "R+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT"
	    "+l/K4w3QIDAQAB" };
	int k;

	plan(14);
	m = load("rfc8463/messages/A.3-signed.eml", body);
	for (k = 0; k < 2; k++) {
		f = nth_sig(m, k);
		is_int(dkim_sig_parse(f->value, f->valuelen, &sig, &why), 0,
		    k == 0 ? "signature 1 (ed25519) parses" :
		    "signature 2 (rsa) parses");
		is_int(sig.alg, k == 0 ? SIG_ED25519_SHA256 : SIG_RSA_SHA256,
		    "its algorithm");
		hash_new(SIG_RSA_SHA256, &h);
		canon_body_init(&cb, sig.bc, UINT64_MAX, to_hash, h);
		canon_body_update(&cb, buf_data(body), buf_len(body));
		canon_body_final(&cb);
		is_mem(digest, hash_final(h, digest), sig.bh, sig.bhlen,
		    "our body hash equals bh=");
		hash_free(h);
		buf_reset(data);
		dkim_header_data(data, m, sig.hc, sig.h, sig.nh, f->raw,
		    f->rawlen);
		pk = key(keys[k]);
		buf_reset(b);
		is_int(privkey_sign(pk, buf_data(data), buf_len(data), b), 0,
		    "signing the header data");
		buf_reset(want);
		b64_encode(want, sig.b, sig.blen);
		is_str(buf_data(b), buf_data(want), k == 0 ?
		    "ed25519-sha256 b= equals RFC 8463 A.3 byte for byte" :
		    "rsa-sha256 b= equals RFC 8463 A.3 byte for byte");
		buf_reset(p);
		b64_decode(p, pubs[k], strlen(pubs[k]));
		is_int(pubkey_import(k == 0 ? KEY_ED25519 : KEY_RSA,
		    buf_data(p), buf_len(p), &pub), 0, "the A.2 key imports");
		is_int(pubkey_verify(pub, sig.alg, buf_data(data),
		    buf_len(data), sig.b, sig.blen), 0,
		    "the A.3 signature verifies with the A.2 record");
		pubkey_free(pub);
		privkey_free(pk);
		dkim_sig_clear(&sig);
	}
	message_free(m);
	buf_free(body);
	buf_free(data);
	buf_free(b);
	buf_free(want);
	buf_free(p);
	return done_testing();
}

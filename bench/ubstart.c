/*
 * ubstart.c - what a fresh libunbound context costs, phase by phase, for
 * bench/verify.sh.
 *
 *	ubstart UNBOUND_CONF NAME1 NAME2
 *
 * Does in one process what dkimpipe-verify's resolver does for the first
 * message it sees (common/dns.c): ub_ctx_create, ub_ctx_async(ctx, 1) (a
 * thread, not a process), ub_ctx_config(UNBOUND_CONF); then TXT lookups
 * with ub_resolve_async and ub_wait, one at a time:
 *	NAME1		the first lookup: libunbound finalizes the context
 *			(modules, trust anchor), starts its thread, fetches
 *			and validates the chain of trust (DNSKEY test., DS and
 *			DNSKEY good.test.) and then the TXT record
 *	NAME2		a second name in the same zone: one more TXT query,
 *			the chain is cached
 *	NAME1 again	from libunbound's cache, no query
 * and ub_ctx_delete. Prints one line, tab-separated, milliseconds
 * (CLOCK_MONOTONIC) for each phase:
 *	create config first second cached delete
 * and exits 1 unless every answer has data and is DNSSEC secure.
 * dkimpipe-verify sends all of a message's lookups at once; this sends
 * them one by one, to see each cost.
 *
 * Build: cc -O2 -o ubstart ubstart.c -lunbound
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <unbound.h>

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

struct q {
	int	done;
	int	err;
	int	ok;
	char	why[200];
};

static void
answer(void *arg, int err, struct ub_result *res)
{
	struct q *q = arg;

	q->done = 1;
	q->err = err;
	if (err == 0 && res != NULL) {
		q->ok = res->havedata && res->secure;
		snprintf(q->why, sizeof(q->why), "rcode %d, %s%s%s", res->rcode,
		    res->secure ? "secure" : res->bogus ? "bogus" : "insecure",
		    res->why_bogus != NULL ? ": " : "",
		    res->why_bogus != NULL ? res->why_bogus : "");
	} else
		snprintf(q->why, sizeof(q->why), "%s", ub_strerror(err));
	if (res != NULL)
		ub_resolve_free(res);
}

static int
lookup(struct ub_ctx *ctx, const char *name)
{
	struct q q = { 0 };
	int r;

	if ((r = ub_resolve_async(ctx, name, 16 /* TXT */, 1, &q, answer,
	    NULL)) != 0) {
		fprintf(stderr, "ubstart: %s: %s\n", name, ub_strerror(r));
		return -1;
	}
	while (!q.done)
		if ((r = ub_wait(ctx)) != 0) {
			fprintf(stderr, "ubstart: ub_wait: %s\n", ub_strerror(r));
			return -1;
		}
	if (!q.ok) {
		fprintf(stderr, "ubstart: %s: no secure answer (%s)\n", name, q.why);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct ub_ctx *ctx;
	double t[7];
	int r;

	if (argc != 4) {
		fprintf(stderr, "usage: ubstart UNBOUND_CONF NAME1 NAME2\n");
		return 64;
	}
	t[0] = now_ms();
	if ((ctx = ub_ctx_create()) == NULL) {
		fprintf(stderr, "ubstart: ub_ctx_create failed\n");
		return 1;
	}
	t[1] = now_ms();
	if ((r = ub_ctx_async(ctx, 1)) != 0 ||
	    (r = ub_ctx_config(ctx, argv[1])) != 0) {
		fprintf(stderr, "ubstart: %s: %s\n", argv[1], ub_strerror(r));
		return 1;
	}
	t[2] = now_ms();
	if (lookup(ctx, argv[2]) != 0)
		return 1;
	t[3] = now_ms();
	if (lookup(ctx, argv[3]) != 0)
		return 1;
	t[4] = now_ms();
	if (lookup(ctx, argv[2]) != 0)
		return 1;
	t[5] = now_ms();
	ub_ctx_delete(ctx);
	t[6] = now_ms();
	printf("%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\n", t[1] - t[0], t[2] - t[1],
	    t[3] - t[2], t[4] - t[3], t[5] - t[4], t[6] - t[5]);
	return 0;
}

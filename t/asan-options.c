/* asan-options.c - linked into the sanitizer build only (build.sh
 * sanitize). The MTA tests run our programs under Exim with nss_wrapper
 * in LD_PRELOAD, ahead of the ASan runtime, and Exim clears the
 * environment, so ASAN_OPTIONS cannot say that this is fine. */
const char	*__asan_default_options(void);

const char *
__asan_default_options(void)
{
	return "verify_asan_link_order=0";
}

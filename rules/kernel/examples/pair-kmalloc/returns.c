/* pair-kmalloc: what a return statement gives the caller. */

struct demo_ctx {
	u8 *tok;
	int tok_len;
};

static int demo_tok_alloc(struct demo_ctx *ctx, const u8 *src, int len)
{
	ctx->tok = kmalloc(len, GFP_KERNEL);
	if (!ctx->tok)
		/* ok: pair-kmalloc */
		return -ENOMEM;
	memcpy(ctx->tok, src, len);
	ctx->tok_len = len;
	/* ok: pair-kmalloc */
	return 0;
}

/* The helper's own result goes back untested: when it failed nothing is held. */
static int good_return_helper_result(struct demo_ctx *ctx, const u8 *src, int len)
{
	/* ok: pair-kmalloc */
	return demo_tok_alloc(ctx, src, len);
}

/* Once the helper succeeded, a later failure leaves the token with the caller's
 * context while saying the call failed. */
static int bad_fail_after_helper(struct demo_ctx *ctx, const u8 *src, int len)
{
	int ret;

	ret = demo_tok_alloc(ctx, src, len);
	if (ret)
		/* ok: pair-kmalloc */
		return ret;
	if (ctx->tok[0] != 0x60)
		/* ruleid: pair-kmalloc */
		return -EINVAL;
	/* ok: pair-kmalloc */
	return 0;
}

/* The walk moves the pointer along the copy; the start it returns is the buffer. */
static char *good_lower_copy(const char *name, int max)
{
	char *low;
	int len;

	low = kzalloc(max, GFP_KERNEL);
	if (!low)
		/* ok: pair-kmalloc */
		return ERR_PTR(-ENOMEM);
	len = strscpy(low, name, max);
	if (len < 0) {
		kfree(low);
		/* ok: pair-kmalloc */
		return ERR_PTR(-E2BIG);
	}
	for (; *low; ++low)
		*low = tolower(*low);
	/* ok: pair-kmalloc */
	return low - len;
}

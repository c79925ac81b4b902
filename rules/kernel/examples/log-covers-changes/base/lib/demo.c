// SPDX-License-Identifier: GPL-2.0
#include "demo.h"

static int demo_read(struct demo *d, u32 *val)
{
	*val = readl(d->base + DEMO_DATA);
	return 0;
}

static int demo_write(struct demo *d, u32 val)
{
	writel(val, d->base + DEMO_DATA);
	return 0;
}

static int demo_status(struct demo *d, u32 *val)
{
	*val = readl(d->base + DEMO_STATUS);
	return 0;
}

static int demo_reset(struct demo *d)
{
	d->state = 0;
	return 0;
}

/* The virtual console (see vconsole.h). */
#include "hyp/vconsole.h"

#include "hyp/console.h"
#include "hyp/partition.h"

static void flush_line(struct partition *p)
{
	struct vconsole *vc = &p->vcon;

	console_guest_write(p->cfg->name, vc->line, vc->len);
	vc->len = 0;
}

static void tx(void *ctx, uint8_t c)
{
	struct partition *p = ctx;
	struct vconsole *vc = &p->vcon;

	if (c == '\r')
		return; /* lines end at '\n'; the console adds its own "\r\n" */
	if (c == '\n') {
		flush_line(p);
		return;
	}
	vc->line[vc->len++] = (char)c;
	if (vc->len == sizeof(vc->line))
		flush_line(p);
}

/* The UART's interrupt output, as the level of a virtual SPI. Called with vcon.lock held. */
static void irq(void *ctx, bool level)
{
	struct partition *p = ctx;
	unsigned intid = p->cfg->vuart_intid;

	spin_lock(&p->vgic.lock);
	if (level)
		vgic_dist_set_pending(&p->vgic.dist, 0, intid, true);
	else
		vgic_dist_clear_pending(&p->vgic.dist, 0, intid);
	spin_unlock(&p->vgic.lock);
}

static const struct vuart_ops ops = {.tx = tx, .irq = irq};

static int uart_read(void *dev, uint64_t off, unsigned size, uint32_t *val)
{
	struct partition *p = dev;

	spin_lock(&p->vcon.lock);
	int err = vuart_mmio_read(&p->vcon.uart, off, size, val);
	spin_unlock(&p->vcon.lock);
	return err;
}

static int uart_write(void *dev, uint64_t off, unsigned size, uint32_t val)
{
	struct partition *p = dev;

	spin_lock(&p->vcon.lock);
	int err = vuart_mmio_write(&p->vcon.uart, off, size, val);
	spin_unlock(&p->vcon.lock);
	return err;
}

int vconsole_init(struct partition *p)
{
	const struct part_config *c = p->cfg;

	if (!c->has_vuart)
		return 0;
	spin_lock_init(&p->vcon.lock);
	vuart_init(&p->vcon.uart, &ops, p);
	p->vcon.len = 0;
	if (mmio_find(&p->bus, c->vuart_ipa, 4))
		return 0; /* restart: the region is already there */

	struct mmio_region r = {
		.base = c->vuart_ipa,
		.size = VUART_FRAME_SIZE,
		.read = uart_read,
		.write = uart_write,
		.dev = p,
		.name = "vuart",
	};
	return mmio_register(&p->bus, &r);
}

/* Virtual console UART: the ARM PrimeCell UART (PL011) r1p5 register model a partition sees as its
 * console, driven by an unmodified guest driver (Linux amba-pl011: console=ttyAMA0,
 * earlycon=pl011,<addr>). References are to the PL011 Technical Reference Manual, ARM DDI 0183G
 * ("TRM 3.3.8" = section 3.3.8).
 *
 * Every guest access to the UART page traps and reaches vuart_mmio_read()/vuart_mmio_write()
 * through the partition's MMIO bus (hyp/mmio.h). The hypervisor's console side feeds guest input
 * with vuart_rx() and takes guest output from ops->tx; ops->irq drives the UART's interrupt line
 * (a level-sensitive SPI in the vGIC).
 *
 * Register map (TRM 3.2, 3.3), offsets from the frame base:
 *   0x000 UARTDR    read: pops the RX FIFO; data in [7:0], error flags FE/PE/BE/OE [11:8] always
 *                   0 (input never crosses a wire, so it has no framing, parity or break errors);
 *                   an empty FIFO reads 0. write: bits [7:0] are transmitted (see Transmit).
 *   0x004 UARTRSR   reads 0 (no receive errors, and no overrun: see Receive); UARTECR writes are
 *                   ignored (there is nothing to clear).
 *   0x018 UARTFR    read-only. TXFE [7] = 1, TXFF [5] = 0, BUSY [3] = 0 always; RXFE [4] / RXFF [6]
 *                   from the RX FIFO; the modem inputs CTS [0], DSR [1], DCD [2], RI [8] read 0
 *                   (no modem lines). Reset 0x90 (TXFE | RXFE).
 *   0x020 UARTILPR [7:0], 0x024 UARTIBRD [15:0], 0x028 UARTFBRD [5:0], 0x02c UARTLCR_H [7:0]:
 *                   read back what was written, reset 0. Only LCR_H.FEN [4] has an effect (FIFO
 *                   depth, see Receive): baud rate, frame format, break and IrDA do not apply to
 *                   a byte pipe.
 *   0x030 UARTCR    [15:7] and [2:0] read back, reserved [6:3] read 0; reset 0x300 (TXE | RXE).
 *                   UARTEN [0] and RXE [9] gate reception; LBE [7] selects loopback. TXE does not
 *                   gate transmission (see Transmit). SIREN/SIRLP, DTR/RTS, Out1/Out2 and
 *                   RTSEn/CTSEn are stored only: there are no modem or flow-control lines, and
 *                   CTSEn never holds output back.
 *   0x034 UARTIFLS  [5:0], reset 0x12 (both levels 1/2). RXIFLSEL [5:3] sets the receive trigger
 *                   level; TXIFLSEL [2:0] has no effect (the TX FIFO never rises above a level).
 *   0x038 UARTIMSC  [10:0], reset 0.
 *   0x03c UARTRIS   read-only. Only RXRIS [4], TXRIS [5] and RTRIS [6] are ever set: the modem
 *                   [3:0] and error [10:7] interrupts never occur.
 *   0x040 UARTMIS   read-only: UARTRIS & UARTIMSC.
 *   0x044 UARTICR   write-only (reads 0): each 1 in [10:0] clears that UARTRIS bit.
 *   0x048 UARTDMACR [2:0], read back, reset 0. No DMA requests exist: a guest driver uses DMA
 *                   only if its DT/platform data names DMA channels, which Bulkhead never does.
 *   0xfe0-0xfec UARTPeriphID0-3 = 0x11, 0x10, 0x34, 0x00 (part 0x011, designer 0x41 ARM,
 *                   revision 3 = r1p5: Linux then assumes a 32-entry FIFO); 0xff0-0xffc
 *                   UARTPCellID0-3 = 0x0d, 0xf0, 0x05, 0xb1 (TRM 3.3.15, 3.3.16). Read-only.
 *   Every other offset (reserved, the integration test registers at 0x080-0x08c) reads 0 and
 *   ignores writes.
 *
 * Access sizes: an access of 1, 2 or 4 bytes at a multiple of 4 reaches the register there; a
 * read returns its low `size` bytes, a write takes the low `size` bytes of the value,
 * zero-extended. All three are needed: Linux's amba-pl011 driver uses 16-bit accessors for every
 * register (32-bit only with reg-io-width = <4> in the DT), its earlycon reads UARTFR with 32-bit
 * loads and writes UARTDR with 8-bit stores (earlycon=pl011,<addr> or pl011,mmio) or 32-bit stores
 * (pl011,mmio32). Any other access (an offset that is not a multiple of 4, a size other than 1, 2
 * or 4, an offset at or beyond VUART_FRAME_SIZE) reads 0 and changes nothing. Both entry points
 * always return 0: nothing a guest does can make an access fail.
 *
 * Transmit (TRM 3.3.1, 3.3.8): instantaneous. A UARTDR write hands bits [7:0] to ops->tx during the
 * write, so the TX FIFO is always empty (UARTFR.TXFE = 1, TXFF = 0, BUSY = 0). UARTEN and TXE are
 * NOT checked: Bulkhead starts a guest with the UART at its reset value (UARTEN = 0), but Linux's
 * earlycon, and its decompressor/DEBUG_LL output, assume boot firmware enabled the UART and never
 * set UARTEN themselves; the amba-pl011 driver then rewrites UARTCR with UARTEN = 0 while it
 * probes (set_mctrl, set_termios) and earlycon is still the console, and sets UARTEN | TXE only
 * around each console message. Real hardware would keep such bytes in its FIFO until enabled
 * (and earlycon would spin on TXFF after 32 of them); dropping them would lose the boot log.
 *   Loopback (UARTCR.LBE): a written byte goes to the RX FIFO instead of ops->tx, when the
 *   receiver is enabled (UARTEN and RXE) and the FIFO has room; otherwise it is dropped (real
 *   hardware would flag an overrun; not modelled). Older amba-pl011 drivers write one byte in
 *   loopback at startup to provoke the TX interrupt; it must not reach the console.
 *
 * TX interrupt, TXRIS (TRM 3.4.3): the PL011 asserts it when the TX FIFO level drops to or below
 * the trigger level (a transition: enabling an empty UART does not assert it) and clears it when
 * writes fill the FIFO above that level, or on UARTICR.TXIC. Here each written byte enters the
 * FIFO and leaves it at once, a drop to empty: every UARTDR write sets TXRIS (loopback too), and
 * as the FIFO never rises above any level only UARTICR.TXIC clears it. Reset: 0.
 *   So once a byte has been written, a guest that unmasks TXIM takes the interrupt at once, and
 *   it stays asserted while TXIM stays set. That is what Linux needs and no storm: pl011_tx_chars()
 *   unmasks TXIM only when data remains after filling the FIFO (never here: TXFF never sets, so
 *   start_tx writes the whole buffer), its handler writes fifosize/2 bytes per pass without
 *   touching UARTICR.TXIC and loops while RIS & im is non-zero, and pl011_stop_tx() masks TXIM as
 *   soon as nothing is left, which drops the line. Older drivers that only unmask TXIM in start_tx
 *   work too: their startup loopback byte sets TXRIS, and they never clear it.
 *
 * Receive (TRM 3.3.3, 3.4.2, 3.4.4): vuart_rx() appends to a FIFO of VUART_FIFO_DEPTH entries,
 * 1 in character mode (UARTLCR_H.FEN = 0, the reset value), accepting bytes only while UARTEN and
 * RXE are set and LBE is clear (in loopback the PL011 disconnects its RX pin). It refuses a byte
 * rather than overrunning: the caller keeps it for later, so nothing is lost and the overrun
 * error (UARTRSR.OE, OERIS) never occurs. UARTFR.RXFE = FIFO empty, RXFF = fill >= depth (bytes
 * queued while FEN was set survive clearing it and are read out normally).
 *   RXRIS is set when the fill reaches the trigger level from below (IFLS.RXIFLSEL b000..b100 =
 *   1/8, 1/4, 1/2, 3/4, 7/8 of 32 = 4, 8, 16, 24, 28 bytes; the reserved b101..b111 act as 1/2;
 *   1 byte when FEN = 0), whether a byte arrives or an IFLS/LCR_H write lowers the level. It is
 *   cleared when the fill goes below the level (reads, or a write raising the level) and by
 *   UARTICR.RXIC; after UARTICR.RXIC it is set again only once the fill has gone below the level
 *   and reached it again (the behaviour Linux's pl011_enable_interrupts() works around).
 *   RTRIS, the receive timeout (32 bit periods without new data while the FIFO is non-empty),
 *   expires at once: it is set by every received byte and by every UARTDR read that leaves the
 *   FIFO non-empty, and cleared when the FIFO becomes empty or by UARTICR.RTIC. A byte thus never
 *   waits in the FIFO without RTRIS unless the guest cleared it after the last arrival or read.
 *
 * Interrupt output (TRM 3.4.6, UARTINTR): level = (UARTMIS != 0). ops->irq(ctx, level) is called
 * when the level differs from the one last reported, once, at the end of the vuart_mmio_read(),
 * vuart_mmio_write() or vuart_rx() call that changed it (after any ops->tx of that call).
 * vuart_init() resets it to low without a call: on a partition restart the caller lowers its
 * interrupt line itself.
 *
 * Callbacks (ops and either member may be NULL) run inside the call that causes them, with the
 * caller's lock held, and must not call back into the model (record the event and return):
 *   vuart_mmio_write()  ops->tx (UARTDR, at most one byte), then ops->irq
 *   vuart_mmio_read()   ops->irq (a UARTDR read pops the FIFO: RXRIS/RTRIS may change)
 *   vuart_rx()          ops->irq
 *   vuart_init()        none
 * ops->tx runs inside the guest's trap: it should queue the byte, not wait for a slow console.
 *
 * Arch-neutral: no hardware access; builds for the host (tests/unit/test_vuart.c).
 *
 * Locking: the model is not internally locked. The caller serializes every call on one struct
 * vuart, e.g. with one spinlock per partition console held around vuart_mmio_read()/write() (the
 * MMIO bus may call them from several vCPUs at once) and around vuart_rx() from the host's input
 * path.
 */
#ifndef BULKHEAD_VUART_H
#define BULKHEAD_VUART_H

#include "hyp/types.h"

/* Register frame the model decodes: one 4 KiB page. */
#define VUART_FRAME_SIZE 0x1000u

/* Entries of the RX FIFO (and of the TX FIFO the guest is told about): 32 from PL011 r1p5 on. */
#define VUART_FIFO_DEPTH 32u

/* Events for the console side. Either member may be NULL (event not wanted). Called with the
 * caller's lock held; must not call into the model. */
struct vuart_ops {
	/* The guest transmitted byte c (a UARTDR write, outside loopback). Called in write order. */
	void (*tx)(void *ctx, uint8_t c);
	/* The interrupt output changed: level = (UARTMIS != 0). Called only on a change, at the end
	 * of the call that made it. */
	void (*irq)(void *ctx, bool level);
};

/* One virtual PL011. Guarded by the caller's lock (see above). */
struct vuart {
	const struct vuart_ops *ops;
	void *ctx;
	/* Registers that read back what was written (masked to their implemented bits). */
	uint32_t ilpr, ibrd, fbrd, lcr_h, cr, ifls, imsc, dmacr;
	uint32_t ris;			   /* UARTRIS */
	uint8_t rx_fifo[VUART_FIFO_DEPTH]; /* ring: rx_count bytes from rx_head */
	unsigned rx_head;		   /* index of the oldest byte */
	unsigned rx_count;		   /* bytes queued, 0..VUART_FIFO_DEPTH */
	bool rx_at_level; /* rx_count >= trigger level at the end of the last call */
	bool irq_level;	  /* level last reported through ops->irq */
};

/* Resets u to the PL011 reset state (registers as listed above, both FIFOs empty, interrupt
 * output low) and keeps ops (may be NULL) and ctx for the events. Makes no callback. Also used on
 * a partition restart. */
void vuart_init(struct vuart *u, const struct vuart_ops *ops, void *ctx);

/* A guest load of `size` bytes at `offset` from the frame base (hyp/mmio.h region callback).
 * Stores the value in *val, zero above the low `size` bytes; unimplemented offsets and
 * unsupported accesses read 0. A UARTDR read pops the RX FIFO. May call ops->irq. Returns 0. */
int vuart_mmio_read(struct vuart *u, uint64_t offset, unsigned size, uint32_t *val);

/* A guest store of the low `size` bytes of val at `offset` from the frame base. Unimplemented
 * offsets, read-only registers and unsupported accesses ignore it. May call ops->tx (UARTDR), then
 * ops->irq. Returns 0. */
int vuart_mmio_write(struct vuart *u, uint64_t offset, unsigned size, uint32_t val);

/* Host input c for the guest: queues it in the RX FIFO. Returns true; false (nothing changed) if
 * the receiver is disabled (UARTCR.UARTEN or RXE clear, or LBE set) or the FIFO is full: the caller
 * keeps the byte and offers it again later, e.g. after the guest's next access to the UART (see
 * vuart_rx_room()). May call ops->irq. */
bool vuart_rx(struct vuart *u, uint8_t c);

/* How many bytes vuart_rx() would accept now: 0 if the receiver is disabled, else the free FIFO
 * entries. A caller holding input re-checks it after each guest access to the UART (a UARTDR read
 * frees an entry; a UARTCR or UARTLCR_H write may enable the receiver or deepen the FIFO). */
unsigned vuart_rx_room(const struct vuart *u);

/* The interrupt output: UARTMIS != 0 (the level last reported through ops->irq). */
bool vuart_irq_level(const struct vuart *u);

#endif

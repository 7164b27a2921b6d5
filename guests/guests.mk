# Bare-metal test guests (guests/README.md), as a fragment of the top-level non-recursive Makefile.
# The includer defines B (build directory), CROSS (toolchain prefix, e.g. arm-none-eabi-) and
# DEPS_STAMP (a file every object depends on); Q (quiet) is optional.
#
# Produces $(B)/guests/<name>.elf and $(B)/guests/<name>.bin (the raw image a partition loads)
# for each name in GUEST_NAMES; GUEST_BINS lists the images.

GUEST_NAMES := hello isolation psci fault memid irqtimer sgi uart rtc gicdpoke manyirq vfp ctxsw dbgregs timerwake
# The make-bench guests (scripts/bench.sh); the top-level Makefile builds them as BENCH_GUEST_BINS.
BENCH_GUEST_NAMES := bench benchyield benchgicd benchirq benchsgi benchwfi benchspi

# IPA every guest is linked at (its partition's image IPA and entry). The one definition: passed
# to the linker script and to C.
GUEST_BASE ?= 0x10000000

# IPA of the PL011 the uart guest drives (a device passed through at its platform PA).
UART_BASE ?= 0x09040000

GUEST_CC := $(CROSS)gcc
GUEST_ARCH := -mcpu=cortex-a15 -marm -mfloat-abi=soft
# -mno-unaligned-access: with the MMU off every access is Strongly-ordered, where an unaligned
# access faults whatever SCTLR.A says (ARM ARM A3.2.1).
GUEST_CFLAGS := -std=gnu11 $(GUEST_ARCH) -mno-unaligned-access -ffreestanding -fno-common \
	-nostdlib -O2 -g -Wall -Wextra -Werror -MMD -MP -I. -Iguests/common \
	-DGUEST_BASE=$(GUEST_BASE)u
GUEST_ASFLAGS := $(GUEST_ARCH) -g -MMD -MP -I. -Iguests/common
GUEST_LDFLAGS := $(GUEST_ARCH) -T guests/common/guest.ld -nostartfiles -nostdlib \
	-Wl,--defsym=GUEST_BASE=$(GUEST_BASE) -Wl,--build-id=none -Wl,--no-warn-rwx-segments

GUEST_COMMON_OBJ := $(addprefix $(B)/guests/common/,crt0.o console.o dt.o exception.o runtime.o \
	string.o)
GUEST_BINS := $(GUEST_NAMES:%=$(B)/guests/%.bin)

# The uart guest's object also depends on a stamp named after UART_BASE, so a new value rebuilds it.
UART_BASE_STAMP := $(B)/guests/uart/.base-$(UART_BASE)
$(B)/guests/uart/main.o: GUEST_CFLAGS += -DUART_BASE=$(UART_BASE)u
$(B)/guests/uart/main.o: $(UART_BASE_STAMP)
$(UART_BASE_STAMP):
	@mkdir -p $(dir $@)
	@rm -f $(B)/guests/uart/.base-*
	@touch $@

# The same guest built for QEMU vexpress-a15's UART1 (tests/qemu/scenarios/passthrough-uart.scn),
# as uart-vexpress: its own object from guests/uart/main.c, so both builds exist side by side.
UART_VEXPRESS_BASE := 0x1c0a0000
GUEST_BINS += $(B)/guests/uart-vexpress.bin
$(B)/guests/uart-vexpress/main.o: guests/uart/main.c guests/guests.mk $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $< (UART_BASE=$(UART_VEXPRESS_BASE))")
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -DUART_BASE=$(UART_VEXPRESS_BASE)u -c $< -o $@
.SECONDARY: $(B)/guests/uart-vexpress/main.o $(B)/guests/uart-vexpress.elf

# ctxsw has an assembly part beside its main.c (guests/ctxsw/live.S): its own link rule, which
# takes precedence over the pattern rule below.
CTXSW_OBJ := $(B)/guests/ctxsw/main.o $(B)/guests/ctxsw/live.o
$(B)/guests/ctxsw.elf: $(CTXSW_OBJ) $(GUEST_COMMON_OBJ) guests/common/guest.ld
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(GUEST_CC) $(GUEST_LDFLAGS) -o $@ $(CTXSW_OBJ) $(GUEST_COMMON_OBJ) -lgcc
.SECONDARY: $(B)/guests/ctxsw/live.o

# guests.mk itself is a prerequisite: a flag or GUEST_BASE change rebuilds everything.
$(B)/guests/%.o: guests/%.c guests/guests.mk $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(GUEST_CC) $(GUEST_CFLAGS) -c $< -o $@

$(B)/guests/%.o: guests/%.S guests/guests.mk $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  AS      $<")
	$(Q)$(GUEST_CC) $(GUEST_ASFLAGS) -c $< -o $@

$(B)/guests/%.elf: $(B)/guests/%/main.o $(GUEST_COMMON_OBJ) guests/common/guest.ld
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(GUEST_CC) $(GUEST_LDFLAGS) -o $@ $< $(GUEST_COMMON_OBJ) -lgcc

$(B)/guests/%.bin: $(B)/guests/%.elf
	$(Q)$(CROSS)objcopy -O binary $< $@
	$(if $(Q),@echo "  IMAGE   $@ ($$(stat -c %s $@) bytes)")

# The .o files are intermediates of the pattern rules; keep them for incremental builds.
.SECONDARY: $(GUEST_COMMON_OBJ) $(foreach n,$(GUEST_NAMES) $(BENCH_GUEST_NAMES), \
	$(B)/guests/$(n)/main.o $(B)/guests/$(n).elf)

-include $(wildcard $(B)/guests/*/*.d)

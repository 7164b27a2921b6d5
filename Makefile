# Bulkhead: one non-recursive Makefile, everything built under $(B)/.
#
#   make            build/bulkhead.elf and build/bulkhead.bin
#   make run        boot the default demo under QEMU (installs dependencies first)
#   make test       every test suite; the last line is "N passed, N failed"
#   make debug      QEMU halted with a gdb stub, and gdb-multiarch attached
#   make unit       host unit tests only;  make qemu-test: QEMU scenarios only
#   make lint       clang-format and cppcheck
#   make dtb PARTS=my.dts  compose my.dts with the QEMU virt tree, check it (build/compose/)

B := build
CROSS := arm-none-eabi-
TCC := $(CROSS)gcc
HCC := gcc
Q := $(if $(V),,@)

LIBFDT_DIR := $(B)/deps/libfdt
LIBFDT_A := $(LIBFDT_DIR)/libfdt.a
DEPS_STAMP := $(B)/deps/.stamp-v1
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

# --- hypervisor image -------------------------------------------------------------------------
HYP_ASM := boot/entry.S boot/vectors.S boot/vfp.S
HYP_SRC := \
	hyp/boot.c hyp/main.c hyp/console.c hyp/fmt.c hyp/diag.c hyp/panic.c hyp/irq.c \
	hyp/percpu.c hyp/smp.c hyp/selftest.c hyp/platform.c hyp/dt.c hyp/probe.c hyp/vcpu.c \
	hyp/config.c hyp/partition.c hyp/sched.c hyp/trap.c hyp/hypercall.c hyp/psci.c hyp/fault.c \
	hyp/vfp.c hyp/mmio.c hyp/pmu.c hyp/bench.c hyp/vgic.c hyp/vgic_dist.c hyp/vuart.c \
	hyp/vconsole.c hyp/guest_dt.c \
	mm/palloc.c mm/pgtable.c mm/lpae.c mm/hyp_map.c mm/cache.c mm/stage2.c \
	mm/stage2_selftest.c \
	vmid/vmid.c \
	drivers/pl011.c drivers/gic.c drivers/timer.c drivers/psci_fw.c

WARN := -Wall -Wextra -Werror -Wshadow
TARGET_ARCH := -mcpu=cortex-a15 -marm -mfloat-abi=soft
TARGET_CFLAGS := -std=gnu11 $(TARGET_ARCH) -ffreestanding -fno-common -fpie \
	-mno-unaligned-access -fstack-protector-strong -O2 -g $(WARN) -Wconversion \
	-Wsign-conversion -I. -isystem $(LIBFDT_DIR)/include -DBULKHEAD_VERSION='"$(VERSION)"' -MMD -MP
TARGET_ASFLAGS := $(TARGET_ARCH) -I. -I$(B)/include -D__ASSEMBLER__ -g -MMD -MP
TARGET_LDFLAGS := $(TARGET_ARCH) -nostartfiles -nostdlib -Wl,-pie -Wl,--no-dynamic-linker \
	-Wl,-z,noexecstack -Wl,--build-id=none -Wl,--no-warn-rwx-segments

HYP_OBJ := $(patsubst %.S,$(B)/hyp/%.o,$(HYP_ASM)) $(patsubst %.c,$(B)/hyp/%.o,$(HYP_SRC))

all: $(B)/bulkhead.bin guests tools linux

# Bare-metal test guests (guests/guests.mk: GUEST_BINS).
include guests/guests.mk
BENCH_GUEST_BINS := $(BENCH_GUEST_NAMES:%=$(B)/guests/%.bin)
.PHONY: guests
guests: $(GUEST_BINS) $(BENCH_GUEST_BINS)

$(DEPS_STAMP): scripts/deps.sh
	$(Q)scripts/deps.sh

.PHONY: deps
deps:
	$(Q)scripts/deps.sh

$(B)/hyp/%.o: %.c $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC      $<")
	$(Q)$(TCC) $(TARGET_CFLAGS) -c $< -o $@

# Struct offsets for assembly (see boot/asm-offsets.c).
$(B)/include/asm-offsets.h: boot/asm-offsets.c hyp/percpu.h hyp/vcpu.h $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(TCC) $(TARGET_CFLAGS) -MF $@.d -S $< -o $@.s
	$(Q){ echo "/* Generated from boot/asm-offsets.c: do not edit. */"; \
	  sed -n 's/.*->\([A-Z0-9_]*\) #\{0,1\}\([0-9-]*\).*/#define \1 \2/p' $@.s; } > $@

$(B)/hyp/%.o: %.S $(B)/include/asm-offsets.h $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  AS      $<")
	$(Q)$(TCC) $(TARGET_ASFLAGS) -c $< -o $@

$(B)/linker.lds: linker.ld hyp/layout.h
	@mkdir -p $(B)
	$(Q)$(TCC) -E -P -x c -I. -D__ASSEMBLER__ -DLINKER_SCRIPT $< -o $@

# The image must carry only R_ARM_RELATIVE relocations: boot/entry.S applies nothing else.
$(B)/bulkhead.elf: $(HYP_OBJ) $(B)/linker.lds $(LIBFDT_A)
	$(if $(Q),@echo "  LD      $@")
	$(Q)$(TCC) $(TARGET_LDFLAGS) -T $(B)/linker.lds -o $@ $(HYP_OBJ) $(LIBFDT_A) -lc -lgcc
	$(Q)$(CROSS)readelf -rW $@ | awk '/R_ARM_/ && $$3 != "R_ARM_RELATIVE" { print "bad relocation: " $$0; bad = 1 } END { exit bad }'

$(B)/bulkhead.bin: $(B)/bulkhead.elf
	$(Q)$(CROSS)objcopy -O binary $< $@
	$(if $(Q),@echo "  IMAGE   $@ ($$(stat -c %s $@) bytes)")

$(LIBFDT_A): $(DEPS_STAMP)

# --- host unit tests (arch-neutral modules, ASan/UBSan) -----------------------------------------
HOST_CFLAGS := -std=gnu11 -DBULKHEAD_HOST $(WARN) -g -O1 -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer -I. -MMD -MP
HOST_LIBS := -lcmocka -lfdt -lpthread

UNIT_TESTS := fmt platform pgtable palloc vmid mmio vgic_dist config guest_dt vuart console vconsole
UNIT_fmt := tests/unit/test_fmt.c hyp/fmt.c hyp/diag.c
UNIT_platform := tests/unit/test_platform.c hyp/platform.c hyp/dt.c hyp/fmt.c hyp/diag.c
UNIT_pgtable := tests/unit/test_pgtable.c mm/pgtable.c mm/lpae.c tests/unit/fake_mm.c
UNIT_palloc := tests/unit/test_palloc.c mm/palloc.c
UNIT_vmid := tests/unit/test_vmid.c vmid/vmid.c
UNIT_mmio := tests/unit/test_mmio.c hyp/mmio.c
UNIT_vgic_dist := tests/unit/test_vgic_dist.c hyp/vgic_dist.c
UNIT_vuart := tests/unit/test_vuart.c hyp/vuart.c
# test_console.c includes hyp/console.c itself, to reset its statics between tests.
UNIT_console := tests/unit/test_console.c hyp/fmt.c
UNIT_vconsole := tests/unit/test_vconsole.c hyp/vconsole.c hyp/console.c hyp/fmt.c hyp/vuart.c \
	hyp/mmio.c
UNIT_config := tests/unit/test_config.c hyp/config.c hyp/platform.c hyp/dt.c hyp/fmt.c hyp/diag.c
UNIT_guest_dt := tests/unit/test_guest_dt.c hyp/guest_dt.c hyp/config.c hyp/platform.c hyp/dt.c \
	hyp/fmt.c hyp/diag.c

$(B)/host/%.o: %.c $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  HOSTCC  $<")
	$(Q)$(HCC) $(HOST_CFLAGS) -c $< -o $@

define unit_rule
$(B)/host/test_$(1): $(patsubst %.c,$(B)/host/%.o,$(UNIT_$(1)))
	$(Q)$(HCC) $(HOST_CFLAGS) -o $$@ $$^ $(HOST_LIBS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_rule,$(t))))

UNIT_BINS := $(addprefix $(B)/host/test_,$(UNIT_TESTS))

# --- host tools -------------------------------------------------------------------------------
# bulkhead-check: validates a DTB offline with the hypervisor's own parser and walker.
CHECK_SRC := tools/bulkhead-check.c hyp/config.c hyp/platform.c hyp/dt.c hyp/fmt.c hyp/diag.c \
	mm/pgtable.c mm/lpae.c
$(B)/host/bulkhead-check: $(patsubst %.c,$(B)/host/%.o,$(CHECK_SRC))
	$(Q)$(HCC) $(HOST_CFLAGS) -o $@ $^ $(HOST_LIBS)

.PHONY: tools
tools: $(B)/host/bulkhead-check

# --- the Linux guest's payload (guests/linux/) --------------------------------------------------
# The kernel comes from scripts/deps.sh (build/deps/linux/vmlinuz); the initramfs is built here.
LINUX_INITRD := $(B)/linux/initramfs.cpio.gz
$(LINUX_INITRD): scripts/mkinitramfs.sh guests/linux/init $(DEPS_STAMP)
	$(if $(Q),@echo "  CPIO    $@")
	$(Q)scripts/mkinitramfs.sh $@

.PHONY: linux
linux: $(LINUX_INITRD)

# --- running and testing ----------------------------------------------------------------------
.PHONY: all run debug test unit qemu-test lint clean bench

# make bench: deterministic instruction counts (UPDATE=1 rewrites docs/benchmarks.md).
bench: deps all
	$(Q)scripts/bench.sh $(if $(UPDATE),--update)

run: deps all
	scripts/demo.sh

# make dtb PARTS=my.dts [SMP=4] [MEM=1024]: the QEMU virt tree of that machine with my.dts (a
# fragment or a /plugin/ overlay: scripts/mkdtb.sh) composed in, checked by bulkhead-check;
# writes build/compose/<name>.dtb for `scripts/qemu.sh --dtb`.
SMP ?= 4
MEM ?= 1024
.PHONY: dtb
dtb: deps tools
	$(if $(PARTS),,$(error usage: make dtb PARTS=file.dts [SMP=n] [MEM=MiB]))
	$(Q)mkdir -p $(B)/compose
	$(Q)scripts/qemu.sh --smp $(SMP) --mem $(MEM) --dumpdtb $(B)/compose/board.dtb
	$(Q)scripts/mkdtb.sh $(B)/compose/board.dtb $(PARTS) $(B)/compose/$(basename $(notdir $(PARTS))).dtb
	$(Q)$(B)/host/bulkhead-check $(B)/compose/$(basename $(notdir $(PARTS))).dtb
	@echo "wrote $(B)/compose/$(basename $(notdir $(PARTS))).dtb"

debug: deps all
	scripts/debug.sh

unit: deps $(UNIT_BINS)
	$(Q)tests/run-unit.sh $(B) $(UNIT_BINS)

qemu-test: deps all
	$(Q)tests/qemu/run.sh $(B)

lint: deps
	$(Q)tests/lint.sh

test: deps
	$(Q)$(MAKE) --no-print-directory all tools $(UNIT_BINS)
	$(Q)tests/run-all.sh $(B) $(UNIT_BINS)

clean:
	rm -rf $(B)/hyp $(B)/host $(B)/bulkhead.* $(B)/linker.lds $(B)/qemu $(B)/dtb $(B)/compose $(B)/guests \
		$(B)/include

-include $(shell find $(B)/hyp $(B)/host -name '*.d' 2>/dev/null)

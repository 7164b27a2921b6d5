#!/usr/bin/env bash
# Generates the DTBs that tests/unit/test_platform.c reads, into OUTDIR.
#
# Good trees are dumped from QEMU itself (-M virt,virtualization=on, the machine Bulkhead targets,
# and -M vexpress-a15 with the Debian kernel's DTB, the second tested board), so the tests check
# discovery against what the emulator really hands over. Broken trees are the
# 2-CPU/1 GiB dump edited with fdtput, one defect each; the file name says which. The test expects
# QEMU's node names (/intc@8000000, /pl011@9000000, ...), which this script also relies on.
#
# Usage: make-dtbs.sh OUTDIR        (QEMU=... to pick another qemu-system-arm)
set -euo pipefail

out=${1:?usage: make-dtbs.sh OUTDIR}
qemu=${QEMU:-qemu-system-arm}
top=$(cd "$(dirname "$0")/../../.." && pwd)
# The second tested board's tree: Debian's kernel DTB, kept by scripts/deps.sh.
vexpress_in=${VEXPRESS_DTB:-$top/build/deps/linux/vexpress-v2p-ca15-tc1.dtb}
mkdir -p "$out"
cd "$out"

# dump NAME SMP MEM [EXTRA-MACHINE-OPTS]: one QEMU dumpdtb, in the background (~0.1 s each).
pids=()
dump() {
	local opts="virt,virtualization=on,dtb-randomness=off"
	[ -n "${4:-}" ] && opts="$opts,$4"
	"$qemu" -M "$opts,dumpdtb=$1.dtb" -cpu cortex-a15 -smp "$2" -m "$3" -nographic -nic none \
		>/dev/null 2>"$1.log" &
	pids+=($!)
}

for smp in 1 2 4; do
	for mem in 256 1024 3072; do
		dump "virt-smp$smp-m$mem" "$smp" "$mem"
	done
done
dump virt-smp8-m1024 8 1024
dump virt-gicv3 2 1024 gic-version=3
# QEMU vexpress-a15 (docs/porting.md) patches the board DTB it is given (memory, /chosen) and
# dumps that: no PSCI, no stdout-path, devices behind the motherboard bus's interrupt-map.
"$qemu" -M vexpress-a15,secure=off,dumpdtb=vexpress-smp1-m1024.dtb -smp 1 -m 1024 \
	-dtb "$vexpress_in" -nographic -nic none -audiodev none,id=snd0 -global pl041.audiodev=snd0 \
	>/dev/null 2>vexpress-smp1-m1024.log &
pids+=($!)

for pid in "${pids[@]}"; do
	wait "$pid" || {
		cat ./*.log >&2
		echo "make-dtbs: $qemu -M ...,dumpdtb failed" >&2
		exit 1
	}
done
rm -f ./*.log

base=virt-smp2-m1024.dtb

# fdtput -t x reads every value as hex, and -c adds a node as its parent's FIRST child (libfdt
# inserts after the properties), which the expected messages take into account.
#
# fdtput takes its options before the file: put [-t TYPE|-c|-d|-r...] NODE [PROP [VALUE...]]
# edits the current copy, new NAME starts one, variant NAME ARGS... is a one-edit copy.
cur=
new() {
	cur=$1.dtb
	cp "${2:-$base}" "$cur"
}
put() {
	local opts=()
	while [[ $1 == -* ]]; do
		if [ "$1" = -t ]; then
			opts+=("$1" "$2")
			shift 2
		else
			opts+=("$1")
			shift
		fi
	done
	fdtput "${opts[@]}" "$cur" "$@"
}
variant() {
	new "$1"
	shift
	put "$@"
}

# Good variants.
new stdout-alias
put -c /aliases
put -t s /aliases serial0 /pl011@9000000
put -t s /chosen stdout-path serial0:115200n8

new ram-banks # banks in no particular order across two nodes: sorted on output
put -t x /memory@40000000 reg 0 0x80000000 0 0x1000000 0 0x40000000 0 0x20000000
put -c /memory@20000000
put -t s /memory@20000000 device_type memory
put -t x /memory@20000000 reg 0 0x20000000 0 0x10000000

variant timer-freq -t u /timer clock-frequency 62500000
variant uart-no-irq -d /pl011@9000000 interrupts
variant psci-none -r /psci

new psci-0.1 # the pre-0.2 binding: ids come from the properties, absent ones stay 0
put -t s /psci compatible arm,psci
put -t s /psci method hvc
put -t x /psci cpu_on 0x95c10002
put -d /psci migrate

soc_uart() { # a PL011 behind a simple bus whose child address 0 is CPU address 0x09000000
	put -c /soc
	put -t x /soc '#address-cells' 1
	put -t x /soc '#size-cells' 1
	put -c /soc/serial@0
	put -t s /soc/serial@0 compatible arm,pl011
	put -t x /soc/serial@0 reg 0 0x1000
	put -t x /soc/serial@0 interrupts 0 1 4
	put -t s /chosen stdout-path /soc/serial@0
}
new soc-bus
soc_uart
put -t x /soc ranges 0 0 0x9000000 0x100000

# Broken variants: one defect each.
new soc-no-ranges
soc_uart
new soc-outside-ranges
soc_uart
put -t x /soc ranges 0x2000 0 0x9000000 0x1000

variant no-gic -r /intc@8000000
variant gic-reg2 -t x /intc@8000000 reg 0 0x8000000 0 0x10000 0 0x8010000 0 0x10000
variant gic-reg-odd -t x /intc@8000000 reg 0 0x8000000 0 0x10000 0
variant gic-no-maint -d /intc@8000000 interrupts
variant gic-maint-spi -t x /intc@8000000 interrupts 0 9 4
variant gic-irq-cells2 -t x /intc@8000000 '#interrupt-cells' 2
variant no-stdout -d /chosen stdout-path
variant no-chosen -r /chosen
variant stdout-pl061 -t s /chosen stdout-path /pl061@9030000
variant stdout-nowhere -t s /chosen stdout-path /serial@1234:115200
variant stdout-bad-alias -t s /chosen stdout-path serial7
variant no-memory -r /memory@40000000
variant mem-size0 -t x /memory@40000000 reg 0 0x40000000 0 0

new mem-overlap
put -c /memory@50000000
put -t s /memory@50000000 device_type memory
put -t x /memory@50000000 reg 0 0x50000000 0 0x1000

banks=() # nine 4 KiB banks, one more than PLAT_MAX_RAM_BANKS
for i in 0 1 2 3 4 5 6 7 8; do
	banks+=(0 "0x4000${i}000" 0 0x1000)
done
variant mem-too-many -t x /memory@40000000 reg "${banks[@]}"
variant mem-above-40bit -t x /memory@40000000 reg 0x100 0 0 0x1000
variant addr-cells3 -t x / '#address-cells' 3
variant size-cells-bytes -t x / '#size-cells' 0 2
variant cpus-addr-cells3 -t x /cpus '#address-cells' 3

new cpus-none
put -d /cpus/cpu@0 device_type
put -d /cpus/cpu@1 device_type

variant cpu-dup -t x /cpus/cpu@1 reg 0
variant cpu-bad-mpidr -t x /cpus/cpu@1 reg 0x80000001
variant timer-3irqs -t x /timer interrupts 1 0xd 0x304 1 0xe 0x304 1 0xb 0x304
variant timer-spi -t x /timer interrupts 1 0xd 0x304 1 0xe 0x304 0 0xb 4 1 0xa 0x304
variant timer-freq0 -t u /timer clock-frequency 0
variant irq-bad-type -t x /pl011@9000000 interrupts 2 1 4
variant irq-ppi-range -t x /pl011@9000000 interrupts 1 0x10 4
variant bad-phandle -t x / interrupt-parent 0x1234
variant uart-irq-parent -t x /pl011@9000000 interrupt-parent 0x8005
variant psci-bad-method -t s /psci method svc
variant psci-no-method -d /psci method
variant no-timer -r /timer

# vexpress variants. Its UARTs sit under /bus@8000000 (interrupt nexus, 1-cell specifiers).
vx=vexpress-smp1-m1024.dtb
vx_uart=/bus@8000000/motherboard-bus@8000000/iofpga-bus@300000000/serial
new vexpress-stdout "$vx" # stdout-path wins over the serial0 alias
put -t s /chosen stdout-path serial1:38400n8
new vexpress-alias-nowhere "$vx"
put -t s /aliases serial0 /nowhere
new vexpress-alias-pl031 "$vx"
put -t s /aliases serial0 /bus@8000000/motherboard-bus@8000000/iofpga-bus@300000000/rtc@170000
new vexpress-map-none "$vx" # SPI 43: the map covers 0-42
put -t x "${vx_uart}@90000" interrupts 2b
new vexpress-map-mask "$vx"
put -t x /bus@8000000 interrupt-map-mask 3f
# The map's first entry (6 cells: unit address, specifier, GIC phandle, GIC specifier) without its
# last cell.
new vexpress-map-cut "$vx"
put -t x /bus@8000000 interrupt-map 0 0 1 0 0
new vexpress-map-phandle "$vx"
put -t x /bus@8000000 interrupt-map 0 0 1234 0 0 4

# A 9th CPU on the 8-CPU dump: one more than a GICv2 can target.
new cpus-9 virt-smp8-m1024.dtb
put -c /cpus/cpu@8
put -t s /cpus/cpu@8 device_type cpu
put -t x /cpus/cpu@8 reg 8

# Damaged blobs. The test loads each into a zeroed buffer of DT_MAX_SIZE, as RAM after a short
# blob would be, so only the header decides how far libfdt may look.
printf 'this is not a flattened device tree, just some text\n' >garbage.dtb
head -c 16 "$base" >trunc-header.dtb
head -c 1024 "$base" >trunc-body.dtb
cp "$base" huge-totalsize.dtb
printf '\x7f\xff\xff\xff' | dd of=huge-totalsize.dtb bs=1 seek=4 conv=notrunc status=none

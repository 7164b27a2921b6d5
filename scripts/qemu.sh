#!/usr/bin/env bash
# The one QEMU command line: `make run`, `make debug`, the QEMU test scenarios and the benchmarks
# all boot Bulkhead through this script, so users and tests boot the same way.
#
# usage: scripts/qemu.sh [options] [-- extra qemu arguments]
#   --machine NAME   board: virt (default) or vexpress-a15 (docs/porting.md; -smp 1 only, and
#                    without --dtb it boots Debian's vexpress-v2p-ca15-tc1.dtb from scripts/deps.sh)
#   --smp N          CPUs (default 4; vexpress-a15: 1)
#   --mem MIB        RAM in MiB (default 1024)
#   --dtb FILE       boot with this DTB instead of the one QEMU generates
#   --dumpdtb FILE   write the DTB this machine would get to FILE and exit (vexpress-a15: the
#                    board DTB it boots with, to edit and give to --dtb)
#   --image FILE     hypervisor image (default build/bulkhead.bin)
#   --kernel FILE    the same as --image (reads better for a Linux zImage: scripts/linux-direct.sh)
#   --initrd FILE    -initrd FILE (QEMU places it in RAM and names it in the DT's /chosen)
#   --append STR     -append STR (kernel command line in the DT's /chosen bootargs)
#   --icount         deterministic run: -icount shift=0,sleep=off, fixed RTC
#   --debug          halt at the first instruction with a gdb stub on :1234
#   --machine-opts S extra -M options (e.g. gic-version=3 to see the error path)
#   --loader FILE@ADDR  place FILE in RAM at ADDR before boot (a partition's image module; the
#                    DT's image = <...> must name the same address), repeatable
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
board=virt
smp=
mem=1024
dtb=
dump=
image="$top/build/bulkhead.bin"
icount=0
debug=0
mopts=
loaders=()
initrd=
append=

while [ $# -gt 0 ]; do
	case "$1" in
	--machine) board=$2; shift 2 ;;
	--smp) smp=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--dtb) dtb=$2; shift 2 ;;
	--dumpdtb) dump=$2; shift 2 ;;
	--image | --kernel) image=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--append) append=$2; shift 2 ;;
	--icount) icount=1; shift ;;
	--debug) debug=1; shift ;;
	--machine-opts) mopts=",$2"; shift 2 ;;
	--loader) loaders+=(-device "loader,file=${2%@*},addr=${2##*@},force-raw=on"); shift 2 ;;
	--) shift; break ;;
	*) echo "qemu.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

args=()
case "$board" in
virt)
	machine="virt,virtualization=on,dtb-randomness=off$mopts"
	smp=${smp:-4}
	board_dtb=0 # QEMU generates it: --dumpdtb writes that one, which can be booted with --dtb
	;;
vexpress-a15)
	# secure=off: the image starts in HYP (with the secure world it would start in Secure SVC).
	machine="vexpress-a15,secure=off$mopts"
	smp=${smp:-1}
	# No PSCI: every CPU QEMU creates starts at the image's entry at once, and Bulkhead has no
	# pen for them yet.
	if [ "$smp" != 1 ]; then
		echo "qemu.sh: vexpress-a15 starts every CPU at the entry at once (no PSCI):" \
			"Bulkhead runs it with --smp 1 only" >&2
		exit 2
	fi
	# QEMU builds no DTB for this board: at every boot it patches the one it is given (/memory,
	# /chosen) and adds its virtio-mmio nodes, which it cannot add twice. So its own dump cannot
	# be booted again: --dumpdtb writes the DTB to edit and give to --dtb, the board's.
	dtb=${dtb:-$top/build/deps/linux/vexpress-v2p-ca15-tc1.dtb}
	board_dtb=1
	# The board's PL041 audio codec wants a backend; a silent one keeps QEMU from probing (and
	# complaining about) the host's sound modules.
	# shellcheck disable=SC2054 # the commas are QEMU's sub-option separators
	args+=(-audiodev none,id=snd0 -global pl041.audiodev=snd0)
	;;
*)
	echo "qemu.sh: unknown machine $board (virt or vexpress-a15)" >&2
	exit 2
	;;
esac
args+=(-cpu cortex-a15 -smp "$smp" -m "$mem" -nographic -nic none -no-reboot)

if [ -n "$dump" ] && [ $board_dtb -eq 1 ]; then
	cp "$dtb" "$dump"
	exit 0
fi
if [ -n "$dump" ]; then
	# QEMU reports a successful dump on stderr; show its output only when it fails.
	if ! err=$(qemu-system-arm -M "$machine,dumpdtb=$dump" "${args[@]}" 2>&1 </dev/null); then
		echo "$err" >&2
		exit 1
	fi
	exit 0
fi

args+=(-kernel "$image" "${loaders[@]}")
[ -z "$dtb" ] || args+=(-dtb "$dtb")
[ -z "$initrd" ] || args+=(-initrd "$initrd")
[ -z "$append" ] || args+=(-append "$append")
# shellcheck disable=SC2054 # the commas are QEMU's sub-option separators
[ $icount -eq 0 ] || args+=(-icount shift=0,sleep=off -rtc base=2024-01-01T00:00:00,clock=vm)
[ $debug -eq 0 ] || args+=(-s -S)

exec qemu-system-arm -M "$machine" "${args[@]}" "$@"

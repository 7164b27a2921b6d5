#!/usr/bin/env bash
# The one QEMU command line: `make run`, `make debug`, the QEMU test scenarios and the benchmarks
# all boot Bulkhead through this script, so users and tests boot the same way.
#
# usage: scripts/qemu.sh [options] [-- extra qemu arguments]
#   --smp N          CPUs (default 4)
#   --mem MIB        RAM in MiB (default 1024)
#   --dtb FILE       boot with this DTB instead of the one QEMU generates
#   --dumpdtb FILE   write the DTB this machine would get to FILE and exit
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
smp=4
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

machine="virt,virtualization=on,dtb-randomness=off$mopts"
args=(-cpu cortex-a15 -smp "$smp" -m "$mem" -nographic -nic none -no-reboot)

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

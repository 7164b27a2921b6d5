#!/usr/bin/env bash
# Boots the Linux guest payload (Debian's armmp zImage + the busybox initramfs) DIRECTLY on QEMU,
# without Bulkhead, through scripts/qemu.sh: the reference a boot inside a partition is compared
# with. /init (guests/linux/init) prints its bulkhead-linux: lines and powers off, so QEMU exits
# by itself.
#
# usage: scripts/linux-direct.sh [options] [-- extra qemu arguments]
#   --smp N          CPUs (default 1)
#   --mem MIB        RAM in MiB (default 1024)
#   --icount         deterministic run (scripts/qemu.sh --icount): byte-identical logs with
#                    --smp 1; with --smp >1 Linux stalls during boot (one TCG thread)
#   --append STR     more kernel command line after "console=ttyAMA0 panic=-1"
#   --log FILE       console copy (default build/linux/direct-boot.log)
#   --timeout SEC    kill QEMU after SEC seconds (default: none)
#
# Exit status 0 only if the console shows "bulkhead-linux: powering off" and QEMU ended by
# itself (panic=-1 with qemu.sh's -no-reboot makes a kernel panic end QEMU too, hence the check).
# The kernel comes from scripts/deps.sh (build/deps/linux/vmlinuz); the initramfs is (re)built
# into build/linux/initramfs.cpio.gz by scripts/mkinitramfs.sh when missing or older than its
# inputs.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
kernel="$top/build/deps/linux/vmlinuz"
initrd="$top/build/linux/initramfs.cpio.gz"
busybox="$top/build/deps/busybox/bin/busybox"
log="$top/build/linux/direct-boot.log"
smp=1
mem=1024
extra_append=
timeout_s=
qopts=()

while [ $# -gt 0 ]; do
	case "$1" in
	--smp) smp=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--icount) qopts+=(--icount); shift ;;
	--append) extra_append=" $2"; shift 2 ;;
	--log) log=$2; shift 2 ;;
	--timeout) timeout_s=$2; shift 2 ;;
	--) shift; break ;;
	*) echo "linux-direct.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

if [ ! -f "$kernel" ] || [ ! -x "$busybox" ]; then
	"$top/scripts/deps.sh"
fi

stale=0
for f in "$top/guests/linux/init" "$top/scripts/mkinitramfs.sh" "$busybox"; do
	[ "$f" -nt "$initrd" ] && stale=1
done
[ $stale -eq 0 ] || "$top/scripts/mkinitramfs.sh" "$initrd"

if [ ${#qopts[@]} -gt 0 ] && [ "$smp" -gt 1 ]; then
	# ../shared/PLATFORM-NOTES.md: under icount all CPUs share one thread; SMP Linux stalls
	# during boot (seen here: no progress after 0.11 s of guest time with --smp 2).
	echo "linux-direct.sh: warning: --icount with --smp $smp is known to hang; use --timeout" >&2
fi

runner=()
[ -z "$timeout_s" ] || runner=(timeout --foreground "$timeout_s")

mkdir -p "$(dirname "$log")"
set +e
"${runner[@]}" "$top/scripts/qemu.sh" --smp "$smp" --mem "$mem" "${qopts[@]}" \
	--kernel "$kernel" --initrd "$initrd" --append "console=ttyAMA0 panic=-1$extra_append" \
	-- "$@" | tee "$log"
status=${PIPESTATUS[0]}
set -e

if [ "$status" -ne 0 ]; then
	echo "linux-direct.sh: QEMU exited with status $status" >&2
	exit 1
fi
if ! grep -q '^bulkhead-linux: powering off' "$log"; then
	echo "linux-direct.sh: no 'bulkhead-linux: powering off' in $log" >&2
	exit 1
fi

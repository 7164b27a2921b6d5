#!/usr/bin/env bash
# `make debug`: QEMU halted at the first instruction with a gdb stub, and gdb-multiarch attached.
# The image is position independent, so its symbols are added at the address the loader used:
# QEMU loads a raw -kernel image at the RAM base (read from the DTB this machine gets) + 0x10000.
# Extra arguments go to scripts/qemu.sh (e.g. --smp 2 --dtb FILE).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'kill $qpid 2>/dev/null || true; rm -rf "$tmp"' EXIT

"$top/scripts/qemu.sh" "$@" --dumpdtb "$tmp/board.dtb"
mem=$(fdtget -l "$tmp/board.dtb" / | grep -m1 '^memory')
read -r -a reg <<<"$(fdtget -t x "$tmp/board.dtb" "/$mem" reg)"
ram_base=$(( (0x${reg[0]} << 32) | 0x${reg[1]} ))
load=$(printf '0x%x' $((ram_base + 0x10000)))

"$top/scripts/qemu.sh" --debug "$@" &
qpid=$!
gdb-multiarch -q -x "$top/scripts/gdbinit" -ex "add-symbol-file $top/build/bulkhead.elf -o $load" \
	-ex "echo Bulkhead loaded at $load. Breakpoints: boot_fail, hyp_fatal_exception, panic.\n" \
	-ex "break boot_fail" -ex "break hyp_fatal_exception" -ex "break panic"

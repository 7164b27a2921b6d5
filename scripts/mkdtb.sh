#!/usr/bin/env bash
# Composes a board DTB and a partition overlay into one DTB, the way a user builds the tree that
# Bulkhead boots with: the board's tree (e.g. from `scripts/qemu.sh --dumpdtb`) decompiled, the
# overlay source appended (its `/ { ... };` block merges into the board's nodes, and path
# references such as `&{/cpus/cpu@1}` resolve against the board's nodes), compiled back.
#
# usage: scripts/mkdtb.sh BOARD.dtb PART.dts OUT.dtb
#   PART.dts may leave out /dts-v1/; its /include/s are looked up next to it.
set -euo pipefail

if [ $# -ne 3 ]; then
	echo "usage: $0 BOARD.dtb PART.dts OUT.dtb" >&2
	exit 2
fi
board=$1
part=$2
out=$3

tmp=$(mktemp "${TMPDIR:-/tmp}/mkdtb.XXXXXX")
trap 'rm -f "$tmp"' EXIT

# QEMU's trees draw many dtc style warnings (unit addresses, node names); they are the board's,
# not the overlay's, so -q hides them. Errors still fail the build.
dtc -q -I dtb -O dts "$board" >"$tmp"
grep -v '^[[:space:]]*/dts-v1/;' "$part" >>"$tmp"
dtc -q -I dts -O dtb -i "$(dirname "$part")" -o "$out" "$tmp"

#!/usr/bin/env bash
# Composes a board DTB and a partition description into one DTB, the way a user builds the tree
# that Bulkhead boots with. Two forms of PART.dts:
#   - a fragment (no /plugin/): the board's tree (e.g. from `scripts/qemu.sh --dumpdtb`) is
#     decompiled, the fragment's `/ { ... };` block appended so it merges into the board's nodes,
#     and the result compiled back. Path references such as `cpus = <&{/cpus/cpu@1}>` resolve
#     against the board's nodes, so it works with any board tree, including QEMU's dumped ones,
#     which carry no labels (__symbols__).
#   - a device-tree overlay (`/dts-v1/; /plugin/;`): compiled with `dtc -@` and applied with
#     `fdtoverlay`. An overlay can name board nodes only by label (`&cpu1`), so the board DTB must
#     have been built with symbols (`dtc -@`); fdtoverlay's error says so otherwise.
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

if grep -q '^[[:space:]]*/plugin/;' "$part"; then
	dtc -q -@ -I dts -O dtb -i "$(dirname "$part")" -o "$tmp" "$part"
	fdtoverlay -i "$board" -o "$out" "$tmp"
	exit 0
fi

# QEMU's trees draw many dtc style warnings (unit addresses, node names); they are the board's,
# not the overlay's, so -q hides them. Errors still fail the build.
dtc -q -I dtb -O dts "$board" >"$tmp"
grep -v '^[[:space:]]*/dts-v1/;' "$part" >>"$tmp"
dtc -q -I dts -O dtb -i "$(dirname "$part")" -o "$out" "$tmp"

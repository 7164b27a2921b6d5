#!/usr/bin/env bash
# Builds the DTBs that tests/unit/test_config.c reads, into OUTDIR (the test finds them through
# $BULKHEAD_TEST_CONFIG_DIR).
#
# Each fixture is a partition overlay (*.dts here) composed onto a board tree that QEMU itself
# dumps (scripts/qemu.sh --dumpdtb, the machine Bulkhead boots on), with scripts/mkdtb.sh, the
# same tool users build their trees with:
#   board-smp4.dtb / board-smp8.dtb   virt,virtualization=on with 4 / 8 CPUs and 1 GiB
#   good-*.dtb, err-*.dtb             this directory's *.dts on the 4-CPU board
# Trees with hundreds of partitions (the CONFIG_MAX_* limits) are built by the test itself with
# libfdt, so they follow config.h.
#
# Usage: make-fixtures.sh OUTDIR
set -euo pipefail

out=${1:?usage: make-fixtures.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out"/*.dtb # a fixture deleted or renamed here must not linger there

"$top/scripts/qemu.sh" --smp 4 --mem 1024 --dumpdtb "$out/board-smp4.dtb"
"$top/scripts/qemu.sh" --smp 8 --mem 1024 --dumpdtb "$out/board-smp8.dtb"

jobs=()
for f in "$here"/*.dts; do
	jobs+=("$out/board-smp4.dtb" "$f" "$out/$(basename "${f%.dts}").dtb")
done
printf '%s\0' "${jobs[@]}" | xargs -0 -n 3 -P "$(nproc)" "$top/scripts/mkdtb.sh"

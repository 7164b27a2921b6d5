#!/usr/bin/env bash
# Builds the DTBs that tests/unit/test_config.c reads, into OUTDIR (the test finds them through
# $BULKHEAD_TEST_CONFIG_DIR).
#
# Each fixture is a partition overlay (*.dts here) composed onto a board tree that QEMU itself
# dumps (scripts/qemu.sh --dumpdtb, the machine Bulkhead boots on), with scripts/mkdtb.sh, the
# same tool users build their trees with:
#   board-smp4.dtb / board-smp8.dtb   virt,virtualization=on with 4 / 8 CPUs and 1 GiB
#   good-*.dtb, err-*.dtb             this directory's *.dts on the 4-CPU board
#   gen-*.dtb                         generated below: too large to write by hand
#
# Usage: make-fixtures.sh OUTDIR
set -euo pipefail

out=${1:?usage: make-fixtures.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)

"$top/scripts/qemu.sh" --smp 4 --mem 1024 --dumpdtb "$out/board-smp4.dtb"
"$top/scripts/qemu.sh" --smp 8 --mem 1024 --dumpdtb "$out/board-smp8.dtb"

# gen_partitions FIRST COUNT CPUS: COUNT minimal valid partitions pFIRST.., the i-th on CPU
# (i + 1) % CPUS, each with 4 KiB of its own memory; all share one image module.
gen_partitions() {
	local i
	for ((i = $1; i < $1 + $2; i++)); do
		printf '\t\t\tp%d {\n' "$i"
		printf '\t\t\t\tcompatible = "bulkhead,partition";\n'
		printf '\t\t\t\t#address-cells = <2>;\n\t\t\t\t#size-cells = <2>;\n'
		printf '\t\t\t\tcpus = <&{/cpus/cpu@%d}>;\n' $(((i + 1) % $3))
		printf '\t\t\t\timage = <0x0 0x4a100000 0x0 0x1000>;\n'
		printf '\t\t\t\tmemory@0 {\n\t\t\t\t\treg = <0x0 0x0 0x0 0x1000>;\n'
		printf '\t\t\t\t\tphys = <0x0 0x%x>;\n\t\t\t\t};\n' $((0x51000000 + i * 0x1000))
		printf '\t\t\t};\n'
	done
}
gen() { # gen NAME COUNT CPUS: common.dtsi's "ok" plus COUNT partitions
	{
		printf '/include/ "%s/common.dtsi"\n\n/ {\n\tchosen {\n\t\tbulkhead {\n' "$here"
		gen_partitions 0 "$2" "$3"
		printf '\t\t};\n\t};\n};\n'
	} >"$out/$1.dts"
}
# 64 more vCPUs on cpu@0, where "ok" already has one: p63 is one too many (CPUS = 1).
gen gen-vcpus-per-cpu 64 1
# 512 more partitions on 8 CPUs, 64 vCPUs each with "ok": p511 is partition 513.
gen gen-max-partitions 512 8

jobs=()
for f in "$here"/*.dts; do
	jobs+=("$out/board-smp4.dtb" "$f" "$out/$(basename "${f%.dts}").dtb")
done
jobs+=("$out/board-smp4.dtb" "$out/gen-vcpus-per-cpu.dts" "$out/gen-vcpus-per-cpu.dtb")
jobs+=("$out/board-smp8.dtb" "$out/gen-max-partitions.dts" "$out/gen-max-partitions.dtb")
printf '%s\0' "${jobs[@]}" | xargs -0 -n 3 -P "$(nproc)" "$top/scripts/mkdtb.sh"

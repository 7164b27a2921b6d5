#!/usr/bin/env bash
# Writes a /chosen/bulkhead fragment (docs/bindings.md) with N copies of one test guest, pinned
# to one CPU or dealt round-robin over a comma-separated CPU list (e.g. 1,2), for the scenarios
# that need more partitions than anyone would type:
#   tests/qemu/gen-parts.sh GUEST N CPU[,CPU...] IMAGE_PA FIRST_PA POLICY
# Partition i gets 256 KiB at IPA 0x10000000 (image, bss, stacks) and 4 KiB at IPA 0x10100000
# (the memid guest's test word), from FIRST_PA + i * 512 KiB.
set -euo pipefail
guest=$1 n=$2 cpus=$3 image=$4 first=$5 policy=${6:-stop}
IFS=, read -r -a cpu_list <<<"$cpus"

cat <<HDR
/ {
	chosen {
		bulkhead {
			compatible = "bulkhead,hypervisor";
			#address-cells = <2>;
			#size-cells = <2>;
			time-slice-us = <2000>;
HDR
for ((i = 0; i < n; i++)); do
	pa=$((first + i * 0x80000))
	printf '\t\t\t%s%d {\n' "$guest" "$i"
	printf '\t\t\t\tcompatible = "bulkhead,partition";\n'
	printf '\t\t\t\t#address-cells = <2>;\n\t\t\t\t#size-cells = <2>;\n'
	printf '\t\t\t\tcpus = <&{/cpus/cpu@%d}>;\n' "${cpu_list[i % ${#cpu_list[@]}]}"
	printf '\t\t\t\timage = <0x0 0x%x 0x0 0x10000>;\n' "$image"
	printf '\t\t\t\tfault-policy = "%s";\n' "$policy"
	printf '\t\t\t\tmemory@10000000 {\n\t\t\t\t\treg = <0x0 0x10000000 0x0 0x40000>;\n'
	printf '\t\t\t\t\tphys = <0x0 0x%x>;\n\t\t\t\t};\n' "$pa"
	printf '\t\t\t\tmemory@10100000 {\n\t\t\t\t\treg = <0x0 0x10100000 0x0 0x1000>;\n'
	printf '\t\t\t\t\tphys = <0x0 0x%x>;\n\t\t\t\t\taccess = "rw";\n\t\t\t\t};\n' $((pa + 0x40000))
	printf '\t\t\t};\n'
done
printf '\t\t};\n\t};\n};\n'

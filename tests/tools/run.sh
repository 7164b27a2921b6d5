#!/usr/bin/env bash
# Tests of the host tools against DTBs composed like the QEMU scenarios'.
# Prints "tools: N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build="$top/build"
out="$build/tools-test"
check="$build/host/bulkhead-check"
mkdir -p "$out"
passed=0 failed=0

# expect NAME RC PATTERN... : the last run exited with RC and printed every PATTERN (fixed strings)
expect() {
	local name=$1 rc=$2
	shift 2
	local why=
	[ "$got_rc" -eq "$rc" ] || why="exit status $got_rc, want $rc"
	for p in "$@"; do
		[ -n "$why" ] && break
		grep -qF -- "$p" "$out/$name.out" || why="missing: $p"
	done
	if [ -z "$why" ]; then
		echo "ok   $name"
		passed=$((passed + 1))
	else
		echo "FAIL $name: $why"
		sed 's/^/    /' "$out/$name.out" | head -20
		failed=$((failed + 1))
	fi
}

"$top/scripts/qemu.sh" --smp 4 --mem 1024 --dumpdtb "$out/board.dtb"

"$top/scripts/mkdtb.sh" "$out/board.dtb" "$top/tests/qemu/dts/isolation-stop.dts" "$out/good.dtb"
"$check" "$out/good.dtb" >"$out/check-valid.out" 2>&1
got_rc=$?
expect check-valid 0 "2 partition(s) valid, 0 invalid" \
	"IPA 0x010000000-0x0100fffff  PA 0x04a000000  rwx normal     256 x 4K" \
	"GIC virtual CPU interface (GICV) as the guest's GICC"

# The same partitions with alpha's memory moved onto the hypervisor's load address.
cp "$out/good.dtb" "$out/bad.dtb"
fdtput -t x "$out/bad.dtb" /chosen/bulkhead/alpha/memory@10000000 phys 0 0x40000000
"$check" "$out/bad.dtb" >"$out/check-overlap.out" 2>&1
got_rc=$?
expect check-overlap 1 \
	"error: /chosen/bulkhead/alpha/memory@10000000: property 'phys': 0x40000000-0x400fffff overlaps the hypervisor" \
	"1 partition(s) valid, 1 invalid"

# The same partitions as a real overlay (/plugin/, CPUs named by label) applied with fdtoverlay to
# a board tree that has symbols: QEMU's, with labels added to its CPU nodes, compiled with -@.
dtc -q -I dtb -O dts "$out/board.dtb" | sed -E 's/^([[:space:]]*)(cpu@([0-9]+)) \{/\1cpu\3: \2 {/' |
	dtc -q -@ -I dts -O dtb -o "$out/board-symbols.dtb"
sed -e '1i /dts-v1/;\n/plugin/;' -e 's|&{/cpus/cpu@\([0-9]*\)}|\&cpu\1|g' \
	-e 's|^/ {|\&{/} {|' "$top/tests/qemu/dts/isolation-stop.dts" >"$out/overlay.dts"
"$top/scripts/mkdtb.sh" "$out/board-symbols.dtb" "$out/overlay.dts" "$out/overlay.dtb" \
	>"$out/compose-overlay.out" 2>&1 &&
	"$check" "$out/overlay.dtb" >>"$out/compose-overlay.out" 2>&1
got_rc=$?
cpu1=$(fdtget -t x "$out/overlay.dtb" /cpus/cpu@1 phandle 2>/dev/null)
alpha=$(fdtget -t x "$out/overlay.dtb" /chosen/bulkhead/alpha cpus 2>/dev/null)
echo "alpha cpus $alpha, /cpus/cpu@1 phandle $cpu1" >>"$out/compose-overlay.out"
expect compose-overlay 0 "2 partition(s) valid, 0 invalid" \
	"IPA 0x010000000-0x0100fffff  PA 0x04a000000  rwx normal     256 x 4K" \
	"alpha cpus ${cpu1:-none}, /cpus/cpu@1 phandle ${cpu1:-none}"

# An overlay against a board without symbols is refused by fdtoverlay, and mkdtb.sh fails.
"$top/scripts/mkdtb.sh" "$out/board.dtb" "$out/overlay.dts" "$out/nosym.dtb" >"$out/compose-nosym.out" 2>&1
got_rc=$?
[ "$got_rc" -ne 0 ] && got_rc=1
expect compose-nosym 1

echo "tools: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# Runs every suite (lint, host unit tests, QEMU scenarios, benchmark regression guard) and sums
# them. The last line is
#   N passed, N failed
# and the exit status is non-zero if anything failed.
# usage: tests/run-all.sh BUILD_DIR UNIT_TEST_BINARY...
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=$1
shift
log=$(mktemp)
trap 'rm -f "$log"' EXIT

total_p=0
total_f=0
run_suite() {
	local name=$1
	shift
	echo "== $name"
	"$@" 2>&1 | tee "$log"
	local last
	last=$(grep -E '^[a-z-]+: [0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
	if [ -z "$last" ]; then
		echo "$name: suite did not report a result"
		total_f=$((total_f + 1))
		return
	fi
	local p f
	p=$(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$last")
	f=$(sed -E 's/.*, ([0-9]+) failed/\1/' <<<"$last")
	total_p=$((total_p + p))
	total_f=$((total_f + f))
}

run_suite lint "$top/tests/lint.sh"
run_suite unit "$top/tests/run-unit.sh" "$build" "$@"
run_suite tools "$top/tests/tools/run.sh"
run_suite qemu "$top/tests/qemu/run.sh" "$build"
run_suite bench "$top/scripts/bench.sh" --check

echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]

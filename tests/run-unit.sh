#!/usr/bin/env bash
# Runs the host unit-test binaries (cmocka, TAP output) and prints one summary line:
#   unit: N passed, N failed
# usage: tests/run-unit.sh BUILD_DIR TEST_BINARY...
set -uo pipefail

build=$1
shift
dtbs="$build/dtb"
top=$(cd "$(dirname "$0")/.." && pwd)
# Platform tests read DTBs that QEMU itself produces (tests/unit/dtb/make-dtbs.sh).
"$top/tests/unit/dtb/make-dtbs.sh" "$dtbs" >/dev/null || { echo "unit: cannot make DTBs"; exit 1; }
# Partition-config fixtures: board DTBs plus one .dts each (tests/unit/config/).
"$top/tests/unit/config/make-fixtures.sh" "$build/config" >/dev/null ||
	{ echo "unit: cannot make config fixtures"; exit 1; }

passed=0
failed=0
for t in "$@"; do
	out=$(BULKHEAD_TEST_DTB_DIR="$dtbs" BULKHEAD_TEST_CONFIG_DIR="$build/config" \
		CMOCKA_MESSAGE_OUTPUT=TAP "$t" 2>&1)
	rc=$?
	p=$(grep -c '^ok ' <<<"$out")
	f=$(grep -c '^not ok ' <<<"$out")
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed (sanitizer report, abort) before reporting a failure
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -ne 0 ]; then
		echo "FAIL $(basename "$t"):"
		grep -v '^ok ' <<<"$out" | sed 's/^/    /' | tail -n 40
	else
		echo "ok   $(basename "$t"): $p tests"
	fi
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

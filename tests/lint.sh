#!/usr/bin/env bash
# Static checks, each counted as one test:
#   format     every C source and header matches .clang-format
#   cppcheck   no warning/style/performance/portability findings
#   no-fixed-addresses  hypervisor sources carry no platform addresses (everything comes from
#                       the DT); tests/, tools/ and the QEMU test guests in guests/ may
# Prints "lint: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
check() {
	local name=$1
	shift
	local out
	if out=$("$@" 2>&1); then
		echo "ok   $name"
		passed=$((passed + 1))
	else
		echo "FAIL $name:"
		sed 's/^/    /' <<<"$out" | head -n 40
		failed=$((failed + 1))
	fi
}

mapfile -t srcs < <(git ls-files -co --exclude-standard -- '*.c' '*.h' | grep -v '^build/')
mapfile -t hyp_srcs < <(printf '%s\n' "${srcs[@]}" | grep -Ev '^(tests|tools)/')

check format clang-format --dry-run --Werror "${srcs[@]}"
check cppcheck cppcheck --quiet --error-exitcode=1 --inline-suppr \
	--enable=warning,style,performance,portability --std=c11 -I. -DBULKHEAD_HOST \
	--suppress=missingIncludeSystem --suppress=unusedFunction "${srcs[@]}"
no_fixed_addresses() {
	! git grep -nE '0x0?9000000|0x0?8000000|0x0?8010000|0x0?8030000|0x0?8040000|0x40000000' \
		-- '*.c' '*.h' '*.S' ':!tests/' ':!tools/' ':!guests/'
}
check no-fixed-addresses no_fixed_addresses

echo "lint: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# make bench: boots each benchmark configuration under QEMU with -icount (deterministic
# instruction counts, ../shared/MEASURING.md), collects the "bench:" console lines and prints one
# table. Options:
#   --update     also rewrite docs/benchmarks.md (with the command, QEMU version, git revision)
#   --check      compare with bench/baseline.txt: each figure within 10%; prints
#                "bench: N passed, N failed" (used by make test)
#   --baseline   rewrite bench/baseline.txt from this run (an explicit, reviewed change)
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/build"
out="$build/bench"
mkdir -p "$out"
mode=${1:-}
TOLERANCE_PCT=10

qpid=
trap '[ -z "$qpid" ] || kill -9 "$qpid" 2>/dev/null' EXIT

# run NAME DONE_LINE QEMU-ARGS... : boots, waits for DONE_LINE (60 s at most), keeps the log.
run() {
	local name=$1 done_line=$2
	shift 2
	local log="$out/$name.log"
	"$top/scripts/qemu.sh" --icount "$@" </dev/null >"$log" 2>&1 &
	qpid=$!
	local deadline=$((SECONDS + 60))
	until grep -qF -- "$done_line" "$log" 2>/dev/null; do
		if ! kill -0 "$qpid" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
			echo "bench: $name did not finish (log: $log)" >&2
			break
		fi
		sleep 0.1
	done
	kill -9 "$qpid" 2>/dev/null
	wait "$qpid" 2>/dev/null
	qpid=
	tr -d '\r' <"$log" | sed -n 's/^\[bulkhead\] bench: //p' >>"$out/results.txt"
}

# dtb NAME PARTS_DTS SELFTESTS : the machine's DTB plus partitions and/or self-tests.
dtb() {
	local f="$out/$1.dtb"
	"$top/scripts/qemu.sh" --smp 2 --mem 256 --dumpdtb "$f"
	[ -z "$2" ] || { "$top/scripts/mkdtb.sh" "$f" "$2" "$f.new" && mv "$f.new" "$f"; }
	[ -z "$3" ] || fdtput -t s "$f" /chosen bulkhead,selftest $3
	echo "$f"
}

: >"$out/results.txt"
run hyp "selftest bench-memory: done" --smp 2 --mem 256 \
	--dtb "$(dtb hyp "" "bench-stage2 bench-vmid bench-memory")"
run guest "[bench] bench: done" --smp 2 --mem 256 \
	--dtb "$(dtb guest "$top/bench/alone.dts" "")" --loader "$build/guests/bench.bin@0x49000000"
run yield "vcpu switch" --smp 2 --mem 256 \
	--dtb "$(dtb yield "$top/bench/yield.dts" "")" \
	--loader "$build/guests/benchyield.bin@0x49000000"

# results.txt lines: "<name>: <hyp> HYP, <guest> guest instructions per op (<n> iterations)"
# or "<name>: <value> <unit>". Table rows: name | HYP/op | guest/op | iterations-or-unit.
table() {
	echo "| benchmark | HYP instructions per op | guest instructions per op | iterations |"
	echo "| --- | ---: | ---: | ---: |"
	sed -E -e 's/^(.*): ([0-9.]+) HYP, ([0-9.]+) guest instructions per op \(([0-9]+) iterations\)$/| \1 | \2 | \3 | \4 |/' \
		-e 's/^(.*): ([0-9]+) ([A-Za-z]+)$/| \1 | \2 \3 | | |/' "$out/results.txt"
}
# Image size: text, data, bss (bss includes the static partition and vCPU tables).
read -r text data bss _ < <("${CROSS:-arm-none-eabi-}"size "$build/bulkhead.elf" | tail -n 1)
{
	echo "memory: image text: $text bytes"
	echo "memory: image data: $data bytes"
	echo "memory: image bss: $bss bytes"
} >>"$out/results.txt"
table

# key<TAB>value for the baseline: the HYP figure (or the value).
figures() {
	sed -E -e 's/^(.*): ([0-9.]+) HYP, .*$/\1\t\2/' -e 's/^(.*): ([0-9]+) [A-Za-z]+$/\1\t\2/' \
		"$out/results.txt"
}

case "$mode" in
--update)
	{
		echo "# Benchmarks"
		echo
		echo "Deterministic instruction counts (not cycles: QEMU models no caches or TLBs, and an"
		echo "exception entry itself counts 0 instructions, so these are path lengths, a floor under"
		echo "real cost). HYP = instructions retired in HYP mode, guest = at PL1/PL0, per operation."
		echo
		echo "Produced by \`make bench UPDATE=1\` (scripts/bench.sh): QEMU"
		echo "\`$(qemu-system-arm --version | head -n1)\`, \`-icount shift=0,sleep=off\`,"
		echo "git revision \`$(git -C "$top" describe --always --dirty)\`."
		echo
		table
		echo
		cat "$top/bench/notes.md"
	} >"$top/docs/benchmarks.md"
	echo "wrote docs/benchmarks.md"
	;;
--baseline)
	figures >"$top/bench/baseline.txt"
	echo "wrote bench/baseline.txt"
	;;
--check)
	passed=0 failed=0
	while IFS=$'\t' read -r key want; do
		got=$(figures | awk -F'\t' -v k="$key" '$1 == k { print $2 }')
		if [ -z "$got" ]; then
			echo "FAIL bench $key: no result"
			failed=$((failed + 1))
		elif awk -v g="$got" -v w="$want" -v t="$TOLERANCE_PCT" \
			'BEGIN { d = g - w; if (d < 0) d = -d; exit !(d <= w * t / 100) }'; then
			echo "ok   bench $key: $got (baseline $want)"
			passed=$((passed + 1))
		else
			echo "FAIL bench $key: $got, baseline $want (more than $TOLERANCE_PCT% off)"
			failed=$((failed + 1))
		fi
	done <"$top/bench/baseline.txt"
	echo "bench: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	;;
esac

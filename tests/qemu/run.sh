#!/usr/bin/env bash
# QEMU integration runner. A scenario is data (tests/qemu/scenarios/NAME.scn, sourced by bash):
#   MACHINE=virt          board (scripts/qemu.sh --machine: virt or vexpress-a15)
#   SMP=4 MEM=1024        machine size
#   TIMEOUT=20            seconds of wall time before the scenario fails
#   MACHINE_OPTS=         extra -M options
#   DTB_EDITS=( "fdtput -r {} /intc@8000000" ... )   commands run on a copy of the DTB this
#                         machine would get ({} = its path); any edit makes QEMU boot with -dtb
#   PARTS=file.dts        partitions (/chosen/bulkhead, docs/bindings.md) merged into the DTB this
#                         machine gets (scripts/mkdtb.sh); path relative to tests/qemu/
#   PARTS_GEN="cmd"       instead of PARTS: a command that writes the .dts to stdout
#   LOADERS=( "build/guests/hello.bin@0x49000000" ... )  images placed in RAM before boot
#   DTB_MODULES=( "dts/guest.dts@0x89100000" ... )  guest DTB modules: each .dts (relative to
#                         tests/qemu/) compiled with dtc, padded to 4 KiB (the partition names it
#                         as dtb = <0 PA 0 0x1000>), placed in RAM at PA like LOADERS
#   EXPECT=( "line" ... ) substrings that must appear on the console, in this order
#   EXPECT_ANY=( "line" ... )  substrings that must appear too, in any order (output of
#                         partitions running in parallel)
#   REJECT=( "PANIC" )    substrings that must never appear
#   SERIAL1_EXPECT=( "line" ... )  substrings that must appear, in this order, on the board's
#                         second UART (a passed-through one); with any, QEMU gets
#                         -serial mon:stdio (the console) -serial file:BUILD/qemu/NAME.serial1.log
# The scenario passes when every EXPECT (and SERIAL1_EXPECT) line has appeared in order and no
# REJECT line has; QEMU
# is killed on every path. Prints one line per scenario and "qemu: N passed, N failed".
# usage: tests/qemu/run.sh BUILD_DIR [SCENARIO...]
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "$1" && pwd)
shift
out="$build/qemu"
mkdir -p "$out"
if [ $# -gt 0 ]; then
	scenarios=("$@")
else
	scenarios=("$top"/tests/qemu/scenarios/*.scn)
fi

qpid=
cleanup() { [ -z "$qpid" ] || kill -9 "$qpid" 2>/dev/null; }
trap cleanup EXIT INT TERM

# The first EXPECT_ANY line missing from the log (empty if all are there).
missing_any() {
	local l
	for l in "${EXPECT_ANY[@]}"; do
		grep -qF -- "$l" "$1" || {
			echo "$l"
			return
		}
	done
}

# Number of lines of the expect file $1 found in order in the log $2: its first $3 lines (default:
# the EXPECT count).
matched() {
	awk -v n="${3:-${#EXPECT[@]}}" 'BEGIN { i = 1 }
		FNR == NR { want[FNR] = $0; next }
		i <= n && index($0, want[i]) { i++ }
		END { print i - 1 }' "$1" "$2"
}

# True when every SERIAL1_EXPECT line has appeared, in order, in the second UART's log.
serial1_done() {
	[ ${#SERIAL1_EXPECT[@]} -eq 0 ] ||
		[ "$(matched "$want1" "$serial1" "${#SERIAL1_EXPECT[@]}")" -eq "${#SERIAL1_EXPECT[@]}" ]
}

passed=0
failed=0
for scn in "${scenarios[@]}"; do
	name=$(basename "$scn" .scn)
	SMP=4 MEM=1024 TIMEOUT=20 MACHINE_OPTS= DTB_EDITS=() EXPECT=() EXPECT_ANY=() REJECT=("PANIC")
	PARTS= PARTS_GEN= LOADERS=() MACHINE=virt SERIAL1_EXPECT=() DTB_MODULES=()
	# shellcheck disable=SC1090
	source "$scn"
	log="$out/$name.log"
	want="$out/$name.expect"
	printf '%s\n' "${EXPECT[@]}" >"$want"
	qemu_args=(--machine "$MACHINE" --smp "$SMP" --mem "$MEM")
	serial1="$out/$name.serial1.log"
	want1="$out/$name.serial1.expect"
	rm -f "$serial1" "$want1"
	serial_args=()
	if [ ${#SERIAL1_EXPECT[@]} -gt 0 ]; then
		printf '%s\n' "${SERIAL1_EXPECT[@]}" >"$want1"
		: >"$serial1"
		serial_args=(-- -serial mon:stdio -serial "file:$serial1")
	fi
	[ -z "$MACHINE_OPTS" ] || qemu_args+=(--machine-opts "$MACHINE_OPTS")

	why=
	for l in "${LOADERS[@]}"; do
		qemu_args+=(--loader "$top/$l")
	done
	for m in "${DTB_MODULES[@]}"; do
		mod="$out/$name.$(basename "${m%@*}" .dts).dtb"
		dtc -q -I dts -O dtb -S 4096 -o "$mod" "$top/tests/qemu/${m%@*}" ||
			why="cannot compile ${m%@*}"
		qemu_args+=(--loader "$mod@${m##*@}")
	done
	if [ ${#DTB_EDITS[@]} -gt 0 ] || [ -n "$PARTS$PARTS_GEN" ]; then
		dtb="$out/$name.dtb"
		"$top/scripts/qemu.sh" "${qemu_args[@]}" --dumpdtb "$dtb" || why="cannot dump DTB"
		if [ -z "$why" ] && [ -n "$PARTS_GEN" ]; then
			(cd "$top" && bash -c "$PARTS_GEN") >"$out/$name.parts.dts" || why="PARTS_GEN failed"
			PARTS="$out/$name.parts.dts"
		elif [ -n "$PARTS" ]; then
			PARTS="$top/tests/qemu/$PARTS"
		fi
		if [ -z "$why" ] && [ -n "$PARTS" ]; then
			"$top/scripts/mkdtb.sh" "$dtb" "$PARTS" "$dtb.new" && mv "$dtb.new" "$dtb" ||
				why="cannot merge $PARTS into the DTB"
		fi
		for e in "${DTB_EDITS[@]}"; do
			[ -n "$why" ] && break
			bash -c "${e//\{\}/$dtb}" || why="DTB edit failed: $e"
		done
		qemu_args+=(--dtb "$dtb")
	fi

	if [ -z "$why" ]; then
		"$top/scripts/qemu.sh" "${qemu_args[@]}" "${serial_args[@]}" </dev/null >"$log" 2>&1 &
		qpid=$!
		deadline=$((SECONDS + TIMEOUT))
		while :; do
			if [ "$(matched "$want" "$log")" -eq "${#EXPECT[@]}" ] &&
				[ -z "$(missing_any "$log")" ] && serial1_done; then
				sleep 0.3 # let trailing output (a late PANIC) arrive
				break
			fi
			if ! kill -0 "$qpid" 2>/dev/null; then
				why="QEMU exited before all expected lines appeared"
				break
			fi
			if [ $SECONDS -ge $deadline ]; then
				why="timeout after ${TIMEOUT}s"
				break
			fi
			sleep 0.1
		done
		kill -9 "$qpid" 2>/dev/null
		wait "$qpid" 2>/dev/null
		qpid=
		tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"
		if [ -z "$why" ]; then
			for r in "${REJECT[@]}"; do
				if grep -qF -- "$r" "$log"; then
					why="rejected line present: $r"
					break
				fi
			done
		elif [ "$(matched "$want" "$log")" -lt "${#EXPECT[@]}" ]; then
			why="$why; first missing line: $(sed -n "$(($(matched "$want" "$log") + 1))p" "$want")"
		elif [ -n "$(missing_any "$log")" ]; then
			why="$why; missing line: $(missing_any "$log")"
		elif ! serial1_done; then
			why="$why; first missing line on the second UART: $(sed -n \
				"$(($(matched "$want1" "$serial1" "${#SERIAL1_EXPECT[@]}") + 1))p" "$want1") (log: $serial1)"
		fi
	fi

	if [ -z "$why" ]; then
		echo "ok   $name"
		passed=$((passed + 1))
	else
		echo "FAIL $name: $why (log: $log)"
		tail -n 15 "$log" 2>/dev/null | sed 's/^/    /'
		failed=$((failed + 1))
	fi
done

echo "qemu: $passed passed, $failed failed"
[ "$failed" -eq 0 ]

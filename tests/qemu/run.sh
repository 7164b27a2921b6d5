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
#   EXPECT_SILENT=1       the console must stay empty: not one byte (QEMU's own messages count).
#                         Without EXPECT_PC_IN the runner watches it for the whole TIMEOUT
#   EXPECT_PC_IN=sym      the boot CPU must come to rest in function sym of build/bulkhead.elf
#                         (boot_fail: the failures before a console, docs/porting.md). QEMU gets
#                         -gdb unix:BUILD/qemu/NAME.gdb; once the EXPECT lines are there (at once
#                         with none), gdb-multiarch attaches and names the function holding CPU 0's
#                         pc, with the ELF's symbols at the load address (RAM base + 0x10000, as in
#                         scripts/debug.sh); polled until TIMEOUT
#   EXPECT_REGS=( '$r0 == 1' ... )  gdb expressions that must be true of CPU 0 once its pc is in
#                         EXPECT_PC_IN (checked once: that function is where it stays)
# The scenario passes when every EXPECT (and SERIAL1_EXPECT) line has appeared in order, no
# REJECT line has, and the EXPECT_SILENT, EXPECT_PC_IN and EXPECT_REGS conditions hold; QEMU
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

# True when every EXPECT, EXPECT_ANY and SERIAL1_EXPECT line has appeared.
lines_done() {
	[ "$(matched "$want" "$log")" -eq "${#EXPECT[@]}" ] && [ -z "$(missing_any "$log")" ] &&
		serial1_done
}

# The address QEMU loads a raw -kernel image at: the base of the first /memory node of the DTB $1
# (the RAM base) + 0x10000, as in scripts/debug.sh.
load_address() {
	local node cells base reg
	node=$(fdtget -l "$1" / | grep -m1 '^memory') || return 1
	cells=$(fdtget "$1" / '#address-cells' 2>/dev/null) || cells=2 # the DT spec's default
	read -r -a reg <<<"$(fdtget -t x "$1" "/$node" reg)"
	[ ${#reg[@]} -ge "$cells" ] || return 1
	base=$((0x${reg[0]}))
	[ "$cells" -eq 1 ] || base=$(((base << 32) | 0x${reg[1]}))
	printf '0x%x\n' $((base + 0x10000))
}

# EXPECT_PC_IN and EXPECT_REGS, asked of QEMU's gdb stub ($gdbsock) about CPU 0 (gdb thread 1)
# with build/bulkhead.elf's symbols at $load. Returns 1 while the answer may still change (gdb
# cannot attach yet, or the pc is elsewhere), with the reason in pc_why; returns 0 once the pc is
# in EXPECT_PC_IN, with pc_why empty if every EXPECT_REGS expression holds, else naming the
# first that does not.
pc_check() {
	# shellcheck disable=SC2016 # $pc, $r0, $cpsr are gdb's
	local cmds=(-ex "set architecture armv7" -ex "target remote $gdbsock"
		-ex "add-symbol-file $top/build/bulkhead.elf -o $load" -ex "thread 1"
		-ex 'printf "@regs pc 0x%x r0 0x%x cpsr 0x%x\n", $pc, $r0, $cpsr'
		-ex 'echo @sym\n' -ex 'info symbol $pc')
	local i res regs sym
	for i in "${!EXPECT_REGS[@]}"; do
		cmds+=(-ex "printf \"@check $i %d\\n\", (${EXPECT_REGS[$i]}) != 0")
	done
	res=$(timeout 20 gdb-multiarch -nx -batch "${cmds[@]}" </dev/null 2>&1)
	regs=$(sed -n 's/^@regs //p' <<<"$res")
	if [ -z "$regs" ]; then
		pc_why="gdb could not read CPU 0's registers: $(tail -n 1 <<<"$res")"
		return 1
	fi
	sym=$(sed -n '/^@sym$/{n;p;q}' <<<"$res")
	if [ "${sym%% *}" != "$EXPECT_PC_IN" ]; then
		pc_why="CPU 0 is not in $EXPECT_PC_IN: $regs ($sym)"
		return 1
	fi
	pc_why=
	for i in "${!EXPECT_REGS[@]}"; do
		grep -qx "@check $i 1" <<<"$res" && continue
		pc_why="in $EXPECT_PC_IN but not ${EXPECT_REGS[$i]}: $regs ($sym)"
		break
	done
	return 0
}

passed=0
failed=0
for scn in "${scenarios[@]}"; do
	name=$(basename "$scn" .scn)
	SMP=4 MEM=1024 TIMEOUT=20 MACHINE_OPTS= DTB_EDITS=() EXPECT=() EXPECT_ANY=() REJECT=("PANIC")
	PARTS= PARTS_GEN= LOADERS=() MACHINE=virt SERIAL1_EXPECT=() DTB_MODULES=()
	EXPECT_SILENT=0 EXPECT_PC_IN='' EXPECT_REGS=()
	# shellcheck disable=SC1090
	source "$scn"
	log="$out/$name.log"
	want="$out/$name.expect"
	printf '%s\n' "${EXPECT[@]}" >"$want"
	qemu_args=(--machine "$MACHINE" --smp "$SMP" --mem "$MEM")
	serial1="$out/$name.serial1.log"
	want1="$out/$name.serial1.expect"
	rm -f "$serial1" "$want1"
	gdbsock="$out/$name.gdb"
	rm -f "$gdbsock"
	extra_args=()
	if [ ${#SERIAL1_EXPECT[@]} -gt 0 ]; then
		printf '%s\n' "${SERIAL1_EXPECT[@]}" >"$want1"
		: >"$serial1"
		extra_args+=(-serial mon:stdio -serial "file:$serial1")
	fi
	[ -z "$EXPECT_PC_IN" ] || extra_args+=(-gdb "unix:$gdbsock,server=on,wait=off")
	[ ${#extra_args[@]} -eq 0 ] || extra_args=(-- "${extra_args[@]}")
	[ -z "$MACHINE_OPTS" ] || qemu_args+=(--machine-opts "$MACHINE_OPTS")

	why=
	dtb= # the DTB QEMU boots with: its own unless edited below
	if [ "$EXPECT_SILENT" = 1 ] && [ $((${#EXPECT[@]} + ${#EXPECT_ANY[@]})) -gt 0 ]; then
		why="EXPECT_SILENT with EXPECT or EXPECT_ANY lines"
	fi
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
	if [ -z "$why" ] && [ -n "$EXPECT_PC_IN" ]; then
		pc_why="gdb did not attach"
		if [ -z "$dtb" ]; then
			dtb="$out/$name.dtb"
			"$top/scripts/qemu.sh" "${qemu_args[@]}" --dumpdtb "$dtb" || why="cannot dump DTB"
		fi
		[ -n "$why" ] || load=$(load_address "$dtb") || why="no /memory in $dtb"
	fi

	if [ -z "$why" ]; then
		# Emptied here, not only by the redirection below: that runs in the background child,
		# and the checks must never see an earlier run's log.
		: >"$log"
		"$top/scripts/qemu.sh" "${qemu_args[@]}" "${extra_args[@]}" </dev/null >"$log" 2>&1 &
		qpid=$!
		deadline=$((SECONDS + TIMEOUT))
		while :; do
			if [ "$EXPECT_SILENT" = 1 ] && [ -s "$log" ]; then
				why="the console is not silent (EXPECT_SILENT)"
				break
			fi
			if lines_done; then
				if [ -n "$EXPECT_PC_IN" ] && pc_check; then
					why=$pc_why
					sleep 0.3 # let trailing output (a late PANIC) arrive
					break
				elif [ -z "$EXPECT_PC_IN" ] && [ "$EXPECT_SILENT" != 1 ]; then
					sleep 0.3
					break
				fi
			fi
			if ! kill -0 "$qpid" 2>/dev/null; then
				why="QEMU exited before all expected lines appeared"
				break
			fi
			if [ $SECONDS -ge $deadline ]; then
				# EXPECT_SILENT alone: the console stayed empty for the whole TIMEOUT.
				[ "$EXPECT_SILENT" = 1 ] && [ -z "$EXPECT_PC_IN" ] && lines_done && break
				why="timeout after ${TIMEOUT}s"
				[ -z "$EXPECT_PC_IN" ] || ! lines_done || why="$why; $pc_why"
				break
			fi
			sleep 0.1
		done
		kill -9 "$qpid" 2>/dev/null
		wait "$qpid" 2>/dev/null
		qpid=
		tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"
		if [ -z "$why" ] && [ "$EXPECT_SILENT" = 1 ] && [ -s "$log" ]; then
			why="the console is not silent (EXPECT_SILENT)"
		fi
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

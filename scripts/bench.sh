#!/usr/bin/env bash
# make bench: boots each benchmark configuration under QEMU with -icount (deterministic
# instruction counts, ../shared/MEASURING.md), collects the "bench:" console lines and prints one
# table. A single-shot figure printed as a "<name> [window]" / "<name> [overhead]" pair
# (guests/bench/bench.h) is reported as "<name>" = window - overhead; the raw pair stays in
# build/bench/raw.txt and the run's log. Options:
#   --update     also rewrite docs/benchmarks.md (with the command, QEMU version, git revision)
#   --check      compare with bench/baseline.txt: each figure within 10%; prints
#                "bench: N passed, N failed" (used by make test)
#   --baseline   rewrite bench/baseline.txt from this run (an explicit, reviewed change)
#   --linux / --no-linux  add or leave out the Linux boot comparison (linux_bench below, about
#                a minute and a half): on by default and with --update, off with --check and
#                --baseline (its wall times are not deterministic)
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/build"
out="$build/bench"
mkdir -p "$out"
mode=
linux=
for arg in "$@"; do
	case "$arg" in
	--linux) linux=1 ;;
	--no-linux) linux=0 ;;
	--update | --check | --baseline) mode=$arg ;;
	*) echo "bench.sh: unknown option $arg" >&2; exit 2 ;;
	esac
done
[ -n "$linux" ] || case "$mode" in --check | --baseline) linux=0 ;; *) linux=1 ;; esac
TOLERANCE_PCT=10
LINUX_RUNS=5 # wall-time runs per configuration (the median is reported)

qpid=
trap '[ -z "$qpid" ] || kill -9 "$qpid" 2>/dev/null' EXIT

# run NAME DONE_LINE QEMU-ARGS... : boots, waits for DONE_LINE (60 s at most; a partition that
# exits with an error or a panic ends the wait), keeps the log.
run() {
	local name=$1 done_line=$2
	shift 2
	local log="$out/$name.log"
	"$top/scripts/qemu.sh" --icount "$@" </dev/null >"$log" 2>&1 &
	qpid=$!
	local deadline=$((SECONDS + 60))
	until grep -qF -- "$done_line" "$log" 2>/dev/null; do
		if ! kill -0 "$qpid" 2>/dev/null || [ $SECONDS -ge $deadline ] ||
			grep -qE 'exited \(code [1-9]|PANIC' "$log"; then
			echo "bench: $name did not finish (log: $log)" >&2
			break
		fi
		sleep 0.1
	done
	kill -9 "$qpid" 2>/dev/null
	wait "$qpid" 2>/dev/null
	qpid=
	tr -d '\r' <"$log" | sed -n 's/^\[bulkhead\] bench: //p' >>"$out/raw.txt"
}

# dtb NAME PARTS_DTS SELFTESTS [SMP] : the machine's DTB (SMP CPUs, default 2) plus partitions
# and/or self-tests.
dtb() {
	local f="$out/$1.dtb"
	"$top/scripts/qemu.sh" --smp "${4:-2}" --mem 256 --dumpdtb "$f"
	[ -z "$2" ] || { "$top/scripts/mkdtb.sh" "$f" "$2" "$f.new" && mv "$f.new" "$f"; }
	[ -z "$3" ] || fdtput -t s "$f" /chosen bulkhead,selftest $3
	echo "$f"
}

# guest NAME DONE_LINE DTS [SMP] : the benchmark guest build/guests/NAME.bin under DTS.
guest() {
	local smp=${4:-2}
	run "$1" "$2" --smp "$smp" --mem 256 --dtb "$(dtb "$1" "$3" "" "$smp")" \
		--loader "$build/guests/$1.bin@0x49000000"
}

: >"$out/raw.txt"
run hyp "selftest bench-memory: done" --smp 2 --mem 256 \
	--dtb "$(dtb hyp "" "bench-stage2 bench-vmid bench-memory")"
guest bench "[bench] bench: done" "$top/bench/alone.dts"
guest benchyield "vcpu switch" "$top/bench/yield.dts"
guest benchgicd "[benchgicd] benchgicd: done" "$top/bench/gicd.dts"
guest benchirq "[benchirq] benchirq: done" "$top/bench/irq.dts"
guest benchsgi "[benchsgi] benchsgi: done" "$top/bench/sgi.dts" 3
guest benchwfi "[benchwfi] benchwfi: done" "$top/bench/wfi.dts"
guest benchspi "[benchspi] benchspi: done" "$top/bench/spi.dts"
run boot "boot to first partition entry" --smp 1 --mem 256 \
	--dtb "$(dtb boot "$top/bench/boot.dts" "bench-boot" 1)" \
	--loader "$build/guests/hello.bin@0x49000000"

# raw.txt -> results.txt: each "<name> [window]" / "<name> [overhead]" pair becomes one
# "<name>" line (HYP and guest figures each window - overhead, the window's iterations), where
# the first of the two was; every other line is kept as it is.
awk '
# Sets name, kind, h, g, n from a "<name> [window|overhead]: <h> HYP, <g> guest ... (<n> ...)"
# line; returns 0 for any other line.
function pair_line(s,    t, a) {
	if (!match(s, / \[(window|overhead)\]: [0-9.]+ HYP, [0-9.]+ guest instructions per op \(/))
		return 0
	name = substr(s, 1, RSTART - 1)
	t = substr(s, RSTART, RLENGTH)
	kind = index(t, "[window]") ? "window" : "overhead"
	split(substr(s, RSTART + length(kind) + 5), a, " ")
	h = a[1]; g = a[3]; n = substr(a[8], 2)
	return 1
}
{ line[NR] = $0 }
pair_line($0) { at[name, kind] = NR; hyp[NR] = h; gst[NR] = g; its[NR] = n }
END {
	for (i = 1; i <= NR; i++) {
		if (!pair_line(line[i])) {
			print line[i]
			continue
		}
		w = at[name, "window"]; o = at[name, "overhead"]
		if (!w || !o) {
			printf "bench: %s: [window] and [overhead] do not pair up\n", name > "/dev/stderr"
			continue
		}
		if (i == (w < o ? w : o))
			printf "%s: %.2f HYP, %.2f guest instructions per op (%d iterations)\n", name,
				hyp[w] - hyp[o], gst[w] - gst[o], its[w]
	}
}' "$out/raw.txt" >"$out/results.txt"

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

# --- Linux boot: directly on QEMU and in a partition ---------------------------------------------
# The same kernel, initramfs and command line on a 1-CPU machine under -icount shift=0: directly
# (as scripts/linux-direct.sh boots it) and in a partition alone on CPU 0 (tests/qemu/gen-linux.sh
# alone). Linux gets 256 MiB both ways; the partition's machine has 1024 MiB (the hypervisor's
# RAM, the modules, and the partition's RAM at 0x60000000). Measured:
#  - instructions from reset to Linux's PSCI SYSTEM_OFF (its /init, the workload, poweroff),
#    exact: QEMU's instruction counter (the one PMU INST_RETIRED reads), which QMP query-replay
#    returns in a record run (-icount ...,rr=record). Nothing executes after SYSTEM_OFF (direct:
#    -no-shutdown leaves QEMU paused; in a partition the hypervisor stops the partition and the
#    CPU sleeps in WFI), so the count is read once it stops moving. The count at the "init
#    started" line cannot be read exactly: nothing pauses QEMU at a console line.
#  - wall time from starting QEMU to the "bulkhead-linux: init started" line, the median of
#    LINUX_RUNS runs each, the two configurations alternating run by run.
LINUX_KERNEL="$build/deps/linux/vmlinuz"
LINUX_INITRD="$build/linux/initramfs.cpio.gz"
LINUX_APPEND="console=ttyAMA0 earlycon=pl011,0x9000000 panic=-1" # the partition's bootargs
LINUX_MARKER="bulkhead-linux: init started"

# qmp_icount SOCKET [quit] : QEMU's instruction count (QMP query-replay); "quit" ends QEMU after.
qmp_icount() {
	python3 - "$@" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile("rw")
def cmd(name):
    f.write(json.dumps({"execute": name}) + "\n")
    f.flush()
    while True:
        r = json.loads(f.readline())
        if "return" in r or "error" in r:
            return r
f.readline()  # greeting
cmd("qmp_capabilities")
print(cmd("query-replay")["return"]["icount"])
if sys.argv[2:] == ["quit"]:
    cmd("quit")
PY
}

# linux_wait LOG PATTERN : waits (180 s at most) until the log has PATTERN; prints the elapsed
# wall time in seconds since $lstart, or fails.
linux_wait() {
	local deadline=$((SECONDS + 180))
	until grep -qF -- "$2" "$1" 2>/dev/null; do
		if ! kill -0 "$qpid" 2>/dev/null || [ $SECONDS -ge $deadline ]; then
			echo "bench: no '$2' in $1" >&2
			return 1
		fi
		sleep 0.02
	done
	awk -v a="$(date +%s.%N)" -v b="$lstart" 'BEGIN { printf "%.3f\n", a - b }'
}

linux_stop() {
	kill -9 "$qpid" 2>/dev/null
	wait "$qpid" 2>/dev/null
	qpid=
}

# linux_wall NAME QEMU-ARGS... : one wall-time run to the marker; prints the seconds.
linux_wall() {
	local log="$out/linux-$1.log" t
	shift
	lstart=$(date +%s.%N)
	"$top/scripts/qemu.sh" --icount "$@" </dev/null >"$log" 2>&1 &
	qpid=$!
	t=$(linux_wait "$log" "$LINUX_MARKER") || { linux_stop; return 1; }
	linux_stop
	echo "$t"
}

# linux_insns NAME END_LINE QEMU-ARGS... : one record run to SYSTEM_OFF (END_LINE: the console
# line after it); appends "<NAME> insns <count>" to linux.txt.
linux_insns() {
	local name=$1 end_line=$2 log="$out/linux-$1.log" sock="$out/linux-$1.qmp"
	shift 2
	rm -f "$sock"
	lstart=$(date +%s.%N)
	"$top/scripts/qemu.sh" --icount "$@" -- -no-shutdown \
		-icount "rr=record,rrfile=$out/linux-$name.rr" -qmp "unix:$sock,server=on,wait=off" \
		</dev/null >"$log" 2>&1 &
	qpid=$!
	linux_wait "$log" "$end_line" >/dev/null || { linux_stop; return 1; }
	local a b
	a=$(qmp_icount "$sock")
	while sleep 0.2 && b=$(qmp_icount "$sock") && [ "$a" != "$b" ]; do
		a=$b
	done
	qmp_icount "$sock" quit >/dev/null
	linux_stop
	[ -n "$b" ] || { echo "bench: $name: no instruction count" >&2; return 1; }
	echo "$name insns $b" >>"$out/linux.txt"
}

# median FILE : the median of the numbers in FILE, one per line (LINUX_RUNS of them).
median() {
	sort -n "$1" | sed -n "$(((LINUX_RUNS + 1) / 2))p"
}

# Wall times alternate between the two configurations, run by run, so that a slow phase of a
# shared host weighs on both alike; then one exact instruction count each.
linux_bench() {
	: >"$out/linux.txt"
	if [ ! -f "$LINUX_KERNEL" ] || [ ! -f "$LINUX_INITRD" ]; then
		echo "bench: no Linux payload ($LINUX_KERNEL, $LINUX_INITRD): make all first" >&2
		return 1
	fi
	"$top/scripts/qemu.sh" --smp 1 --mem 1024 --dumpdtb "$out/linux-part.dtb" &&
		"$top/tests/qemu/gen-linux.sh" alone >"$out/linux-part.dts" &&
		"$top/scripts/mkdtb.sh" "$out/linux-part.dtb" "$out/linux-part.dts" "$out/linux-part.dtb" ||
		return 1
	local direct=(--smp 1 --mem 256 --kernel "$LINUX_KERNEL" --initrd "$LINUX_INITRD"
		--append "$LINUX_APPEND")
	local part=(--smp 1 --mem 1024 --dtb "$out/linux-part.dtb" --loader "$LINUX_KERNEL@0x50000000"
		--loader "$LINUX_INITRD@0x50800000")
	local n
	: >"$out/linux-direct.times"
	: >"$out/linux-partition.times"
	for ((n = 0; n < LINUX_RUNS; n++)); do
		linux_wall direct "${direct[@]}" >>"$out/linux-direct.times" || return 1
		linux_wall partition "${part[@]}" >>"$out/linux-partition.times" || return 1
	done
	echo "direct wall $(median "$out/linux-direct.times")" >>"$out/linux.txt"
	echo "partition wall $(median "$out/linux-partition.times")" >>"$out/linux.txt"
	linux_insns direct "reboot: Power down" "${direct[@]}" || return 1
	linux_insns partition "[bulkhead] partitions: all 1 stopped" "${part[@]}"
}

# The table of linux.txt: direct, in a partition, and the ratio.
linux_table() {
	awk -v runs="$LINUX_RUNS" '
	{ v[$1, $2] = $3 }
	END {
		print "| Linux boot (1 CPU, 256 MiB, -icount shift=0) | direct | in a partition | in a partition / direct |"
		print "| --- | ---: | ---: | ---: |"
		printf "| instructions, reset to SYSTEM_OFF (exact) | %s | %s | %.3f |\n",
			v["direct", "insns"], v["partition", "insns"],
			v["partition", "insns"] / v["direct", "insns"]
		printf "| wall time to \"init started\", median of %d runs | %.2f s | %.2f s | %.2f |\n",
			runs, v["direct", "wall"], v["partition", "wall"],
			v["partition", "wall"] / v["direct", "wall"]
	}' "$out/linux.txt"
}

linux_ok=0
if [ "$linux" -eq 1 ]; then
	if linux_bench; then
		linux_ok=1
		echo
		linux_table
	else
		echo "bench: the Linux boot comparison failed (logs: $out/linux-*.log)" >&2
	fi
fi

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
		if [ "$linux_ok" -eq 1 ]; then
			echo
			echo "The Linux boot comparison (the last table) is \`scripts/bench.sh --linux\`: wall times"
			echo "are from this machine, $(nproc) host CPUs, in one session."
			echo
			linux_table
		fi
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

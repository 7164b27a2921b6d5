#!/usr/bin/env bash
# Installs everything Bulkhead needs to build, run and test, from Debian packages only.
# Idempotent: a second run does nothing but check. Needs root (or sudo) the first time.
#
# Host packages: cross toolchain + newlib, QEMU, dtc/fdtoverlay, host libfdt, cmocka, gdb.
# Target libfdt: Debian's libfdt-dev:armhf, unpacked into build/deps/ (dpkg-deb -x) and its
# objects stripped of .ARM.attributes so the hard-float armhf archive links into our soft-float
# image (libfdt uses no FP registers).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
deps="$top/build/deps"
stamp="$deps/.stamp-v1"

host_pkgs=(gcc-arm-none-eabi libnewlib-arm-none-eabi binutils-arm-none-eabi qemu-system-arm
	device-tree-compiler libfdt-dev gdb-multiarch libcmocka-dev clang-format cppcheck
	libclang-rt-14-dev clang python3)

sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)

missing=()
for p in "${host_pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

need_armhf=0
[ -f "$stamp" ] || need_armhf=1

if [ ${#missing[@]} -gt 0 ] || [ $need_armhf -eq 1 ]; then
	if ! dpkg --print-foreign-architectures | grep -qx armhf; then
		"${sudo_cmd[@]}" dpkg --add-architecture armhf
		updated=0
	fi
	if [ ${#missing[@]} -gt 0 ] || [ "${updated:-1}" -eq 0 ]; then
		# A mirror mid-sync can fail one index; retry once, then go on with what we have.
		"${sudo_cmd[@]}" apt-get update -qq || { sleep 5; "${sudo_cmd[@]}" apt-get update -qq; } ||
			echo "deps: warning: apt-get update reported errors; continuing" >&2
	fi
fi

if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
fi

if [ $need_armhf -eq 1 ]; then
	echo "deps: fetching libfdt-dev:armhf"
	rm -rf "$deps"
	mkdir -p "$deps/dl" "$deps/root"
	(cd "$deps/dl" && apt-get download -q libfdt-dev:armhf libfdt1:armhf >/dev/null)
	for d in "$deps"/dl/*.deb; do dpkg-deb -x "$d" "$deps/root"; done
	lib=$(find "$deps/root" -name libfdt.a | head -n1)
	[ -n "$lib" ] || { echo "deps: libfdt.a not found in libfdt-dev:armhf" >&2; exit 1; }
	mkdir -p "$deps/libfdt/include"
	arm-none-eabi-objcopy --remove-section=.ARM.attributes "$lib" "$deps/libfdt/libfdt.a"
	cp "$deps"/root/usr/include/libfdt*.h "$deps"/root/usr/include/fdt.h "$deps/libfdt/include/"
	touch "$stamp"
fi

#!/usr/bin/env bash
# Installs everything Bulkhead needs to build, run and test, from Debian packages only.
# Idempotent: a second run does nothing but check. Needs root (or sudo) the first time.
#
# Host packages: cross toolchain + newlib, QEMU, dtc/fdtoverlay, host libfdt, cmocka, gdb.
# Target libfdt: Debian's libfdt-dev:armhf, unpacked into build/deps/ (dpkg-deb -x) and its
# objects stripped of .ARM.attributes so the hard-float armhf archive links into our soft-float
# image (libfdt uses no FP registers).
#
# Linux guest payload (guests/linux/): the newest Debian bookworm armmp kernel (the package the
# linux-image-armmp:armhf metapackage depends on) and busybox-static:armhf, unpacked with
# dpkg-deb -x into build/deps/linux/ (vmlinuz = the zImage, config, package = name and version,
# and the kernel's vexpress-v2p-ca15-tc1.dtb, the DTB QEMU -M vexpress-a15 needs: docs/porting.md)
# and build/deps/busybox/bin/busybox. Each is fetched only when its files are missing; delete
# the folder to fetch again (e.g. after a kernel security update).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
deps="$top/build/deps"
stamp="$deps/.stamp-v1"

host_pkgs=(gcc-arm-none-eabi libnewlib-arm-none-eabi binutils-arm-none-eabi qemu-system-arm
	device-tree-compiler libfdt-dev gdb-multiarch libcmocka-dev clang-format cppcheck
	libclang-rt-14-dev clang python3 cpio)

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

# --- Linux guest payload ------------------------------------------------------------------------
linux_dir="$deps/linux"
vexpress_dtb=vexpress-v2p-ca15-tc1.dtb
bb_dir="$deps/busybox"

# apt_armhf CMD...: run an apt query that needs the armhf indices; if it fails (indices never
# fetched, or stale and the .deb gone from the mirror), update once and retry.
apt_armhf() {
	"$@" 2>/dev/null && return 0
	"${sudo_cmd[@]}" apt-get update -qq || echo "deps: warning: apt-get update reported errors" >&2
	"$@"
}

# fetch_deb PKG DIR: download PKG into a scratch folder and unpack it into DIR/root.
fetch_deb() {
	rm -rf "$2"
	mkdir -p "$2/root"
	(cd "$2" && apt_armhf apt-get download -q "$1" >/dev/null)
	dpkg-deb -x "$2"/*.deb "$2/root"
}

if [ ! -f "$linux_dir/vmlinuz" ] || [ ! -f "$linux_dir/config" ] ||
	[ ! -f "$linux_dir/$vexpress_dtb" ]; then
	kpkg=$(apt_armhf apt-cache depends linux-image-armmp:armhf |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-.*-armmp(:armhf)?$/ { print $2; exit }')
	[ -n "$kpkg" ] || { echo "deps: cannot resolve linux-image-armmp:armhf" >&2; exit 1; }
	kpkg=${kpkg%:armhf}:armhf
	echo "deps: fetching $kpkg"
	tmp="$deps/dl-linux"
	fetch_deb "$kpkg" "$tmp"
	kimg=$(find "$tmp/root/boot" -name 'vmlinuz-*' | head -n1)
	kcfg=$(find "$tmp/root/boot" -name 'config-*' | head -n1)
	kdtb=$(find "$tmp/root/usr/lib" -name "$vexpress_dtb" | head -n1)
	if [ -z "$kimg" ] || [ -z "$kcfg" ] || [ -z "$kdtb" ]; then
		echo "deps: no vmlinuz/config/$vexpress_dtb in $kpkg" >&2
		exit 1
	fi
	rm -rf "$linux_dir"
	mkdir -p "$linux_dir"
	cp "$kcfg" "$linux_dir/config"
	cp "$kdtb" "$linux_dir/$vexpress_dtb"
	dpkg-deb -f "$tmp"/*.deb Package Version >"$linux_dir/package"
	cp "$kimg" "$linux_dir/vmlinuz.tmp"
	mv "$linux_dir/vmlinuz.tmp" "$linux_dir/vmlinuz"   # last: its presence means "complete"
	rm -rf "$tmp"
fi

if [ ! -x "$bb_dir/bin/busybox" ]; then
	echo "deps: fetching busybox-static:armhf"
	tmp="$deps/dl-busybox"
	fetch_deb busybox-static:armhf "$tmp"
	[ -f "$tmp/root/bin/busybox" ] || { echo "deps: no bin/busybox in busybox-static" >&2; exit 1; }
	rm -rf "$bb_dir"
	mkdir -p "$bb_dir/bin"
	dpkg-deb -f "$tmp"/*.deb Package Version >"$bb_dir/package"
	cp "$tmp/root/bin/busybox" "$bb_dir/bin/busybox.tmp"
	mv "$bb_dir/bin/busybox.tmp" "$bb_dir/bin/busybox"
	rm -rf "$tmp"
fi

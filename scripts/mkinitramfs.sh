#!/usr/bin/env bash
# Builds the Linux guest's initramfs: a gzip'd newc cpio with Debian's busybox-static:armhf
# (build/deps/busybox/, fetched by scripts/deps.sh) and guests/linux/init as /init.
#
# usage: scripts/mkinitramfs.sh OUT.cpio.gz
#
# Choices:
# - No root needed: the tree is staged in an ordinary folder next to OUT and archived with GNU
#   cpio --owner=0:0, so every entry is owned by root whoever runs the script.
# - No device nodes: the kernel always unpacks its built-in initramfs first (Debian's config has
#   CONFIG_INITRAMFS_SOURCE="", which still builds /dev/console and /root in), and ours is
#   unpacked on top of it, so the kernel has a console for PID 1. /init mounts devtmpfs on /dev
#   and reopens /dev/console from there. The archive has only an empty /dev.
# - Applets as relative symlinks in /bin for exactly the commands /init uses (listed below), so
#   the archive does not depend on running the ARM busybox on the build host.
# - Reproducible: entries sorted by name (LC_ALL=C), every mtime set to SOURCE_DATE_EPOCH
#   (default 0), modes set explicitly (not from the umask), cpio --reproducible (inode numbers
#   renumbered, device numbers zeroed), gzip -n (no name or time stamp). Same inputs, same bytes.
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 OUT.cpio.gz" >&2
	exit 2
fi

top=$(cd "$(dirname "$0")/.." && pwd)
out=$1
busybox="$top/build/deps/busybox/bin/busybox"
init="$top/guests/linux/init"
epoch=${SOURCE_DATE_EPOCH:-0}
applets=(sh mount cat grep awk md5sum poweroff sleep echo)

[ -x "$busybox" ] || "$top/scripts/deps.sh"

mkdir -p "$(dirname "$out")"
stage=$(mktemp -d "$out.stage.XXXXXX")
trap 'rm -rf "$stage" "$out.tmp"' EXIT

mkdir -p "$stage"/{bin,dev,proc,sys,tmp,root}
cp "$busybox" "$stage/bin/busybox"
cp "$init" "$stage/init"
for a in "${applets[@]}"; do
	ln -s busybox "$stage/bin/$a"
done
chmod 0755 "$stage" "$stage"/{bin,dev,proc,sys,root} "$stage/bin/busybox" "$stage/init"
chmod 1777 "$stage/tmp"
find "$stage" -exec touch -h -d "@$epoch" {} +

(cd "$stage" && find . -mindepth 1 -printf '%P\n' | LC_ALL=C sort |
	cpio -o -H newc --owner=0:0 --reproducible --quiet) | gzip -9 -n >"$out.tmp"
mv "$out.tmp" "$out"

#!/usr/bin/env bash
# Builds (once) the guest for the emulated multi-socket check: a minimal Debian bookworm root file system made with
# debootstrap from Debian's packages only, with Debian's own kernel (linux-image-amd64) and initrd, as a raw ext4
# image. Cached in .numa-vm/ (git-ignored); a second call reuses it unless this script or the guest's init changed.
# Needs root (debootstrap, mkfs) and the Debian packages qemu-system-x86, debootstrap, e2fsprogs (installed here
# when missing). First build: about 2-3 minutes on the 2-core development VM, most of it downloading packages.
# Usage: scripts/numa-vm/build-image.sh [--force]
set -euo pipefail
cd "$(dirname "$0")/../.."
here=scripts/numa-vm
cache=.numa-vm
force=0
for a in "$@"; do
  case "$a" in
    --force) force=1 ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build-image.sh: unknown argument '$a' (allowed: --force)" >&2; exit 2 ;;
  esac
done

if [ "$(id -u)" -ne 0 ]; then
  echo "build-image.sh: needs root (debootstrap makes device nodes and chroots); run: sudo $0" >&2
  exit 2
fi
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v mkfs.ext4 >/dev/null || need+=(e2fsprogs)
command -v socat >/dev/null || need+=(socat)
if [ ${#need[@]} -gt 0 ]; then
  echo "numa-vm: installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# Two cached layers: the debootstrap tree (rebuilt only when the package list below changes or with --force) and the
# ext4 image made from it with our init (rebuilt whenever guest-init.sh changes).
packages=linux-image-amd64,procps,util-linux,numactl,kmod
tree_stamp=$(echo "bookworm minbase $packages" | sha256sum | cut -c1-16)
image_stamp=$(cat "$here/guest-init.sh" | sha256sum | cut -c1-16)
t0=$(date +%s)
mkdir -p "$cache"
if [ $force -eq 1 ] || [ ! -f "$cache/rootfs/.tree-stamp" ] || [ "$(cat "$cache/rootfs/.tree-stamp")" != "$tree_stamp" ]; then
  rm -rf "$cache/rootfs" "$cache/root.img" "$cache/image-stamp"
  echo "numa-vm: debootstrap bookworm (minbase + $packages) into $cache/rootfs"
  # numactl gives the guest `numactl -H` for the log; procps/util-linux give ps/lscpu for diagnostics.
  debootstrap --variant=minbase --include="$packages" bookworm "$cache/rootfs" http://deb.debian.org/debian \
    > "$cache/debootstrap.log" 2>&1 || { echo "numa-vm: debootstrap failed, see $cache/debootstrap.log" >&2; exit 1; }
  rm -rf "$cache"/rootfs/var/cache/apt/archives/*.deb
  mkdir -p "$cache/rootfs/suite"
  echo "$tree_stamp" > "$cache/rootfs/.tree-stamp"
fi
if [ -f "$cache/root.img" ] && [ "$(cat "$cache/image-stamp" 2>/dev/null)" = "$image_stamp" ]; then
  echo "numa-vm: guest image is up to date ($cache/root.img)"
  exit 0
fi
kernel=$(ls "$cache"/rootfs/boot/vmlinuz-* | sort -V | tail -1)
initrd=$(ls "$cache"/rootfs/boot/initrd.img-* | sort -V | tail -1)
cp "$kernel" "$cache/vmlinuz"; cp "$initrd" "$cache/initrd.img"
# The guest boots straight into our init (no systemd): mounts, onlines hot-plugged CPUs, runs the check from the
# suite disk, writes the results disk, powers off.
install -D -m 0755 "$here/guest-init.sh" "$cache/rootfs/numa-vm/init"
rm -f "$cache/root.img"
truncate -s 2G "$cache/root.img"
mkfs.ext4 -q -F -L numa-vm-root -d "$cache/rootfs" "$cache/root.img"
echo "$image_stamp" > "$cache/image-stamp"
echo "numa-vm: guest image ready in $(( $(date +%s) - t0 )) s: $cache/root.img, kernel $(basename "$kernel")"

#!/usr/bin/env bash
# Prepares .device/carry/ (git-ignored), the one folder a run on a lent many-core machine (no .NET, no network)
# needs besides the work tree; carry it and run scripts/device/run.sh there. It holds:
#   bundle.tar.xz   the suite's bundle, made by ./run-all.sh --bundle (the one way to package the suite): one shared
#                   .NET runtime, the programs framework-dependent, launchers in bin/, the native URPC reference,
#                   wrk, lighttpd and ip (iproute2) with their libraries; xz-compressed
#   splash-originals/  SPLASH-3's original BARNES and RADIOSITY built with gcc -O3 (scripts/device/splash-originals.sh),
#                   when a SPLASH-3 checkout or git mirror is at $SPLASH3 (default: the tool library's mirror,
#                   /work/.mirror/SakalisC+Splash-3/repo, after `fetch github:SakalisC/Splash-3`); without one they stay
#                   behind and run.sh says so. Their code is never part of this repository.
# The lent machine accepts at most 64 MiB in all (the checkout's files and the carried folder): this script fails if
# the two together are larger.
# Usage: scripts/device/prepare.sh   (no arguments; SPLASH3=DIR in the environment names the SPLASH-3 sources)
set -euo pipefail
# Checked before .device/carry is removed: any argument is refused, as the script takes none.
usage="usage: scripts/device/prepare.sh   (no arguments; SPLASH3=DIR in the environment names the SPLASH-3 sources)"
case "${1:-}" in -h|--help) echo "$usage"; exit 0 ;; esac
[ $# -eq 0 ] || { echo "prepare: error: it takes no arguments, not '$*'; $usage" >&2; exit 2; }
cd "$(dirname "$0")/../.."
dev=.device; carry=$dev/carry; stage=$dev/stage
limit_mib=64
rm -rf "$stage" "$carry"; mkdir -p "$carry" "$stage"
# The bundle carries wrk, lighttpd and ip only where this machine has them, and the lent machine cannot install them
# (no network; it had no ip on 2026-12-01): install them here first (as root; otherwise install-deps.sh prints the command and this script stops).
scripts/install-deps.sh run || { echo "prepare: error: wrk, lighttpd and ip must be installed here to travel in the bundle (the io experiment needs them on the lent machine)" >&2; exit 1; }
t0=$(date +%s)
./run-all.sh --bundle "$stage/bundle"
t1=$(date +%s)
tar -C "$stage" -cf - bundle | xz -T0 -6 > "$carry/bundle.tar.xz"
t2=$(date +%s)
bytes=$(stat -c %s "$carry/bundle.tar.xz")
echo "prepare: bundle $(du -sm "$stage/bundle" | cut -f1) MiB made in $((t1 - t0)) s; $carry/bundle.tar.xz $((bytes / 1048576)) MiB ($bytes bytes) compressed in $((t2 - t1)) s"
rm -rf "$stage"
splash3=${SPLASH3:-/work/.mirror/SakalisC+Splash-3/repo}
if [ -e "$splash3" ]; then
  scripts/device/splash-originals.sh build "$splash3" "$carry/splash-originals" \
    || echo "prepare: warning: the SPLASH originals could not be built from $splash3; they will not travel" >&2
else
  echo "prepare: no SPLASH-3 sources at $splash3 (set SPLASH3): the original BARNES and RADIOSITY will not travel"
fi
bytes=$(du -sb "$carry" | cut -f1)
# What travels to the lent machine: the tracked and untracked-not-ignored files of this checkout, plus the carried folder.
# A tracked file deleted from the work tree does not travel: stat fails on it, which must not end this script (set -e).
tree=$(git ls-files -z --cached --others --exclude-standard | { xargs -0 -r stat -c %s 2>/dev/null || true; } | awk '{s+=$1} END {print s+0}')
total=$((tree + bytes))
echo "prepare: the checkout's files $((tree / 1048576)) MiB + $carry $((bytes / 1048576)) MiB = $((total / 1048576)) MiB to send (limit ${limit_mib} MiB)"
[ "$total" -le $((limit_mib * 1048576)) ] || { echo "prepare: error: the checkout's files and $carry together are over the ${limit_mib} MiB a lent machine accepts; the largest tracked files are usually committed reports (Results/README.md: what main keeps)" >&2; exit 1; }

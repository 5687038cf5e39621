#!/usr/bin/env bash
# End-to-end check of the portable bundle: makes one with ./run-all.sh --bundle (printing its size and the time it
# took), then runs it as on a server without .NET: `env -i PATH=/usr/bin:/bin` (DOTNET_ROOT unset) and, where this
# machine allows it (root, unshare), with the host's .NET installation hidden behind an empty folder, so that only the
# bundle's own runtime can run the programs. Runs --quick --only fig1,fig3 and checks the results, the run meta and
# the report (HTML and PDF); then once more without chromium on PATH, which must still give the HTML report and say
# how to get the PDF; and scripts/device/run.sh, the lent-machine script, on the same bundle with a short budget.
# Usage: tests/e2e/bundle.sh     Ends with "N passed, N failed" (the checks of this script); exit 0 only if all passed.
set -uo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bundle-e2e.XXXXXX")
e2e_name=bundle-e2e; e2e_kept="bundle, logs and run folders"
source tests/e2e/tally.sh

t0=$(date +%s)
./run-all.sh --bundle "$tmp/bundle" > "$tmp/make.log" 2>&1
rc=$?; seconds=$(( $(date +%s) - t0 ))
tail -3 "$tmp/make.log"
check $rc "./run-all.sh --bundle exited 0 (log: $tmp/make.log)"
[ $rc -eq 0 ] || finish
size_mib=$(du -sm "$tmp/bundle" | cut -f1)
echo "bundle-e2e: bundle size ${size_mib} MiB, made in ${seconds} s (this machine, this load)"
for p in fig1 fig3 compute io report topology benchmarks; do
  [ -x "$tmp/bundle/bin/$p" ] && grep -q "^$p=bin/$p$" "$tmp/bundle/bundle.manifest"; check $? "bundle has the $p launcher in bin/ and its manifest"
done
[ -x "$tmp/bundle/runtime/dotnet" ] && [ -d "$tmp/bundle/runtime/shared/Microsoft.AspNetCore.App" ]; check $? "bundle carries one .NET runtime with ASP.NET Core"

# The host's .NET: hidden where a private mount namespace is possible, else only kept off PATH.
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
mkdir -p "$tmp/empty"
hide=()
if [ "$(id -u)" -eq 0 ] && unshare --mount --propagation private true 2>/dev/null; then
  hide=(unshare --mount --propagation private sh -c 'mount --bind "$0" "$1" && shift && exec "$@"' "$tmp/empty" "$dotnet_root")
  echo "bundle-e2e: the host's .NET ($dotnet_root) is hidden behind an empty folder for the bundle's runs"
else
  echo "bundle-e2e: cannot hide $dotnet_root here (not root or no unshare): the runs only have no dotnet on PATH and DOTNET_ROOT unset"
fi
run_bundle() { # PATH-value run-folder args...
  local path=$1 outdir=$2; shift 2
  "${hide[@]}" env -i PATH="$path" HOME="$tmp" REPRO_NO_INSTALL=1 "$tmp/bundle/run-all.sh" --out "$outdir" "$@"
}
if [ ${#hide[@]} -gt 0 ]; then
  "${hide[@]}" env -i PATH=/usr/bin:/bin sh -c 'dotnet --version' >/dev/null 2>&1; [ $? -ne 0 ]; check $? "inside the check, the host's dotnet does not run"
fi

out="$tmp/run"
run_bundle /usr/bin:/bin "$out" --quick --only fig1,fig3 > "$tmp/run.log" 2>&1
check $? "bundle run-all.sh --quick --only fig1,fig3 exited 0 without .NET (log: $tmp/run.log)"
for f in fig1-shared-state urpc-tables fig3-tlb; do
  [ -s "$out/$f/results.csv" ] && grep -q '"status": "complete"' "$out/$f/meta.json"; check $? "$f: results.csv and a complete meta.json"
done
grep -q '"mode": "bundle"' "$out/meta.json" && grep -q '"state": "finished"' "$out/meta.json"; check $? "run meta says mode bundle, state finished"
commit=$(sed -n 's/^commit=//p' "$tmp/bundle/bundle.manifest")
grep -q "\"commit\": \"$commit\"" "$out/fig3-tlb/meta.json"; check $? "experiment meta records the bundle's commit ($commit)"
[ -s "$out/report.html" ] && [ -s "$out/report.pdf" ]; check $? "report.html and report.pdf written"

# The lent-machine script (scripts/device/run.sh) on this bundle, in a scratch tree of its own (a developer's
# .device/carry is left alone), under a short total budget: it unpacks the carried archive, runs its steps in
# priority order within their budgets (stopping one with SIGTERM when its time runs out), skips what no longer fits,
# and packs the run into $OUT/device-run.tar.gz. xz -0 here: only the format matters, not the size.
dev="$tmp/device-tree"; mkdir -p "$dev/scripts/device" "$dev/.device/carry" "$tmp/device-out"
cp scripts/device/run.sh "$dev/scripts/device/run.sh"
tar -C "$tmp" -cf - bundle | xz -T0 -0 > "$dev/.device/carry/bundle.tar.xz"
budget=60; t0=$(date +%s)
"${hide[@]}" env -i PATH=/usr/bin:/bin HOME="$tmp" OUT="$tmp/device-out" "$dev/scripts/device/run.sh" $budget > "$tmp/device.log" 2>&1
rc=$?; took=$(( $(date +%s) - t0 ))
check $rc "scripts/device/run.sh $budget exited 0 on the bundle (log: $tmp/device.log)"
[ "$took" -le $(( budget + 40 )) ]; check $? "scripts/device/run.sh kept to its ${budget} s budget (took ${took} s; each step may overrun by its 20 s grace before SIGKILL)"
grep -q "^== topology: exit 0" "$tmp/device-out/device-run.log"; check $? "device run: the topology step ran and exited 0"
grep -q "^== fig1: exit \(0\|124\) " "$tmp/device-out/device-run.log"; check $? "device run: fig1 ran and ended (0, or 124 where its budget ran out)"
grep -q "^== io: skipped, no time left" "$tmp/device-out/device-run.log"; check $? "device run: the last step is skipped when no time is left"
tar -tzf "$tmp/device-out/device-run.tar.gz" 2>/dev/null | grep "/fig1-shared-state/meta.json$" >/dev/null; check $? "device run: device-run.tar.gz holds fig1's meta.json"

# The originals' runner (scripts/device/splash-originals.sh run) on stand-ins that print what the originals print: one
# CSV row per program, thread count and run, their own timings (microseconds) and RADIOSITY's statistics parsed, the
# thread count passed on; bad input refused.
orig="$tmp/originals"; mkdir -p "$orig/bin"
printf '#!/bin/sh\necho "NPROC $(tail -1)"\necho "COMPUTETIME   =       123456"\n' > "$orig/bin/BARNES"
printf '#!/bin/sh\necho "threads $2"\necho "\tTotal time without initialization\t              98765"\necho "    Iterations to converge:   3 times"\necho "\tTotal number of elements:     2680"\necho "\tTotal number of interactions: 39900"\n' > "$orig/bin/RADIOSITY"
chmod +x "$orig/bin/BARNES" "$orig/bin/RADIOSITY"; printf '16384\n7\n' > "$orig/bin/barnes.input"; echo stand-in > "$orig/bin/build.txt"
scripts/device/splash-originals.sh run "$orig/bin" "$orig/out" 2 > "$orig/run.log" 2>&1; check $? "splash-originals run exits 0 (log: $orig/run.log)"
n=$(nproc); threads=0; for ((k = 1; k <= n; k *= 2)); do threads=$((threads + 1)); done
[ "$(($(wc -l < "$orig/out/originals.csv") - 1))" -eq $((threads * 2 * 2)) ]; check $? "splash-originals: one row per program, thread count and run ($((threads * 4)) rows)"
grep -q '^RADIOSITY,1,2,0.098765,[0-9.]*,0,2680,39900,3$' "$orig/out/originals.csv"; check $? "splash-originals: RADIOSITY's own time, elements, interactions and iterations parsed"
grep -q '^BARNES,1,1,0.123456,[0-9.]*,0,,,$' "$orig/out/originals.csv"; check $? "splash-originals: BARNES's COMPUTETIME parsed"
grep -q '^threads 1$' "$orig/out/logs/RADIOSITY-p1-r1.txt"; check $? "splash-originals: RADIOSITY gets its thread count (-p)"
grep -q '^NPROC 1$' "$orig/out/logs/BARNES-p1-r1.txt"; check $? "splash-originals: BARNES gets its thread count (the input's last value)"
scripts/device/splash-originals.sh run "$orig/bin" "$orig/out2" 0 > /dev/null 2>&1; [ $? -eq 2 ]; check $? "splash-originals: 0 repetitions refused with exit 2"
scripts/device/splash-originals.sh run "$orig/none" "$orig/out3" > /dev/null 2>&1; [ $? -eq 1 ]; check $? "splash-originals: a folder without the programs refused with exit 1"

# Without chromium: HTML only, and the summary says how to get the PDF.
mkdir -p "$tmp/path-no-chromium"
for d in /usr/bin /bin; do
  for f in "$d"/*; do
    name=$(basename "$f")
    case $name in chromium*|google-chrome*) continue ;; esac
    [ -e "$tmp/path-no-chromium/$name" ] || ln -s "$f" "$tmp/path-no-chromium/$name"
  done
done
out2="$tmp/run-no-chromium"
run_bundle "$tmp/path-no-chromium" "$out2" --quick --only fig3 > "$tmp/run-no-chromium.log" 2>&1; rc=$?
[ $rc -eq 1 ]; check $? "without chromium the run ends with exit 1 (got $rc; log: $tmp/run-no-chromium.log)"
[ -s "$out2/report.html" ] && [ ! -e "$out2/report.pdf" ]; check $? "without chromium report.html is still written (and no PDF)"
grep -q "report --run" "$tmp/run-no-chromium.log"; check $? "without chromium the summary says how to get the PDF (report --run)"
finish

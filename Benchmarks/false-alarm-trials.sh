#!/usr/bin/env bash
# Measures the regression check's false-alarm rate and its detection of a planted slowdown on this machine.
#   Benchmarks/false-alarm-trials.sh unchanged N       N A/B runs of HEAD against itself (same code on both sides)
#   Benchmarks/false-alarm-trials.sh planted N CYCLES  N A/B runs where the current side spins CYCLES per send
#   Benchmarks/false-alarm-trials.sh evaluate THRESHOLD... re-compares every stored trial at each threshold and
#                                                      prints how many were flagged (exit 1) per threshold
# Trials are stored under artifacts/false-alarm/ (git-ignored) <kind>-<n>/ (baseline/ and current/ rounds, comparison.md, load.txt).
# Environment: ROUNDS (default 3, as ci-regression.sh), THRESHOLD for the runs themselves (default 25%).
set -uo pipefail
cd "$(dirname "$0")/.."
root=artifacts/false-alarm
rounds="${ROUNDS:-3}"
threshold="${THRESHOLD:-25%}"
dll=Benchmarks/bin/Release/net10.0/Benchmarks.dll
kind="${1:?usage: $0 unchanged N | planted N CYCLES | evaluate THRESHOLD...}"
shift
if [ "$kind" = evaluate ]; then
  for t in "$@"; do
    for k in unchanged planted; do
      total=0; flagged=0; unknown=0
      for d in "$root"/"$k"-*/; do
        [ -d "$d/baseline" ] && [ -d "$d/current" ] || continue
        total=$((total + 1))
        outp=$(dotnet "$dll" compare --baseline "$d/baseline" --current "$d/current" --threshold "$t" 2>/dev/null); rc=$?
        [ $rc -eq 1 ] && flagged=$((flagged + 1))
        grep -q '| unknown |' <<<"$outp" && unknown=$((unknown + 1))
      done
      [ $total -gt 0 ] && echo "threshold $t: $k: $flagged of $total flagged as regression (exit 1); $unknown had an 'unknown' row"
    done
  done
  exit 0
fi
n="${1:?number of trials}"
plant=0
if [ "$kind" = planted ]; then plant="${2:?cycles per send}"; elif [ "$kind" != unchanged ]; then echo "unknown kind $kind" >&2; exit 2; fi
dotnet build Benchmarks/Benchmarks.csproj -c Release -nologo -v q || exit 2
mkdir -p "$root"
for i in $(seq 1 "$n"); do
  label="$kind-$(date -u +%Y%m%d-%H%M%S)"
  [ "$plant" != 0 ] && label="$kind$plant-$(date -u +%Y%m%d-%H%M%S)"
  dir="$root/$label"
  t0=$(date +%s)
  cat /proc/loadavg > /tmp/load-before.$$
  dotnet "$dll" run --short --against HEAD --rounds "$rounds" --threshold "$threshold" --out "$dir" --plant-current-delay "$plant" > /tmp/trial.$$ 2>&1
  rc=$?
  mkdir -p "$dir"; mv /tmp/trial.$$ "$dir/trial.log"
  { echo "before: $(cat /tmp/load-before.$$)"; echo "after:  $(cat /proc/loadavg)"; } > "$dir/load.txt"
  echo "trial $i/$n ($label): exit $rc, $(( $(date +%s) - t0 )) s, load $(cut -d' ' -f1-3 /proc/loadavg)"
done
rm -f /tmp/load-before.$$

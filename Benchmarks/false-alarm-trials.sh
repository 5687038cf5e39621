#!/usr/bin/env bash
# Measures the regression check's false-alarm rate and its detection of a planted slowdown on this machine, with the
# settings of ci-regression.sh (short suite, interleaved rounds, confirmation rounds).
#   Benchmarks/false-alarm-trials.sh unchanged N         N A/B runs of this build against a copy of itself
#   Benchmarks/false-alarm-trials.sh planted N CYCLES    N A/B runs where the current side spins CYCLES per send
#   Benchmarks/false-alarm-trials.sh evaluate THRESHOLD...
#        re-compares every stored trial at each threshold: how many were flagged by the first comparison, and how
#        many stayed flagged after the confirmation rounds (only trials whose confirmation ran can be judged there)
# Both sides run the same binaries (the current build and a copy of it, via --baseline-build), so nothing but the
# machine differs between them. Trials are stored under artifacts/false-alarm/<kind>-<time>/ (git-ignored).
# Environment: ROUNDS (default 3), CONFIRM (confirmation rounds, default 3), THRESHOLD (default 25%), CORES.
set -uo pipefail
cd "$(dirname "$0")/.."
root=artifacts/false-alarm
rounds="${ROUNDS:-3}"
confirm="${CONFIRM:-3}"
threshold="${THRESHOLD:-25%}"
dll=Benchmarks/bin/Release/net10.0/Benchmarks.dll
kind="${1:?usage: $0 unchanged N | planted N CYCLES | evaluate THRESHOLD...}"
shift

slower_set() { # slower benchmarks of one stored comparison at threshold $3, comma-separated
  dotnet "$dll" compare --baseline "$1/baseline" --current "$1/current" --threshold "$2" 2>/dev/null \
    | awk -F'|' '$6 ~ /slower/ { gsub(/ /, "", $2); printf "%s,", $2 }'
}

if [ "$kind" = evaluate ]; then
  for t in "$@"; do
    for k in unchanged planted; do
      total=0; first=0; confirmed=0; unjudged=0
      for d in "$root"/"$k"*-*/; do
        [ -d "$d/baseline" ] && [ -d "$d/current" ] || continue
        total=$((total + 1))
        s1=$(slower_set "$d" "$t")
        [ -z "$s1" ] && continue
        first=$((first + 1))
        if [ ! -d "$d/confirm" ]; then unjudged=$((unjudged + 1)); continue; fi
        s2=$(slower_set "$d/confirm" "$t")
        for b in ${s1//,/ }; do
          if [[ ",$s2" == *",$b,"* ]]; then confirmed=$((confirmed + 1)); break; fi
        done
      done
      [ $total -gt 0 ] && echo "threshold $t: $k: $total trials; flagged by the first comparison: $first; still flagged after confirmation: $confirmed (+ $unjudged flagged without confirmation data)"
    done
  done
  exit 0
fi
n="${1:?number of trials}"
plant=0
if [ "$kind" = planted ]; then plant="${2:?cycles per send}"; elif [ "$kind" != unchanged ]; then echo "unknown kind $kind" >&2; exit 2; fi
dotnet build Benchmarks/Benchmarks.csproj -c Release -nologo -v q || exit 2
mkdir -p "$root"
copy="$root/baseline-build"
rm -rf "$copy"; cp -r Benchmarks/bin/Release/net10.0 "$copy"
cores=()
[ -n "${CORES:-}" ] && cores=(--cores "$CORES")
flagged=0
for i in $(seq 1 "$n"); do
  label="$kind-$(date -u +%Y%m%d-%H%M%S)"
  [ "$plant" != 0 ] && label="$kind$plant-$(date -u +%Y%m%d-%H%M%S)"
  dir="$root/$label"
  mkdir -p "$dir"
  t0=$(date +%s)
  before=$(cat /proc/loadavg)
  dotnet "$dll" run --short --baseline-build "$copy" --rounds "$rounds" --confirm-rounds "$confirm" --threshold "$threshold" \
    --out "$dir" --plant-current-delay "$plant" "${cores[@]}" > "$dir/trial.log" 2>&1
  rc=$?
  [ $rc -eq 1 ] && flagged=$((flagged + 1))
  printf 'before: %s\nafter:  %s\nexit: %s\n' "$before" "$(cat /proc/loadavg)" "$rc" > "$dir/load.txt"
  echo "trial $i/$n ($label): exit $rc, $(( $(date +%s) - t0 )) s, load $(cut -d' ' -f1-3 /proc/loadavg)"
done
echo "$kind${plant/#0/}: $flagged of $n trials exited 1 (regression) at threshold $threshold with $rounds rounds + $confirm confirmation rounds"

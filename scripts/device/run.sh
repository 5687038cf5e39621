#!/usr/bin/env bash
# Runs on the lent many-core machine (no .NET, no network), from the repository root, after
# scripts/device/prepare.sh filled .device/ here. Every step has a time budget and is stopped with SIGINT when it
# runs out, so the experiment programs keep what they finished and mark the rest incomplete in meta.json.
# Everything lands in one archive, $OUT/device-run.tar.gz, plus the console log $OUT/device-run.log.
# Usage: scripts/device/run.sh [TOTAL_BUDGET_SECONDS]   (default 420)
set -uo pipefail
cd "$(dirname "$0")/../.."
budget=${1:-420}
start=$(date +%s)
out=${OUT:-/tmp/device-out}; mkdir -p "$out"
exec > >(tee "$out/device-run.log") 2>&1

rt=/tmp/dotnet-rt; mkdir -p "$rt"
tar xJf .device/dotnet-runtime.tar.xz -C "$rt" || { echo "cannot unpack the .NET runtime"; exit 1; }
export DOTNET_ROOT=$rt PATH=$rt:$PATH DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_gcServer=0
model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
export REPRO_COMMIT=$(cat .device/commit) REPRO_MACHINE="lent device machine: $(nproc) cpus, ${model}"
export REPRO_COMMAND="scripts/device/run.sh $budget"
run=/tmp/device-run/$(hostname)-$(date -u +%Y%m%dT%H%M%SZ); mkdir -p "$run"
cores="0-$(( $(nproc) - 1 ))"
echo "device run: $REPRO_MACHINE, cores $cores, commit $REPRO_COMMIT, budget ${budget}s, into $run"

# step NAME SECONDS COMMAND...: runs with what is left of its share of the budget.
step() {
  local name=$1 secs=$2; shift 2
  local left=$(( budget - ($(date +%s) - start) - 15 ))
  [ "$secs" -gt "$left" ] && secs=$left
  if [ "$secs" -le 5 ]; then echo "== $name: skipped, no time left"; return; fi
  echo "== $name (up to ${secs}s): $*"
  local t0=$(date +%s)
  timeout -s INT -k 10 "$secs" "$@" 2>&1 | tee "$run/$name.log"
  echo "== $name: exit ${PIPESTATUS[0]} after $(( $(date +%s) - t0 ))s"
}

app() { local a=$1; shift; dotnet ".device/apps/$a/$(ls .device/apps/$a | grep -E '\.runtimeconfig\.json$' | sed 's/\.runtimeconfig\.json$//').dll" "$@"; }

step topology 20 app topology
lscpu > "$run/lscpu.txt" 2>&1; cp "$run/topology.log" "$run/topology.txt"
[ -d .device/apps/fig1 ] && step fig1 100 app fig1 --cores "$cores" --out "$run"
[ -d .device/apps/fig3 ] && step fig3 90 app fig3 --cores "$cores" --out "$run"
if [ -x .device/bin/urpc_pingpong ] && [ -d .device/apps/benchmarks ]; then
  step urpc-vs-native 40 app benchmarks urpc-vs-native --native .device/bin/urpc_pingpong --out "$run/urpc-vs-native"
fi
[ -d .device/apps/compute ] && step compute 400 app compute --class A --runtime all --repetitions 3 --cores "$cores" --out "$run"
tar czf "$out/device-run.tar.gz" -C "$(dirname "$run")" "$(basename "$run")"
echo "archive: $(du -h "$out/device-run.tar.gz" | cut -f1); total $(( $(date +%s) - start ))s"

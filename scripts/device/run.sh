#!/usr/bin/env bash
# Runs on the lent many-core machine (no .NET, no network), from the repository root, after
# scripts/device/prepare.sh filled .device/carry here (carry that folder). Every step has a time budget and is stopped with SIGINT when it
# runs out, so the experiment programs keep what they finished and mark the rest incomplete in meta.json.
# Everything lands in one archive, $OUT/device-run.tar.gz, plus the console log $OUT/device-run.log.
# Usage: scripts/device/run.sh [TOTAL_BUDGET_SECONDS]   (default 420)
# Order = priority: what matters most for the paper's claims runs first, in case the budget runs out.
set -uo pipefail
cd "$(dirname "$0")/../.."
budget=${1:-420}
start=$(date +%s)
out=${OUT:-/tmp/device-out}; mkdir -p "$out"
exec > >(tee "$out/device-run.log") 2>&1

rt=/tmp/dotnet-rt; pl=/tmp/payload; mkdir -p "$rt" "$pl"
tar xJf .device/carry/dotnet-runtime.tar.xz -C "$rt" || { echo "cannot unpack the .NET runtime"; exit 1; }
tar xJf .device/carry/payload.tar.xz -C "$pl" || { echo "cannot unpack the payload"; exit 1; }
export DOTNET_ROOT=$rt PATH=$rt:$pl/tools/bin:$PATH DOTNET_CLI_TELEMETRY_OPTOUT=1
export LD_LIBRARY_PATH=$pl/tools/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
export REPRO_COMMIT=$(cat .device/carry/commit) REPRO_MACHINE="lent device machine: $(nproc) cpus, ${model}"
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

# dll NAME: the entry assembly of a published program (the one with a runtimeconfig).
dll() { echo "$pl/apps/$1/$(ls "$pl/apps/$1" | grep -E '\.runtimeconfig\.json$' | sed 's/\.runtimeconfig\.json$//').dll"; }

step topology 10 dotnet "$(dll topology)"
lscpu > "$run/lscpu.txt" 2>&1; cp "$run/topology.log" "$run/topology.txt"
n=$(nproc); last=$((n - 1))
[ -d $pl/apps/fig1 ] && step fig1 80 dotnet "$(dll fig1)" --cores "$cores" --out "$run"
if [ -x $pl/bin/urpc_pingpong ] && [ -d $pl/apps/benchmarks ]; then
  step urpc-vs-native-0-1 25 dotnet "$(dll benchmarks)" urpc-vs-native --cores 0,1 --native $pl/bin/urpc_pingpong --out "$run/urpc-vs-native-0-1"
  [ "$last" -gt 1 ] && step urpc-vs-native-0-$last 25 dotnet "$(dll benchmarks)" urpc-vs-native --cores 0,$last --native $pl/bin/urpc_pingpong --out "$run/urpc-vs-native-0-$last"
fi
[ -d $pl/apps/compute ] && step compute 110 dotnet "$(dll compute)" --quick --class A --repetitions 2 --cores "$cores" --out "$run"
# fig3 measures the multikernel twice per core count: with real page tables (one core process per core, mmu=hardware;
# two shootdowns with real mprotects and checks per operation) and with software TLBs (mmu=modelled): 31 repetitions
# keep it to about a minute on 16 cores (an estimate from the 2-core VM, not yet measured there).
[ -d $pl/apps/fig3 ] && step fig3 120 dotnet "$(dll fig3)" --cores "$cores" --repetitions 31 --out "$run"
(wrk --version; lighttpd -v) > "$run/tools.txt" 2>&1
[ -d $pl/apps/io ] && step io 90 dotnet "$(dll io)" --cores "$cores" --out "$run"
tar czf "$out/device-run.tar.gz" -C "$(dirname "$run")" "$(basename "$run")"
echo "archive: $(du -h "$out/device-run.tar.gz" | cut -f1); total $(( $(date +%s) - start ))s"

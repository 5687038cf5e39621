#!/usr/bin/env bash
# Runs on the lent many-core machine (no .NET, no network), from the repository root, after
# scripts/device/prepare.sh filled .device/carry here (carry that folder). It unpacks the suite's bundle (made by
# ./run-all.sh --bundle) and runs its programs through the bundle's launchers (bin/<name>, on the bundle's own .NET
# runtime). Every step has a time budget and is stopped with SIGTERM when it runs out, so the experiment programs keep
# what they finished and mark the rest incomplete in meta.json (exit 124 in the log means the budget ran out). Everything lands in one archive,
# $OUT/device-run.tar.gz, plus the console log $OUT/device-run.log.
# Usage: scripts/device/run.sh [TOTAL_BUDGET_SECONDS]   (default 570)
# Order = priority: what matters most for the paper's claims runs first, in case the budget runs out.
set -uo pipefail
usage="usage: scripts/device/run.sh [TOTAL_BUDGET_SECONDS]   (a whole number from 60 to 86400; default 570)"
case "${1:-}" in -h|--help) echo "$usage"; exit 0;; esac
[ $# -le 1 ] || { echo "run.sh: one argument at most, the budget in seconds; $usage" >&2; exit 2; }
budget=${1-570}   # an empty argument is refused below, not taken for the default
# Checked before anything is unpacked or removed: a budget that is not a number made every step's arithmetic skip it.
if ! [[ "$budget" =~ ^[0-9]{1,5}$ ]] || [ "$((10#$budget))" -lt 60 ] || [ "$((10#$budget))" -gt 86400 ]; then
  echo "run.sh: the budget must be a whole number of seconds from 60 to 86400, not '$budget'; $usage" >&2; exit 2
fi
budget=$((10#$budget))
cd "$(dirname "$0")/../.."
start=$(date +%s)
out=${OUT:-/tmp/device-out}; mkdir -p "$out"
exec > >(tee "$out/device-run.log") 2>&1

unpack=/tmp/mk-bundle; rm -rf "$unpack"; mkdir -p "$unpack"
tar -xJf .device/carry/bundle.tar.xz -C "$unpack" || { echo "cannot unpack .device/carry/bundle.tar.xz (run scripts/device/prepare.sh first)"; exit 1; }
b=$unpack/bundle
export PATH="$PATH:$b/tools/bin"   # the carried wrk, lighttpd and ip, where this machine has none
model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
export REPRO_COMMIT=$(sed -n 's/^commit=//p' "$b/bundle.manifest") REPRO_SOURCE_STATE=$(sed -n 's/^source_state=//p' "$b/bundle.manifest")
export REPRO_MACHINE="lent device machine: $(nproc) cpus, ${model}" REPRO_COMMAND="scripts/device/run.sh $budget"
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
  # --foreground: SIGTERM to the program only (it stops after its current point; its own children, wrk or lighttpd,
  # die with it), not to timeout's whole process group, which would break the point in progress. -k 20: the point in
  # progress gets 20 s to finish before SIGKILL (an io series takes about 14 s: 1 s warm-up and 6 runs of 2 s).
  timeout --foreground -s TERM -k 20 "$secs" "$@" 2>&1 | tee "$run/$name.log"
  echo "== $name: exit ${PIPESTATUS[0]} after $(( $(date +%s) - t0 ))s"
}
has() { grep -q "^$1=" "$b/bundle.manifest"; }

step topology 10 "$b/bin/topology"
lscpu > "$run/lscpu.txt" 2>&1; cp "$run/topology.log" "$run/topology.txt"
n=$(nproc); last=$((n - 1))
# 51 repetitions (not the default 151): with the C twin (bin/fig1_twin, found by fig1 in the bundle) and both MSG
# paths a point does about three times the work it did, and 51 x 2000 updates per thread or client still give every
# point at least 51 samples. fig1 runs without tiered compilation, so its JIT warm-ups (before the first MSG, pipelined,
# LRPC and URPC points) settle after two or three runs: about 3 s on the 2-core VM, where they took about 20 s with
# tiering (the 42 s fig1 took on the device on 2026-11-26 included them). 51 repetitions make 4 interleaved C/C#
# blocks per point (TwinBlocks), so each MSG point boots the multikernel 8 times (2 before the blocks): 18 MSG points
# on 16 cores, at 0.1-0.25 s a boot (0.3 s or more on 16 cores would not surprise), add about 15-50 s, hence up to
# 120 s (the steps after it used about 300 s of the 500 there); the 20 s saved go to compute.
has fig1 && step fig1 120 "$b/bin/fig1" --cores "$cores" --repetitions 51 --out "$run"
if [ -x "$b/bin/urpc_pingpong" ] && has benchmarks; then
  extra=(); [ -f "$b/bin/liburpc_loops.so" ] && extra=(--mixed) # the four pinger/echo pairings: which side costs the cycles
  # the reference also built with -falign-loops=32 and =64: how far C alone moves with code placement
  [ -x "$b/bin/urpc_pingpong-align32" ] && [ -x "$b/bin/urpc_pingpong-align64" ] && extra+=(--layouts)
  step urpc-vs-native-0-1 35 "$b/bin/benchmarks" urpc-vs-native --cores 0,1 --native "$b/bin/urpc_pingpong" "${extra[@]}" --out "$run/urpc-vs-native-0-1"
  [ "$last" -gt 1 ] && step urpc-vs-native-0-$last 35 "$b/bin/benchmarks" urpc-vs-native --cores 0,$last --native "$b/bin/urpc_pingpong" "${extra[@]}" --out "$run/urpc-vs-native-0-$last"
fi
# A contended lock on every core: the threads package's Mutex against a Monitor on pinned threads (BARNES on mk ran
# 1.7-3.0x slower than on host threads here on 2026-12-01 with the mutex's former FIFO hand-over: a lock convoy).
has benchmarks && step mutex-contention 30 "$b/bin/benchmarks" mutex-contention --cores "$cores" --threads 1,2 --batches 5 --iterations 10000
# Each repetition runs every runtime once on a fresh runtime (SPLASH: after an untimed warm-up run of its own). SPLASH
# first, on its standard inputs (the default profile: BARNES 16384 bodies, RADIOSITY the paper's input; core counts 1,
# 2, 3, 4, 6, ..., 16), since --quick's 2048 bodies are too few to scale to 16 cores, 6 repetitions (the fewest with a
# 95% CI for the median, which the compute claim needs; 3 took 59 s here on 2026-12-01); NPB class A on --quick's core
# counts (1, 2, 4, 8, 16) comes last. Two runs of the program, so two result folders: compute/ (SPLASH) and
# .nas/compute/, in a dot folder as the other extra runs: the report reads every other folder of the run as an
# experiment's and refuses the run for one that holds only a run of its own (report --run RUN/.nas reports NPB).
has compute && step compute-splash 130 "$b/bin/compute" --bench barnes,radiosity --repetitions 6 --cores "$cores" --out "$run"
# The original SPLASH programs on the same machine (when prepare.sh could build them): their one-thread time against
# the rows above, and RADIOSITY's elements and interactions at 2 to 16 threads on real cores (the verification band was
# derived on the 2-core VM). 10 runs per program at 1, 2, 4, 8 and 16 threads: about 15 s. Into a dot folder, which the
# report does not read as an experiment.
if [ -x .device/carry/splash-originals/BARNES ]; then
  step splash-originals 30 scripts/device/splash-originals.sh run .device/carry/splash-originals "$run/.splash-originals" 10
else
  echo "== splash-originals: skipped, not carried (prepare.sh found no SPLASH-3 sources)"
fi
# io before fig3 and NPB (the user-level network stack's 16-core numbers are an open question, NPB's were measured
# before): 120 s, as its default run took 83 s here on 2026-12-01 (5 runs per series then, 6 now).
(wrk --version; lighttpd -v) > "$run/tools.txt" 2>&1
has io && step io 120 "$b/bin/io" --cores "$cores" --out "$run"
# fig3 measures the multikernel twice per core count: with real page tables (one core process per core, mmu=hardware;
# two shootdowns with real mprotects and checks per operation) and with software TLBs (mmu=modelled), each with the
# four shootdown protocols, the unmap, and 1PC and 2PC per protocol (21 repetitions; 89 s here on 2026-12-01); out of
# budget it stops after the point in progress and keeps the core counts it finished. Before io-sides and NPB: the
# shootdown and unmap with one VMA per page and overlapped page-table changes have not run on 16 cores yet.
has fig3 && step fig3 150 "$b/bin/fig3" --cores "$cores" --repetitions 21 --out "$run"
# One CPU-driver round on core 0 of a system booted on every core (each monitor then polls about two channels per
# other core on a visit of its blocked dispatchers): the default time slice against a visit every 16th round.
has benchmarks && step cpu-rounds 15 "$b/bin/benchmarks" cpu-rounds --cores "$cores" --batches 9 --rounds 1000000
# The same UDP and static parts with each side's kernel receive work on its own cores (--rx-steering sides, RPS on both
# veth ends), as with a server and a load machine: the faithful setting where the load generator has cores enough for
# its side's receive work, which the 2-core VM does not have (there every series was load-bound with it). Into a dot
# folder, which the report does not read as an experiment.
has io && step io-sides 80 "$b/bin/io" --cores "$cores" --only udp,static --rx-steering sides --out "$run/.io-sides"
# NPB last, on what is left (its 16-core numbers were measured before; 2 repetitions: no CI).
has compute && step compute-nas 90 "$b/bin/compute" --bench cg,ft,is --quick --class A --repetitions 2 --cores "$cores" --out "$run/.nas"
# Without the archive nothing comes back: a failure here is the run's failure, not a silent exit 0.
tar czf "$out/device-run.tar.gz" -C "$(dirname "$run")" "$(basename "$run")" \
  || { echo "run.sh: error: could not write $out/device-run.tar.gz (tar exit $?); the results are in $run on this machine" >&2; exit 1; }
echo "archive: $(du -h "$out/device-run.tar.gz" | cut -f1); total $(( $(date +%s) - start ))s"

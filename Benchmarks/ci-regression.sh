#!/usr/bin/env bash
# CI regression check of URPC latency: builds the suite, then runs the short BenchmarkDotNet suite of this checkout
# and of the parent commit on this machine, interleaved (A B A B ...), and compares them with the Perfolizer
# Mann-Whitney equivalence test; a benchmark found slower is measured again (confirmation rounds) and fails the
# check only if it is slower again. Appends the current build's medians to Results/urpc-history.csv.
#
# Exit: 0 no regression beyond the threshold (or nothing to compare: the baseline is HEAD~N or HEAD^ and the clone has
#       no such ancestor, as at the first commit), 1 regression, 2 bad input (e.g. a baseline revision that is not a
#       commit here) / build failure, 3 a benchmark did not complete, 4 the benchmark program failed (an exception;
#       see Benchmarks/README.md): 2-4 are reported as "could not compare", never as a regression. Stopped by SIGINT,
#       SIGTERM or SIGHUP: the build or the benchmark program is stopped and waited for, "could not compare", exit
#       128 + the signal.
# Environment (all optional):
#   URPC_CI_AGAINST    baseline revision                         (default HEAD~1)
#   URPC_CI_THRESHOLD  smallest slowdown that fails the check    (default 25%, see Benchmarks/README.md)
#   URPC_CI_ROUNDS     interleaved rounds per side, 1 to 100     (default 3)
#   URPC_CI_CONFIRM_ROUNDS  rounds re-measuring a flagged benchmark, 0 to 100; it fails only if slower again (default 3)
#   URPC_CI_OUT        run folder                                (default Results/ci-<UTC time>/urpc-ab)
#   URPC_CI_HISTORY    history CSV ("" = do not record)          (default Results/urpc-history.csv)
# Extra arguments go to `Benchmarks run` (e.g. --plant-current-delay 200 to prove a slowdown is caught).
set -uo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
against="${URPC_CI_AGAINST:-HEAD~1}"
threshold="${URPC_CI_THRESHOLD:-25%}"
confirm="${URPC_CI_CONFIRM_ROUNDS:-3}"
rounds="${URPC_CI_ROUNDS:-3}"
out="${URPC_CI_OUT:-Results/ci-$(date -u +%Y%m%d-%H%M%S)/urpc-ab}"
history="${URPC_CI_HISTORY-Results/urpc-history.csv}"
# Checked here, naming the variable, before anything is built: the benchmark program would name only its option.
whole() { # NAME VALUE LO HI
  [[ $2 =~ ^[0-9]{1,3}$ ]] && [ $((10#$2)) -ge "$3" ] && [ $((10#$2)) -le "$4" ] && return 0
  echo "urpc-regression: could not compare (exit 2): $1='$2' is not a whole number from $3 to $4" >&2
  exit 2
}
whole URPC_CI_ROUNDS "$rounds" 1 100; rounds=$((10#$rounds))
whole URPC_CI_CONFIRM_ROUNDS "$confirm" 0 100; confirm=$((10#$confirm))

if ! git rev-parse --verify --quiet "${against}^{commit}" >/dev/null; then
  # Only an ancestor of HEAD named by HEAD~N / HEAD^ can be missing for want of history (the first commit, a shallow
  # clone): nothing to compare. Any other revision that is not a commit here is bad input, not a pass.
  if [[ $against =~ ^HEAD([~^][0-9]*)+$ ]]; then
    echo "urpc-regression: no baseline revision '${against}' (first commit or shallow clone); nothing to compare, skipping"
    exit 0
  fi
  echo "urpc-regression: could not compare (exit 2): the baseline revision '${against}' (URPC_CI_AGAINST) is not a commit in this clone; name an existing commit, branch or tag (fetch it first in a shallow clone)" >&2
  exit 2
fi
# The build and the benchmark program each run as a background child that this script waits for, so that a signal to
# the script reaches it: the child is stopped (SIGTERM) and waited for, never left running (a build writing into the
# tree; the program measuring on the benchmark cores and appending to the history).
stop=""; child=""
on_signal() { stop=$1; [ -n "$child" ] && kill -TERM "$child" 2>/dev/null; }
trap 'on_signal INT' INT; trap 'on_signal TERM' TERM; trap 'on_signal HUP' HUP
# waited CMD...: runs CMD as that child and waits for it; its exit status in rc.
waited() {
  "$@" &
  child=$!
  [ -n "$stop" ] && kill -TERM "$child" 2>/dev/null
  while :; do
    wait "$child"; rc=$?
    kill -0 "$child" 2>/dev/null && continue  # a trapped signal ends `wait` early: wait again while the child runs
    # A trapped signal that cut `wait` short left the child's own status to collect (127: that wait had collected it).
    if [ "$rc" -gt 128 ]; then wait "$child" 2>/dev/null; r=$?; [ "$r" -ne 127 ] && rc=$r; fi
    break
  done
  child=""
}
# stopped WHAT: after a signal, says what was stopped and exits 128 + the signal.
stopped() {
  [ -n "$stop" ] || return 0
  echo "urpc-regression: could not compare (stopped by SIG${stop}, exit $((128 + $(kill -l "$stop")))) against ${against}; $1" >&2
  exit $((128 + $(kill -l "$stop")))
}
waited dotnet build Benchmarks/Benchmarks.csproj -c Release -nologo -v q
stopped "the build of the suite was stopped"
if [ "$rc" -ne 0 ]; then
  echo "urpc-regression: the benchmark suite does not build" >&2
  exit 2
fi
args=(run --short --against "$against" --rounds "$rounds" --confirm-rounds "$confirm" --threshold "$threshold" --out "$out")
[ -n "$history" ] && args+=(--history "$history")
waited dotnet Benchmarks/bin/Release/net10.0/Benchmarks.dll "${args[@]}" "$@"
stopped "the benchmark program was stopped; partial results in ${out}"
trap - INT TERM HUP
case $rc in
  0) verdict="no regression beyond ${threshold}" ;;
  1) verdict="REGRESSION beyond ${threshold}" ;;
  *) verdict="could not compare (exit $rc)" ;;
esac
echo "urpc-regression: ${verdict} against ${against}; ${rounds} rounds; $(( $(date +%s) - start )) s; details in ${out}/comparison.md"
exit $rc

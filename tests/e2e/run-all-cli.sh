#!/usr/bin/env bash
# The probe of issue 15 for run-all.sh, kept as a test: a table of bad command lines (each must exit 2 with a message
# naming the option, and create no run folder), the core-list parser it shares with the programs, and interruption
# scenarios (SIGINT or SIGTERM to run-all's pid only, twice, during the build, SIGKILL): the running experiment is
# told at once and keeps its finished points, the run meta says what happened (a killed run's "running" state is
# recognisably stale), and nothing of the experiment's process group is left running.
# Usage: tests/e2e/run-all-cli.sh     Ends with "N passed, N failed" (the checks of this script).
set -uo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d "${TMPDIR:-/tmp}/run-all-cli.XXXXXX")
e2e_name=run-all-cli; e2e_kept="logs and run folders"
source tests/e2e/tally.sh
bad_tried=0; bad_ok=0; int_tried=0; int_ok=0

# ------------------------------------------------------------------------------------------ bad command lines
touch "$tmp/a-file"; mkdir -p "$tmp/existing" "$tmp/full-bundle"; touch "$tmp/full-bundle/x"
#   expected message fragment | arguments (TAB-separated; EMPTY = an empty argument)
BAD=(
  "--only: empty value|--only	EMPTY"
  "--only: empty value|--only="
  "--only: empty element|--only	,"
  "--only: empty element|--only	fig1,,fig3"
  "--only: empty element|--only	fig1,"
  "unknown experiment 'nope'|--only	nope"
  "--only is given twice|--only	fig1	--only	fig3"
  "--only needs|--only"
  "--cores: empty value|--cores	EMPTY"
  "--cores: empty value|--cores="
  "--cores: empty element|--cores	0,"
  "--cores: empty element|--cores	,0"
  "--cores: core 99998 is not in this process's affinity mask|--cores	99998-99999"
  "--cores: '0-99999999999999999999' is not a range|--cores	0-99999999999999999999"
  "is not in this process's affinity mask|--cores	0-9999999"
  "--cores: 'x' is not a core number|--cores	x"
  "--cores: '+1' is not a core number|--cores	+1"
  "listed twice|--cores	0,0"
  "listed twice|--cores	0,00"
  "not a range|--cores	1-0"
  "--cores: '-1' looks like an option|--cores	-1"
  "--out: empty value|--out	EMPTY"
  "--out: empty value|--out="
  "--out: empty value|--out=	--quick"
  "--out: '--quick' looks like an option|--out	--quick"
  "--out needs|--out"
  "already exists|--out	TMP/existing"
  "is not a folder|--out	TMP/a-file/run"
  "cannot create|--out	/proc/no-such-folder/run"
  "--quick and --full exclude each other|--quick	--full"
  "--quick and --full exclude each other|--full	--quick"
  "unknown option 'bogus'|bogus"
  "unknown option '-x'|-x"
  "--bundle: empty value|--bundle	EMPTY"
  "exists and is not an empty folder|--bundle	TMP/full-bundle"
  "cannot be combined with --quick|--bundle	TMP/new-bundle	--quick"
  "cannot be combined with --out|--out	TMP/x	--bundle	TMP/new-bundle"
)
results_before=$(ls Results 2>/dev/null | wc -l)
for row in "${BAD[@]}"; do
  want=${row%%|*}; IFS=$'\t' read -r -a args <<<"${row#*|}"
  for i in "${!args[@]}"; do args[$i]=${args[$i]//TMP/$tmp}; [ "${args[$i]}" = EMPTY ] && args[$i]=""; done
  bad_tried=$((bad_tried + 1))
  t0=$(date +%s)
  err=$(./run-all.sh "${args[@]}" 2>&1 >/dev/null); rc=$?
  secs=$(( $(date +%s) - t0 ))
  shown=$(printf '%q ' "${args[@]}")
  if [ $rc -eq 2 ] && [[ $err == *"$want"* ]] && [[ $err != *"syntax error"* ]] && [ ! -e "$tmp/new-bundle" ] && [ ! -e "$tmp/x" ]; then
    bad_ok=$((bad_ok + 1)); check 0 "./run-all.sh ${shown}-> exit 2, '$want' (${secs}s)"
  else
    check 1 "./run-all.sh ${shown}-> exit $rc, expected 2 with '$want'; got: $(head -c 300 <<<"$err")"
  fi
done
[ "$(ls Results 2>/dev/null | wc -l)" -eq "$results_before" ]; check $? "no run folder was created under Results/ by a refused command line"
[ ! -e "$tmp/existing/meta.json" ]; check $? "an existing --out folder was left alone"

# The parser run-all shares with the programs accepts what the programs accept.
topo=$(dotnet msbuild Tools/Topology/Topology.csproj -getProperty:TargetPath -p:Configuration=Release 2>/dev/null | tr -d '\r')
if [ -f "$topo" ]; then
  first=$(dotnet "$topo" --check-cores all | cut -d' ' -f2 | cut -d, -f1 | cut -d- -f1)
  [ "$(dotnet "$topo" --check-cores "0$first")" = "1 $first" ]; check $? "--cores 0$first (a leading zero) is core $first"
  [ "$(dotnet "$topo" --check-cores " $first ")" = "1 $first" ]; check $? "--cores ' $first ' (spaces) is core $first"
else
  check 1 "the topology tool is built (run ./run-all.sh or dotnet build first)"
fi

# ------------------------------------------------------------------------------------------ interruptions
# start_run NAME ARGS...: run-all in the background with SIGINT at its default (a background job of a script would
# otherwise ignore it), output to $tmp/NAME.log; sets runall (pid) and out (run folder).
start_run() {
  local name=$1; shift
  out="$tmp/$name"
  env --default-signal=INT ./run-all.sh --out "$out" "$@" > "$tmp/$name.log" 2>&1 &
  runall=$!
}
wait_for() { # text seconds: waits until the log holds the text
  local i; for ((i = 0; i < $2 * 10; i++)); do grep -qF -- "$1" "$tmp/$name.log" && return 0; kill -0 "$runall" 2>/dev/null || break; sleep 0.1; done
  grep -qF -- "$1" "$tmp/$name.log"
}
program_group() { # the pid (= process group) of the experiment program run-all started
  ps -eo pid=,ppid=,args= | awk -v p="$runall" '$2 == p && /dll|bin\// {print $1; exit}'
}
group_left() { # processes still in group $1 (zombies excluded), after waiting up to 30 s
  local i n; for ((i = 0; i < 300; i++)); do n=$(ps -eo pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/' | wc -l); [ "$n" -eq 0 ] && break; sleep 0.1; done
  echo "$n"
}
json() { sed -n "s/.*\"$1\": \"\\([^\"]*\\)\".*/\\1/p" "$2" | head -1; }
fig3_status() { sed -n 's/.*"name": "fig3".*"status": "\([a-z-]*\)".*/\1/p' "$out/meta.json"; }
scenario() { # name signal count expected-exit  (signal sent to run-all's pid only, once fig3's second point started)
  local name=$1 sig=$2 count=$3 want=$4 pg ok=0 rc i
  int_tried=$((int_tried + 1))
  start_run "$name" --only fig3
  if ! wait_for "[fig3-tlb] 2/" 300; then check 1 "$name: fig3 did not reach its second point (log: $tmp/$name.log)"; return; fi
  pg=$(program_group)
  for ((i = 0; i < count; i++)); do kill -s "$sig" "$runall"; sleep 0.3; done
  wait "$runall"; rc=$?
  check $([ "$rc" -eq "$want" ]; echo $?) "$name: run-all exited $rc (want $want)" || ok=1
  check $([ "$(json state "$out/meta.json")" = interrupted ]; echo $?) "$name: run meta state interrupted" || ok=1
  check $([ "$(fig3_status)" = interrupted ]; echo $?) "$name: fig3 recorded as interrupted, not failed" || ok=1
  check $([ "$(json status "$out/fig3-tlb/meta.json")" = incomplete ] && [ "$(wc -l < "$out/fig3-tlb/results.csv")" -ge 2 ]; echo $?) "$name: fig3's finished points kept, its meta incomplete" || ok=1
  check $([ -n "$pg" ] && [ "$(group_left "$pg")" -eq 0 ]; echo $?) "$name: nothing left in fig3's process group ($pg)" || ok=1
  [ $ok -eq 0 ] && int_ok=$((int_ok + 1))
}
scenario sigint INT 1 130
scenario sigterm TERM 1 143
scenario sigint-twice INT 2 130

# run-all's spawn returns the program's own exit status also when a signal cut its `wait` short and the program ended
# at once (a race that recorded 143 for a program that exited 7, about 4 times in 10): the function itself, 10 times.
cat > "$tmp/spawn-status.sh" <<'EOF2'
launch=(setsid); child_pid=""
trap '[ -n "$child_pid" ] && kill -TERM "$child_pid" 2>/dev/null' TERM
eval "$(sed -n '/^spawn() {/,/^}/p' run-all.sh)"
( sleep 0.3; kill -TERM $$ ) &
spawn program /dev/null bash -c 'trap "exit 7" TERM; sleep 5 & wait'
echo "status $?"
EOF2
spawn_ok=0
for ((i = 0; i < 10; i++)); do [ "$(bash "$tmp/spawn-status.sh" 2>/dev/null)" = "status 7" ] && spawn_ok=$((spawn_ok + 1)); done
check $([ $spawn_ok -eq 10 ]; echo $?) "spawn gives the exit status of a program that ends at once on SIGTERM (7), not the signal's ($spawn_ok of 10)"

# A signal that came between two steps, while no program ran, found no child to tell: the next program started and
# ran to its end (fig1, 15 s, after SIGTERM during the topology step). spawn tells a program started after a stop request
# at once: the function itself, with the request already made (the program would end by itself, with 0, after 5 s).
cat > "$tmp/spawn-after-signal.sh" <<'EOF2'
launch=(setsid); child_pid=""; stop_signal=TERM
eval "$(sed -n '/^spawn() {/,/^}/p' run-all.sh)"
spawn program /dev/null bash -c 'trap "exit 7" TERM; for i in $(seq 50); do sleep 0.1; done; exit 0'
echo "status $?"
EOF2
got=$(bash "$tmp/spawn-after-signal.sh" 2>/dev/null)
# 7 from its TERM handler, or 143 where the signal came before the handler was set; 0 (it ran to its end) is the fault
check $([ "$got" = "status 7" ] || [ "$got" = "status 143" ]; echo $?) "spawn tells a program it starts after a stop request to stop (want status 7 or 143; got '$got')"

# SIGTERM while run-all writes topology.txt (after the build, before the first experiment): no experiment runs to its end.
name=sigterm-topology-run; int_tried=$((int_tried + 1)); ok=0
start_run "$name" --only fig3
for ((i = 0; i < 3000; i++)); do [ -e "$out/topology.txt" ] && break; kill -0 "$runall" 2>/dev/null || break; sleep 0.1; done
if [ -e "$out/topology.txt" ]; then
  kill -TERM "$runall"; wait "$runall"; rc=$?
  check $([ "$rc" -eq 143 ]; echo $?) "$name: run-all exited $rc (want 143)" || ok=1
  # not-run when the signal came during the topology step; interrupted if fig3 had started already
  check $([ "$(json state "$out/meta.json")" = interrupted ] && { [ "$(fig3_status)" = not-run ] || [ "$(fig3_status)" = interrupted ]; }; echo $?) \
    "$name: run meta interrupted, fig3 $(fig3_status) (want not-run, or interrupted if it had started)" || ok=1
  check $([ "$(json status "$out/fig3-tlb/meta.json" 2>/dev/null)" != complete ]; echo $?) "$name: fig3 did not run to its end" || ok=1
  [ $ok -eq 0 ] && int_ok=$((int_ok + 1))
else check 1 "$name: run-all never wrote topology.txt (log: $tmp/$name.log)"; fi

# SIGTERM while run-all builds the topology tool (before the run folder exists): exit 143, no run folder, and the
# temporary log of that build is not left behind.
name=sigterm-topology; int_tried=$((int_tried + 1)); ok=0
start_run "$name" --only fig3
if wait_for "building the topology tool" 300; then
  kill -TERM "$runall"; wait "$runall"; rc=$?
  prelog=$(sed -n 's/.*building the topology tool (checks --cores; log: \(.*\))$/\1/p' "$tmp/$name.log")
  check $([ "$rc" -eq 143 ]; echo $?) "$name: run-all exited $rc (want 143)" || ok=1
  check $([ -n "$prelog" ] && [ ! -e "$prelog" ] && [ ! -e "$out" ]; echo $?) "$name: no run folder, and its temporary build log ${prelog:-(not named)} is gone" || ok=1
  [ $ok -eq 0 ] && int_ok=$((int_ok + 1))
else check 1 "$name: run-all never started building the topology tool (log: $tmp/$name.log)"; fi

# SIGTERM while run-all builds (before any experiment): it stops at once and says nothing ran.
name=sigterm-build; int_tried=$((int_tried + 1)); ok=0
start_run "$name" --only fig3
if wait_for "building Release" 300; then
  kill -TERM "$runall"; wait "$runall"; rc=$?
  check $([ "$rc" -eq 143 ]; echo $?) "$name: run-all exited $rc (want 143)" || ok=1
  check $([ "$(json state "$out/meta.json")" = interrupted ] && [ "$(fig3_status)" = not-run ]; echo $?) "$name: run meta interrupted, fig3 not-run" || ok=1
  [ $ok -eq 0 ] && int_ok=$((int_ok + 1))
else check 1 "$name: run-all never started building (log: $tmp/$name.log)"; fi

# SIGKILL: run-all cannot clean up; the program must die with it, and the run meta's "running" must be recognisably stale.
name=sigkill; int_tried=$((int_tried + 1)); ok=0
start_run "$name" --only fig3
if wait_for "[fig3-tlb] 2/" 300; then
  pg=$(program_group)
  kill -KILL "$runall"; wait "$runall" 2>/dev/null
  check $([ -n "$pg" ] && [ "$(group_left "$pg")" -eq 0 ]; echo $?) "$name: fig3's process group ($pg) died with run-all" || ok=1
  pid=$(sed -n 's/.*"pid": \([0-9]*\).*/\1/p' "$out/meta.json"); start=$(sed -n 's/.*"pidStart": \([0-9]*\).*/\1/p' "$out/meta.json")
  now=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f20)
  check $([ "$(json state "$out/meta.json")" = running ] && [ "$pid" = "$runall" ] && [ "${now:-gone}" != "$start" ]; echo $?) \
    "$name: run meta says running with pid $pid started at tick $start, and that process is gone: stale" || ok=1
  check $([ "$(json status "$out/fig3-tlb/meta.json")" = incomplete ] && [ "$(wc -l < "$out/fig3-tlb/results.csv")" -ge 2 ]; echo $?) "$name: fig3's finished points kept" || ok=1
  [ $ok -eq 0 ] && int_ok=$((int_ok + 1))
else check 1 "$name: fig3 did not reach its second point (log: $tmp/$name.log)"; fi

echo "run-all-cli: bad command lines tried $bad_tried, handled cleanly $bad_ok; interruption scenarios tried $int_tried, correct $int_ok"
finish

#!/usr/bin/env bash
# Runs the whole Multikernel reproduction suite and makes its report.
#
# Usage: ./run-all.sh [--quick | --full] [--only NAMES] [--cores LIST] [--out DIR]
#        ./run-all.sh --bundle DIR
#
#   (no profile)   default profile: about 15 minutes on a 2-core machine
#   --quick        smoke profile: about 2 minutes on 2 cores (fewer points, fewer repetitions)
#   --full         for a many-core server: every core count, full repetitions (see docs/run-all.md for times)
#   --only NAMES   comma-separated experiments to run: fig1, fig3, compute, io (folder names such as
#                  fig1-shared-state are accepted too); default: all
#   --cores LIST   cores to use, e.g. 0-7 or 0-3,8-11 (default: every core this process may run on)
#   --out DIR      run folder to create (default: Results/<host>-<UTC timestamp>/); an existing folder is
#                  never reused or overwritten
#   --bundle DIR   instead of running: publish every program self-contained for linux-x64 (no .NET needed
#                  on the target) into DIR, with this script, so that DIR/run-all.sh runs the same suite there
#
# What it does: checks prerequisites (installs missing Debian packages when run as root, else prints the
# apt-get command), builds Release once, runs each experiment program that exists (stdout/stderr to the
# terminal and to RUN/<experiment>/log.txt), writes RUN/meta.json, then the report (RUN/report.html and
# RUN/report.pdf). If an experiment fails the others still run; the exit status is then 1 and a summary names
# what failed and where its log is. Exit status 2: bad command line.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ORIG_ARGS=("$@")
manifest="$here/bundle.manifest"   # present only in a bundle made by --bundle

# ---------------------------------------------------------------------------------------------------------
# The experiments, in run order, from the experiment registry (Experiments/Schema/experiments.tsv; a bundle carries
# a copy beside this script): one line per result folder; the lines of one program are merged here into
#   name | folders it writes under the run folder | program folder (holding one *.csproj) | estimated seconds
#   on 2 cores for the quick, default and full profiles (the time-left display only)
# Contract for a program: `PROGRAM --out RUNDIR --cores LIST [--quick|--full]` writes RUNDIR/<folder>/results.csv
# and meta.json for each of its folders, and exits non-zero on failure.
registry="$here/Experiments/Schema/experiments.tsv"; [ -f "$registry" ] || registry="$here/experiments.tsv"
EXPERIMENTS=()
read_registry() {
  local program folder project seed paper title quick default full i found
  [ -f "$registry" ] || { printf '%s\n' "run-all: error: the experiment registry is missing (Experiments/Schema/experiments.tsv)" >&2; exit 1; }
  while IFS=$'\t' read -r program folder project seed paper title quick default full; do
    case "$program" in ''|'#'*) continue ;; esac
    found=""
    for i in "${!EXPERIMENTS[@]}"; do
      if [ "${EXPERIMENTS[$i]%%|*}" = "$program" ]; then
        local IFS='|'; local -a f; read -r -a f <<<"${EXPERIMENTS[$i]}"; unset IFS
        EXPERIMENTS[$i]="${f[0]}|${f[1]},$folder|${f[2]}|${f[3]}|${f[4]}|${f[5]}"; found=1
      fi
    done
    [ -n "$found" ] || EXPERIMENTS+=("$program|$folder|$project|$quick|$default|$full")
  done < "$registry"
}
read_registry
REPORT_PROJECT=Report/Report.csproj
TOPOLOGY_PROJECT=Tools/Topology/Topology.csproj

say() { printf '%s\n' "run-all: $*"; }
die_usage() { printf '%s\n' "run-all: error: $*" >&2; printf '%s\n' "usage: ./run-all.sh [--quick|--full] [--only NAMES] [--cores LIST] [--out DIR] | --bundle DIR   (./run-all.sh --help)" >&2; exit 2; }
die() { printf '%s\n' "run-all: error: $*" >&2; exit 1; }
fmt_time() { local s=${1%.*}; [ -z "$s" ] && s=0; if [ "$s" -ge 3600 ]; then printf '%d:%02d:%02d' $((s/3600)) $((s%3600/60)) $((s%60)); else printf '%02d:%02d' $((s/60)) $((s%60)); fi; }
json_str() { local s=$1; s=${s//\\/\\\\}; s=${s//\"/\\\"}; s=${s//$'\n'/\\n}; s=${s//$'\t'/\\t}; printf '"%s"' "$s"; }
field() { local IFS='|'; local -a f; read -r -a f <<<"$1"; printf '%s' "${f[$2]}"; }

# ------------------------------------------------------------------------------------------ command line
profile=default; only=""; cores=""; out=""; bundle=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) [ "$profile" = full ] && die_usage "--quick and --full exclude each other"; profile=quick ;;
    --full)  [ "$profile" = quick ] && die_usage "--quick and --full exclude each other"; profile=full ;;
    --only)  [ $# -ge 2 ] || die_usage "--only needs a list, e.g. --only fig1,compute"; only=$2; shift ;;
    --only=*) only=${1#--only=} ;;
    --cores) [ $# -ge 2 ] || die_usage "--cores needs a list, e.g. --cores 0-3"; cores=$2; shift ;;
    --cores=*) cores=${1#--cores=} ;;
    --out)   [ $# -ge 2 ] || die_usage "--out needs a folder"; out=$2; shift ;;
    --out=*) out=${1#--out=} ;;
    --bundle) [ $# -ge 2 ] || die_usage "--bundle needs a folder"; bundle=$2; shift ;;
    --bundle=*) bundle=${1#--bundle=} ;;
    -h|--help) sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die_usage "unknown option '$1'" ;;
  esac
  shift
done

names=(); for e in "${EXPERIMENTS[@]}"; do names+=("$(field "$e" 0)"); done
valid_names="${names[*]}"; valid_names=${valid_names// /, }
all_folders=(); for e in "${EXPERIMENTS[@]}"; do IFS=, read -r -a fs <<<"$(field "$e" 1)"; all_folders+=("${fs[@]}"); done

# --only: names or folder names -> selected experiment names
selected=()
if [ -n "$only" ]; then
  IFS=, read -r -a wanted <<<"$only"
  [ ${#wanted[@]} -gt 0 ] || die_usage "--only: empty list; valid names: $valid_names"
  for w in "${wanted[@]}"; do
    w=$(printf '%s' "$w" | tr -d '[:space:]'); match=""
    for e in "${EXPERIMENTS[@]}"; do
      n=$(field "$e" 0)
      if [ "$w" = "$n" ] || [[ ",$(field "$e" 1)," == *",$w,"* ]]; then match=$n; fi
    done
    [ -n "$match" ] || die_usage "--only: unknown experiment '$w'; valid names: $valid_names (or their folders: ${all_folders[*]})"
    [[ " ${selected[*]:-} " == *" $match "* ]] || selected+=("$match")
  done
else
  selected=("${names[@]}")
fi

# --cores: syntax, then every core must be one this process may run on
allowed_list=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status 2>/dev/null)
[ -n "$allowed_list" ] || allowed_list="0-$(( $(getconf _NPROCESSORS_ONLN) - 1 ))"
expand_cores() { # prints one core per line, or returns 1 with a message on stderr
  local list=$1 item lo hi c
  IFS=, read -r -a items <<<"$list"
  [ ${#items[@]} -gt 0 ] || { echo "empty list" >&2; return 1; }
  for item in "${items[@]}"; do
    if [[ $item =~ ^[0-9]+$ ]]; then echo "$item"
    elif [[ $item =~ ^([0-9]+)-([0-9]+)$ ]]; then
      lo=${BASH_REMATCH[1]}; hi=${BASH_REMATCH[2]}
      [ "$lo" -le "$hi" ] || { echo "'$item' is not a range lo-hi with lo <= hi" >&2; return 1; }
      for ((c = lo; c <= hi; c++)); do echo "$c"; done
    else echo "'$item' is not a core number or range (use e.g. 0-3,8)" >&2; return 1; fi
  done
}
allowed=$(expand_cores "$allowed_list") || die "cannot read this process's CPU list ('$allowed_list')"
if [ -n "$cores" ]; then
  requested=$(expand_cores "$cores" 2>&1) || die_usage "--cores: $requested (available cores: $allowed_list)"
  for c in $requested; do
    grep -qx "$c" <<<"$allowed" || die_usage "--cores: core $c does not exist on this machine or is not available to this process (available cores: $allowed_list)"
  done
  dups=$(sort -n <<<"$requested" | uniq -d | tr '\n' ' ')
  [ -z "$dups" ] || die_usage "--cores: core(s) ${dups% } listed twice in '$cores'"
else
  cores=$allowed_list
fi
ncores=$(expand_cores "$cores" | wc -l)

# ------------------------------------------------------------------------------------------ mode: repo or bundle
if [ -f "$manifest" ]; then
  mode=bundle
  commit=$(sed -n 's/^commit=//p' "$manifest")
  program_of() { local rel; rel=$(sed -n "s/^$1=//p" "$manifest"); [ -n "$rel" ] && [ -x "$here/$rel" ] && printf '%s' "$here/$rel"; }
else
  mode=repo
  commit=$(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo unknown)
  [ "$commit" != unknown ] && [ -n "$(git -C "$here" status --porcelain 2>/dev/null)" ] && commit="$commit-dirty"
fi
project_of() { # the one *.csproj directly in an experiment's program folder, if any
  local dir="$here/$1" p
  for p in "$dir"/*.csproj; do [ -f "$p" ] && { printf '%s' "$p"; return 0; }; done
  return 1
}

# ------------------------------------------------------------------------------------------ prerequisites
if [ "$mode" = repo ]; then
  command -v dotnet >/dev/null 2>&1 || die "dotnet not found: install the .NET 10 SDK (https://dot.net) or run a bundle made with --bundle, which needs no .NET"
fi
if [ -z "$bundle" ] && [ -x "$here/scripts/install-deps.sh" ]; then
  "$here/scripts/install-deps.sh" run || say "warning: missing Debian packages (see above): the experiments run, but the PDF report will not be made"
fi

# ------------------------------------------------------------------------------------------ --bundle
if [ -n "$bundle" ]; then
  [ "$mode" = repo ] || die "--bundle must run in a source checkout (this is already a bundle)"
  if [ -e "$bundle" ] && [ -n "$(ls -A "$bundle" 2>/dev/null)" ]; then die "--bundle: $bundle exists and is not empty; choose a new folder"; fi
  mkdir -p "$bundle/bin" "$bundle/scripts" || die "--bundle: cannot create $bundle"
  bundle=$(cd "$bundle" && pwd)
  publog="$bundle/publish.log"
  say "publishing self-contained linux-x64 programs into $bundle (log: $publog)"
  {
    echo "# made by run-all.sh --bundle on $(hostname) at $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "commit=$commit"
  } > "$bundle/bundle.manifest.tmp"
  publish() { # name project
    local name=$1 proj=$2 asm
    asm=$(dotnet msbuild "$proj" -getProperty:AssemblyName 2>>"$publog") || return 1
    say "  publish $name ($proj)"
    dotnet publish "$proj" -c Release -r linux-x64 --self-contained true -p:PublishSingleFile=true \
      -p:InvariantGlobalization=true -p:EnableCompressionInSingleFile=true -p:DebugType=none -nologo -v q -o "$bundle/bin/$name" >>"$publog" 2>&1 || return 1
    [ -x "$bundle/bin/$name/$asm" ] || { echo "no executable $bundle/bin/$name/$asm after publish" >>"$publog"; return 1; }
    echo "$name=bin/$name/$asm" >> "$bundle/bundle.manifest.tmp"
  }
  failed_pub=()
  for e in "${EXPERIMENTS[@]}"; do
    n=$(field "$e" 0)
    if proj=$(project_of "$(field "$e" 2)"); then publish "$n" "$proj" || failed_pub+=("$n")
    else say "  $n: no program yet ($(field "$e" 2) has no project): not in the bundle, reported as not run"; fi
  done
  publish report "$here/$REPORT_PROJECT" || failed_pub+=(report)
  publish topology "$here/$TOPOLOGY_PROJECT" || failed_pub+=(topology)
  cp "$here/run-all.sh" "$bundle/run-all.sh" && cp "$registry" "$bundle/experiments.tsv" && cp "$here/scripts/install-deps.sh" "$bundle/scripts/install-deps.sh"
  [ -d "$here/docs" ] && mkdir -p "$bundle/docs" && cp "$here"/docs/*.md "$bundle/docs/" 2>/dev/null
  mv "$bundle/bundle.manifest.tmp" "$bundle/bundle.manifest"
  if [ ${#failed_pub[@]} -gt 0 ]; then die "publishing failed for: ${failed_pub[*]} (see $publog)"; fi
  say "bundle ready: copy $bundle to a Linux x86-64 server and run ./run-all.sh there (no .NET needed; as root it installs chromium for the PDF)"
  exit 0
fi

# ------------------------------------------------------------------------------------------ run folder
host=$(hostname -s 2>/dev/null || hostname)
if [ -z "$out" ]; then out="$here/Results/$host-$(date -u +%Y%m%dT%H%M%SZ)"; fi
if [ -e "$out" ]; then die_usage "--out: $out already exists; a run folder is never reused or overwritten (choose a new one)"; fi
mkdir -p "$out" || die "--out: cannot create $out"
out=$(cd "$out" && pwd)
run_started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
cpu_model=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo 2>/dev/null | head -1)
machine="$host (${cpu_model:-unknown CPU}, $(getconf _NPROCESSORS_ONLN) logical cpus)"
command_line=$(printf '%q ' "$0" "${ORIG_ARGS[@]}"); command_line=${command_line% }

declare -A status exitcode seconds logpath reason
for n in "${names[@]}"; do status[$n]=pending; exitcode[$n]=""; seconds[$n]=0; logpath[$n]=""; reason[$n]=""; done

write_run_meta() { # $1: running|finished|interrupted
  local tmp="$out/.meta.json.$$" first=1 e n fs f
  {
    printf '{\n  "kind": "run",\n  "state": %s,\n  "host": %s,\n  "machine": %s,\n  "profile": %s,\n  "cores": %s,\n  "command": %s,\n  "commit": %s,\n  "mode": %s,\n  "started": %s,\n  "finished": %s,\n  "experiments": [\n' \
      "$(json_str "$1")" "$(json_str "$host")" "$(json_str "$machine")" "$(json_str "$profile")" "$(json_str "$cores")" "$(json_str "$command_line")" \
      "$(json_str "$commit")" "$(json_str "$mode")" "$(json_str "$run_started")" "$(json_str "$([ "$1" = running ] || date -u +%Y-%m-%dT%H:%M:%SZ)")"
    for e in "${EXPERIMENTS[@]}"; do
      n=$(field "$e" 0); IFS=, read -r -a fs <<<"$(field "$e" 1)"
      [ $first -eq 1 ] || printf ',\n'; first=0
      printf '    {"name": %s, "folders": [' "$(json_str "$n")"
      local ff=1; for f in "${fs[@]}"; do [ $ff -eq 1 ] || printf ', '; ff=0; json_str "$f"; done
      printf '], "status": %s, "exitCode": %s, "seconds": %s, "log": %s, "reason": %s}' \
        "$(json_str "${status[$n]}")" "${exitcode[$n]:-null}" "${seconds[$n]}" "$(json_str "${logpath[$n]}")" "$(json_str "${reason[$n]}")"
    done
    printf '\n  ]\n}\n'
  } > "$tmp" && mv -f "$tmp" "$out/meta.json"
}

current=""
on_interrupt() {
  [ -n "$current" ] && { status[$current]=failed; reason[$current]="interrupted"; }
  for n in "${names[@]}"; do [ "${status[$n]}" = pending ] && { status[$n]=not-run; reason[$n]="run interrupted before it started"; }; done
  write_run_meta interrupted
  printf '\n%s\n' "run-all: interrupted; results so far are kept in $out (make the report with: $report_hint)" >&2
  exit 130
}
report_hint="dotnet run --project Report -c Release -- --run $out"
trap on_interrupt INT TERM
write_run_meta running

say "run folder $out"
say "profile $profile, cores $cores ($ncores), commit $commit, mode $mode"

# ------------------------------------------------------------------------------------------ build (repo mode)
declare -A program   # experiment -> its .dll (repo mode) or its self-contained executable (bundle mode)
run_program() { local p=$1; shift; if [[ $p == *.dll ]]; then REPRO_COMMIT=$commit dotnet "$p" "$@"; else REPRO_COMMIT=$commit "$p" "$@"; fi; }
buildlog="$out/build.log"
for e in "${EXPERIMENTS[@]}"; do
  n=$(field "$e" 0); dir=$(field "$e" 2)
  if [[ " ${selected[*]} " != *" $n "* ]]; then status[$n]=not-selected; reason[$n]="not in --only $only"; continue; fi
  if [ "$mode" = bundle ]; then
    if p=$(program_of "$n"); then program[$n]=$p
    else status[$n]=not-present; reason[$n]="no program for $n in this bundle"; fi
  elif ! project_of "$dir" >/dev/null; then
    status[$n]=not-present; reason[$n]="$dir has no project yet"
  fi
done
report_cmd=(); topology_cmd=()
if [ "$mode" = repo ]; then
  to_build=()
  for e in "${EXPERIMENTS[@]}"; do n=$(field "$e" 0); [ "${status[$n]}" = pending ] && to_build+=("$n"); done
  say "building Release (log: $buildlog)"
  build_one() { # project -> prints the dll path
    local proj=$1
    dotnet build "$proj" -c Release -nologo -v q >>"$buildlog" 2>&1 || return 1
    dotnet msbuild "$proj" -getProperty:TargetPath -p:Configuration=Release 2>>"$buildlog" | tr -d '\r'
  }
  for n in "${to_build[@]}"; do
    for e in "${EXPERIMENTS[@]}"; do [ "$(field "$e" 0)" = "$n" ] && dir=$(field "$e" 2); done
    proj=$(project_of "$dir")
    if dll=$(build_one "$proj") && [ -f "$dll" ]; then program[$n]=$dll
    else status[$n]=build-failed; reason[$n]="$proj did not build"; logpath[$n]=$buildlog; say "  $n: BUILD FAILED (see $buildlog)"; fi
  done
  if dll=$(build_one "$here/$REPORT_PROJECT") && [ -f "$dll" ]; then report_cmd=(dotnet "$dll")
  else say "  report: BUILD FAILED (see $buildlog)"; fi
  if dll=$(build_one "$here/$TOPOLOGY_PROJECT") && [ -f "$dll" ]; then topology_cmd=(dotnet "$dll"); fi
else
  if p=$(program_of report); then report_cmd=("$p"); fi
  if p=$(program_of topology); then topology_cmd=("$p"); fi
fi
# The machine as the kernel sees it (cores, packages, NUMA nodes, L3 groups, TSC), kept beside the results.
if [ ${#topology_cmd[@]} -gt 0 ]; then
  "${topology_cmd[@]}" > "$out/topology.txt" 2>&1 || say "warning: topology failed (see $out/topology.txt)"
fi
report_hint="${report_cmd[*]:-report} --run $out"

# ------------------------------------------------------------------------------------------ run
runnable=(); total_est=0
for e in "${EXPERIMENTS[@]}"; do
  n=$(field "$e" 0)
  case "${status[$n]}" in
    pending) runnable+=("$n")
             case $profile in quick) est=$(field "$e" 3) ;; default) est=$(field "$e" 4) ;; full) est=$(field "$e" 5) ;; esac
             total_est=$((total_est + est)) ;;
    not-present) say "$n: not run: ${reason[$n]}" ;;
    not-selected) ;;
  esac
done
say "${#runnable[@]} experiment(s) to run: ${runnable[*]:-none}; estimated $(fmt_time $total_est) (estimates are for 2 cores)"
run_t0=$(date +%s); done_est=0; i=0
for e in "${EXPERIMENTS[@]}"; do
  n=$(field "$e" 0); [ "${status[$n]}" = pending ] || continue
  i=$((i + 1)); current=$n
  IFS=, read -r -a fs <<<"$(field "$e" 1)"
  case $profile in quick) est=$(field "$e" 3); flag=(--quick) ;; default) est=$(field "$e" 4); flag=() ;; full) est=$(field "$e" 5); flag=(--full) ;; esac
  elapsed=$(( $(date +%s) - run_t0 ))
  # remaining = estimates of this and the later experiments, scaled by how the finished ones compared with theirs
  left_est=$((total_est - done_est))
  if [ $done_est -gt 0 ]; then left=$(( left_est * elapsed / done_est )); else left=$left_est; fi
  mkdir -p "$out/${fs[0]}"; log="$out/${fs[0]}/log.txt"; logpath[$n]=$log
  echo
  say "[$i/${#runnable[@]}] $n -> ${fs[*]}   elapsed $(fmt_time $elapsed), estimated time left $(fmt_time $left) (this one ~$(fmt_time $est))"
  status[$n]=running; write_run_meta running
  t0=$(date +%s)
  run_program "${program[$n]}" --out "$out" --cores "$cores" "${flag[@]}" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  seconds[$n]=$(( $(date +%s) - t0 )); exitcode[$n]=$rc; done_est=$((done_est + est))
  missing=()
  for f in "${fs[@]}"; do [ -f "$out/$f/results.csv" ] && [ -f "$out/$f/meta.json" ] || missing+=("$f"); done
  if [ "$rc" -ne 0 ]; then status[$n]=failed; reason[$n]="exit code $rc"
  elif [ ${#missing[@]} -gt 0 ]; then status[$n]=no-results; reason[$n]="exited 0 but wrote no results.csv + meta.json in: ${missing[*]}"
  else status[$n]=ok; fi
  say "$n: ${status[$n]} in $(fmt_time "${seconds[$n]}")${reason[$n]:+ (${reason[$n]})}"
  write_run_meta running
done
current=""
write_run_meta finished

# ------------------------------------------------------------------------------------------ report
report_rc=0
echo
if [ ${#runnable[@]} -eq 0 ]; then
  say "nothing was run, so there is no report"; report_rc=1
elif [ ${#report_cmd[@]} -eq 0 ]; then
  say "report: program not available (build failed or missing from the bundle)"; report_rc=1
else
  say "report: ${report_cmd[*]} --run $out"
  "${report_cmd[@]}" --run "$out"; report_rc=$?
fi

# ------------------------------------------------------------------------------------------ summary
echo
say "summary ($(fmt_time $(( $(date +%s) - run_t0 ))) in all), run folder $out"
failures=0
for n in "${names[@]}"; do
  case "${status[$n]}" in
    ok) say "  $n: ok (${seconds[$n]} s)" ;;
    not-present) say "  $n: not run (${reason[$n]})" ;;
    not-selected) say "  $n: not selected" ;;
    *) failures=$((failures + 1)); say "  $n: FAILED: ${status[$n]}${reason[$n]:+, ${reason[$n]}}; log: ${logpath[$n]:-$buildlog}" ;;
  esac
done
case $report_rc in
  0) say "  report: $out/report.html, $out/report.pdf" ;;
  3) failures=$((failures + 1)); say "  report: FAILED to make the PDF (HTML is at $out/report.html); install chromium: scripts/install-deps.sh run" ;;
  *) failures=$((failures + 1)); say "  report: FAILED (exit $report_rc)" ;;
esac
[ $failures -eq 0 ] || { say "$failures failure(s)"; exit 1; }
exit 0

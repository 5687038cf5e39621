#!/usr/bin/env bash
# Runs the whole Multikernel reproduction suite and makes its report.
#
# Usage: ./run-all.sh [--quick | --full] [--only NAMES] [--cores LIST] [--out DIR]
#        ./run-all.sh --bundle DIR
#
#   (no profile)   default profile: about 7 minutes on a 2-core machine
#   --quick        smoke profile: about 2 minutes on 2 cores (fewer points, fewer repetitions)
#   --full         for a many-core server: larger sizes and inputs, more repetitions (compute: the same 6), over
#                  the default's core counts (1, 2, 3, 4, 6, 8, 10, 12, 15, ... and all; docs/run-all.md for times)
#   --only NAMES   comma-separated experiments to run: fig1, fig3, compute, io (folder names such as
#                  fig1-shared-state are accepted too); default: all
#   --cores LIST   cores to use, e.g. 0-7 or 0-3,8-11, or all (default: every core this process may run on);
#                  checked by the programs' own parser (topology --check-cores)
#   --out DIR      run folder to create (default: Results/<host>-<UTC timestamp>/); an existing folder is
#                  never reused or overwritten
#   --bundle DIR   instead of running: make a portable copy of the suite in DIR for a Linux x86-64 server without
#                  .NET (the programs, one shared .NET runtime, this script); DIR/run-all.sh runs the same suite there
#
# What it does: checks the command line and prerequisites (installs missing Debian packages when run as root, else
# prints the apt-get command), builds Release once, runs each experiment program that exists (stdout/stderr to the
# terminal and to RUN/<experiment>/log.txt), writes RUN/meta.json, then the report (RUN/report.html and
# RUN/report.pdf). If an experiment fails the others still run; the exit status is then 1 and a summary names
# what failed and where its log is. Exit status 2: bad command line.
# Ctrl-C or SIGTERM: the running experiment is told at once (SIGTERM) and stops after its current point (compute: run); what
# finished is kept, RUN/meta.json says "interrupted"; exit status 130 (SIGINT) or 143 (SIGTERM). A second signal
# aborts the experiment at once. Every program runs in its own process group and is killed if this script dies.
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
  local program folder project seed paper subject quick default full i found
  [ -f "$registry" ] || { printf '%s\n' "run-all: error: the experiment registry is missing (Experiments/Schema/experiments.tsv)" >&2; exit 1; }
  while IFS=$'\t' read -r program folder project seed paper subject quick default full; do
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
# The programs that are not experiments but travel in a bundle: name | project
TOOLS=("report|Report/Report.csproj" "topology|Tools/Topology/Topology.csproj" "benchmarks|Benchmarks/Benchmarks.csproj" "numa-check|Tools/NumaCheck/NumaCheck.csproj")

say() { printf '%s\n' "run-all: $*"; }
usage_line="usage: ./run-all.sh [--quick|--full] [--only NAMES] [--cores LIST] [--out DIR] | --bundle DIR   (./run-all.sh --help)"
die_usage() { [ -n "${prelog:-}" ] && rm -f "$prelog"; printf '%s\n' "run-all: error: $*" >&2; printf '%s\n' "$usage_line" >&2; exit 2; }
die() { printf '%s\n' "run-all: error: $*" >&2; exit 1; }
fmt_time() { local s=${1%.*}; [ -z "$s" ] && s=0; if [ "$s" -ge 3600 ]; then printf '%d:%02d:%02d' $((s/3600)) $((s%3600/60)) $((s%60)); else printf '%02d:%02d' $((s/60)) $((s%60)); fi; }
# json_str TEXT: TEXT as a JSON string; every control character is escaped (JSON allows none raw), \n \t \r by name.
json_str() {
  local s=$1 c r h i; s=${s//\\/\\\\}; s=${s//\"/\\\"}; s=${s//$'\n'/\\n}; s=${s//$'\t'/\\t}; s=${s//$'\r'/\\r}
  if [[ $s == *[[:cntrl:]]* ]]; then
    for ((i = 1; i < 32; i++)); do printf -v h %02x "$i"; printf -v c "\\x$h"; printf -v r '\\u%04x' "$i"; s=${s//"$c"/"$r"}; done
  fi
  printf '"%s"' "$s"
}
field() { local IFS='|'; local -a f; read -r -a f <<<"$1"; printf '%s' "${f[$2]}"; }
tool_field() { local t; for t in "${TOOLS[@]}"; do [ "${t%%|*}" = "$1" ] && { printf '%s' "${t#*|}"; return 0; }; done; return 1; }

# ------------------------------------------------------------------------------------------ command line
profile=default; only=""; cores=""; out=""; bundle=""; given=" "
# value OPTION HAVE_VALUE VALUE: the value of an option that needs one, or exit 2 saying what is wrong with it.
value() {
  local opt=$1 have=$2 val=${3-} what
  case $opt in --only) what="a list, e.g. --only fig1,compute" ;; --cores) what="a core list, e.g. --cores 0-3" ;;
               --out) what="a folder to create, e.g. --out Results/my-run" ;; --bundle) what="a folder to create, e.g. --bundle /tmp/mk-bundle" ;; esac
  [[ $given == *" $opt "* ]] && die_usage "$opt is given twice; give it once"
  given+="$opt "
  [ "$have" -eq 1 ] || die_usage "$opt needs $what"
  [ -n "$val" ] || die_usage "$opt: empty value; it needs $what"
  [[ $val == -* ]] && die_usage "$opt: '$val' looks like an option, not a value (was the value left out?); it needs $what"
  REPLY=$val
}
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) [ "$profile" = full ] && die_usage "--quick and --full exclude each other"; profile=quick ;;
    --full)  [ "$profile" = quick ] && die_usage "--quick and --full exclude each other"; profile=full ;;
    --only|--cores|--out|--bundle)
             opt=$1; value "$opt" $(( $# >= 2 )) "${2-}"; shift
             case $opt in --only) only=$REPLY ;; --cores) cores=$REPLY ;; --out) out=$REPLY ;; --bundle) bundle=$REPLY ;; esac ;;
    --only=*|--cores=*|--out=*|--bundle=*)
             opt=${1%%=*}; value "$opt" 1 "${1#*=}"
             case $opt in --only) only=$REPLY ;; --cores) cores=$REPLY ;; --out) out=$REPLY ;; --bundle) bundle=$REPLY ;; esac ;;
    -h|--help) sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die_usage "unknown option '$1'" ;;
  esac
  shift
done
if [ -n "$bundle" ]; then
  for o in --quick --full --only --cores --out; do
    case " ${ORIG_ARGS[*]} " in *" $o "*|*" $o="*) die_usage "--bundle makes a copy of the suite and runs nothing: it cannot be combined with $o" ;; esac
  done
fi

names=(); for e in "${EXPERIMENTS[@]}"; do names+=("$(field "$e" 0)"); done
valid_names="${names[*]}"; valid_names=${valid_names// /, }
all_folders=(); for e in "${EXPERIMENTS[@]}"; do IFS=, read -r -a fs <<<"$(field "$e" 1)"; all_folders+=("${fs[@]}"); done

# --only: names or folder names -> selected experiment names
selected=()
if [ -n "$only" ]; then
  IFS=, read -r -a wanted <<<"$only"
  [[ $only == *, ]] && wanted+=("")   # read drops a trailing empty element: 'fig1,' must be refused like 'fig1,,fig3'
  [ ${#wanted[@]} -gt 0 ] || die_usage "--only: empty list; valid names: $valid_names"
  for w in "${wanted[@]}"; do
    w=$(printf '%s' "$w" | tr -d '[:space:]'); match=""
    [ -n "$w" ] || die_usage "--only: empty element in '$only'; valid names: $valid_names"
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

# --out / --bundle: a new folder whose nearest existing parent is a writable folder (checked again when it is made)
check_new_folder() { # option path
  local opt=$1 p=$2 a
  [ -e "$p" ] || [ -L "$p" ] && { [ "$opt" = --out ] && die_usage "--out: $p already exists; a run folder is never reused or overwritten (choose a new one)"
                                  [ -d "$p" ] && [ -z "$(ls -A "$p" 2>/dev/null)" ] && return 0
                                  die_usage "$opt: $p exists and is not an empty folder; choose a new folder"; }
  a=$(dirname -- "$p")
  while [ ! -e "$a" ]; do a=$(dirname -- "$a"); done
  [ -d "$a" ] || die_usage "$opt: cannot create $p: $a is not a folder"
  [ -w "$a" ] && [ -x "$a" ] || die_usage "$opt: cannot create $p: $a is not writable"
}
[ -n "$out" ] && check_new_folder --out "$out"
[ -n "$bundle" ] && check_new_folder --bundle "$bundle"

# ------------------------------------------------------------------------------------------ mode: repo or bundle
if [ -f "$manifest" ]; then
  mode=bundle
  commit=$(sed -n 's/^commit=//p' "$manifest"); source_state=$(sed -n 's/^source_state=//p' "$manifest")
  program_of() { local rel; rel=$(sed -n "s/^$1=//p" "$manifest"); [ -n "$rel" ] && [ -x "$here/$rel" ] && printf '%s' "$here/$rel"; }
  # wrk, lighttpd and iproute2's ip carried in the bundle: used only where this machine has none (its own are preferred)
  [ -d "$here/tools/bin" ] && PATH="$PATH:$here/tools/bin"
else
  mode=repo
  IFS=$'\t' read -r commit source_state < <("$here/scripts/source-state.sh" "$here")
fi
export REPRO_COMMIT=$commit REPRO_SOURCE_STATE=$source_state
project_of() { # the one *.csproj directly in an experiment's program folder, if any
  local dir="$here/$1" p
  for p in "$dir"/*.csproj; do [ -f "$p" ] && { printf '%s' "$p"; return 0; }; done
  return 1
}

# ------------------------------------------------------------------------------------------ child processes
# Every program runs in its own process group (setsid) and gets SIGKILL if this script dies (setpriv --pdeathsig,
# kept across exec). Signals to this script reach the program at once as SIGTERM (SIGINT would not do: a
# non-interactive shell starts background programs with SIGINT ignored); the programs stop after their current point.
launch=()
command -v setsid >/dev/null 2>&1 && launch+=(setsid)
if command -v setpriv >/dev/null 2>&1 && setpriv --pdeathsig KILL -- true 2>/dev/null; then launch+=(setpriv --pdeathsig KILL --)
else say "warning: setpriv (util-linux) is missing: a program would outlive this script if it were killed with SIGKILL"; fi
child_pid=""; stop_signal=""; current=""
on_signal() { # INT | TERM | HUP
  if [ -z "$stop_signal" ]; then
    stop_signal=$1
    printf '\n' >&2
    say "SIG$1: stopping${current:+; $current stops after its current point or run, keeping what it finished (signal again to abort it at once)}" >&2
  else
    say "SIG$1 again: aborting${current:+ $current} at once" >&2
  fi
  [ -n "$child_pid" ] && kill -TERM "$child_pid" 2>/dev/null
}
trap 'on_signal INT' INT; trap 'on_signal TERM' TERM; trap 'on_signal HUP' HUP
# spawn program|build LOGFILE COMMAND...: runs COMMAND as above and returns its exit status. program: output to the
# terminal and LOGFILE, and afterwards nothing of its process group is left running (a tool it started, say). build:
# output to LOGFILE only, and the build servers it leaves for the next build (MSBuild nodes, the compiler) are kept.
spawn() {
  local how=$1 log=$2 rc r; shift 2
  if [ "$how" = program ]; then
    "${launch[@]}" "$@" > >(trap '' INT TERM HUP; exec tee -a "$log") 2>&1 &
  else
    "${launch[@]}" "$@" >>"$log" 2>&1 &
  fi
  child_pid=$!
  # A signal that came while no program ran (between two steps) found no child to tell: this one is told at once.
  [ -n "$stop_signal" ] && kill -TERM "$child_pid" 2>/dev/null
  while :; do
    wait "$child_pid"; rc=$?
    [ "$rc" -eq 127 ] && ! kill -0 "$child_pid" 2>/dev/null && break
    kill -0 "$child_pid" 2>/dev/null && continue  # a trapped signal ends `wait` early: wait again while it runs
    # It has ended. If a trapped signal cut `wait` short (status 128+signal), the program's own status is still to be
    # collected (127: that `wait` had collected it already).
    if [ "$rc" -gt 128 ]; then wait "$child_pid" 2>/dev/null; r=$?; [ "$r" -ne 127 ] && rc=$r; fi
    break
  done
  [ "$how" = program ] && [[ " ${launch[*]} " == *" setsid "* ]] && kill -KILL -- "-$child_pid" 2>/dev/null
  child_pid=""
  wait 2>/dev/null   # the tee of its output
  return "$rc"
}
stop_if_signalled() { # exits with 128+signal when a signal asked to stop
  [ -n "$stop_signal" ] || return 0
  [ -n "${prelog:-}" ] && rm -f "$prelog"   # the topology tool's build log, while no run folder holds it yet
  local code=130; [ "$stop_signal" = TERM ] && code=143; [ "$stop_signal" = HUP ] && code=129
  [ "$(type -t finish_interrupted)" = function ] && finish_interrupted
  exit $code
}

# ------------------------------------------------------------------------------------------ prerequisites
if [ "$mode" = repo ]; then
  command -v dotnet >/dev/null 2>&1 || die "dotnet not found: install the .NET 10 SDK (https://dot.net) or run a bundle made with --bundle, which needs no .NET"
fi
if [ -z "$bundle" ] && [ -x "$here/scripts/install-deps.sh" ]; then
  "$here/scripts/install-deps.sh" run || say "warning: missing Debian packages (see above): the experiments that need them report a skip, and without chromium the report is HTML only"
fi

# ------------------------------------------------------------------------------------------ --bundle
# DIR/runtime     one .NET runtime (muxer, hostfxr, Microsoft.NETCore.App, Microsoft.AspNetCore.App) shared by all
# DIR/apps/NAME/  each program, framework-dependent (one runtime instead of a self-contained copy per program keeps the
#                 bundle small enough to carry: scripts/device/prepare.sh packs it for the lent 16-core machine)
# DIR/bin/NAME    launchers (sh: exec the bundle's runtime on the program); native references: bin/urpc_pingpong,
#                 bin/liburpc_loops.so, bin/fig1_twin
# DIR/tools/      wrk, lighttpd and ip (iproute2: the io experiment's veth wire) of this machine with their libraries,
#                 used where the target has none
# DIR/run-all.sh, experiments.tsv, bundle.manifest, scripts/, docs/
make_bundle() {
  [ "$mode" = repo ] || die "--bundle must run in a source checkout (this is already a bundle)"
  local t0 publog dotnet_root ver fxr name proj asm failed=() e tool path size_kb
  t0=$(date +%s)
  mkdir -p "$bundle" || die_usage "--bundle: cannot create $bundle"
  bundle=$(cd "$bundle" && pwd)
  mkdir -p "$bundle"/{apps,bin,runtime,scripts,docs,tools/bin,tools/libexec,tools/lib} || die "--bundle: cannot write in $bundle"
  publog="$bundle/publish.log"; : > "$publog"
  dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
  ver=$(ls "$dotnet_root/shared/Microsoft.NETCore.App" 2>/dev/null | grep -E '^10\.' | sort -V | tail -1)
  fxr=$(ls "$dotnet_root/host/fxr" 2>/dev/null | sort -V | tail -1)
  [ -n "$ver" ] && [ -n "$fxr" ] && [ -d "$dotnet_root/shared/Microsoft.AspNetCore.App/$ver" ] \
    || die "--bundle: no .NET 10 runtime with ASP.NET Core next to $dotnet_root/dotnet (found: ${ver:-none})"
  say "bundle: .NET runtime $ver from $dotnet_root"
  mkdir -p "$bundle/runtime/host/fxr" "$bundle/runtime/shared/Microsoft.NETCore.App" "$bundle/runtime/shared/Microsoft.AspNetCore.App"
  cp -a "$dotnet_root/dotnet" "$bundle/runtime/" && cp -a "$dotnet_root/host/fxr/$fxr" "$bundle/runtime/host/fxr/" \
    && cp -a "$dotnet_root/shared/Microsoft.NETCore.App/$ver" "$bundle/runtime/shared/Microsoft.NETCore.App/" \
    && cp -a "$dotnet_root/shared/Microsoft.AspNetCore.App/$ver" "$bundle/runtime/shared/Microsoft.AspNetCore.App/" \
    || die "--bundle: copying the .NET runtime failed"
  cp "$dotnet_root"/LICENSE.txt "$dotnet_root"/ThirdPartyNotices.txt "$bundle/runtime/" 2>/dev/null
  {
    echo "# made by run-all.sh --bundle on $(hostname) at $(date -u +%Y-%m-%dT%H:%M:%SZ); name=launcher lines list the programs"
    echo "commit=$commit"
    echo "source_state=$source_state"
    echo "runtime=$ver"
  } > "$bundle/bundle.manifest.tmp"
  publish() { # name project
    local name=$1 proj=$2 asm
    asm=$(dotnet msbuild "$proj" -getProperty:AssemblyName 2>>"$publog" | tr -d '\r') || return 1
    say "  publish $name ($proj)"
    echo "=== $name: dotnet publish $proj" >>"$publog"
    # Same Release settings as a build (no property that would rebuild the libraries differently in their bin/ folders)
    spawn build "$publog" dotnet publish "$proj" -c Release -r linux-x64 --self-contained false -p:UseAppHost=false \
      -p:SatelliteResourceLanguages=en -nologo -v q -o "$bundle/apps/$name" || return 1
    stop_if_signalled
    find "$bundle/apps/$name" -name '*.pdb' -delete   # debug symbols are not needed to run
    [ -f "$bundle/apps/$name/$asm.dll" ] || { echo "no $bundle/apps/$name/$asm.dll after publish" >>"$publog"; return 1; }
    printf '%s\n' '#!/bin/sh' "# The suite's $name program on this bundle's own .NET runtime (no .NET installation needed)." \
      'b=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)' \
      'export DOTNET_ROOT="$b/runtime" DOTNET_MULTILEVEL_LOOKUP=0 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1' \
      "exec \"\$b/runtime/dotnet\" \"\$b/apps/$name/$asm.dll\" \"\$@\"" > "$bundle/bin/$name"
    chmod +x "$bundle/bin/$name"
    echo "$name=bin/$name" >> "$bundle/bundle.manifest.tmp"
  }
  for e in "${EXPERIMENTS[@]}"; do
    name=$(field "$e" 0)
    if proj=$(project_of "$(field "$e" 2)"); then publish "$name" "$proj" || failed+=("$name")
    else say "  $name: no program yet ($(field "$e" 2) has no project): not in the bundle, reported as not run"; fi
  done
  for tool in "${TOOLS[@]}"; do publish "${tool%%|*}" "$here/${tool#*|}" || failed+=("${tool%%|*}"); done
  # The native C references for x86-64-v2, so that they run on other servers: the URPC ping-pong (Benchmarks
  # urpc-vs-native), its loops as a library (urpc-vs-native --mixed) and Fig 1's C twin (fig1 finds bin/fig1_twin).
  if command -v gcc >/dev/null 2>&1; then
    for native in urpc_pingpong:urpc_pingpong fig1_twin:fig1_twin urpc_loops:liburpc_loops.so; do
      [ -f "$here/Benchmarks/native/${native%%:*}.c" ] || continue
      MARCH=x86-64-v2 bash "$here/Benchmarks/native/build.sh" "${native%%:*}" "$bundle/bin/${native#*:}" >>"$publog" 2>&1 \
        || say "  note: the native reference ${native%%:*} did not compile (see $publog)"
    done
    # The same reference with its loops 32- and 64-byte aligned, for urpc-vs-native --layouts (how far the C round
    # trip moves with code placement alone).
    for align in 32 64; do
      [ -f "$here/Benchmarks/native/urpc_pingpong.c" ] || continue
      ALIGN_LOOPS=$align MARCH=x86-64-v2 bash "$here/Benchmarks/native/build.sh" urpc_pingpong "$bundle/bin/urpc_pingpong-align$align" >>"$publog" 2>&1 \
        || say "  note: the native reference urpc_pingpong with -falign-loops=$align did not compile (see $publog)"
    done
  else say "  note: no gcc here: the bundle has no native references (urpc-vs-native and Fig 1's C rows need them)"; fi
  # wrk, lighttpd and ip with the libraries they need (not the C library itself: the target's must be at least as new).
  # ip: the io experiment builds its veth wire and namespaces with it; without it the user-level stack's rows skip.
  for tool in wrk lighttpd ip; do
    path=$(command -v "$tool" || true)
    for d in /usr/sbin /sbin; do [ -n "$path" ] || [ ! -x "$d/$tool" ] || path=$d/$tool; done
    if [ -z "$path" ]; then say "  note: $tool is not installed here: the bundle does not carry it (the series that need it skip where the target lacks it too)"; continue; fi
    cp -L "$path" "$bundle/tools/libexec/$tool"
    ldd "$path" 2>/dev/null | awk '/=> \//{print $3}' | grep -vE '/(libc|libm|libpthread|libdl|librt|ld-linux[^/]*)\.so' | xargs -r -I{} cp -L {} "$bundle/tools/lib/"
    printf '%s\n' '#!/bin/sh' "# $tool carried from the machine that made this bundle; run-all.sh puts it on PATH only where the target has none." \
      't=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)' \
      "LD_LIBRARY_PATH=\"\$t/lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}\" exec \"\$t/libexec/$tool\" \"\$@\"" > "$bundle/tools/bin/$tool"
    chmod +x "$bundle/tools/bin/$tool"
  done
  cp "$here/run-all.sh" "$bundle/run-all.sh" && cp "$registry" "$bundle/experiments.tsv" && cp "$here/scripts/install-deps.sh" "$bundle/scripts/install-deps.sh" \
    && cp "$here"/docs/*.md "$bundle/docs/" && cp "$here/README.md" "$bundle/README.md" || die "--bundle: copying the scripts failed"
  mv "$bundle/bundle.manifest.tmp" "$bundle/bundle.manifest"
  [ ${#failed[@]} -eq 0 ] || die "publishing failed for: ${failed[*]} (see $publog)"
  size_kb=$(du -sk "$bundle" | cut -f1)
  say "bundle ready in $bundle: $((size_kb / 1024)) MiB, made in $(fmt_time $(( $(date +%s) - t0 ))) (mm:ss)"
  say "copy it to a Linux x86-64 server and run ./run-all.sh there: no .NET needed; as root it installs chromium (PDF), wrk, lighttpd and iproute2"
}
if [ -n "$bundle" ]; then make_bundle; exit 0; fi

# ------------------------------------------------------------------------------------------ --cores
# One parser for core lists: the programs' own (Experiments/Common/CoreList), asked through the topology tool.
topology_cmd=(); prelog=""
if [ "$mode" = bundle ]; then
  if p=$(program_of topology); then topology_cmd=("$p"); fi
else
  prelog=$(mktemp "${TMPDIR:-/tmp}/run-all-build.XXXXXX")
  say "building the topology tool (checks --cores; log: $prelog)"
  spawn build "$prelog" dotnet build "$here/$(tool_field topology)" -c Release -nologo -v q; rc=$?
  stop_if_signalled
  if [ $rc -eq 0 ] && dll=$(dotnet msbuild "$here/$(tool_field topology)" -getProperty:TargetPath -p:Configuration=Release 2>>"$prelog" | tr -d '\r') && [ -f "$dll" ]; then
    topology_cmd=(dotnet "$dll")
  fi
fi
[ ${#topology_cmd[@]} -gt 0 ] || die "cannot check --cores: the topology tool is not available (${prelog:+did not build; see $prelog}${prelog:-missing from this bundle})"
checked=$("${topology_cmd[@]}" --check-cores "${cores:-all}" 2>&1); rc=$?
case $rc in
  0) read -r ncores cores_canonical <<<"$checked" ;;
  2) die_usage "$checked" ;;
  *) die "cannot check --cores: topology --check-cores failed (exit $rc): $checked" ;;
esac
[ -n "$cores" ] || cores=$cores_canonical

# ------------------------------------------------------------------------------------------ run folder
host=$(hostname -s 2>/dev/null || hostname)
if [ -z "$out" ]; then out="$here/Results/$host-$(date -u +%Y%m%dT%H%M%SZ)"; fi
if [ -e "$out" ]; then die_usage "--out: $out already exists; a run folder is never reused or overwritten (choose a new one)"; fi
# The run folder itself by a plain mkdir, which fails if it exists: another run given the same --out may have made it
# since the check above, and a run folder is never shared.
mkdir -p -- "$(dirname -- "$out")" 2>/dev/null && mkdir -- "$out" 2>/dev/null || {
  [ -e "$out" ] && die_usage "--out: $out already exists (made by another run since this one checked it); a run folder is never reused or overwritten (choose a new one)"
  die_usage "--out: cannot create $out"; }
out=$(cd "$out" && pwd)
{ : > "$out/.write-probe.$$" && rm -f "$out/.write-probe.$$"; } 2>/dev/null || die_usage "--out: cannot write in $out"
buildlog="$out/build.log"
: > "$buildlog"; [ -n "$prelog" ] && cat "$prelog" >> "$buildlog" && rm -f "$prelog"; prelog=""
run_started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
cpu_model=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo 2>/dev/null | head -1)
machine="$host (${cpu_model:-unknown CPU}, $(getconf _NPROCESSORS_ONLN) logical cpus)"
command_line=$(printf '%q ' "$0" "${ORIG_ARGS[@]}"); command_line=${command_line% }
# Who writes this run folder: a reader that finds "state": "running" can tell whether this process still runs
# (Experiments.Schema.ProcessIdentity: same host and boot, the pid exists and started at the same tick).
boot_id=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null || echo unknown)
pid_start=$(sed 's/^.*) //' "/proc/$$/stat" 2>/dev/null | cut -d' ' -f20); pid_start=${pid_start:-0}

declare -A status exitcode seconds logpath reason
for n in "${names[@]}"; do status[$n]=pending; exitcode[$n]=""; seconds[$n]=0; logpath[$n]=""; reason[$n]=""; done

write_run_meta() { # $1: running|finished|interrupted
  local tmp="$out/.meta.json.$$" first=1 e n fs f
  {
    printf '{\n  "kind": "run",\n  "state": %s,\n  "host": %s,\n  "bootId": %s,\n  "pid": %s,\n  "pidStart": %s,\n  "machine": %s,\n  "profile": %s,\n  "cores": %s,\n  "command": %s,\n  "commit": %s,\n  "sourceState": %s,\n  "mode": %s,\n  "started": %s,\n  "finished": %s,\n  "experiments": [\n' \
      "$(json_str "$1")" "$(json_str "$host")" "$(json_str "$boot_id")" "$$" "$pid_start" "$(json_str "$machine")" "$(json_str "$profile")" "$(json_str "$cores")" "$(json_str "$command_line")" \
      "$(json_str "$commit")" "$(json_str "$source_state")" "$(json_str "$mode")" "$(json_str "$run_started")" "$(json_str "$([ "$1" = running ] || date -u +%Y-%m-%dT%H:%M:%SZ)")"
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

report_hint="dotnet run --project Report -c Release -- --run $(printf %q "$out")" # quoted: a command to paste
finish_interrupted() {
  for n in "${names[@]}"; do [ "${status[$n]}" = pending ] && { status[$n]=not-run; reason[$n]="run interrupted before it started"; }; done
  write_run_meta interrupted
  printf '\n%s\n' "run-all: interrupted (SIG$stop_signal); finished results are kept in $out (make the report with: $report_hint)" >&2
}
write_run_meta running

say "run folder $out"
say "profile $profile, cores $cores ($ncores), commit $commit ($source_state), mode $mode"

# ------------------------------------------------------------------------------------------ build (repo mode)
declare -A program   # experiment -> its .dll (repo mode) or its launcher (bundle mode)
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
report_cmd=()
if [ "$mode" = repo ]; then
  to_build=()
  for e in "${EXPERIMENTS[@]}"; do n=$(field "$e" 0); [ "${status[$n]}" = pending ] && to_build+=("$n"); done
  say "building Release (log: $buildlog)"
  build_one() { # project -> sets built_dll (not in a $(...) subshell: signals must reach this script's trap at once)
    local proj=$1; built_dll=""
    spawn build "$buildlog" dotnet build "$proj" -c Release -nologo -v q || return 1
    built_dll=$(dotnet msbuild "$proj" -getProperty:TargetPath -p:Configuration=Release 2>>"$buildlog" | tr -d '\r')
    [ -f "$built_dll" ]
  }
  for n in "${to_build[@]}"; do
    for e in "${EXPERIMENTS[@]}"; do [ "$(field "$e" 0)" = "$n" ] && dir=$(field "$e" 2); done
    proj=$(project_of "$dir")
    if build_one "$proj"; then program[$n]=$built_dll
    else stop_if_signalled; status[$n]=build-failed; reason[$n]="$proj did not build"; logpath[$n]=$buildlog; say "  $n: BUILD FAILED (see $buildlog)"; fi
    stop_if_signalled
  done
  if build_one "$here/$(tool_field report)"; then report_cmd=(dotnet "$built_dll")
  else stop_if_signalled; say "  report: BUILD FAILED (see $buildlog)"; fi
  stop_if_signalled
else
  if p=$(program_of report); then report_cmd=("$p"); fi
fi
# The machine as the kernel sees it (cores, packages, NUMA nodes, L3 groups, TSC), kept beside the results.
"${topology_cmd[@]}" > "$out/topology.txt" 2>&1 || say "warning: topology failed (see $out/topology.txt)"
if [ ${#report_cmd[@]} -gt 0 ]; then report_hint="$(printf '%q ' "${report_cmd[@]}")--run $(printf %q "$out")"
else report_hint="report --run $(printf %q "$out")"; fi
stop_if_signalled

# ------------------------------------------------------------------------------------------ run
run_program() { # experiment-name args...: the program, in its own process group, output to the terminal and its log
  local p=${program[$1]} log=${logpath[$1]}; shift
  if [[ $p == *.dll ]]; then spawn program "$log" dotnet "$p" "$@"; else spawn program "$log" "$p" "$@"; fi
}
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
  stop_if_signalled   # a signal between two experiments: the next one does not start
  i=$((i + 1)); current=$n
  IFS=, read -r -a fs <<<"$(field "$e" 1)"
  case $profile in quick) est=$(field "$e" 3); flag=(--quick) ;; default) est=$(field "$e" 4); flag=() ;; full) est=$(field "$e" 5); flag=(--full) ;; esac
  elapsed=$(( $(date +%s) - run_t0 ))
  # remaining = estimates of this and the later experiments, scaled by how the finished ones compared with theirs
  left_est=$((total_est - done_est))
  if [ $done_est -gt 0 ]; then left=$(( left_est * elapsed / done_est )); else left=$left_est; fi
  mkdir -p "$out/${fs[0]}"; logpath[$n]="$out/${fs[0]}/log.txt"
  echo
  say "[$i/${#runnable[@]}] $n -> ${fs[*]}   elapsed $(fmt_time $elapsed), estimated time left $(fmt_time $left) (this one ~$(fmt_time $est))"
  status[$n]=running; write_run_meta running
  t0=$(date +%s)
  run_program "$n" --out "$out" --cores "$cores" "${flag[@]}"; rc=$?
  seconds[$n]=$(( $(date +%s) - t0 )); exitcode[$n]=$rc; done_est=$((done_est + est))
  missing=()
  for f in "${fs[@]}"; do [ -f "$out/$f/results.csv" ] && [ -f "$out/$f/meta.json" ] || missing+=("$f"); done
  if [ -n "$stop_signal" ] && [ "$rc" -ne 0 ]; then status[$n]=interrupted; reason[$n]="stopped by SIG$stop_signal (exit code $rc); finished points are kept, its meta.json lists the missing ones"
  elif [ "$rc" -ne 0 ]; then status[$n]=failed; reason[$n]="exit code $rc"
  elif [ ${#missing[@]} -gt 0 ]; then status[$n]=no-results; reason[$n]="exited 0 but wrote no results.csv + meta.json in: ${missing[*]}"
  else status[$n]=ok; fi
  say "$n: ${status[$n]} in $(fmt_time "${seconds[$n]}")${reason[$n]:+ (${reason[$n]})}"
  write_run_meta running
  current=""
  stop_if_signalled
done
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
  current=report
  spawn program "$out/report.log" "${report_cmd[@]}" --run "$out"; report_rc=$?
  current=""
  stop_if_signalled
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
  3) failures=$((failures + 1))
     say "  report: FAILED to make the PDF; the HTML report is at $out/report.html (log: $out/report.log)"
     say "          for the PDF: install chromium here (scripts/install-deps.sh run, as root) and run: $report_hint"
     say "          or copy $out to a machine with chromium and run there: report --run <folder> (in a checkout: dotnet run --project Report -c Release -- --run <folder>)" ;;
  *) failures=$((failures + 1)); say "  report: FAILED (exit $report_rc; log: $out/report.log)" ;;
esac
[ $failures -eq 0 ] || { say "$failures failure(s)"; exit 1; }
exit 0

#!/usr/bin/env bash
# The original SPLASH programs (SPLASH-3's pthread BARNES and RADIOSITY, gcc -O3) as the reference the compute
# experiment's SPLASH rows are checked against on the same machine (issue #13): their one-thread time, and on many
# cores RADIOSITY's spread of elements and interactions, from which the band of RadiosityReference.cs was derived on the
# 2-core VM only. Their code is not part of this repository: `build` compiles it from a SPLASH-3 checkout (or a git
# mirror of one) into a folder that travels to the lent machine; `run` runs it there.
#
# Usage: scripts/device/splash-originals.sh build SPLASH3 DEST
#          SPLASH3: a SPLASH-3 checkout (holding codes/Makefile.config) or a git repository of one (its HEAD is read)
#          DEST:    gets BARNES, RADIOSITY, barnes.input (the standard input: 16384 bodies) and build.txt
#        scripts/device/splash-originals.sh run DIR OUT [REPETITIONS]
#          runs each program REPETITIONS times (default 5) at 1, 2, 4, 8, 16, ... threads up to the number of CPUs it may
#          run on, k threads pinned to the first k of those CPUs, and writes OUT/originals.csv:
#          program,threads,run,seconds,wall_seconds,exit,elements,interactions,iterations
#          (seconds: the original's own timing, BARNES's COMPUTETIME and RADIOSITY's "time without initialization",
#          the regions the compute experiment's rows time; wall_seconds: the whole process; elements..iterations:
#          RADIOSITY's statistics) and each run's output in OUT/logs/.
#
# The build is SPLASH-3's own Makefiles with two changes: -O3 instead of -O2, and the programs' CLOCK macro reading
# gettimeofday in microseconds instead of time(0) in whole seconds (a macro file of ours, given to m4 after theirs),
# so their timings resolve a run of a tenth of a second.
set -uo pipefail

usage() { sed -n '8,18p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

build() {
  local src=$1 dest=$2 work
  for tool in gcc m4 make; do
    command -v "$tool" >/dev/null || { echo "splash-originals: error: $tool not found (apt-get install gcc m4 make)" >&2; return 1; }
  done
  work=$(mktemp -d); trap 'rm -rf "$work"' RETURN
  local parts=(codes/Makefile.config codes/pthread_macros codes/apps/barnes codes/apps/radiosity)
  if [ -f "$src/codes/Makefile.config" ]; then
    (cd "$src" && cp -r --parents "${parts[@]}" "$work/")
    echo "source: $src (a checkout)" > "$work/build.txt"
  elif git -C "$src" cat-file -e HEAD:codes/Makefile.config 2>/dev/null; then
    # A mirror may lack the blobs of large files elsewhere in the tree; git archive then complains about them even
    # though the parts asked for are complete, so its messages are shown only when a needed file did not arrive.
    git -C "$src" archive HEAD "${parts[@]}" 2> "$work/archive.err" | tar -x -C "$work"
    [ -f "$work/codes/apps/radiosity/rad_main.c.in" ] && [ -f "$work/codes/apps/barnes/code.c.in" ] \
      || { cat "$work/archive.err" >&2; echo "splash-originals: error: could not read the sources from $src" >&2; return 1; }
    echo "source: $src at $(git -C "$src" rev-parse HEAD)" > "$work/build.txt"
  else
    echo "splash-originals: error: $src is neither a SPLASH-3 checkout (codes/Makefile.config) nor a git repository of one" >&2
    return 1
  fi
  # The suite's reference build: -O3 instead of the shipped -O2, and a microsecond CLOCK; everything else as shipped.
  local config=$work/codes/Makefile.config
  sed -i 's/^CFLAGS := -O2 /CFLAGS := -O3 /' "$config"
  cat > "$work/codes/pthread_macros/microsecond-clock.m4" <<'M4'
define(`INCLUDES', defn(`INCLUDES')`#include <sys/time.h>
')
define(`CLOCK', `{struct timeval __clock_tv; gettimeofday(&__clock_tv, NULL); ($1) = __clock_tv.tv_sec * 1000000L + __clock_tv.tv_usec;}')
M4
  sed -i 's|^MACROS := \(.*\)$|MACROS := \1 $(BASEDIR)/pthread_macros/microsecond-clock.m4|' "$config"
  grep -q '^CFLAGS := -O3 ' "$config" && grep -q '^MACROS := .*microsecond-clock.m4$' "$config" \
    || { echo "splash-originals: error: Makefile.config has no 'CFLAGS := -O2' or 'MACROS :=' line to change" >&2; return 1; }
  make -s -C "$work/codes/apps/barnes" >/dev/null 2>&1 && make -s -C "$work/codes/apps/radiosity" >/dev/null 2>&1 \
    || { echo "splash-originals: error: the build failed (make in codes/apps/barnes and codes/apps/radiosity)" >&2; return 1; }
  mkdir -p "$dest"
  cp "$work/codes/apps/barnes/BARNES" "$work/codes/apps/radiosity/RADIOSITY" "$dest/"
  cp "$work/codes/apps/barnes/input" "$dest/barnes.input"
  { cat "$work/build.txt"; grep '^CFLAGS\|^MACROS' "$config" | sed "s|$work/codes|codes|g"; gcc --version | head -1; } > "$dest/build.txt"
  echo "splash-originals: built BARNES and RADIOSITY into $dest ($(tr '\n' ';' < "$dest/build.txt"))"
}

run() {
  local dir=$1 out=$2 reps=${3-5} n k r
  [ -x "$dir/BARNES" ] && [ -x "$dir/RADIOSITY" ] && [ -f "$dir/barnes.input" ] || { echo "splash-originals: error: $dir lacks BARNES, RADIOSITY or barnes.input (run build first)" >&2; return 1; }
  [[ "$reps" =~ ^[1-9][0-9]*$ ]] || { echo "splash-originals: error: REPETITIONS must be a positive whole number, got '$reps'" >&2; return 2; }
  # The CPUs this process may run on (its affinity mask, which taskset or a cgroup cpuset narrows), not 0..nproc-1.
  local cpus; cpus=$(allowed_cpus) \
    || { echo "splash-originals: error: cannot read the CPUs this process may run on (Cpus_allowed_list in /proc/self/status)" >&2; return 1; }
  read -ra cpus <<< "$cpus"
  n=${#cpus[@]}; mkdir -p "$out/logs"
  echo "splash-originals: $n CPU(s) allowed: ${cpus[*]}; k threads run pinned to the first k of them"
  local csv=$out/originals.csv tmp=$out/originals.csv.partial
  echo "program,threads,run,seconds,wall_seconds,exit,elements,interactions,iterations" > "$tmp"
  for ((k = 1; k <= n; k *= 2)); do
    for ((r = 1; r <= reps; r++)); do
      one BARNES "$k" "$r" "$dir" "$out" "$(IFS=,; echo "${cpus[*]:0:k}")" >> "$tmp"
      one RADIOSITY "$k" "$r" "$dir" "$out" "$(IFS=,; echo "${cpus[*]:0:k}")" >> "$tmp"
      cp "$tmp" "$csv.tmp" && mv "$csv.tmp" "$csv"   # an interrupted run keeps the rows it finished
    done
    echo "splash-originals: $k thread(s) done"
  done
  mv "$tmp" "$csv"
  cp "$dir/build.txt" "$out/build.txt" 2>/dev/null
  echo "splash-originals: $(($(wc -l < "$csv") - 1)) runs in $csv"
}

# allowed_cpus: the CPUs this process may run on, ascending, separated by spaces (from "0-3,8,10-11").
allowed_cpus() {
  local list part
  list=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)
  [[ "$list" =~ ^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$ ]] || return 1
  for part in ${list//,/ }; do
    if [[ "$part" == *-* ]]; then seq -s ' ' "${part%-*}" "${part#*-}"; else echo "$part"; fi
  done | tr '\n' ' '
}

# one PROGRAM THREADS RUN DIR OUT CPUS: one run, pinned to CPUS (a comma-separated list of THREADS CPUs); prints its CSV row.
one() {
  local prog=$1 k=$2 r=$3 dir=$4 out=$5 cpus=$6 log t0 t1 rc
  log=$out/logs/$prog-p$k-r$r.txt
  t0=$(date +%s%N)
  if [ "$prog" = BARNES ]; then
    # The standard input with NPROC (its last value) set to k.
    sed '$ s/.*/'"$k"'/' "$dir/barnes.input" | taskset -c "$cpus" "$dir/BARNES" > "$log" 2>&1
  else
    taskset -c "$cpus" "$dir/RADIOSITY" -p "$k" -ae 5000 -en 0.050 -bf 0.10 -room -batch > "$log" 2>&1
  fi
  rc=$?; t1=$(date +%s%N)
  local us el="" inter="" it=""
  if [ "$prog" = BARNES ]; then
    us=$(sed -n 's/^COMPUTETIME *= *\([0-9]*\).*/\1/p' "$log" | head -1)
  else
    us=$(sed -n 's/.*Total time without initialization[^0-9]*\([0-9]*\).*/\1/p' "$log" | head -1)
    el=$(sed -n 's/.*Total number of elements: *\([0-9]*\).*/\1/p' "$log" | head -1)
    inter=$(sed -n 's/.*Total number of interactions: *\([0-9]*\).*/\1/p' "$log" | head -1)
    it=$(sed -n 's/.*Iterations to converge: *\([0-9]*\).*/\1/p' "$log" | head -1)
  fi
  printf '%s,%d,%d,%s,%s,%d,%s,%s,%s\n' "$prog" "$k" "$r" "$([ -n "$us" ] && awk -v u="$us" 'BEGIN { printf "%.6f", u / 1e6 }')" \
    "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", (b - a) / 1e9 }')" "$rc" "$el" "$inter" "$it"
}

# given NAME VALUE: an empty or blank argument is refused (exit 2) before any work: an empty DEST or OUT would name /.
given() { [[ $2 =~ [^[:space:]] ]] || { echo "splash-originals: error: $1 is empty; give a path" >&2; usage; }; }

case "${1:-}" in
  -h|--help) [ $# -eq 1 ] || usage; sed -n '8,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  build) [ $# -eq 3 ] || usage; given SPLASH3 "$2"; given DEST "$3"; build "$2" "$3" ;;
  run) [ $# -ge 3 ] && [ $# -le 4 ] || usage; given DIR "$2"; given OUT "$3"; run "$2" "$3" "${4-5}" ;;
  *) usage ;;
esac

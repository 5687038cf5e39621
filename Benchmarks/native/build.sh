#!/usr/bin/env bash
# Builds one of the native C references next to this script: gcc -O3 -march=$MARCH -pthread.
# Usage: Benchmarks/native/build.sh [PROGRAM] [OUT]
#   PROGRAM  urpc_pingpong (default; the URPC reference of `Benchmarks urpc-vs-native`), fig1_twin (the C twin of
#            the Fig 1 experiment, run by the fig1 program) or urpc_loops (urpc_pingpong's loops as a shared library,
#            liburpc_loops.so, for `urpc-vs-native --mixed`); OUT defaults to Benchmarks/native/PROGRAM (or
#            Benchmarks/native/liburpc_loops.so).
#   A single argument that is not a program name is taken as OUT for urpc_pingpong.
#   ALIGN_LOOPS  if set (a power of two, 1 to 64), gcc's -falign-loops=N; compiled in and printed as "align_loops N"
#            (without it "align_loops default"). `urpc-vs-native --layouts` compares builds that differ only in this.
#   MARCH    the target architecture (default: native). run-all.sh --bundle builds with MARCH=x86-64-v2 so
#            that the binary runs on the lent machine. The value is compiled into the program, which prints it as
#            "march <value>", and the results are labelled with what the binary says, never with a guess.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
usage="usage: Benchmarks/native/build.sh [urpc_pingpong|fig1_twin|urpc_loops] [OUT]   (Benchmarks/native/build.sh --help)"
case "${1:-}" in -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac
# Checked before gcc runs: OUT is never an empty or option-like argument, and nothing follows it.
[ $# -le 2 ] || { echo "build.sh: error: at most two arguments, PROGRAM and OUT; got $#: $*; $usage" >&2; exit 2; }
for a in "$@"; do
  [ -n "$a" ] || { echo "build.sh: error: an empty argument; $usage" >&2; exit 2; }
  [[ $a == -* ]] && { echo "build.sh: error: '$a' is not an option of build.sh (for an output file of that name write ./$a); $usage" >&2; exit 2; }
done
program=urpc_pingpong
case "${1:-}" in
  urpc_pingpong|fig1_twin|urpc_loops) program=$1; shift ;;
esac
shared=()
default_out="$here/$program"
if [ "$program" = urpc_loops ]; then shared=(-shared -fPIC); default_out="$here/liburpc_loops.so"; fi
out="${1:-$default_out}"
march="${MARCH:-native}"
if ! command -v gcc >/dev/null; then
  echo "error: gcc not found; install a C compiler (e.g. apt-get install gcc) to build the native reference" >&2
  exit 2
fi
align=()
if [ -n "${ALIGN_LOOPS:-}" ]; then
  case "$ALIGN_LOOPS" in
    1|2|4|8|16|32|64) align=("-falign-loops=$ALIGN_LOOPS" "-DREPRO_ALIGN_LOOPS=\"$ALIGN_LOOPS\"") ;;
    *) echo "error: ALIGN_LOOPS=$ALIGN_LOOPS: must be a power of two from 1 to 64 (gcc -falign-loops)" >&2; exit 2 ;;
  esac
fi
gcc -O3 "-march=$march" "${align[@]}" "-DREPRO_MARCH=\"$march\"" -pthread -Wall -Wextra -Werror "${shared[@]}" -I "$here" -o "$out" "$here/$program.c"
echo "built $out (gcc -O3 -march=$march${align:+ ${align[0]}})"

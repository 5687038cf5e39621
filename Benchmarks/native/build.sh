#!/usr/bin/env bash
# Builds one of the native C references next to this script: gcc -O3 -march=$MARCH -pthread.
# Usage: Benchmarks/native/build.sh [PROGRAM] [OUT]
#   PROGRAM  urpc_pingpong (default; the URPC reference of `Benchmarks urpc-vs-native`) or fig1_twin (the C twin of
#            the Fig 1 experiment, run by the fig1 program); OUT defaults to Benchmarks/native/PROGRAM.
#   A single argument that is not a program name is taken as OUT for urpc_pingpong.
#   MARCH    the target architecture (default: native). scripts/device/prepare.sh builds with MARCH=x86-64-v2 so
#            that the binary runs on the lent machine. The value is compiled into the program, which prints it as
#            "march <value>", and the results are labelled with what the binary says, never with a guess.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
program=urpc_pingpong
case "${1:-}" in
  urpc_pingpong|fig1_twin) program=$1; shift ;;
esac
out="${1:-$here/$program}"
march="${MARCH:-native}"
if ! command -v gcc >/dev/null; then
  echo "error: gcc not found; install a C compiler (e.g. apt-get install gcc) to build the native reference" >&2
  exit 2
fi
gcc -O3 "-march=$march" "-DREPRO_MARCH=\"$march\"" -pthread -Wall -Wextra -Werror -o "$out" "$here/$program.c"
echo "built $out (gcc -O3 -march=$march)"

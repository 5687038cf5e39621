#!/usr/bin/env bash
# Builds the native URPC reference (urpc_pingpong.c) next to this script: gcc -O3 -pthread.
# Usage: Benchmarks/native/build.sh [output path]   (default: Benchmarks/native/urpc_pingpong)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/urpc_pingpong}"
if ! command -v gcc >/dev/null; then
  echo "error: gcc not found; install a C compiler (e.g. apt-get install gcc) to build the native reference" >&2
  exit 2
fi
gcc -O3 -march=native -pthread -Wall -Wextra -Werror -o "$out" "$here/urpc_pingpong.c"
echo "built $out"

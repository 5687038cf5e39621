#!/usr/bin/env bash
# Prepares .device/ (git-ignored) for a run on a lent many-core machine that has no .NET and no network:
#   .device/dotnet-runtime.tar.xz   the host's .NET runtime (dotnet muxer, hostfxr, Microsoft.NETCore.App), ~26 MB
#   .device/apps/<program>/         framework-dependent Release builds of the experiment programs
#   .device/bin/urpc_pingpong       the native C URPC reference (x86-64)
# One runtime shared by all programs keeps the carried tree small (five self-contained single files would not
# fit the 64 MiB transfer limit). scripts/device/run.sh is the command to run there.
set -euo pipefail
cd "$(dirname "$0")/../.."
dev=.device
mkdir -p "$dev/apps" "$dev/bin"
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
fw=$(ls -d "$dotnet_root"/shared/Microsoft.NETCore.App/10.* | sort -V | tail -1)
if [ ! -f "$dev/dotnet-runtime.tar.xz" ] || [ "$(cat "$dev/runtime-version" 2>/dev/null)" != "$(basename "$fw")" ]; then
  echo "packing .NET runtime $(basename "$fw")"
  tar cJf "$dev/dotnet-runtime.tar.xz" -C "$dotnet_root" dotnet host/fxr "shared/Microsoft.NETCore.App/$(basename "$fw")"
  basename "$fw" > "$dev/runtime-version"
fi
programs=(
  "topology:Tools/Topology/Topology.csproj"
  "fig1:Experiments/Fig1-SharedState/Fig1.SharedState.csproj"
  "fig3:Experiments/Fig3-TlbShootdown/Fig3.TlbShootdown.csproj"
  "compute:Experiments/Fig4-8-Compute/Fig4_8.Compute.csproj"
  "benchmarks:Benchmarks/Benchmarks.csproj"
)
for p in "${programs[@]}"; do
  name=${p%%:*}; proj=${p#*:}
  [ -f "$proj" ] || { echo "skip $name: $proj not present"; continue; }
  rm -rf "$dev/apps/$name"
  dotnet publish "$proj" -c Release -o "$dev/apps/$name" --self-contained false -p:UseAppHost=false -nologo -v q
done
if [ -f Benchmarks/native/urpc_pingpong.c ]; then
  gcc -O3 -pthread -o "$dev/bin/urpc_pingpong" Benchmarks/native/urpc_pingpong.c
fi
git rev-parse --short HEAD > "$dev/commit"
du -sh "$dev"

#!/usr/bin/env bash
# Prepares .device/carry/ (git-ignored), the one folder a run on a lent many-core machine (no .NET, no network)
# needs besides the work tree; carry it and run scripts/device/run.sh there. It holds:
#   dotnet-runtime.tar.xz  the host's .NET runtime (dotnet muxer, hostfxr, Microsoft.NETCore.App, and
#                          Microsoft.AspNetCore.App for the Kestrel baseline), about 33 MB
#   payload.tar.xz         apps/<program>/: framework-dependent linux-x64 Release builds of the experiment programs;
#                          bin/urpc_pingpong, bin/fig1_twin, bin/liburpc_loops.so: the native C references (URPC
#                          ping-pong, Fig 1's C twin, the ping-pong loops for the mixed pairings), built for
#                          x86-64-v2; tools/: wrk and lighttpd with their
#                          shared libraries (best effort: the device's C library must be at least this machine's)
#   commit                 the commit the programs were built from
# One runtime shared by all programs keeps the transfer under its 64 MiB limit (a self-contained single file per
# program would not fit). Usage: scripts/device/prepare.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
dev=.device; carry=$dev/carry; stage=$dev/stage
rm -rf "$stage"; mkdir -p "$carry" "$stage/apps" "$stage/bin" "$stage/tools/bin" "$stage/tools/lib"
dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
ver=$(basename "$(ls -d "$dotnet_root"/shared/Microsoft.NETCore.App/10.* | sort -V | tail -1)")
if [ ! -f "$carry/dotnet-runtime.tar.xz" ] || [ "$(cat "$dev/runtime-version" 2>/dev/null)" != "$ver" ]; then
  echo "packing .NET runtime $ver"
  tar cJf "$carry/dotnet-runtime.tar.xz" -C "$dotnet_root" dotnet host/fxr \
    "shared/Microsoft.NETCore.App/$ver" "shared/Microsoft.AspNetCore.App/$ver"
  echo "$ver" > "$dev/runtime-version"
fi
programs=(
  "topology:Tools/Topology/Topology.csproj"
  "fig1:Experiments/Fig1-SharedState/Fig1.SharedState.csproj"
  "fig3:Experiments/Fig3-TlbShootdown/Fig3.TlbShootdown.csproj"
  "compute:Experiments/Fig4-8-Compute/Fig4_8.Compute.csproj"
  "io:Experiments/IO-Webserver/IOWebserver.csproj"
  "benchmarks:Benchmarks/Benchmarks.csproj"
)
for p in "${programs[@]}"; do
  name=${p%%:*}; proj=${p#*:}
  [ -f "$proj" ] || { echo "skip $name: $proj not present"; continue; }
  dotnet publish "$proj" -c Release -r linux-x64 --self-contained false -p:UseAppHost=false \
    -o "$stage/apps/$name" -nologo -v q
done
# The native references, for any x86-64-v2 machine (the lent one's CPU is not known here); each binary prints the
# -march it was built with, and the results carry that label.
for native in urpc_pingpong fig1_twin; do
  [ -f "Benchmarks/native/$native.c" ] && MARCH=x86-64-v2 bash Benchmarks/native/build.sh "$native" "$stage/bin/$native"
done
[ -f Benchmarks/native/urpc_loops.c ] && MARCH=x86-64-v2 bash Benchmarks/native/build.sh urpc_loops "$stage/bin/liburpc_loops.so"
for tool in wrk lighttpd; do
  path=$(command -v "$tool" || true)
  [ -n "$path" ] || { echo "note: $tool is not installed here (scripts/install-deps.sh run); the device run will skip its series"; continue; }
  cp "$path" "$stage/tools/bin/"
  ldd "$path" | awk '/=> \//{print $3}' | grep -vE '/(libc|libm|libpthread|libdl|librt)\.so' | xargs -r -I{} cp -L {} "$stage/tools/lib/"
done
tar cJf "$carry/payload.tar.xz" -C "$stage" .
git rev-parse --short HEAD > "$carry/commit"
rm -rf "$stage"
du -sh "$carry"/*

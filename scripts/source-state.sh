#!/usr/bin/env bash
# Prints which source a run is built from, as two TAB-separated fields: the short commit ("-dirty" only when the
# sources differ from it: tracked files changed, or untracked files outside Results/) and a state line saying what
# differs. New result folders under Results/ (every run makes one) do not make the checkout dirty. The same rules as
# Experiments/Common/SourceRevision.cs (tests/Experiments.Tests/SourceRevisionTests.cs checks that both agree).
# Usage: scripts/source-state.sh [DIR]     (default: the folder above this script)
set -uo pipefail
dir=${1:-$(dirname "$0")/..}
sha=$(git -C "$dir" rev-parse --short HEAD 2>/dev/null) || { printf 'unknown\tnot a git checkout (or git is not installed)\n'; exit 0; }
status=$(git -C "$dir" status --porcelain --untracked-files=all 2>/dev/null) || { printf '%s\tunknown (git status failed)\n' "$sha"; exit 0; }
tracked=(); untracked=(); results=()
while IFS= read -r line; do
  [ ${#line} -ge 4 ] || continue
  path=${line:3}
  if [ "${line:0:2}" != "??" ]; then tracked+=("$path")
  elif [[ $path == Results/* || $path == \"Results/* ]]; then results+=("$path")  # git quotes a path with a space or a non-ASCII byte
  else untracked+=("$path"); fi
done <<<"$status"
list() { local n=$# out; out=$(printf '%s, ' "${@:1:3}"); out=${out%, }; [ "$n" -gt 3 ] && out="$out and $((n - 3)) more"; printf '%s' "$out"; }
parts=()
[ ${#tracked[@]} -gt 0 ] && parts+=("${#tracked[@]} tracked file(s) changed: $(list "${tracked[@]}")")
[ ${#untracked[@]} -gt 0 ] && parts+=("${#untracked[@]} untracked file(s) outside Results/: $(list "${untracked[@]}")")
if [ ${#parts[@]} -eq 0 ]; then state=clean; commit=$sha
else state="dirty: ${parts[0]}${parts[1]:+; ${parts[1]}}"; commit="$sha-dirty"; fi
[ ${#results[@]} -gt 0 ] && state="$state (untracked result files under Results/ ignored: ${#results[@]})"
printf '%s\t%s\n' "$commit" "$state"

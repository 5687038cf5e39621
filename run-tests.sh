#!/usr/bin/env bash
# Installs the Debian packages the tests need (as root), builds the solution once (Release) and runs every test project in turn: the concurrency and pinning tests
# need the machine's cores to themselves, so projects do not run side by side. Ends with "N passed, N failed, N skipped"
# (a skipped test could not run here, e.g. it needs two cores; xunit.v3's Assert.Skip gives the reason in the log).
# Usage: ./run-tests.sh [extra dotnet test args, e.g. --filter Category!=Slow]
set -uo pipefail
# --help alone prints the usage above and does nothing else (it is not handed to dotnet test).
case "${1:-}" in -h|--help) [ $# -eq 1 ] && { sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0; } ;; esac
cd "$(dirname "$0")"
results=TestResults
rm -rf "$results"; mkdir -p "$results"
# The report's PDF tests and the web experiment's tests need Chromium, poppler, wrk and lighttpd: installed here
# when run as root (apt-get), otherwise the exact command to run is printed and the tests stop.
if ! scripts/install-deps.sh test; then
  echo "missing test dependencies (see above)"; echo "0 passed, 1 failed, 0 skipped"; exit 1
fi
if ! dotnet build Repro.sln -c Release -nologo -v q; then
  echo "build failed"; echo "0 passed, 1 failed, 0 skipped"; exit 1
fi
status=0
declare -A test_rc   # project -> exit status of its dotnet test
for proj in tests/*/*.csproj; do
  name=$(basename "$proj" .csproj)
  echo "=== $name"
  dotnet test "$proj" -c Release --no-build -nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
    --results-directory "$results" "$@"
  test_rc[$name]=$?
  [ "${test_rc[$name]}" -eq 0 ] || status=1
done
passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  outcome=$(grep -o '<ResultSummary outcome="[A-Za-z]*"' "$trx" | head -1 | sed 's/.*outcome="//; s/"$//')
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$counters"); x=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0})); skipped=$((skipped + ${t:-0} - ${x:-0}))
  # A test host that crashed leaves a .trx whose counters hold only the tests that finished (none failed): the run
  # itself failed, so it counts as one failure.
  name=$(basename "$trx" .trx)
  if [ $((${f:-0} + ${e:-0})) -eq 0 ] && { [ "${test_rc[$name]:-0}" -ne 0 ] || [[ $outcome =~ ^(Failed|Aborted|Error|Timeout)$ ]]; }; then
    echo "$name: the test run failed (dotnet test exit ${test_rc[$name]:-?}, outcome ${outcome:-unknown}) with no failed test counted: a test host crashed or the run aborted (see its output above)"
    failed=$((failed + 1)); status=1
  fi
done
n_proj=$(ls tests/*/*.csproj | wc -l); n_trx=$(ls "$results"/*.trx 2>/dev/null | wc -l)
if [ "$n_trx" -lt "$n_proj" ]; then
  echo "only $n_trx of $n_proj test projects produced results (a test host crashed?)"; failed=$((failed + n_proj - n_trx)); status=1
fi
[ "$failed" -gt 0 ] && status=1
scripts/failed-tests.sh "$results"/*.trx
echo "$passed passed, $failed failed, $skipped skipped"
exit $status

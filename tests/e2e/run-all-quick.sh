#!/usr/bin/env bash
# End-to-end check of the main job: ./run-all.sh --quick into a fresh folder, then its report.pdf is checked as a
# reader would see it (tests/e2e/PdfCheck, with poppler-utils): page count, the text layer names the title page with
# the claims, every experiment that produced results and the not-run section, every page is non-blank, every chart
# panel of report.html is found on the pages with plotted data in its plot area, and no page is more than half
# empty unless it is the last of a chapter. Needs chromium and poppler-utils: scripts/install-deps.sh test (as root).
# Usage: tests/e2e/run-all-quick.sh [extra run-all.sh options, e.g. --cores 0-1]
# Ends with "N passed, N failed" (the checks of this script); exit 0 only if run-all.sh succeeded and every check passed.
set -uo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d "${TMPDIR:-/tmp}/run-all-quick.XXXXXX")
out="$tmp/run"
passed=0; failed=0
check() { if [ "$1" -eq 0 ]; then passed=$((passed + 1)); echo "e2e: ok: $2"; else failed=$((failed + 1)); echo "e2e: FAIL: $2"; fi; }
finish() {
  if [ "$failed" -eq 0 ]; then rm -rf "$tmp"; else echo "e2e: run folder and rendered pages kept in $tmp"; fi
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]; exit $?
}

./run-all.sh --quick --out "$out" "$@"
check $? "./run-all.sh --quick exited 0"
[ -f "$out/report.pdf" ]; check $? "run-all made $out/report.pdf"
[ -f "$out/meta.json" ]; check $? "run-all wrote the run-level meta.json"
[ -f "$out/report.pdf" ] || finish

# What to expect in the PDF for each experiment folder that holds results: its chapter heading (Report/Catalog/
# ExperimentCatalog.cs); for chapters of charts, plotted data on the chapter's first page.
#   folder | heading text | 1 if the chapter draws charts
SECTIONS=(
  "fig1-shared-state|Fig 1 (paper Fig 3)|1"
  "urpc-tables|Paper Tables 1-3|0"
  "fig3-tlb|Fig 3 (paper Figs 6-7)|1"
  "compute|(paper Fig 9): compute-bound workloads|1"
  "io-webserver|Paper Section 5.4|0"
)
args=(--min-pages 2 --expect "Multikernel reproduction" --expect "The paper's claims in this run" --expect "Experiments not run"
  --html "$out/report.html" --png-dir "$tmp/png")
ran=0
for s in "${SECTIONS[@]}"; do
  IFS='|' read -r folder heading charts <<<"$s"
  if [ -f "$out/$folder/results.csv" ]; then
    ran=$((ran + 1)); args+=(--expect "$heading" --expect "Experiment folder: $folder")
    [ "$charts" = 1 ] && args+=(--chart "Experiment folder: $folder")
  else
    args+=(--expect "$folder")   # listed in the not-run section
  fi
done
[ $ran -gt 0 ]; check $? "at least one experiment produced results ($ran)"

dotnet build tests/e2e/PdfCheck/PdfCheck.csproj -c Release -nologo -v q >"$tmp/pdfcheck-build.log" 2>&1
check $? "PdfCheck built (log: $tmp/pdfcheck-build.log)"
dotnet tests/e2e/PdfCheck/bin/Release/net10.0/pdfcheck.dll "$out/report.pdf" "${args[@]}"
check $? "report.pdf: pages, text layer, non-blank pages, plotted data"
finish

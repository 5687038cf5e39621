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
e2e_name=e2e; e2e_kept="run folder and rendered pages"
source tests/e2e/tally.sh

./run-all.sh --quick --out "$out" "$@"
check $? "./run-all.sh --quick exited 0"
[ -f "$out/report.pdf" ]; check $? "run-all made $out/report.pdf"
[ -f "$out/meta.json" ]; check $? "run-all wrote the run-level meta.json"
[ -f "$out/report.pdf" ] || finish

# What to expect in the PDF for each experiment folder of the experiment registry that holds results: its chapter
# heading (the registry's title; a seed range such as compute's may be narrowed to the figures present, so the part
# from "(paper" on is what is checked); for chapters of charts, plotted data on the chapter's first page.
CHART_FOLDERS=" fig1-shared-state fig3-tlb compute "
args=(--min-pages 2 --expect "Multikernel reproduction" --expect "The paper's claims in this run" --expect "Experiments not run"
  --html "$out/report.html" --png-dir "$tmp/png")
ran=0
while IFS=$'\t' read -r program folder project seed paper subject rest; do
  case "$program" in ''|'#'*) continue ;; esac
  if [ "$seed" = - ]; then heading="Paper $paper: $subject"; else heading="(paper $paper): $subject"; fi
  if [ -f "$out/$folder/results.csv" ]; then
    ran=$((ran + 1)); args+=(--expect "$heading" --expect "Experiment folder: $folder")
    [[ $CHART_FOLDERS == *" $folder "* ]] && args+=(--chart "Experiment folder: $folder")
  else
    args+=(--expect "$folder")   # listed in the not-run section
  fi
done < Experiments/Schema/experiments.tsv
[ $ran -gt 0 ]; check $? "at least one experiment produced results ($ran)"

dotnet build tests/e2e/PdfCheck/PdfCheck.csproj -c Release -nologo -v q >"$tmp/pdfcheck-build.log" 2>&1
check $? "PdfCheck built (log: $tmp/pdfcheck-build.log)"
dotnet tests/e2e/PdfCheck/bin/Release/net10.0/pdfcheck.dll "$out/report.pdf" "${args[@]}"
check $? "report.pdf: pages, text layer, non-blank pages, plotted data"
finish

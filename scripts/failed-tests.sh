#!/usr/bin/env bash
# Prints every failed test in the given .trx files: "FAILED <test name>" and the first lines of its message.
# run-tests.sh and .ci/run print this just before their "N passed, N failed" line, so the names of the failures are
# in the tail of the log (the part a CI summary shows), not only in the middle of a project's console output.
# Usage: scripts/failed-tests.sh FILE.trx... (prints nothing when no test failed; exits 0)
set -uo pipefail
max_lines=${FAILED_TESTS_MESSAGE_LINES:-6}
for trx in "$@"; do
  [ -f "$trx" ] || continue
  awk -v file="$(basename "$trx")" -v max="$max_lines" '
    function unescape(s) {
      gsub(/&quot;/, "\"", s); gsub(/&apos;/, "\047", s); gsub(/&lt;/, "<", s); gsub(/&gt;/, ">", s); gsub(/&amp;/, "\\&", s)
      return s
    }
    /<UnitTestResult / {
      failed = ($0 ~ /outcome="(Failed|Error|Timeout|Aborted)"/)
      name = $0; sub(/.* testName="/, "", name); sub(/".*/, "", name)
      if (failed) print "FAILED " unescape(name) " (" file ")"
      inmsg = 0; shown = 0
    }
    failed && /<Message>/ { inmsg = 1; sub(/.*<Message>/, "") }
    failed && inmsg {
      line = $0; done = sub(/<\/Message>.*/, "", line)
      if (shown < max && line ~ /[^ \t]/) { gsub(/^[ \t]+/, "", line); print "    " unescape(line); shown++ }
      if (done) inmsg = 0
    }
    /<\/UnitTestResult>/ { failed = 0; inmsg = 0 }
  ' "$trx"
done
exit 0

# The pass/fail tally of the end-to-end scripts, sourced by each after it has made its scratch folder:
#   tmp=$(mktemp -d ...); e2e_name=NAME; e2e_kept="what $tmp holds"; source tests/e2e/tally.sh
# check STATUS TEXT   counts one check (STATUS 0 = passed) and prints "NAME: ok: TEXT" or "NAME: FAIL (got STATUS): TEXT";
#                     returns STATUS.
# finish              removes $tmp if every check passed (otherwise says it is kept), prints "N passed, N failed"
#                     and ends the script: exit 0 only if all passed.
passed=0; failed=0
check() { if [ "$1" -eq 0 ]; then passed=$((passed + 1)); echo "$e2e_name: ok: $2"; else failed=$((failed + 1)); echo "$e2e_name: FAIL (got $1): $2"; fi; return "$1"; }
finish() {
  if [ "$failed" -eq 0 ]; then rm -rf "$tmp"; else echo "$e2e_name: $e2e_kept kept in $tmp"; fi
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]; exit $?
}

#!/usr/bin/env bash
# `npm test`: type check, lint, then every uvu suite folder; ends with one "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."
passed=0 failed=0 skipped=0 status=0
run_step() { echo "▶ $*"; "$@" || status=1; }
run_step npx tsc -p .
run_step npx biome lint --error-on-warnings .
for folder in unit infra integration e2e; do
  [ -d "test/$folder" ] || continue
  echo "▶ test/$folder"
  log=$(mktemp)
  node --import tsx node_modules/uvu/bin.js "test/$folder" '\.test\.ts$' 2>&1 | tee "$log"
  [ "${PIPESTATUS[0]}" -eq 0 ] || status=1
  clean=$(sed 's/\x1b\[[0-9;]*m//g' "$log")
  total=$(grep -oE 'Total: +[0-9]+' <<<"$clean" | grep -oE '[0-9]+' | tail -1)
  ok=$(grep -oE 'Passed: +[0-9]+' <<<"$clean" | grep -oE '[0-9]+' | tail -1)
  skip=$(grep -oE 'Skipped: +[0-9]+' <<<"$clean" | grep -oE '[0-9]+' | tail -1)
  passed=$((passed + ${ok:-0})) skipped=$((skipped + ${skip:-0}))
  failed=$((failed + ${total:-0} - ${ok:-0} - ${skip:-0}))
  rm -f "$log"
done
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"

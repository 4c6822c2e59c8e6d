#!/usr/bin/env bash
# `npm test`: type check, lint, then every uvu suite folder; ends with one "N passed, N failed" line.
# The deploy suites (rehearsal, policy gate, workflow runs, API lint and fuzzing) wait mostly on terraform,
# moto and Python tools, so their files start first and run side by side, beside the other tiers (which run
# one file at a time and leave a core idle); their output follows the tiers'. Each prints one
# "skipped: …, run make tools" line where its tool is missing.
set -uo pipefail
cd "$(dirname "$0")/.."
# The SDK's notice that its 2027 releases need Node 22 is not a test result (the README says which Node).
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
passed=0 failed=0 skipped=0 status=0
run_step() { echo "▶ $*"; "$@" || status=1; }

count() { # <log> <exit code>: adds uvu's totals to the counters
  local clean total ok skip
  clean=$(sed 's/\x1b\[[0-9;]*m//g' "$1")
  total=$(grep -oE 'Total: +[0-9]+' <<<"$clean" | grep -oE '[0-9]+' | tail -1)
  ok=$(grep -oE 'Passed: +[0-9]+' <<<"$clean" | grep -oE '[0-9]+' | tail -1)
  skip=$(grep -oE 'Skipped: +[0-9]+' <<<"$clean" | grep -oE '[0-9]+' | tail -1)
  # uvu's Total leaves out skipped tests; one that did not pass failed (a throwing hook prints no FAIL line).
  passed=$((passed + ${ok:-0})) skipped=$((skipped + ${skip:-0}))
  failed=$((failed + ${total:-0} - ${ok:-0}))
  [ "$2" -eq 0 ] || { status=1; [ -n "$total" ] || failed=$((failed + 1)); }
}

# dist/ first: the deploy suites and the infra tests read its zips, and two builds must not write them at once.
run_step node --import tsx -e "(await import('./scripts/dist.ts')).ensureDist()"

declare -A logs pids
trap 'kill "${pids[@]}" 2>/dev/null' INT TERM
if [ -d test/deploy ]; then
  for file in test/deploy/*.test.ts; do
    name=$(basename "$file")
    logs[$name]=$(mktemp)
    node --import tsx --import ./test/support/uvu-strict.ts node_modules/uvu/bin.js test/deploy "^${name//./\\.}$" >"${logs[$name]}" 2>&1 &
    pids[$name]=$!
  done
fi

run_step npx tsc -p .
run_step npx biome lint --error-on-warnings .
for folder in unit infra integration e2e; do
  [ -d "test/$folder" ] || continue
  echo "▶ test/$folder"
  log=$(mktemp)
  node --import tsx --import ./test/support/uvu-strict.ts node_modules/uvu/bin.js "test/$folder" '\.test\.ts$' 2>&1 | tee "$log"
  count "$log" "${PIPESTATUS[0]}"
  rm -f "$log"
done

if [ ${#pids[@]} -gt 0 ]; then
  echo "▶ test/deploy (side by side)"
  for name in $(printf '%s\n' "${!pids[@]}" | sort); do
    wait "${pids[$name]}"
    code=$?
    cat "${logs[$name]}"
    count "${logs[$name]}" "$code"
    rm -f "${logs[$name]}"
  done
fi
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"

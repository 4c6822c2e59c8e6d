/** `make policy` as part of `npm test`: checkov on both stacks and their offline plans, zero failures. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { CHECKOV_CONFIG, policy, policyLine, skippedChecks } from '../../scripts/policy.ts';
import { toolOrSkip } from '../../scripts/rehearsal/tools.ts';

test('every check .checkov.yaml skips is listed once, with a reason above it', () => {
  const checks = skippedChecks();
  assert.ok(checks.length > 0);
  assert.is(new Set(checks).size, checks.length, 'a check listed twice');
  const lines = readFileSync(CHECKOV_CONFIG, 'utf8').split('\n');
  lines.forEach((line, index) => {
    if (!/^\s+-\s+CKV/.test(line)) return;
    let above = index - 1;
    while (above >= 0 && /^\s+-\s+CKV/.test(lines[above] as string)) above -= 1;
    assert.match(lines[above] ?? '', /^\s+# \S/, `${line.trim()}: no reason above it`);
  });
});

if (toolOrSkip('policy gate (make policy)', 'checkov')) {
  test('checkov finds no failed check in the synthesized stacks and their offline plans', async () => {
    const result = await policy();
    assert.ok(result, 'checkov ran');
    assert.equal(result.failures, [], result.failures.join('\n'));
    assert.equal(result.parsingErrors, [], 'checkov parsed every file');
    assert.ok(result.passed > 100, `only ${result.passed} checks passed: did checkov read the stacks?`);
    console.log(`  ${policyLine(result)}`);
  });
}

test.run();

/**
 * `make api-fuzz` as part of `npm test`: schemathesis against a throw-away local mode, two users, every
 * phase and check, zero failures. Without schemathesis in .venv it is one skipped line (CI=true: a failure).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { apiFuzz, fuzzLine } from '../../scripts/api-fuzz.ts';
import { toolOrSkip } from '../../scripts/rehearsal/tools.ts';

const schemathesis = toolOrSkip('api fuzzing', 'schemathesis');
if (schemathesis) {
  test('schemathesis finds no failure in local mode against docs/openapi.json', async () => {
    const result = await apiFuzz(schemathesis);
    assert.is(result.failures, 0, `${result.output}\n${fuzzLine(result)}`);
    assert.ok(result.operations >= 6, `only ${result.operations} operations tested`);
    assert.ok(result.testCases > 100, `only ${result.testCases} test cases: did schemathesis reach the API?`);
    console.log(`  ${fuzzLine(result)}`);
  });
}

test.run();

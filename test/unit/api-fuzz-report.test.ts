import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fuzzLine, summarize, wfcAuth } from '../../scripts/api-fuzz.ts';

const report = suite('reading a schemathesis run');
const COMPLETE = {
  complete: true,
  stop_reason: 'completed',
  operations: { tested: 6, errored: 0 },
  test_cases: { generated: 548, unique_failures: 0 },
  errors: [],
};

report('a complete run without failures is 0 failures, with its numbers in the last line', () => {
  const result = summarize(COMPLETE, 0, '');
  assert.is(fuzzLine(result), 'schemathesis: 6 operations, 548 test cases, 0 failures');
});

report('warnings are listed by name with their operations', () => {
  const warned = { ...COMPLETE, warnings: { missing_auth: ['GET /admin/tasks'], rate_limited: [] } };
  assert.equal(summarize(warned, 0, '').warnings, ['missing_auth: GET /admin/tasks']);
});

report('failures, errors and errored operations all count', () => {
  const failed = { ...COMPLETE, test_cases: { generated: 9, unique_failures: 2 }, errors: [{}], operations: { tested: 6, errored: 1 } };
  assert.is(summarize(failed, 1, '').failures, 4);
});

report('no report, an unfinished run or a non-zero exit is never 0 failures', () => {
  assert.is(summarize(null, 1, '').failures, 1);
  assert.is(summarize({ ...COMPLETE, complete: false, stop_reason: 'interrupted' }, 0, '').failures, 1);
  assert.is(summarize(COMPLETE, 1, '').failures, 1);
  assert.is(summarize(COMPLETE, null, '').failures, 1);
});

report('each user becomes one Web Fuzzing Commons entry with the raw ID token in Authorization', () => {
  const auth = JSON.parse(wfcAuth({ alice: 'token-a', bob: 'token-b' }));
  assert.equal(auth, {
    auth: [
      { name: 'alice', fixedHeaders: [{ name: 'Authorization', value: 'token-a' }] },
      { name: 'bob', fixedHeaders: [{ name: 'Authorization', value: 'token-b' }] },
    ],
  });
});

report.run();

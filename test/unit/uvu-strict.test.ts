import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const runFixture = (preloads: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', ...preloads, 'node_modules/uvu/bin.js', 'test/fixtures/uvu-hook-failure'], {
    encoding: 'utf8',
  });

test('a suite whose before hook throws fails the run', () => {
  const run = runFixture(['--import', './test/support/uvu-strict.ts']);
  assert.is(run.status, 1, run.stdout + run.stderr);
  assert.match(run.stderr, /1 of 1 tests did not pass: a before or after hook threw/);
});

test("the hook's error and where it was thrown are printed (uvu drops them)", () => {
  const run = runFixture(['--import', './test/support/uvu-strict.ts']);
  assert.match(run.stderr, /the before hook of the default suite threw: Error: the set-up failed\n\s+at .*failing-before\.test\.ts:6/);
});

test('uvu alone passes it (why the preload exists)', () => {
  assert.is(runFixture([]).status, 0);
});

test.run();

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runJob } from '../../scripts/workflow-run.ts';

/** A one-job workflow: tool setup (may run ahead of `needs`), then a step that leaves a marker (may not). */
function markerWorkflow() {
  const dir = mkdtempSync(join(tmpdir(), 'workflow-run-test-'));
  const marker = join(dir, 'marker');
  const workflow = join(dir, 'workflow.yml');
  writeFileSync(
    workflow,
    [
      'on: push',
      'jobs:',
      '  later:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: actions/setup-node@v4',
      '      - uses: hashicorp/setup-terraform@v3',
      `      - run: echo ran > "${marker}"`,
    ].join('\n'),
  );
  const run = (needs: Promise<unknown>) =>
    runJob({
      workflow,
      job: 'later',
      contexts: { vars: {}, github: { ref: 'refs/heads/main', event_name: 'push', repository: 'acme/task-api', event: {} } },
      artifactDir: dir,
      workDir: dir,
      awsEndpoint: 'http://127.0.0.1:9',
      needs,
    });
  return { marker, run, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

test('a step that could see what the needed jobs did waits for them', async () => {
  const { marker, run, remove } = markerWorkflow();
  let finishNeeded = () => {};
  const needed = new Promise<void>((resolve) => {
    finishNeeded = resolve;
  });
  const job = run(needed);
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.not.ok(existsSync(marker), 'ran before the job it needs had finished');
  finishNeeded();
  const result = await job;
  assert.ok(existsSync(marker));
  assert.equal(result.steps, ['actions/setup-node@v4', 'hashicorp/setup-terraform@v3', `echo ran > "${marker}"`]);
  remove();
});

test('a failed needed job stops the job before its first such step', async () => {
  const { marker, run, remove } = markerWorkflow();
  const failed = await run(Promise.reject(new Error('deploy-dev failed'))).then(
    () => undefined,
    (error: Error) => error,
  );
  assert.match(String(failed?.message), /deploy-dev failed/);
  assert.not.ok(existsSync(marker));
  remove();
});

test.run();

/**
 * `npm start` shows the deployed stack's signals: the functions' metric lines (embedded metric format)
 * appear in its output as CloudWatch would receive them, SIGUSR2 prints the per-route summary, and
 * Ctrl-C (SIGINT) prints it before stopping. Runs local/start.ts as a user does, on a free port.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LOCAL_ENV_FILE, type LocalEnv, PROJECT_ROOT } from '../../local/server.ts';
import { createUser } from './support/stack.ts';

let child: ChildProcessWithoutNullStreams;
let dataDir = '';
let output = '';
let env: LocalEnv;

/** Waits until the output (from `from` on) matches, or fails after `ms` (a hang guard, not a budget). */
async function waitFor(pattern: RegExp, from = 0, ms = 60_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + ms;
  for (;;) {
    const match = output.slice(from).match(pattern);
    if (match) return match;
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no ${pattern} in the output of npm start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test.before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'local-signals-'));
  child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts', '--port', '0', '--memory', '--data-dir', dataDir], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ALLOWED_ORIGINS: 'http://localhost:3000' },
  });
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  await waitFor(/prints it and stops/);
  env = JSON.parse(await readFile(join(dataDir, LOCAL_ENV_FILE), 'utf8')) as LocalEnv;
});

test.after(async () => {
  if (child.exitCode === null) child.kill('SIGKILL');
  await rm(dataDir, { recursive: true, force: true });
});

test('the functions’ metric lines appear in local mode’s output; SIGUSR2 and SIGINT print the per-route summary', async () => {
  const { idToken: token } = await createUser(env, 'signals');
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${env.apiUrl}${path}`, { ...init, headers: { Authorization: token, 'Content-Type': 'application/json', ...init.headers } });

  const since = output.length;
  assert.is((await api('/tasks', { method: 'POST', body: JSON.stringify({ title: 'Watch the signals' }) })).status, 201);
  assert.is((await api('/tasks', { method: 'POST', body: JSON.stringify({ title: '' }) })).status, 400);
  assert.is((await fetch(`${env.apiUrl}/tasks`)).status, 401);

  // The metric lines, as the functions write them (one JSON line each, as CloudWatch would receive them).
  await waitFor(/"ValidationFailures":1/, since);
  const metricLines = output
    .slice(since)
    .split('\n')
    .filter((line) => line.startsWith('{"_aws"'))
    .map((line) => JSON.parse(line));
  assert.equal(
    metricLines.map((line) => [line.Route, line.Service, line.Status2xx, line.Status4xx, line.ErrorCode]),
    [
      ['POST /tasks', 'task-api-local', 1, 0, undefined],
      ['POST /tasks', 'task-api-local', 0, 1, 'validation_failed'],
    ],
  );
  assert.equal(metricLines[0]._aws.CloudWatchMetrics[0].Namespace, 'TaskApi');

  // On demand: the summary, and the stack keeps running.
  const beforeSignal = output.length;
  child.kill('SIGUSR2');
  await waitFor(/Per-route summary[\s\S]*GET \/tasks[^\n]*\n[\s\S]*POST \/tasks[^\n]*\n/, beforeSignal);
  const table = output.slice(beforeSignal);
  assert.match(table, /GET \/tasks\s+1\s+1\s+0\s+\d+\s+\d+/);
  assert.match(table, /POST \/tasks\s+2\s+1\s+0\s+\d+\s+\d+/);
  assert.not.match(table, /local-start-probe|\(no route\)/, 'the start-up probe is not counted');
  assert.is((await fetch(`${env.apiUrl}/tasks`)).status, 401, 'still serving');

  // On exit: the summary, then the stop.
  const beforeExit = output.length;
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  assert.is(await exited, 0);
  assert.match(output.slice(beforeExit), /Per-route summary[\s\S]*GET \/tasks\s+2\s+2\s+0[\s\S]*SIGINT: stopping/);
});

test.run();

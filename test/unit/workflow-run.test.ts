import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type RunOptions, runJob } from '../../scripts/workflow-run.ts';

/** A job of a test workflow in `dir` (its workspace, artifacts and runner temp there), pushed to main; no AWS. */
const runTestJob = (dir: string, workflow: string, job: string, more: Pick<RunOptions, 'needs' | 'npmInstalls'> = {}) =>
  runJob({
    workflow,
    job,
    contexts: { vars: {}, github: { ref: 'refs/heads/main', event_name: 'push', repository: 'acme/task-api', event: {} } },
    artifactDir: dir,
    workDir: dir,
    awsEndpoint: 'http://127.0.0.1:9',
    ...more,
  });

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
  const run = (needs: Promise<unknown>) => runTestJob(dir, workflow, 'later', { needs });
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

/**
 * Two jobs whose only step is `npm ci` (the second with `NODE_ENV` from `env`), with an `npm` on PATH that
 * records where it ran and installs one file.
 */
function installWorkflow() {
  const dir = mkdtempSync(join(tmpdir(), 'workflow-run-test-'));
  const installs = join(dir, 'installs.log');
  mkdirSync(join(dir, 'bin'));
  const npm = join(dir, 'bin', 'npm');
  writeFileSync(
    npm,
    `#!/bin/sh\necho "$PWD $*" >> "${installs}"\nmkdir -p node_modules/pkg && echo installed > node_modules/pkg/index.js\n`,
  );
  chmodSync(npm, 0o755);
  const workflow = join(dir, 'workflow.yml');
  const job = (name: string, env = '') => [
    `  ${name}:`,
    '    runs-on: ubuntu-latest',
    ...(env ? ['    env:', `      ${env}`] : []),
    '    steps:',
    '      - run: npm ci',
  ];
  writeFileSync(workflow, ['on: push', 'jobs:', ...job('one'), ...job('two'), ...job('production', 'NODE_ENV: production')].join('\n'));
  const path = process.env.PATH;
  process.env.PATH = `${join(dir, 'bin')}:${path}`;
  const run = (name: string, npmInstalls?: Map<string, Promise<string>>) =>
    runTestJob(dir, workflow, name, npmInstalls ? { npmInstalls } : {});
  /** A `cp` that cannot link (as macOS's, which has no `-l`). */
  const withoutHardLinks = () => {
    writeFileSync(join(dir, 'bin', 'cp'), '#!/bin/sh\necho "cp: illegal option -- l" >&2\nexit 64\n');
    chmodSync(join(dir, 'bin', 'cp'), 0o755);
  };
  const installedIn = () => readFileSync(installs, 'utf8').trim().split('\n').length;
  const installedFile = (workspace: string) => statSync(join(workspace, 'node_modules', 'pkg', 'index.js'));
  const remove = () => {
    process.env.PATH = path;
    rmSync(dir, { recursive: true, force: true });
  };
  return { run, installedIn, installedFile, withoutHardLinks, remove };
}

test("a run's second npm ci of the same lockfile gets the first one's files, linked, instead of installing again", async () => {
  const { run, installedIn, installedFile, remove } = installWorkflow();
  try {
    const npmInstalls = new Map<string, Promise<string>>();
    const [one, two] = await Promise.all([run('one', npmInstalls), run('two', npmInstalls)]);
    assert.is(installedIn(), 1, 'npm ci ran once');
    assert.is(installedFile(two.workspace).ino, installedFile(one.workspace).ino, 'the same file, hard-linked');
  } finally {
    remove();
  }
});

test("npm ci runs again where npm's environment differs, and in every job without a run's installs", async () => {
  const { run, installedIn, installedFile, remove } = installWorkflow();
  try {
    const npmInstalls = new Map<string, Promise<string>>();
    const one = await run('one', npmInstalls);
    const production = await run('production', npmInstalls);
    assert.is(installedIn(), 2, 'NODE_ENV=production installs otherwise');
    assert.is.not(installedFile(production.workspace).ino, installedFile(one.workspace).ino);
    await run('one');
    await run('two');
    assert.is(installedIn(), 4);
  } finally {
    remove();
  }
});

test('where files cannot be hard-linked, the later job installs after all', async () => {
  const { run, installedIn, installedFile, withoutHardLinks, remove } = installWorkflow();
  try {
    withoutHardLinks();
    const npmInstalls = new Map<string, Promise<string>>();
    const one = await run('one', npmInstalls);
    const two = await run('two', npmInstalls);
    assert.is(installedIn(), 2);
    assert.is.not(installedFile(two.workspace).ino, installedFile(one.workspace).ino);
  } finally {
    remove();
  }
});

test.run();

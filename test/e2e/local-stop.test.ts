/**
 * Stopping local mode: `task-api stop` (`npm stop`) finds the stack of a data folder and stops it, however
 * it was started; SIGINT and SIGTERM to its process shut it down cleanly (exit 0, the folder released).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { main } from '../../local/cli/main.ts';
import { PROJECT_ROOT } from '../../local/server.ts';
import { newDataDir } from './support/stack.ts';

interface Started {
  child: ChildProcess;
  dataDir: string;
  exited: Promise<number | null>;
}

/** `npm start`'s process, on a folder of its own and a free port; resolves once it answers. */
async function startProcess(): Promise<Started> {
  const dataDir = await newDataDir();
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts', '--port', '0', '--data-dir', dataDir, '--quiet'], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`local mode did not start:\n${output}`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk;
      if (/ready in/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk;
    });
    void exited.then(() => reject(new Error(`local mode exited:\n${output}`)));
  });
  return { child, dataDir, exited };
}

async function cli(...argv: string[]) {
  let stdout = '';
  const collect = (text: string) => {
    stdout += text;
  };
  const code = await main(argv, { stdout: collect, stderr: () => undefined, env: {}, cwd: PROJECT_ROOT });
  return { code, json: JSON.parse(stdout || 'null') };
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

test('task-api stop stops the stack of the data folder and waits until it has', async () => {
  const { child, dataDir, exited } = await startProcess();
  try {
    const stopped = await cli('stop', '--data-dir', dataDir);
    assert.equal(stopped, { code: 0, json: { stopped: true, data_dir: dataDir, pid: child.pid } });
    assert.is(await exited, 0, 'a clean shutdown');
    assert.not.ok(await exists(join(dataDir, 'local.lock')), 'the folder is released');
    assert.ok(await exists(join(dataDir, 'local-env.json')), 'a kept stack leaves its ids for the next start');
    const again = await cli('stop', '--data-dir', dataDir);
    assert.equal(again.json, { stopped: false, data_dir: dataDir, reason: 'no local stack runs in this folder' });
  } finally {
    child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} to the process shuts local mode down cleanly`, async () => {
    const { child, dataDir, exited } = await startProcess();
    try {
      child.kill(signal);
      assert.is(await exited, 0);
      assert.not.ok(await exists(join(dataDir, 'local.lock')));
    } finally {
      child.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });
}

test('stop signals no process that does not hold the folder’s lock (a pid left in an old local-env.json)', async () => {
  const dataDir = await newDataDir();
  try {
    // This very process is alive: were the pid trusted alone, the test runner would get the SIGTERM.
    await writeFile(join(dataDir, 'local-env.json'), JSON.stringify({ pid: process.pid }));
    const result = await cli('stop', '--data-dir', dataDir);
    assert.equal(result, { code: 0, json: { stopped: false, data_dir: dataDir, reason: 'no local stack runs in this folder' } });
    assert.ok(JSON.parse(await readFile(join(dataDir, 'local-env.json'), 'utf8')).pid);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test.run();

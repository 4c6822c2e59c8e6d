/**
 * Each stack owns its own local-env.json: a throw-away (`--memory`) stack keeps its files in a folder of its
 * own and never writes or deletes one in the default data folder, where `npm start`'s stack keeps them.
 */
import { readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { main } from '../../local/cli/main.ts';
import { DEFAULT_DATA_DIR, LOCAL_ENV_FILE, PROJECT_ROOT, startLocal } from '../../local/server.ts';
import { newDataDir, PASSWORD, startStack, stopStack } from './support/stack.ts';

const DEFAULT_FOLDER = join(PROJECT_ROOT, DEFAULT_DATA_DIR);

/** The default folder's files a stack could take over: their text, or null when absent. */
async function defaultFolderFiles(): Promise<Record<string, string | null>> {
  const read = (name: string) => readFile(join(DEFAULT_FOLDER, name), 'utf8').catch(() => null);
  return { [LOCAL_ENV_FILE]: await read(LOCAL_ENV_FILE), 'local.lock': await read('local.lock') };
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

test('a --memory stack leaves the default data folder untouched and keeps its ids in a folder of its own', async () => {
  const before = await defaultFolderFiles();
  const defaultFolderExisted = await exists(DEFAULT_FOLDER);
  const stack = await startLocal({ port: 0, memory: true, quiet: true });
  try {
    assert.ok(relative(DEFAULT_FOLDER, stack.dataDir).startsWith('..'), `${stack.dataDir} is outside ${DEFAULT_FOLDER}`);
    const env = JSON.parse(await readFile(join(stack.dataDir, LOCAL_ENV_FILE), 'utf8')) as { apiUrl: string; memory: boolean };
    assert.equal([env.apiUrl, env.memory], [stack.url, true]);
    assert.equal(await defaultFolderFiles(), before, 'the default folder’s local-env.json and lock are as they were');

    // The CLI reaches this stack by naming its folder.
    const io = { stdout: () => undefined, stderr: () => undefined, env: { TASK_API_PASSWORD: PASSWORD }, cwd: PROJECT_ROOT };
    assert.is(await main(['signup', '--email', 'memory@example.com', '--data-dir', stack.dataDir], io), 0);
  } finally {
    await stack.stop();
  }
  assert.not.ok(await exists(stack.dataDir), 'a throw-away stack leaves nothing behind');
  assert.equal(await defaultFolderFiles(), before, 'stopping it removed nothing from the default folder');
  assert.is(await exists(DEFAULT_FOLDER), defaultFolderExisted, 'the default folder was neither made nor removed');
});

test('a --memory stack given a running stack’s folder is refused, and that stack’s local-env.json stays', async () => {
  const kept = await startStack(await newDataDir());
  try {
    const envFile = join(kept.dataDir, LOCAL_ENV_FILE);
    const before = await readFile(envFile, 'utf8');
    const error = await startLocal({ port: 0, memory: true, quiet: true, dataDir: kept.dataDir }).then(
      async (intruder) => {
        await intruder.stop();
        return undefined;
      },
      (refusal: Error) => refusal,
    );
    assert.ok(error, 'two stacks must not share one local-env.json');
    assert.match(error.message, new RegExp(`in use by another local stack \\(pid ${process.pid}\\)`));
    assert.match(error.message, /--data-dir DIR/);
    assert.not.match(error.message, /--memory/, 'it is a --memory stack already: that advice would not help');
    assert.is(await readFile(envFile, 'utf8'), before);
  } finally {
    await stopStack(kept);
  }
});

test('a kept stack refused a folder in use is offered --memory, which takes a folder of its own', async () => {
  const kept = await startStack(await newDataDir());
  try {
    const error = await startLocal({ port: 0, quiet: true, dataDir: kept.dataDir }).then(
      async (second) => {
        await second.stop();
        return undefined;
      },
      (refusal: Error) => refusal,
    );
    assert.match(error?.message ?? '', /npx task-api stop --data-dir .*--memory \(a temporary folder of its own\)/s);
  } finally {
    await stopStack(kept);
  }
});

test.run();

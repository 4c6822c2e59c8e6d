/**
 * The compiled CLI (bin/cli-build.js): the same sources give the same bytes, and a build whose sources have
 * changed since is found stale, so the next command rebuilds instead of running old code.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildCli, cliBuildDir, contentHash, freshCliEntry, ROOT } from '../../bin/cli-build.js';

let work = '';
test.before(async () => {
  work = await mkdtemp(join(tmpdir(), 'cli-build-'));
});
test.after(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Every file of a build, by its path inside the build folder. */
async function filesOf(dir: string): Promise<Record<string, string>> {
  const names = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile());
  const files: Record<string, string> = {};
  for (const entry of names)
    files[relative(dir, join(entry.parentPath, entry.name))] = await readFile(join(entry.parentPath, entry.name), 'utf8');
  return files;
}

test('two builds of the same sources are byte for byte the same, and fresh', async () => {
  const first = await buildCli(join(work, 'first'));
  const second = await buildCli(join(work, 'second'));
  assert.equal(await filesOf(join(work, 'first')), await filesOf(join(work, 'second')));
  assert.is(await freshCliEntry(join(work, 'first')), first);
  assert.is(await freshCliEntry(join(work, 'second')), second);
});

test('the build records the project files it came from, the lockfile and the builder', async () => {
  await buildCli(join(work, 'recorded'));
  const manifest = JSON.parse(await readFile(join(work, 'recorded', 'manifest.json'), 'utf8')) as { inputs: string[] };
  for (const file of ['local/cli.ts', 'local/cli/args.ts', 'local/cli/cognito.ts', 'package-lock.json', 'bin/cli-build.js']) {
    assert.ok(manifest.inputs.includes(file), file);
  }
  assert.not.ok(
    manifest.inputs.some((file) => file.startsWith('node_modules/')),
    'packages are covered by the lockfile, not read file by file on every command',
  );
});

test('a build is stale once a source it came from has changed, or when there is none', async () => {
  const dir = join(work, 'stale');
  await buildCli(dir);
  // A source of the build's (outside the repository, so the test edits nothing of it).
  const source = join(work, 'source.ts');
  await writeFile(source, 'export const answer = 42;\n');
  const inputs = [relative(ROOT, source)];
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  await writeFile(join(dir, 'manifest.json'), JSON.stringify({ ...manifest, inputs, hash: await contentHash(inputs) }));
  assert.ok(await freshCliEntry(dir), 'fresh while the source is as it was');
  await writeFile(source, 'export const answer = 43;\n');
  assert.is(await freshCliEntry(dir), undefined, 'stale once it changed');
  await rm(source);
  assert.is(await freshCliEntry(dir), undefined, 'stale once it is gone');
  assert.is(await freshCliEntry(join(work, 'never-built')), undefined);
});

test('the CLI is built under node_modules (ignored by git), unless $TASK_API_CLI_BUILD_DIR says where', () => {
  assert.is(cliBuildDir({}), join(ROOT, 'node_modules', '.cache', 'task-api', 'cli'));
  assert.is(cliBuildDir({ TASK_API_CLI_BUILD_DIR: work }), work);
});

test.run();

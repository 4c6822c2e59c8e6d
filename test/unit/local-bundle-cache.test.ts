import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bundleKey, createBundleCache, KEPT_BUILDS } from '../../local/runtime/bundle-cache.ts';

async function project() {
  const root = await mkdtemp(join(tmpdir(), 'bundle-cache-'));
  await mkdir(join(root, 'functions', 'handlers'), { recursive: true });
  await writeFile(join(root, 'functions', 'handlers', 'echo.ts'), 'export const handler = 1;\n');
  await writeFile(join(root, 'package-lock.json'), '{"lockfileVersion":3}\n');
  return root;
}

test('the key changes with any source, the lockfile, the handler list or the variant, and only then', async () => {
  const root = await project();
  try {
    const key = () => bundleKey(root, ['echo'], 'sourcemap');
    const first = await key();
    assert.is(await key(), first, 'the same tree, the same key');
    assert.is.not(await bundleKey(root, ['echo', 'other'], 'sourcemap'), first);
    assert.is.not(await bundleKey(root, ['echo'], 'plain'), first);
    await writeFile(join(root, 'functions', 'helper.ts'), 'export const x = 1;\n');
    const withHelper = await key();
    assert.is.not(withHelper, first, 'a new file under functions/');
    await writeFile(join(root, 'functions', 'helper.ts'), 'export const x = 2;\n');
    assert.is.not(await key(), withHelper, 'a changed file');
    const beforeLock = await key();
    await writeFile(join(root, 'package-lock.json'), '{"lockfileVersion":3,"packages":{}}\n');
    assert.is.not(await key(), beforeLock, 'another dependency tree');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('a stored build is restored into another folder; an unknown key is a miss; old builds are pruned', async () => {
  const root = await project();
  try {
    const cache = createBundleCache(join(root, 'cache'));
    const built = join(root, 'g1');
    await mkdir(join(built, 'echo'), { recursive: true });
    await writeFile(join(built, 'echo', 'index.mjs'), 'export const handler = () => 1;\n');
    await writeFile(join(built, 'route-table.mjs'), 'not a handler\n');
    const key = 'a'.repeat(64);
    assert.is(await cache.restore(key, join(root, 'g2')), false);
    await cache.store(key, built, ['echo']);
    assert.is(await cache.restore(key, join(root, 'g2')), true);
    assert.is(await readFile(join(root, 'g2', 'echo', 'index.mjs'), 'utf8'), 'export const handler = () => 1;\n');
    assert.equal(await readdir(join(root, 'g2')), ['echo'], 'only the handlers are kept');

    for (let index = 0; index < KEPT_BUILDS + 2; index++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      await cache.store(String(index).repeat(64).slice(0, 64), built, ['echo']);
    }
    assert.is((await readdir(join(root, 'cache'))).length, KEPT_BUILDS);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test.run();

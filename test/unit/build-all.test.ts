import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { routes } from '../../functions/routes.ts';
import { type BuildResult, buildAll, type ManifestEntry } from '../../scripts/build.ts';
import { readZip } from '../../scripts/zip-read.ts';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

interface Context {
  work: string;
  first: BuildResult[];
  second: BuildResult[];
}

const build = suite<Context>('make build');

build.before(async (context) => {
  context.work = await mkdtemp(path.join(tmpdir(), 'task-api-build-test-'));
  context.first = await buildAll({ outDir: path.join(context.work, 'first') });
  context.second = await buildAll({ outDir: path.join(context.work, 'second') });
});

build.after(async ({ work }) => {
  await rm(work, { recursive: true, force: true });
});

build('every handler of the route table gets dist/<handler>.zip, and nothing else does', ({ first, work }) => {
  const expected = [...new Set(routes.map((route) => route.handler))].sort();

  assert.equal(first.map((result) => result.handler).sort(), expected);
  for (const result of first) assert.is(result.zipPath, path.join(work, 'first', `${result.handler}.zip`));
});

build('two builds of the same source give byte-identical zips', async ({ first, second }) => {
  for (const result of first) {
    const again = second.find((other) => other.handler === result.handler);
    const [bytes, bytesAgain] = await Promise.all([readFile(result.zipPath), readFile(again?.zipPath ?? '')]);

    assert.is(sha256(bytes), result.sha256, `${result.handler}: reported sha256 is the file's`);
    assert.is(result.zipBytes, bytes.byteLength, result.handler);
    assert.is(sha256(bytesAgain), sha256(bytes), `${result.handler}: second build differs`);
  }
});

build('each zip holds only index.mjs, the bundle; its source map stays beside it', async ({ first }) => {
  for (const result of first) {
    const entries = readZip(await readFile(result.zipPath));
    const bundleDir = path.join(path.dirname(result.zipPath), result.handler);
    const onDisk = await readFile(path.join(bundleDir, 'index.mjs'));

    assert.equal(
      entries.map((entry) => entry.name),
      ['index.mjs'],
      result.handler,
    );
    assert.ok(entries[0]?.data.equals(onDisk), `${result.handler}: zipped bundle is the one in dist/`);
    assert.is(result.bundleBytes, onDisk.byteLength);
    assert.ok((await stat(path.join(bundleDir, 'index.mjs.map'))).size > 0, `${result.handler}: map beside the bundle`);
  }
});

build('each zipped bundle loads in a fresh Node process and exports a handler function', async ({ first, work }) => {
  const env = {
    PATH: process.env.PATH ?? '',
    TABLE_NAME: 'tasks-build-test',
    ALLOWED_ORIGINS: 'https://app.example.com',
    PAGE_TOKEN_KEY: randomBytes(32).toString('base64'),
    AWS_REGION: 'eu-west-1',
  };
  for (const result of first) {
    // Unzipped into a directory of its own, as Lambda does: nothing next to it to lean on.
    const extracted = await mkdtemp(path.join(work, `unzipped-${result.handler}-`));
    const bundle = readZip(await readFile(result.zipPath)).find((entry) => entry.name === 'index.mjs');
    await writeFile(path.join(extracted, 'index.mjs'), bundle?.data ?? '');
    const script = `const m = await import(${JSON.stringify(pathToFileURL(path.join(extracted, 'index.mjs')).href)});
      process.stdout.write(JSON.stringify({ handler: typeof m.handler, arity: m.handler?.length }));`;

    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8', cwd: extracted });

    assert.is(child.status, 0, `${result.handler}: ${child.stderr}`);
    assert.equal(JSON.parse(child.stdout), { handler: 'function', arity: 2 }, result.handler);
  }
});

build('dist/manifest.json gives each zip its size and sha256 (hex and base64 for source_code_hash)', async ({ first, work }) => {
  const manifest = JSON.parse(await readFile(path.join(work, 'first', 'manifest.json'), 'utf8')) as Record<string, ManifestEntry>;

  assert.equal(Object.keys(manifest).sort(), first.map((result) => result.handler).sort());
  for (const result of first) {
    const bytes = await readFile(result.zipPath);
    assert.equal(manifest[result.handler], {
      zip: `${result.handler}.zip`,
      bytes: bytes.byteLength,
      bundleBytes: result.bundleBytes,
      sha256: sha256(bytes),
      sha256Base64: createHash('sha256').update(bytes).digest('base64'),
    });
  }
});

build('the bundles leave out the SDK credential providers Lambda never uses', ({ first }) => {
  for (const result of first) {
    const inputs = Object.keys(result.metafile.inputs);
    const unused = inputs.filter((input) => /credential-provider-(node|ini|sso|process|web-identity)|nested-clients/.test(input));

    assert.equal(unused, [], result.handler);
    assert.ok(
      inputs.some((input) => input.includes('credential-provider-env')),
      `${result.handler}: environment credentials are in`,
    );
  }
});

build('the bundles are minified ESM that export handler and need no dynamic require', async ({ first }) => {
  for (const result of first) {
    const code = await readFile(path.join(path.dirname(result.zipPath), result.handler, 'index.mjs'), 'utf8');

    assert.match(code, /export\s*\{[^}]*\bas handler\b|export\s*\{\s*handler\b/, result.handler);
    assert.not.match(code, /Dynamic require of/, result.handler);
    // esbuild marks each module with a `// path` comment unless it minifies.
    assert.not.match(code, /\/\/ (node_modules|functions)\//, `${result.handler}: not minified`);
  }
});

build('with sourcemapInZip the zip also holds index.mjs.map', async ({ work }) => {
  const [result] = await buildAll({ outDir: path.join(work, 'with-map'), handlers: ['get-task'], sourcemapInZip: true });

  const entries = readZip(await readFile(result?.zipPath ?? ''));

  assert.equal(
    entries.map((entry) => entry.name),
    ['index.mjs', 'index.mjs.map'],
  );
  const map = JSON.parse(entries[1]?.data.toString('utf8') ?? '{}') as { sources?: string[] };
  assert.ok(map.sources?.some((source) => source.endsWith('functions/handlers/get-task.ts')));
  assert.ok(
    map.sources?.every((source) => !source.startsWith('/') && !source.includes(work)),
    'sources are relative to the repository, not to where the build was written',
  );
});

build('a handler that is not in the route table is refused', async ({ work }) => {
  try {
    await buildAll({ outDir: path.join(work, 'unknown'), handlers: ['no-such-handler'] });
    assert.unreachable('should have thrown');
  } catch (error) {
    assert.match((error as Error).message, /Not handlers in the route table: no-such-handler/);
  }
});

build.run();

import { execFile, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { routes } from '../../functions/routes.ts';
import { type BuildResult, buildAll, type ManifestEntry } from '../../scripts/build.ts';
import { readZip } from '../../scripts/zip-read.ts';
import { makeEvent } from '../support/events.ts';

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

/** What a bundle needs in its environment to load and answer, and nothing from this process. */
function handlerEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    TABLE_NAME: 'tasks-build-test',
    ALLOWED_ORIGINS: 'https://app.example.com',
    PAGE_TOKEN_KEY: randomBytes(32).toString('base64'),
    AWS_REGION: 'eu-west-1',
  };
}

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
  const env = handlerEnv();
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

interface SeenRequest {
  url: string;
  headers: IncomingHttpHeaders;
}

/** Runs the zipped get-task bundle in a fresh Node against a listener on 127.0.0.1 standing in for AWS. */
async function invokeZippedGetTask(results: BuildResult[], work: string, credentials: Record<string, string>) {
  const seen: SeenRequest[] = [];
  const server = createServer((request, response) => {
    seen.push({ url: request.url ?? '', headers: request.headers });
    request.resume();
    if (request.url === '/container-credentials') {
      const expiration = new Date(Date.now() + 3_600_000).toISOString();
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ AccessKeyId: 'AKIDFROMCONTAINER', SecretAccessKey: 'secret', Token: 'token', Expiration: expiration }));
      return;
    }
    response.setHeader('content-type', 'application/x-amz-json-1.0');
    response.end('{}'); // GetItem: no such item
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const result = results.find((candidate) => candidate.handler === 'get-task');
    const dir = await mkdtemp(path.join(work, 'invoke-'));
    const bundle = readZip(await readFile(result?.zipPath ?? '')).find((entry) => entry.name === 'index.mjs');
    await writeFile(path.join(dir, 'index.mjs'), bundle?.data ?? '');
    const event = makeEvent({ path: '/tasks/01J0000000000000000000000A', pathParameters: { taskId: '01J0000000000000000000000A' } });
    const script = `const { handler } = await import('./index.mjs');
      const response = await handler(${JSON.stringify(event)}, { awsRequestId: 'build-test' });
      console.log(JSON.stringify({ status: response.statusCode }));`;
    const env = {
      ...handlerEnv(),
      DYNAMODB_ENDPOINT: base,
      ...Object.fromEntries(Object.entries(credentials).map(([name, value]) => [name, value.replace('{base}', base)])),
    };
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], { env, cwd: dir, timeout: 20_000 }, (error, out, err) =>
        error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
      );
    });
    return { status: (JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { status?: number }).status, seen };
  } finally {
    server.close();
  }
}

build('the bundled SDK signs its calls with the credentials Lambda puts in the environment', async ({ first, work }) => {
  const { status, seen } = await invokeZippedGetTask(first, work, {
    AWS_ACCESS_KEY_ID: 'AKIDFROMENV',
    AWS_SECRET_ACCESS_KEY: 'secret',
    AWS_SESSION_TOKEN: 'token',
  });

  assert.is(status, 404);
  const call = seen.find((request) => request.headers['x-amz-target'] === 'DynamoDB_20120810.GetItem');
  assert.match(String(call?.headers.authorization), /Credential=AKIDFROMENV\//);
  assert.is(call?.headers['x-amz-security-token'], 'token');
});

build('without them, the bundled SDK takes credentials from the container endpoint', async ({ first, work }) => {
  const { status, seen } = await invokeZippedGetTask(first, work, {
    AWS_CONTAINER_CREDENTIALS_FULL_URI: '{base}/container-credentials',
    AWS_CONTAINER_AUTHORIZATION_TOKEN: 'container-token',
  });

  assert.is(status, 404);
  assert.is(seen.find((request) => request.url === '/container-credentials')?.headers.authorization, 'container-token');
  const call = seen.find((request) => request.headers['x-amz-target'] === 'DynamoDB_20120810.GetItem');
  assert.match(String(call?.headers.authorization), /Credential=AKIDFROMCONTAINER\//);
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

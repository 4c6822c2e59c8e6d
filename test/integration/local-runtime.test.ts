/**
 * The local function runtime on a throw-away project folder: real esbuild bundles in real worker
 * threads, so hot reload is tested without touching the repository's functions/.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createGateway } from '../../local/gateway/gateway.ts';
import { close, listen } from '../../local/net.ts';
import { createFunctionRuntime, type FunctionRuntime, FunctionTimeoutError } from '../../local/runtime/function-runtime.ts';

interface Context {
  root: string;
  runtime: FunctionRuntime;
  logs: string[];
}

const test = suite<Context>('local function runtime');
const event = { requestContext: { requestId: 'r-1' } } as APIGatewayProxyEvent;
const invoke = (runtime: FunctionRuntime, handler = 'echo') =>
  runtime.invoke(handler, event, { requestId: 'r-1', signal: new AbortController().signal, timeoutMs: 5000 });

let edits = 0;
/** Writes a file with an mtime that is certainly new (coarse file-system clocks would hide fast edits). */
async function write(root: string, path: string, text: string) {
  const file = join(root, path);
  await mkdir(join(file, '..'), { recursive: true });
  await writeFile(file, text);
  const stamp = new Date(Date.now() + ++edits * 2000);
  await utimes(file, stamp, stamp);
}

test.before(async (context) => {
  context.root = await mkdtemp(join(tmpdir(), 'local-runtime-'));
  context.logs = [];
  await write(context.root, 'functions/message.ts', "export const message = 'first';\n");
  await write(
    context.root,
    'functions/handlers/echo.ts',
    `import { message } from '../message.ts';
const loadedAt = Math.random();
export const handler = async (event: { requestContext: { requestId: string } }, context: { functionName: string; getRemainingTimeInMillis(): number }) => ({
  statusCode: 200,
  body: JSON.stringify({ message, table: process.env.TABLE_NAME, requestId: event.requestContext.requestId, loadedAt, functionName: context.functionName, remaining: context.getRemainingTimeInMillis() }),
});
`,
  );
  await write(
    context.root,
    'functions/handlers/crash.ts',
    'export const handler = async () => { setTimeout(() => process.exit(3), 0); return new Promise(() => {}); };\n',
  );
  await write(context.root, 'functions/handlers/hang.ts', 'export const handler = () => new Promise(() => {});\n');
  await write(context.root, 'functions/handlers/unrouted.ts', 'export const handler = async () => ({ statusCode: 200, body: "{}" });\n');
  await write(
    context.root,
    'functions/handlers/broken.ts',
    "throw new Error('broken at load');\nexport const handler = async () => ({});\n",
  );
  await write(context.root, 'functions/routes.ts', routeTable(['echo', 'crash', 'hang', 'broken']));
  context.runtime = await createFunctionRuntime({
    routeTableModule: 'routes.ts',
    projectRoot: context.root,
    buildDir: join(context.root, 'build'),
    env: { TABLE_NAME: 'table-a' },
    functionNamePrefix: 'test-',
    log: (line) => context.logs.push(line),
  });
});

test.after(async ({ runtime, root }) => {
  await runtime?.close();
  await rm(root, { recursive: true, force: true });
});

function routeTable(handlers: string[]): string {
  const routes = handlers.map((handler) => ({ operationId: handler, method: 'GET', path: `/${handler}`, handler, adminOnly: false }));
  return `export const ADMIN_GROUP = 'admins';\nexport const routes = ${JSON.stringify(routes)};\n`;
}

const body = (result: unknown) => JSON.parse((result as { body: string }).body);

test('a handler runs with its own environment and a Lambda-like context', async ({ runtime }) => {
  const answer = body(await invoke(runtime));
  assert.is(answer.message, 'first');
  assert.is(answer.table, 'table-a');
  assert.is(answer.requestId, 'r-1');
  assert.is(answer.functionName, 'test-echo');
  assert.ok(answer.remaining > 0 && answer.remaining <= 5000);
  assert.is(process.env.TABLE_NAME === 'table-a', false, 'the environment is the sandbox’s, not this process’s');
});

test('a handler that fails to load fails its own invocations only, as one Lambda function’s init error does', async ({ runtime }) => {
  try {
    await invoke(runtime, 'broken');
    assert.unreachable('a handler that throws at load must not answer');
  } catch (error) {
    assert.match((error as Error).message, /broken at load/);
  }
  assert.is(body(await invoke(runtime)).message, 'first', 'the other handlers of the sandbox still answer');
});

test('a warm sandbox keeps its module state between invocations', async ({ runtime }) => {
  assert.is(body(await invoke(runtime)).loadedAt, body(await invoke(runtime)).loadedAt);
});

test('a change to a file the handler imports is picked up by the next invocation, in a fresh module graph', async ({ runtime, root }) => {
  const before = body(await invoke(runtime));
  await write(root, 'functions/message.ts', "export const message = 'second';\n");
  const after = body(await invoke(runtime));
  assert.is(after.message, 'second');
  assert.is.not(after.loadedAt, before.loadedAt);
});

test('a change that does not build fails invocations until it is fixed', async ({ runtime, root, logs }) => {
  await write(root, 'functions/message.ts', 'export const message = ;\n');
  try {
    await invoke(runtime);
    assert.unreachable('a broken build must not answer');
  } catch (error) {
    assert.instance(error, Error);
    assert.match((error as Error).message, /do not build/);
  }
  assert.ok(logs.some((line) => line.includes('does not build')));
  await write(root, 'functions/message.ts', "export const message = 'fixed';\n");
  assert.is(body(await invoke(runtime)).message, 'fixed');
});

test('a function that kills its sandbox fails that invocation, and the next one gets a new sandbox', async ({ runtime }) => {
  try {
    await invoke(runtime, 'crash');
    assert.unreachable('the crash must reject');
  } catch (error) {
    assert.match((error as Error).message, /exited/);
  }
  assert.is(body(await invoke(runtime)).message, 'fixed');
});

test('an invocation the gateway gave up on rejects at once and its sandbox is replaced', async ({ runtime }) => {
  const before = body(await invoke(runtime));
  const controller = new AbortController();
  const pending = runtime.invoke('hang', event, { requestId: 'r-2', signal: controller.signal, timeoutMs: 5000 });
  setTimeout(() => controller.abort(), 100);
  try {
    await pending;
    assert.unreachable('an aborted invocation must reject');
  } catch (error) {
    assert.match((error as Error).message, /timed out/);
  }
  const after = body(await invoke(runtime));
  assert.is(after.message, 'fixed');
  assert.is.not(after.loadedAt, before.loadedAt, 'a new sandbox answers');
});

test('the route table comes from the current build, so a new route is picked up without a restart', async ({ runtime, root }) => {
  const before = await runtime.routeTable();
  assert.is(before.adminGroup, 'admins');
  assert.equal(before.routes[0], {
    operationId: 'echo',
    method: 'GET',
    path: '/echo',
    handler: 'echo',
    adminOnly: false,
    requestHeaders: ['Authorization'],
  });
  await write(
    root,
    'functions/handlers/late.ts',
    'export const handler = async () => ({ statusCode: 200, body: JSON.stringify({ message: "late" }) });\n',
  );
  await write(root, 'functions/routes.ts', routeTable(['echo', 'crash', 'hang', 'broken', 'late']));
  const after = await runtime.routeTable();
  assert.equal(
    after.routes.map((route) => route.path),
    ['/echo', '/crash', '/hang', '/broken', '/late'],
  );
  assert.is(body(await invoke(runtime, 'late')).message, 'late');
});

test('only the handlers the route table names are built and run, as `make build` builds them', async ({ runtime, root }) => {
  try {
    await invoke(runtime, 'unrouted');
    assert.unreachable('a handler file no route names is not in the build');
  } catch (error) {
    assert.match((error as Error).message, /No handler unrouted/);
  }
  const bundle = await readFile(join(root, 'build', `g${await latestGeneration(root)}`, 'echo', 'index.mjs'), 'utf8');
  assert.ok(bundle.length > 0 && !bundle.includes('\n  '), 'minified, as the Lambda build is');
  assert.match(bundle, /sourceMappingURL=index\.mjs\.map/);
});

async function latestGeneration(root: string): Promise<number> {
  const names = await readdir(join(root, 'build'));
  return Math.max(...names.filter((name) => /^g\d+$/.test(name)).map((name) => Number(name.slice(1))));
}

/** Settles with `promise`, or rejects after `ms` so that a missing timeout fails the test instead of hanging it. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms);
  });
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}

test('a function that runs past its timeout fails as Lambda stops it, and the next invocation gets a new sandbox', async ({ runtime }) => {
  const before = body(await invoke(runtime));
  const pending = runtime.invoke('hang', event, { requestId: 'r-3', signal: new AbortController().signal, timeoutMs: 200 });
  try {
    await within(pending, 3000);
    assert.unreachable('a function past its timeout must fail');
  } catch (error) {
    assert.instance(error, FunctionTimeoutError);
    assert.is((error as Error).message, 'Task timed out after 0.20 seconds');
  }
  const after = body(await invoke(runtime));
  assert.is.not(after.loadedAt, before.loadedAt, 'a new sandbox answers');
});

test('through the gateway a function timeout is API Gateway’s 502, not the integration timeout’s 504', async ({ runtime }) => {
  const gateway = createGateway({
    routes: async () => (await runtime.routeTable()).routes,
    authorize: async () => ({ ok: true, claims: { sub: 'user-1' } }),
    allowedOrigins: [],
    // Stands in for the 29 s integration timeout: well past the function's.
    timeoutMs: 3000,
    invoke: (route, proxyEvent, signal) => runtime.invoke(route.handler, proxyEvent, { requestId: 'r-4', signal, timeoutMs: 200 }),
  });
  const server = createServer((req, res) => void gateway(req, res));
  try {
    const url = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
    const response = await fetch(`${url}/hang`, { headers: { Authorization: 'token' } });
    assert.is(response.status, 502);
    assert.equal(await response.json(), { message: 'Internal server error' });
    assert.is(response.headers.get('x-amzn-errortype'), 'InternalServerErrorException');
  } finally {
    await close(server);
  }
});

test.run();

// ---------------------------------------------------------------------------------------------------
const cached = suite('local function runtime: bundles kept between starts');

cached('a start on a tree built before takes its bundles from the cache; a changed tree is built afresh', async () => {
  const root = await mkdtemp(join(tmpdir(), 'local-runtime-cache-'));
  const start = () =>
    createFunctionRuntime({
      routeTableModule: 'routes.ts',
      projectRoot: root,
      buildDir: join(root, 'build'),
      bundleCacheDir: join(root, 'cache'),
      env: {},
      functionNamePrefix: 'test-',
      log: () => undefined,
    });
  const message = async (runtime: FunctionRuntime) => body(await invoke(runtime)).message;
  try {
    await write(root, 'functions/message.ts', "export const message = 'built-by-esbuild';\n");
    await write(
      root,
      'functions/handlers/echo.ts',
      "import { message } from '../message.ts';\nexport const handler = async () => ({ statusCode: 200, body: JSON.stringify({ message }) });\n",
    );
    await write(root, 'functions/routes.ts', routeTable(['echo']));
    const first = await start();
    assert.is(await message(first), 'built-by-esbuild');
    await first.close();

    // What a second start serves is exactly what the cache holds: mark it.
    const [key] = (await readdir(join(root, 'cache'))).filter((name) => /^[0-9a-f]{64}$/.test(name));
    const stored = join(root, 'cache', key as string, 'echo', 'index.mjs');
    await writeFile(stored, (await readFile(stored, 'utf8')).replace('built-by-esbuild', 'from-the-cache'));
    const second = await start();
    assert.is(await message(second), 'from-the-cache');
    await second.close();

    await write(root, 'functions/message.ts', "export const message = 'changed';\n");
    const third = await start();
    assert.is(await message(third), 'changed');
    await third.close();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

cached.run();

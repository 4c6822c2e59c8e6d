/**
 * The local function runtime on a throw-away project folder: real esbuild bundles in real worker
 * threads, so hot reload is tested without touching the repository's functions/.
 */
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
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
  await write(context.root, 'functions/routes.ts', routeTable(['echo']));
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
  assert.equal(before, {
    adminGroup: 'admins',
    routes: [{ operationId: 'echo', method: 'GET', path: '/echo', handler: 'echo', adminOnly: false, requestHeaders: ['Authorization'] }],
  });
  await write(root, 'functions/routes.ts', routeTable(['echo', 'hang']));
  const after = await runtime.routeTable();
  assert.equal(
    after.routes.map((route) => route.path),
    ['/echo', '/hang'],
  );
});

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

test('through the gateway a function timeout is API Gateway’s 502, not the integration timeout’s 504', async ({ runtime, root }) => {
  await write(root, 'functions/routes.ts', routeTable(['echo', 'hang']));
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

/** The local API Gateway with a stub authorizer and stub functions, over HTTP on 127.0.0.1. */
import { createServer, type Server } from 'node:http';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { routes } from '../../functions/routes.ts';
import type { Authorizer } from '../../local/gateway/authorizer.ts';
import { createGateway, type GatewayOptions, type Invoke } from '../../local/gateway/gateway.ts';
import { close, listen } from '../../local/net.ts';

interface Context {
  server: Server;
  url: string;
  invoke: Invoke;
  calls: { handler: string; event: APIGatewayProxyEvent; signal: AbortSignal }[];
  accessLog: string[];
  answered: Array<[string | undefined, number, number]>;
}

const test = suite<Context>('local API Gateway');
const ORIGIN = 'https://app.example.com';
const OTHER_ORIGIN = 'http://localhost:5173';

const authorize: Authorizer = async (header) =>
  header === 'good'
    ? { ok: true, claims: { sub: 'user-1' } }
    : { ok: false, status: 401, message: 'Unauthorized', errorType: 'UnauthorizedException' };

test.before(async (context) => {
  context.calls = [];
  context.accessLog = [];
  context.answered = [];
  const options: GatewayOptions = {
    routes,
    authorize,
    invoke: (route, event, signal) => {
      context.calls.push({ handler: route.handler, event, signal });
      return context.invoke(route, event, signal);
    },
    allowedOrigins: [ORIGIN, OTHER_ORIGIN],
    timeoutMs: 200,
    maxPayloadBytes: 1024,
    accessLog: (line) => context.accessLog.push(line),
    onAnswered: (...answer) => context.answered.push(answer),
  };
  const gateway = createGateway(options);
  context.server = createServer((req, res) => void gateway(req, res));
  context.url = `http://127.0.0.1:${await listen(context.server, 0, '127.0.0.1')}`;
});

test.before.each((context) => {
  context.calls.length = 0;
  context.accessLog.length = 0;
  context.answered.length = 0;
  context.invoke = async () => ({ statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: '{"ok":true}' });
});

test.after(async ({ server }) => {
  await close(server);
});

test('an authorized request reaches the route’s function with its resource, path parameters and claims', async (context) => {
  const response = await fetch(`${context.url}/tasks/abc?limit=2`, { headers: { Authorization: 'good' } });
  assert.is(response.status, 200);
  assert.equal(await response.json(), { ok: true });
  assert.ok(response.headers.get('x-amzn-requestid'));
  assert.is(context.calls.length, 1);
  const { handler, event } = context.calls[0] as Context['calls'][number];
  assert.is(handler, 'get-task');
  assert.is(event.resource, '/tasks/{taskId}');
  assert.equal(event.pathParameters, { taskId: 'abc' });
  assert.equal(event.queryStringParameters, { limit: '2' });
  assert.equal(event.requestContext.authorizer?.claims, { sub: 'user-1' });
});

test('a refused token never reaches a function; the 401 has the gateway-response headers the infrastructure sets', async (context) => {
  const response = await fetch(`${context.url}/tasks`, { headers: { Authorization: 'bad', Origin: ORIGIN } });
  assert.is(response.status, 401);
  assert.equal(await response.json(), { message: 'Unauthorized' });
  // Several allowed origins: a gateway response cannot pick one, so it names none (as deployed).
  assert.is(response.headers.get('access-control-allow-origin'), null);
  assert.is(response.headers.get('vary'), 'Origin');
  assert.is(response.headers.get('cache-control'), 'no-store');
  assert.is(response.headers.get('x-amzn-errortype'), 'UnauthorizedException');
  assert.is(context.calls.length, 0);
});

test('an unknown resource or method is 403 Missing Authentication Token, before any authorization', async (context) => {
  for (const [method, path] of [
    ['GET', '/unknown'],
    ['PUT', '/tasks'],
    ['OPTIONS', '/unknown'],
  ] as const) {
    const response = await fetch(`${context.url}${path}`, { method, headers: { Authorization: 'good' } });
    assert.is(response.status, 403, `${method} ${path}`);
    assert.equal(await response.json(), { message: 'Missing Authentication Token' });
  }
  assert.is(context.calls.length, 0);
});

test('a preflight needs no token; a disallowed origin gets no Allow-Origin', async (context) => {
  const allowed = await fetch(`${context.url}/admin/tasks`, { method: 'OPTIONS', headers: { Origin: OTHER_ORIGIN } });
  assert.is(allowed.status, 200);
  assert.is(allowed.headers.get('access-control-allow-origin'), OTHER_ORIGIN);
  assert.is(allowed.headers.get('access-control-max-age'), '600');
  const other = await fetch(`${context.url}/admin/tasks`, { method: 'OPTIONS', headers: { Origin: 'https://evil.example' } });
  assert.is(other.headers.get('access-control-allow-origin'), null);
  assert.is(context.calls.length, 0);
});

test('a body over the payload limit is 413 and reaches no function', async (context) => {
  const response = await fetch(`${context.url}/tasks`, {
    method: 'POST',
    headers: { Authorization: 'good', 'Content-Type': 'application/json' },
    body: 'x'.repeat(2048),
  });
  assert.is(response.status, 413);
  assert.equal(await response.json(), { message: 'Request Too Long' });
  assert.is(context.calls.length, 0);
});

test('an invocation still unanswered at the integration timeout gets 504 and is aborted (a function timeout fails sooner, as a 502)', async (context) => {
  context.invoke = (_route, _event, signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve('late')));
  const response = await fetch(`${context.url}/tasks`, { headers: { Authorization: 'good' } });
  assert.is(response.status, 504);
  assert.equal(await response.json(), { message: 'Endpoint request timed out' });
  assert.is(context.calls[0]?.signal.aborted, true);
});

test('a function that fails or returns a malformed result is a 502', async (context) => {
  const failures: Invoke[] = [
    async () => {
      throw new Error('boom');
    },
    async () => ({ body: 'no status' }),
    async () => ({ statusCode: 200, headers: { 'X-Bad': 'line\nbreak' }, body: '' }),
  ];
  for (const failure of failures) {
    context.invoke = failure;
    const response = await fetch(`${context.url}/tasks`, { headers: { Authorization: 'good' } });
    assert.is(response.status, 502);
    assert.equal(await response.json(), { message: 'Internal server error' });
  }
});

test('multi-value headers and base64 bodies are mapped back', async (context) => {
  context.invoke = async () => ({
    statusCode: 201,
    multiValueHeaders: { 'X-Many': ['a', 'b'] },
    headers: { 'Content-Type': 'application/octet-stream' },
    body: Buffer.from('bytes').toString('base64'),
    isBase64Encoded: true,
  });
  const response = await fetch(`${context.url}/tasks`, { method: 'POST', headers: { Authorization: 'good' }, body: '{}' });
  assert.is(response.status, 201);
  assert.is(response.headers.get('x-many'), 'a, b');
  assert.is(await response.text(), 'bytes');
});

test('every request writes one access-log line', async (context) => {
  await fetch(`${context.url}/tasks`, { headers: { Authorization: 'good' } });
  await fetch(`${context.url}/unknown`);
  assert.is(context.accessLog.length, 2);
  const [first, second] = context.accessLog.map((line) => JSON.parse(line));
  assert.is(first.status, 200);
  assert.is(first.resourcePath, '/tasks');
  assert.is(first.httpMethod, 'GET');
  assert.type(first.integrationLatency, 'number');
  assert.is(second.status, 403);
});

test('every answer is reported with its route, status and latency (for the per-route summary)', async (context) => {
  await fetch(`${context.url}/tasks/abc`, { headers: { Authorization: 'good' } });
  await fetch(`${context.url}/tasks`);
  await fetch(`${context.url}/unknown`);
  assert.equal(
    context.answered.map(([route, status]) => [route, status]),
    [
      ['GET /tasks/{taskId}', 200],
      ['GET /tasks', 401],
      [undefined, 403],
    ],
  );
  for (const [, , latency] of context.answered) assert.ok(Number.isInteger(latency) && latency >= 0);
});

test.run();

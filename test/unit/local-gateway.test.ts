/** The local API Gateway with a stub authorizer and stub functions, over HTTP on 127.0.0.1. */
import { createServer, request, type Server } from 'node:http';
import { connect } from 'node:net';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { routes as routeTable } from '../../functions/routes.ts';
import type { Authorizer } from '../../local/gateway/authorizer.ts';
import { answerClientError, createGateway, type GatewayOptions, type Invoke } from '../../local/gateway/gateway.ts';
import { routeInfoOf } from '../../local/gateway/routing.ts';
import { close, listen } from '../../local/net.ts';

const routes = routeTable.map(routeInfoOf);
import { postHeadersOnly } from '../support/raw-http.ts';

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
  context.server.on('checkContinue', (req, res) => void gateway(req, res));
  context.server.on('clientError', answerClientError);
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

const headersOnly = (url: string, headers: Record<string, string>) => postHeadersOnly(url, '/tasks', headers);

test('authorization comes before the body: a refused request is answered without its body ever being sent', async (context) => {
  const response = await headersOnly(context.url, { Authorization: 'bad', 'Content-Type': 'application/json', 'Content-Length': '1000' });
  assert.is(response.status, 401);
  assert.equal(JSON.parse(response.body), { message: 'Unauthorized' });
  assert.is(context.calls.length, 0);
});

test('Expect: 100-continue is answered 100 only when the body is wanted; otherwise the final answer comes at once', async (context) => {
  const tooLong = await headersOnly(context.url, { Authorization: 'good', 'Content-Length': '2048', Expect: '100-continue' });
  assert.equal([tooLong.status, tooLong.continued], [413, false]);
  const refused = await headersOnly(context.url, { Authorization: 'bad', 'Content-Length': '10', Expect: '100-continue' });
  assert.equal([refused.status, refused.continued], [401, false]);
  const served = await headersOnly(context.url, { Authorization: 'good', 'Content-Length': '10', Expect: '100-continue' });
  assert.equal([served.status, served.continued], [200, true]);
  assert.is(context.calls.length, 1);
});

test('a chunked body that passes the limit is 413 and the client reads it (no reset)', async (context) => {
  const target = new URL(`${context.url}/tasks`);
  const status = await new Promise<number | string>((resolve) => {
    const req = request(
      { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { Authorization: 'good' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    for (let index = 0; index < 64; index++) req.write(Buffer.alloc(1024, 'x'));
    req.end();
  });
  assert.is(status, 413);
  assert.is(context.calls.length, 0);
});

/** What the server answers to `raw`, written as is to a socket, up to the end of the connection. */
function rawExchange(url: string, raw: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(raw));
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answer += chunk;
    });
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

test('a request the server cannot parse gets a JSON message and a closed connection, not a bare status line', async (context) => {
  const malformed = await rawExchange(context.url, 'GET /tasks HTTP/1.1\r\nHost: localhost\r\nBad Header\r\n\r\n');
  assert.match(malformed, /^HTTP\/1\.1 400 Bad Request\r\n/);
  assert.match(malformed, /\r\nContent-Type: application\/json\r\n/);
  assert.match(malformed, /\r\nConnection: close\r\n/);
  assert.ok(malformed.endsWith('\r\n\r\n{"message":"Bad Request"}'), malformed);

  const tooLarge = await rawExchange(context.url, `GET /tasks?q=${'x'.repeat(20_000)} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
  assert.match(tooLarge, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
  assert.ok(tooLarge.endsWith('\r\n\r\n{"message":"Request Header Fields Too Large"}'), tooLarge);
  assert.is(context.calls.length, 0);
});

test.run();

// ---------------------------------------------------------------------------------------------------
const limits = suite('local API Gateway: concurrency and rate limits');

/** A gateway of its own on a random port, with stub functions that wait for `release()`. */
async function gatewayWith(extra: Partial<GatewayOptions>) {
  let running = 0;
  let peak = 0;
  const waiting: Array<() => void> = [];
  const gateway = createGateway({
    routes,
    authorize,
    allowedOrigins: [ORIGIN],
    timeoutMs: 2000,
    invoke: async () => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise<void>((resolve) => waiting.push(resolve));
      running -= 1;
      return { statusCode: 200, body: '{}' };
    },
    ...extra,
  });
  const server = createServer((req, res) => void gateway(req, res));
  const url = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
  return {
    url,
    peak: () => peak,
    /** Lets every waiting invocation finish, now and as they arrive, until `stop`. */
    releaseAll: () => {
      const timer = setInterval(() => {
        for (const resolve of waiting.splice(0)) resolve();
      }, 5);
      return () => clearInterval(timer);
    },
    waitingCount: () => waiting.length,
    close: () => close(server),
  };
}

limits('a burst queues per function: at most perFunction invocations run, the queue waits, past it 429 with Retry-After', async () => {
  const gw = await gatewayWith({ concurrency: { perFunction: 2, queue: 3 } });
  try {
    let answered = 0;
    const responses = Array.from({ length: 7 }, () =>
      fetch(`${gw.url}/tasks`, { headers: { Authorization: 'good' } }).then((response) => {
        answered++;
        return response;
      }),
    );
    // Two run, three wait: the other two are refused at once, before anything finishes. Nothing is
    // released until all seven have arrived (the two refusals answered), else late arrivals find room.
    const deadline = Date.now() + 5000;
    while ((gw.waitingCount() < 2 || answered < 2) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    const stop = gw.releaseAll();
    const settled = await Promise.all(responses);
    stop();
    const statuses = settled.map((response) => response.status).sort();
    assert.equal(statuses, [200, 200, 200, 200, 200, 429, 429]);
    const refused = settled.find((response) => response.status === 429) as Response;
    assert.equal(await refused.json(), { message: 'Too Many Requests' });
    assert.is(refused.headers.get('retry-after'), '1');
    assert.is(gw.peak(), 2, 'never more than perFunction at once');
  } finally {
    await gw.close();
  }
});

limits('waiting for a turn counts towards the integration timeout (504), and frees the place', async () => {
  const gw = await gatewayWith({ concurrency: { perFunction: 1, queue: 5 }, timeoutMs: 150 });
  try {
    const first = fetch(`${gw.url}/tasks`, { headers: { Authorization: 'good' } });
    const second = await fetch(`${gw.url}/tasks`, { headers: { Authorization: 'good' } });
    assert.is(second.status, 504);
    assert.is((await first).status, 504);
  } finally {
    await gw.close();
  }
});

limits('a client that leaves while its request waits for a turn frees the turn at once, not at the integration timeout', async () => {
  const gw = await gatewayWith({ concurrency: { perFunction: 1, queue: 5 }, timeoutMs: 3000 });
  try {
    const first = fetch(`${gw.url}/tasks`, { headers: { Authorization: 'good' } });
    while (gw.waitingCount() < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    const leaving = new AbortController();
    const left = fetch(`${gw.url}/tasks`, { headers: { Authorization: 'good' }, signal: leaving.signal }).catch(() => 'left');
    await new Promise((resolve) => setTimeout(resolve, 50));
    leaving.abort();
    assert.is(await left, 'left');
    const stop = gw.releaseAll();
    const started = performance.now();
    const third = await fetch(`${gw.url}/tasks`, { headers: { Authorization: 'good' } });
    stop();
    assert.is(third.status, 200);
    assert.is((await first).status, 200);
    assert.ok(performance.now() - started < 1000, `answered after ${Math.round(performance.now() - started)} ms`);
  } finally {
    await gw.close();
  }
});

limits('the per-caller rate limit counts each Authorization header: over it, 429 Too Many Requests with Retry-After', async () => {
  const gw = await gatewayWith({ rateLimit: { limit: 3, windowSeconds: 60 } });
  const stop = gw.releaseAll();
  try {
    const call = (authorization?: string) => fetch(`${gw.url}/tasks`, { headers: authorization ? { Authorization: authorization } : {} });
    for (let index = 0; index < 3; index++) assert.is((await call('good')).status, 200);
    const limited = await call('good');
    assert.is(limited.status, 429);
    assert.equal(await limited.json(), { message: 'Too Many Requests' });
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    // Invalid tokens count too (WAF runs before the authorizer), per header value.
    for (let index = 0; index < 3; index++) assert.is((await call('bad')).status, 401);
    assert.is((await call('bad')).status, 429);
    assert.is((await call('Bearer good')).status, 401, 'another header value is another caller: refused by the authorizer, not limited');
    assert.is((await call()).status, 401, 'no Authorization header: not counted by this rule');
  } finally {
    stop();
    await gw.close();
  }
});

limits.run();

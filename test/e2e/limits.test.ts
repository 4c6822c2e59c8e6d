/**
 * One client cannot exhaust local mode, and sees the limits it will see deployed: a burst of list calls
 * queues for the function instead of timing out in a pile (502s), bodies are refused before they are
 * read, and the web ACL's per-caller rate limit answers 429 as WAF would.
 */
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { monotonicFactory } from 'ulid';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { createDynamoDbTaskStore } from '../../functions/dynamodb/task-store.ts';
import { localStatusShards } from '../../local/server.ts';
import { postHeadersOnly } from '../support/raw-http.ts';
import { createUser, type Fixture, http, inBatches, startStack, stopStack, type User, withEnv } from './support/stack.ts';

const burst = suite<{ fx: Fixture; user: User }>('local mode under a burst');

burst.before(async (context) => {
  // A two-second function timeout (as LAMBDA_TIMEOUT_SECONDS=2 deploys it) makes a pile-up show sooner;
  // a queued invocation (at most 4 run at once) needs a fraction of it.
  context.fx = await withEnv({ LAMBDA_TIMEOUT_SECONDS: '2', RATE_LIMIT_PER_CALLER: '1000' }, () => startStack());
  context.user = await createUser(context.fx.stack, 'burst');
  // 100 large tasks, stored straight through the repository adapter (the API path is not under test here).
  const { dynamoDbEndpoint } = JSON.parse(await readFile(join(context.fx.dataDir, 'local-env.json'), 'utf8')) as {
    dynamoDbEndpoint: string;
  };
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: dynamoDbEndpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
  );
  const store = createDynamoDbTaskStore(client, context.fx.stack.tableName, { statusShards: localStatusShards() });
  const newId = monotonicFactory();
  const now = new Date().toISOString();
  await inBatches(
    Array.from({ length: 100 }, (_, index) => index),
    10,
    (index) =>
      store.insert(context.user.sub, {
        task_id: newId(),
        title: `task ${index}`.padEnd(200, '.'),
        description: 'd'.repeat(2000),
        status: 'pending',
        created_at: now,
        updated_at: now,
        version: 1,
      }),
  );
  client.destroy();
});
burst.after(async ({ fx }) => stopStack(fx));

burst('200 concurrent GET /tasks?limit=100: no 502 (function timeouts), each a 200 or a 429 with Retry-After', async ({ fx, user }) => {
  const results = await Promise.all(
    Array.from({ length: 200 }, () => http(fx.stack, 'GET', '/tasks', { token: user.idToken, query: { limit: '100' } })),
  );
  const counts: Record<number, number> = {};
  for (const result of results) counts[result.status] = (counts[result.status] ?? 0) + 1;
  assert.equal(
    Object.keys(counts).filter((status) => status !== '200' && status !== '429'),
    [],
    JSON.stringify(counts),
  );
  assert.ok((counts[200] ?? 0) >= 150, `most are served, the rest told to retry: ${JSON.stringify(counts)}`);
  for (const result of results.filter((r) => r.status === 429)) assert.match(result.headers.get('retry-after') ?? '', /^\d+$/);
  assert.ok(results.filter((r) => r.status === 200).every((r) => r.json.count === 100));
});

const postHeaders = (url: string, headers: Record<string, string>) => postHeadersOnly(url, '/tasks', headers);

burst('an anonymous 10 MB POST is refused before a byte of its body is read', async ({ fx }) => {
  const results = await Promise.all(
    Array.from({ length: 20 }, () =>
      postHeaders(fx.stack.url, { 'Content-Type': 'application/json', 'Content-Length': String(10 * 1024 * 1024) }),
    ),
  );
  for (const result of results) {
    assert.is(result.status, 401);
    assert.equal(JSON.parse(result.body), { message: 'Unauthorized' });
  }
});

burst('over 10 MB: 413 at once, without a 100 Continue, and a client that sends anyway reads the 413', async ({ fx, user }) => {
  const waiting = await postHeaders(fx.stack.url, {
    Authorization: user.idToken,
    'Content-Type': 'application/json',
    'Content-Length': String(10 * 1024 * 1024 + 1),
    Expect: '100-continue',
  });
  assert.equal([waiting.status, waiting.continued], [413, false]);
  assert.equal(JSON.parse(waiting.body), { message: 'Request Too Long' });
  const refusedAnonymous = await postHeaders(fx.stack.url, {
    'Content-Type': 'application/json',
    'Content-Length': '100',
    Expect: '100-continue',
  });
  assert.equal([refusedAnonymous.status, refusedAnonymous.continued], [401, false]);

  for (const chunked of [false, true]) {
    const sent = await new Promise<number | string>((resolve) => {
      const body = Buffer.alloc(11 * 1024 * 1024, 'a');
      const target = new URL(`${fx.stack.url}/tasks`);
      const headers: Record<string, string> = { Authorization: user.idToken, 'Content-Type': 'application/json' };
      if (!chunked) headers['Content-Length'] = String(body.byteLength);
      const req = request({ host: target.hostname, port: target.port, path: '/tasks', method: 'POST', headers }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? String(error)));
      req.end(body);
    });
    assert.is(sent, 413, chunked ? 'chunked' : 'with Content-Length');
  }
});

burst('a request line and headers too large to parse: 431 with a JSON message, not a bare status line', async ({ fx, user }) => {
  const result = await http(fx.stack, 'GET', '/tasks', { token: user.idToken, query: { status: 'x'.repeat(20_000) } });
  assert.is(result.status, 431);
  assert.is(result.headers.get('content-type'), 'application/json');
  assert.equal(result.json, { message: 'Request Header Fields Too Large' });
});

burst.run();

const rate = suite<{ fx: Fixture }>('local mode applies the web ACL’s per-caller rate limit');

rate.before(async (context) => {
  context.fx = await withEnv({ RATE_LIMIT_PER_CALLER: '10' }, () => startStack());
});
rate.after(async ({ fx }) => stopStack(fx));

rate(
  'over RATE_LIMIT_PER_CALLER requests in the window: 429 {"message":"Too Many Requests"} with Retry-After, for that caller only',
  async ({ fx }) => {
    const [alice, bob] = await Promise.all([createUser(fx.stack, 'chatty'), createUser(fx.stack, 'quiet')]);
    const statuses: number[] = [];
    for (let index = 0; index < 10; index++) statuses.push((await http(fx.stack, 'GET', '/tasks', { token: alice.idToken })).status);
    assert.equal(statuses, Array(10).fill(200));
    const limited = await http(fx.stack, 'GET', '/tasks', { token: alice.idToken });
    assert.is(limited.status, 429);
    assert.equal(limited.json, { message: 'Too Many Requests' });
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${retryAfter}`);
    assert.is((await http(fx.stack, 'POST', '/tasks', { token: alice.idToken, body: { title: 'blocked too' } })).status, 429);
    assert.is((await http(fx.stack, 'GET', '/tasks', { token: bob.idToken })).status, 200, 'another caller is not affected');
  },
);

rate.run();

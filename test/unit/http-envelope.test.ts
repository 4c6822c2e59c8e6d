/**
 * What every route has in common: the response headers, CORS, the error envelope, the body rules
 * (media type, size, JSON, base64), the generic 500 and the one log line per invocation.
 */
import '../support/env.ts';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { config, logLevelOf } from '../../functions/config/env.ts';
import { handler as adminListTasks } from '../../functions/handlers/admin-list-tasks.ts';
import { handler as createTask } from '../../functions/handlers/create-task.ts';
import { handler as deleteTask } from '../../functions/handlers/delete-task.ts';
import { handler as getTask } from '../../functions/handlers/get-task.ts';
import { handler as listTasks } from '../../functions/handlers/list-tasks.ts';
import { handler as updateTask } from '../../functions/handlers/update-task.ts';
import { corsPolicyOf } from '../../functions/contract/cors-policy.ts';
import { corsHeaders, gatewayPreflightHeaders } from '../../functions/http/cors.ts';
import type { LambdaHandler } from '../../functions/http/handler.ts';
import { isLogged } from '../../functions/http/log.ts';
import { routes } from '../../functions/routes.ts';
import { headersOf, MAX_BODY_BYTES, queryOf } from '../../functions/http/request.ts';
import { ddb, makeTask, newTaskId, resetMocks, storedItem } from '../support/ddb.ts';
import { type EventOptions, makeEvent, USER_A } from '../support/events.ts';
import { invoke, toResponse } from '../support/invoke.ts';
import { clearLogs, logLines, metricLines, rawLogs, requestLogLines } from '../support/logs.ts';

/** The first origin the functions were configured with (test/support/env.ts). */
const ALLOWED_ORIGIN = config().allowedOrigins[0] ?? 'https://app.example.com';
const TASK_ID = newTaskId();
const byId = { path: `/tasks/${TASK_ID}`, resource: '/tasks/{taskId}', pathParameters: { taskId: TASK_ID } };

/** One successful call per route, with what it needs from DynamoDB. */
const ROUTES: { name: string; routeKey: string; handler: LambdaHandler; event: EventOptions; success: number; arrange: () => void }[] = [
  {
    name: 'createTask',
    routeKey: 'POST /tasks',
    handler: createTask,
    event: { method: 'POST', path: '/tasks', body: { title: 'x' } },
    success: 201,
    arrange: () => {},
  },
  { name: 'listTasks', routeKey: 'GET /tasks', handler: listTasks, event: { path: '/tasks' }, success: 200, arrange: () => {} },
  {
    name: 'getTask',
    routeKey: 'GET /tasks/{taskId}',
    handler: getTask,
    event: { ...byId },
    success: 200,
    arrange: () => ddb.on(GetCommand).resolves({ Item: storedItem(USER_A, makeTask({ task_id: TASK_ID })) }),
  },
  {
    name: 'updateTask',
    routeKey: 'PATCH /tasks/{taskId}',
    handler: updateTask,
    event: { ...byId, method: 'PATCH', body: { status: 'done' } },
    success: 200,
    arrange: () => ddb.on(UpdateCommand).resolves({ Attributes: storedItem(USER_A, makeTask({ task_id: TASK_ID, version: 2 })) }),
  },
  {
    name: 'deleteTask',
    routeKey: 'DELETE /tasks/{taskId}',
    handler: deleteTask,
    event: { ...byId, method: 'DELETE' },
    success: 204,
    arrange: () => {},
  },
  {
    name: 'adminListTasks',
    routeKey: 'GET /admin/tasks',
    handler: adminListTasks,
    event: { path: '/admin/tasks', groups: ['admin'] },
    success: 200,
    arrange: () => {},
  },
];

// ---------------------------------------------------------------------------------------------------
const headers = suite('every response has the JSON, no-store and CORS headers');
headers.before.each(resetMocks);

for (const route of ROUTES) {
  headers(`${route.name}: success from an allowed origin`, async () => {
    route.arrange();

    const response = await invoke(route.handler, { ...route.event, headers: { Origin: ALLOWED_ORIGIN } });

    assert.is(response.status, route.success);
    assert.is(response.headers['Content-Type'], 'application/json');
    assert.is(response.headers['Cache-Control'], 'no-store');
    assert.is(response.headers['Access-Control-Allow-Origin'], ALLOWED_ORIGIN);
    assert.is(response.headers.Vary, 'Origin');
    assert.ok(response.headers['Access-Control-Expose-Headers']?.includes('ETag'));
  });

  headers(`${route.name}: an error from an allowed origin carries the same headers`, async () => {
    const response = await invoke(route.handler, { ...route.event, sub: null, headers: { Origin: ALLOWED_ORIGIN } });

    assert.is(response.status, 401);
    assert.is(response.headers['Content-Type'], 'application/json');
    assert.is(response.headers['Cache-Control'], 'no-store');
    assert.is(response.headers['Access-Control-Allow-Origin'], ALLOWED_ORIGIN);
  });

  headers(`${route.name}: a disallowed origin gets no Access-Control-Allow-Origin (and never *)`, async () => {
    route.arrange();

    const response = await invoke(route.handler, { ...route.event, headers: { Origin: 'https://evil.example.net' } });

    assert.is(response.status, route.success);
    assert.is(response.headers['Access-Control-Allow-Origin'], undefined);
    assert.is(response.headers.Vary, 'Origin');
    assert.is(response.headers['Content-Type'], 'application/json');
  });
}

headers('the Origin header is matched whatever its name’s case, but its value exactly', async () => {
  const lower = await invoke(listTasks, { headers: { origin: ALLOWED_ORIGIN } });
  const suffixed = await invoke(listTasks, { headers: { origin: `${ALLOWED_ORIGIN}.evil.example` } });

  assert.is(lower.headers['Access-Control-Allow-Origin'], ALLOWED_ORIGIN);
  assert.is(suffixed.headers['Access-Control-Allow-Origin'], undefined);
});

headers.run();

// ---------------------------------------------------------------------------------------------------
const cors = suite('the CORS rules');

cors('a listed origin is echoed, with Vary: Origin', () => {
  const result = corsHeaders('https://a.example', ['https://a.example', 'https://b.example']);

  assert.is(result['Access-Control-Allow-Origin'], 'https://a.example');
  assert.is(result.Vary, 'Origin');
  assert.is(result['Access-Control-Expose-Headers'], 'ETag, Location');
});

cors('an unlisted or missing origin gets nothing but Vary', () => {
  assert.equal(corsHeaders('https://c.example', ['https://a.example']), { Vary: 'Origin' });
  assert.equal(corsHeaders(undefined, ['https://a.example']), { Vary: 'Origin' });
});

cors('* only when configured, and then without Vary', () => {
  const result = corsHeaders('https://anything.example', ['*']);

  assert.is(result['Access-Control-Allow-Origin'], '*');
  assert.is(result.Vary, undefined);
});

cors('no configured origins: no CORS headers at all', () => {
  assert.equal(corsHeaders('https://a.example', []), {});
});

cors('a preflight names the methods and the request headers, and allows only a listed origin', () => {
  const result = gatewayPreflightHeaders('https://a.example', ['https://a.example', 'https://b.example'], corsPolicyOf(routes));

  assert.ok(result['Access-Control-Allow-Methods']?.includes('PATCH'));
  assert.ok(result['Access-Control-Allow-Headers']?.includes('If-Match'));
  assert.ok(result['Access-Control-Allow-Headers']?.includes('Idempotency-Key'));
  assert.is(result['Access-Control-Max-Age'], '600');
  assert.is(result['Access-Control-Allow-Origin'], 'https://a.example');
  assert.is(
    gatewayPreflightHeaders('https://c.example', ['https://a.example', 'https://b.example'], corsPolicyOf(routes))[
      'Access-Control-Allow-Origin'
    ],
    undefined,
  );
});

cors.run();

// ---------------------------------------------------------------------------------------------------
const bodies = suite('request bodies: media type, size, JSON and base64');
bodies.before.each(resetMocks);

/** A POST /tasks event with exactly these headers (makeEvent would add a Content-Type for a body). */
function rawPost(rawBody: string, headers: Record<string, string>, isBase64Encoded: boolean) {
  const event = makeEvent({ method: 'POST', path: '/tasks', rawBody, isBase64Encoded });
  event.headers = headers;
  event.multiValueHeaders = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]]));
  return event;
}

async function send(rawBody: string, headers: Record<string, string> = { 'Content-Type': 'application/json' }, isBase64Encoded = false) {
  return toResponse(await createTask(rawPost(rawBody, headers, isBase64Encoded)));
}

bodies('no Content-Type → 415 unsupported_media_type, nothing written', async () => {
  const response = await send('{"title":"x"}', {});

  assert.is(response.status, 415);
  assert.is(response.body.error.code, 'unsupported_media_type');
  assert.is(ddb.calls().length, 0);
});

for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp', 'json']) {
  bodies(`Content-Type: ${type} → 415`, async () => {
    const response = await send('{"title":"x"}', { 'Content-Type': type });

    assert.is(response.status, 415);
    assert.is(ddb.calls().length, 0);
  });
}

for (const type of ['application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/merge-patch+json']) {
  bodies(`Content-Type: ${type} is accepted`, async () => {
    const response = await send('{"title":"x"}', { 'content-type': type });

    assert.is(response.status, 201);
  });
}

bodies(`a body over ${MAX_BODY_BYTES} bytes → 413 payload_too_large, nothing written`, async () => {
  const response = await send(JSON.stringify({ title: 'x', description: 'd'.repeat(MAX_BODY_BYTES) }));

  assert.is(response.status, 413);
  assert.is(response.body.error.code, 'payload_too_large');
  assert.is(ddb.calls().length, 0);
});

bodies('the limit counts bytes, not characters', async () => {
  // 6000 three-byte characters: 18000 bytes but far fewer characters than the limit.
  const response = await send(JSON.stringify({ title: 'x', description: '€'.repeat(6000) }));

  assert.is(response.status, 413);
});

bodies(`a body of exactly ${MAX_BODY_BYTES} bytes is not too large (it is validated instead)`, async () => {
  const skeleton = JSON.stringify({ title: 'x', description: '' });
  const body = JSON.stringify({ title: 'x', description: 'd'.repeat(MAX_BODY_BYTES - skeleton.length) });
  assert.is(Buffer.byteLength(body), MAX_BODY_BYTES);

  const response = await send(body);

  assert.is(response.status, 400);
  assert.equal(
    response.body.error.details.map((issue: { field: string }) => issue.field),
    ['body.description'],
  );
});

bodies('an oversize body without a Content-Type is still 413 (size is checked first)', async () => {
  const response = await send('x'.repeat(MAX_BODY_BYTES + 1), {});

  assert.is(response.status, 413);
});

for (const junk of ['{', '{"title":', "{'title':'x'}", 'undefined', 'NaN', '{"title":"x"}}', '\u0000', '{"title":"x",}']) {
  bodies(`junk JSON ${JSON.stringify(junk)} → 400 invalid_json, nothing written`, async () => {
    const response = await send(junk);

    assert.is(response.status, 400);
    assert.is(response.body.error.code, 'invalid_json');
    assert.is(response.body.error.details, undefined);
    assert.is(ddb.calls().length, 0);
  });
}

bodies('a base64-encoded body is decoded', async () => {
  const response = await send(Buffer.from(JSON.stringify({ title: 'Über', description: '✓' })).toString('base64'), undefined, true);

  assert.is(response.status, 201);
  assert.is(response.body.task.title, 'Über');
  assert.is(ddb.commandCalls(PutCommand)[0]?.args[0].input.Item?.description, '✓');
});

bodies('a base64-encoded body that is not JSON → 400 invalid_json', async () => {
  const response = await send(Buffer.from('not json').toString('base64'), undefined, true);

  assert.is(response.status, 400);
  assert.is(response.body.error.code, 'invalid_json');
});

bodies('a base64 body is measured after decoding', async () => {
  const body = JSON.stringify({ title: 'x', description: 'd'.repeat(13_000) });
  const encoded = Buffer.from(body).toString('base64');
  assert.ok(encoded.length > MAX_BODY_BYTES && body.length < MAX_BODY_BYTES);

  const under = await send(encoded, undefined, true);
  const over = await send(Buffer.from(JSON.stringify({ title: 'x', description: 'd'.repeat(17_000) })).toString('base64'), undefined, true);

  assert.is.not(under.status, 413);
  assert.is(over.status, 413);
});

bodies('PATCH applies the same body rules', async () => {
  const event = makeEvent({ ...byId, method: 'PATCH', rawBody: '{"status":"done"}', headers: { 'Content-Type': 'text/plain' } });

  const response = toResponse(await updateTask(event));

  assert.is(response.status, 415);
  assert.is(ddb.calls().length, 0);
});

bodies('a body on a route that takes none is ignored', async () => {
  const event = makeEvent({ ...byId, method: 'DELETE', rawBody: 'not json', headers: { 'Content-Type': 'text/plain' } });

  const response = toResponse(await deleteTask(event));

  assert.is(response.status, 204);
});

bodies.run();

// ---------------------------------------------------------------------------------------------------
const failures = suite('an unexpected error is a generic 500 with nothing internal in it');
failures.before.each(resetMocks);

const SECRET_TEXT = 'ValidationException: arn:aws:dynamodb:eu-west-1:123456789012:table/tasks-test PK GSI1PK stack-marker';

for (const route of ROUTES) {
  failures(`${route.name}: the SDK fails → 500 internal, message generic, details only in the error log`, async () => {
    const boom = new Error(SECRET_TEXT);
    boom.name = 'ValidationException';
    ddb.onAnyCommand().rejects(boom);

    const response = await invoke(route.handler, { ...route.event, headers: { Origin: ALLOWED_ORIGIN } });

    assert.is(response.status, 500);
    assert.equal(response.body, { error: { code: 'internal', message: 'Internal server error' }, request_id: 'req-test-1' });
    assert.not.ok(response.raw.includes('ValidationException'));
    assert.not.ok(response.raw.includes('arn:aws'));
    assert.is(response.headers['Content-Type'], 'application/json');
    assert.is(response.headers['Access-Control-Allow-Origin'], ALLOWED_ORIGIN);
    // Still one line for the invocation, at error level, and it keeps the details the client never sees.
    const lines = logLines();
    assert.is(lines.length, 1);
    assert.is(lines[0]?.level, 'error');
    assert.is(lines[0]?.request_id, 'req-test-1');
    assert.is(lines[0]?.route, route.routeKey);
    assert.is(lines[0]?.status, 500);
    assert.ok(JSON.stringify(lines[0]).includes('stack-marker'), 'the log keeps the details');
  });
}

failures('a throttled SDK call (non-Error value thrown) is a 500 too', async () => {
  ddb.onAnyCommand().callsFake(() => {
    throw 'ProvisionedThroughputExceededException';
  });

  const response = await invoke(listTasks, {});

  assert.is(response.status, 500);
  assert.is(response.body.error.code, 'internal');
  assert.not.ok(response.raw.includes('Provisioned'));
});

failures.run();

// ---------------------------------------------------------------------------------------------------
const logging = suite('each invocation logs one structured JSON line');
logging.before.each(resetMocks);

for (const route of ROUTES) {
  logging(`${route.name}: request id, route, status and latency`, async () => {
    route.arrange();

    await invoke(route.handler, route.event);

    const lines = requestLogLines();
    assert.is(lines.length, 1);
    assert.is(lines[0]?.level, 'info');
    assert.is(lines[0]?.request_id, 'req-test-1');
    assert.is(lines[0]?.route, route.routeKey);
    assert.is(lines[0]?.status, route.success);
    assert.type(lines[0]?.latency_ms, 'number');
    assert.ok((lines[0]?.latency_ms as number) >= 0);
    assert.type(lines[0]?.time, 'string');
  });
}

logging('a 4xx is logged once, at info level, with its status', async () => {
  await invoke(getTask, { path: '/tasks/x', pathParameters: { taskId: 'x' } });

  assert.equal(
    logLines().map((line) => [line.level, line.status]),
    [['info', 400]],
  );
});

logging('the log line never holds the request body', async () => {
  await invoke(createTask, { method: 'POST', path: '/tasks', body: { title: 'secret-title-marker' } });

  assert.not.ok(rawLogs().some((line) => line.includes('secret-title-marker')));
});

logging('without an API Gateway request id the Lambda request id is used', async () => {
  const event = makeEvent({ path: '/tasks' });
  (event.requestContext as { requestId?: string }).requestId = undefined;

  const response = toResponse(await listTasks(event, { awsRequestId: 'lambda-req-9' }));

  assert.is(response.status, 200);
  assert.is(requestLogLines()[0]?.request_id, 'lambda-req-9');
});

logging('lines go past console: a runtime that prefixes console output (Lambda’s Text format) leaves them whole', async () => {
  const original = { log: console.log, info: console.info, warn: console.warn, error: console.error };
  const prefixed =
    (level: string) =>
    (...args: unknown[]) =>
      process.stdout.write(`2026-01-01T00:00:00.000Z\treq-test-1\t${level}\t${args.join(' ')}\n`);
  Object.assign(console, { log: prefixed('INFO'), info: prefixed('INFO'), warn: prefixed('WARN'), error: prefixed('ERROR') });
  try {
    await invoke(getTask, { path: '/tasks/x', pathParameters: { taskId: 'x' } });
  } finally {
    Object.assign(console, original);
  }

  assert.is(requestLogLines().length, 1, 'the request line is one JSON object on a line of its own');
  assert.is(metricLines().length, 1, 'so is the metric line');
});

logging('a 4xx line names its error code', async () => {
  await invoke(getTask, { path: '/tasks/x', pathParameters: { taskId: 'x' } });

  assert.is(requestLogLines()[0]?.error_code, 'validation_failed');
  assert.is(requestLogLines()[0]?.cold_start, false);
});

logging('LOG_LEVEL is honoured: above info the request lines go, the metric lines and errors stay', async () => {
  const settings = config();
  const before = settings.logLevel;
  settings.logLevel = 'warn';
  try {
    await invoke(listTasks, {});
    assert.is(requestLogLines().length, 0, 'an info line was written at warn');
    assert.is(metricLines().length, 1);

    clearLogs();
    ddb.on(QueryCommand).rejects(new Error('boom'));
    await invoke(listTasks, {});
    assert.equal(
      logLines().map((line) => [line.level, line.status]),
      [['error', 500]],
    );
  } finally {
    settings.logLevel = before;
  }
});

logging('LOG_LEVEL names one of debug, info, warn, error (any case), info when unset', () => {
  assert.is(logLevelOf({}), 'info');
  assert.is(logLevelOf({ LOG_LEVEL: 'DEBUG' }), 'debug');
  assert.throws(() => logLevelOf({ LOG_LEVEL: 'trace' }), /LOG_LEVEL must be one of debug, info, warn, error/);
  assert.ok(isLogged('error', 'warn') && isLogged('warn', 'warn') && !isLogged('info', 'warn') && isLogged('debug', 'debug'));
});

logging.run();

// ---------------------------------------------------------------------------------------------------
const identity = suite('identity comes only from the authorizer claims');
identity.before.each(resetMocks);

identity('no sub claim → 401 unauthorized, nothing read or written', async () => {
  for (const route of ROUTES) {
    const response = await invoke(route.handler, { ...route.event, sub: null });
    assert.is(response.status, 401, route.name);
    assert.is(response.body.error.code, 'unauthorized');
  }
  assert.is(ddb.calls().length, 0);
});

identity('an empty sub → 401', async () => {
  const response = await invoke(listTasks, { sub: '' });

  assert.is(response.status, 401);
});

identity('a user id in a header or the query does not change whose tasks are read', async () => {
  const response = await invoke(listTasks, { headers: { 'X-User-Id': 'someone-else' } });

  assert.is(response.status, 200);
  assert.is(ddb.commandCalls(QueryCommand)[0]?.args[0].input.ExpressionAttributeValues?.[':pk'], `USER#${USER_A}`);
});

identity('the delete key comes from the claims even when the path is odd', async () => {
  await invoke(deleteTask, { ...byId, method: 'DELETE', sub: 'sub-with-#-hash' });

  assert.is(ddb.commandCalls(DeleteCommand)[0]?.args[0].input.Key?.PK, 'USER#sub-with-#-hash');
});

identity.run();

// ---------------------------------------------------------------------------------------------------
const parsing = suite('request parsing helpers');

parsing('header names are lower-cased and a repeated header keeps its last value', () => {
  const event = makeEvent({ headers: { 'If-Match': '"1"' } });
  event.multiValueHeaders = { 'If-Match': ['"1"', '"2"'] };

  assert.is(headersOf(event)['if-match'], '"2"');
});

parsing('headers and query parameters named after Object.prototype members are kept as sent', () => {
  // As Lambda's JSON.parse delivers them: own properties, `__proto__` included.
  const event = makeEvent();
  event.headers = JSON.parse('{"__proto__":"h1","constructor":"h2"}');
  event.multiValueHeaders = {};
  event.queryStringParameters = JSON.parse('{"__proto__":"q1","toString":"q2"}');
  event.multiValueQueryStringParameters = JSON.parse('{"__proto__":["q1"],"toString":["q2"]}');

  assert.equal(Object.entries(headersOf(event)), [
    ['__proto__', 'h1'],
    ['constructor', 'h2'],
  ]);
  assert.equal(Object.entries(queryOf(event)), [
    ['__proto__', 'q1'],
    ['toString', 'q2'],
  ]);
});

parsing.run();

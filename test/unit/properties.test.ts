/**
 * Property-based tests: random bodies, headers, query strings, path parameters and claims thrown at
 * every handler. Whatever comes in, nothing comes out as a 500, every answer uses the one envelope, an
 * error code the route declares with the status the error catalogue gives it, and no internal
 * attribute ever leaves.
 */
import '../support/env.ts';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { handler as adminListTasks } from '../../functions/handlers/admin-list-tasks.ts';
import { handler as createTask } from '../../functions/handlers/create-task.ts';
import { handler as deleteTask } from '../../functions/handlers/delete-task.ts';
import { handler as getTask } from '../../functions/handlers/get-task.ts';
import { handler as listTasks } from '../../functions/handlers/list-tasks.ts';
import { handler as updateTask } from '../../functions/handlers/update-task.ts';
import type { LambdaHandler } from '../../functions/http/handler.ts';
import { ERROR_CATALOGUE, type ErrorCode, errorCodesOf, INTERNAL_ERROR_CODE } from '../../functions/contract/errors.ts';
import { type RouteDefinition, type RouteName, route, routes } from '../../functions/routes.ts';
import { conditionFailed, ddb, INTERNAL_ATTRIBUTES, makeTask, newTaskId, resetMocks, storedItem } from '../support/ddb.ts';
import { makeEvent, SERVER_OWNED_FIELDS, USER_A } from '../support/events.ts';
import { idToken } from '../support/id-tokens.ts';
import { type Response, toResponse } from '../support/invoke.ts';

const HANDLERS: Record<RouteName, LambdaHandler> = { createTask, listTasks, getTask, updateTask, deleteTask, adminListTasks };
const RUNS = Number(process.env.PROPERTY_RUNS ?? 150);

/** The error codes a route may answer with, short of a failure (`internal` is what these tests rule out). */
const expectedCodes = (operationId: RouteName): ErrorCode[] =>
  errorCodesOf(route(operationId) as RouteDefinition).filter((code) => code !== INTERNAL_ERROR_CODE);

// --- arbitraries -------------------------------------------------------------------------------------
const FIELD_NAMES = ['title', 'description', 'status', ...SERVER_OWNED_FIELDS, '__proto__', 'constructor'];
const anyValue = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 2 }));
const plausibleValue = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('pending', 'in_progress', 'done', 'Buy milk', '', '   ') },
  { weight: 2, arbitrary: fc.string({ maxLength: 250 }) },
  { weight: 1, arbitrary: anyValue },
);
const bodyObject = fc.dictionary(fc.oneof(fc.constantFrom(...FIELD_NAMES), fc.string({ maxLength: 12 })), plausibleValue, { maxKeys: 5 });
/** Mostly absent, sometimes plausible, sometimes junk. */
const optional = (plausible: string[]): fc.Arbitrary<string | null> =>
  fc.oneof(
    { weight: 6, arbitrary: fc.constant(null) },
    { weight: 3, arbitrary: fc.constantFrom(...plausible) },
    { weight: 1, arbitrary: fc.string({ maxLength: 80 }) },
  );
/** A create or update body: mostly the real fields with mostly valid values, now and then intruders. */
const taskBody = fc
  .record(
    {
      title: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom('Buy milk', '  padded  ') },
        { weight: 2, arbitrary: fc.string({ maxLength: 250 }) },
        { weight: 1, arbitrary: anyValue },
      ),
      description: fc.oneof({ weight: 4, arbitrary: fc.string({ maxLength: 100 }) }, { weight: 1, arbitrary: anyValue }),
      status: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('pending', 'in_progress', 'done') }, { weight: 1, arbitrary: anyValue }),
    },
    { requiredKeys: [] },
  )
  .chain((body) =>
    fc.oneof(
      { weight: 5, arbitrary: fc.constant<object>(body) },
      { weight: 1, arbitrary: bodyObject.map((extra) => ({ ...body, ...extra })) },
    ),
  );
const rawBody: fc.Arbitrary<string | null> = fc.oneof(
  { weight: 12, arbitrary: taskBody.map((body) => JSON.stringify(body)) },
  { weight: 2, arbitrary: bodyObject.map((body) => JSON.stringify(body)) },
  { weight: 1, arbitrary: fc.jsonValue().map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.string({ unit: 'binary' }) },
  { weight: 1, arbitrary: fc.constant(`{"title":"x","description":"${'d'.repeat(17_000)}"}`) },
  { weight: 1, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: fc.constant(null) },
);
const contentType: fc.Arbitrary<string | null> = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  { weight: 2, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'text/plain', 'application/problem+json', '') },
  { weight: 1, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.constant(null) },
);
const queryValue = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('pending', 'in_progress', 'done', '1', '50', '100') },
  { weight: 1, arbitrary: fc.constantFrom('0', '101', '-1', 'abc', '') },
  { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
  { weight: 1, arbitrary: fc.base64String({ maxLength: 120 }) },
);
const junkQuery = fc.dictionary(
  fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('status', 'limit', 'next_token') },
    { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
  ),
  fc.oneof({ weight: 8, arbitrary: queryValue }, { weight: 1, arbitrary: fc.array(queryValue, { minLength: 1, maxLength: 3 }) }),
  { maxKeys: 3 },
);
const plausibleQuery = fc.record(
  {
    status: fc.oneof({ weight: 5, arbitrary: fc.constantFrom('pending', 'in_progress', 'done') }, { weight: 1, arbitrary: queryValue }),
    limit: fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 100 }).map(String) }, { weight: 1, arbitrary: queryValue }),
  },
  { requiredKeys: [] },
);
const query: fc.Arbitrary<Record<string, string | string[]> | null> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(null) },
  { weight: 3, arbitrary: plausibleQuery },
  { weight: 2, arbitrary: junkQuery },
);
const taskId: fc.Arbitrary<string | null> = fc.oneof(
  { weight: 6, arbitrary: fc.constant(newTaskId()) },
  { weight: 1, arbitrary: fc.stringMatching(/^[0-9A-Z]{26}$/) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: fc.constant(null) },
);
const sub: fc.Arbitrary<string | null> = fc.oneof(
  { weight: 10, arbitrary: fc.constant<string | null>(USER_A) },
  { weight: 1, arbitrary: fc.option(fc.string({ maxLength: 40 })) as fc.Arbitrary<string | null> },
);

const request = fc.record({
  rawBody,
  base64: fc.boolean(),
  contentType,
  idempotencyKey: optional(['key-1', 'another_key-2']),
  ifMatch: optional(['"1"', '"2"', 'W/"2"', '2', '*']),
  origin: optional(['https://app.example.com', 'https://evil.example', 'null']),
  query,
  taskId,
  sub,
  groups: fc.oneof(
    { weight: 3, arbitrary: fc.constant<string[] | null>(['admin']) },
    { weight: 1, arbitrary: fc.constantFrom<string[] | null>(null, ['admin', 'editors'], ['editors'], ['readers,admin']) },
  ),
});
type RandomRequest = typeof request extends fc.Arbitrary<infer T> ? T : never;

/**
 * What DynamoDB does: answer with nothing, hold an item, fail the write's condition without the old item,
 * or fail it with the old item (`stale`: the version changed). `stale` only for routes whose writes are
 * conditional on If-Match, the only ones that can answer its precondition_failed.
 */
type Store = 'empty' | 'item' | 'conditionFailed' | 'stale';
const storeFor = (operationId: RouteName): fc.Arbitrary<Store> =>
  expectedCodes(operationId).includes('precondition_failed')
    ? fc.constantFrom<Store>('empty', 'item', 'conditionFailed', 'stale')
    : fc.constantFrom<Store>('empty', 'item', 'conditionFailed');

function eventFor(operationId: RouteName, input: RandomRequest) {
  const { method, path } = route(operationId);
  const authorization = input.sub !== null && input.groups !== null ? idToken(input.sub, input.groups) : undefined;
  const headers: Record<string, string> = authorization ? { Authorization: authorization } : {};
  if (input.contentType !== null) headers['Content-Type'] = input.contentType;
  if (input.idempotencyKey !== null) headers['Idempotency-Key'] = input.idempotencyKey;
  if (input.ifMatch !== null) headers['If-Match'] = input.ifMatch;
  if (input.origin !== null) headers.Origin = input.origin;
  const body = input.rawBody === null ? null : input.base64 ? Buffer.from(input.rawBody).toString('base64') : input.rawBody;
  const event = makeEvent({
    method,
    path,
    rawBody: body,
    isBase64Encoded: input.base64,
    query: input.query ?? undefined,
    pathParameters: path.includes('{taskId}') && input.taskId !== null ? { taskId: input.taskId } : null,
    sub: input.sub,
    groups: input.groups ?? undefined,
  });
  event.headers = headers;
  event.multiValueHeaders = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]]));
  return event;
}

function arrangeStore(store: Store) {
  resetMocks();
  const item = storedItem(USER_A, makeTask({ version: 2 }));
  if (store === 'item') {
    ddb.on(GetCommand).resolves({ Item: item });
    ddb.on(UpdateCommand).resolves({ Attributes: item });
    ddb.on(QueryCommand).resolves({ Items: [item, storedItem(USER_A, makeTask())], LastEvaluatedKey: { PK: item.PK, SK: item.SK } });
  }
  if (store === 'conditionFailed') {
    // Stale or absent for update/delete; for a create, its Idempotency-Key is held by another body.
    // (A new task's own put cannot fail its condition: that would be a ULID collision, a genuine 500.)
    ddb.on(UpdateCommand).rejects(conditionFailed());
    ddb.on(DeleteCommand).rejects(conditionFailed());
    ddb.on(PutCommand, { Item: { entity: 'idempotency' } }).rejects(conditionFailed({}));
    ddb
      .on(GetCommand)
      .callsFake((input: { Key: { SK: string } }) =>
        input.Key.SK.startsWith('IDEMPOTENCY#')
          ? { Item: { fingerprint: 'another body', task: makeTask(), expires_at: 9_999_999_999 } }
          : {},
      );
  }
  if (store === 'stale') {
    ddb.on(UpdateCommand).rejects(conditionFailed(item));
    ddb.on(DeleteCommand).rejects(conditionFailed(item));
  }
}

/** Every rule an answer must keep, whatever the request. */
function assertWellFormed(operationId: RouteName, response: Response) {
  const codes = expectedCodes(operationId);
  const allowed: number[] = [route(operationId).success.status, ...codes.map((code) => ERROR_CATALOGUE[code].status)];
  assert.ok(
    allowed.includes(response.status),
    `${operationId} answered ${response.status} (declared: ${allowed.join(', ')}): ${response.raw.slice(0, 300)}`,
  );
  assert.is(response.headers['Content-Type'], 'application/json');
  assert.is(response.headers['Cache-Control'], 'no-store');
  assert.is.not(response.headers['Access-Control-Allow-Origin'], '*');
  for (const name of INTERNAL_ATTRIBUTES)
    assert.not.ok(response.raw.includes(`"${name}"`), `${name} leaked: ${response.raw.slice(0, 300)}`);
  if (operationId !== 'adminListTasks') assert.not.ok(response.raw.includes('"owner_id"'), 'owner_id leaked');
  if (response.status >= 400) {
    assert.equal(Object.keys(response.body).sort(), ['error', 'request_id']);
    const code = response.body.error.code as ErrorCode;
    assert.ok(codes.includes(code), `${operationId} answered code ${code} (declared: ${codes.join(', ')})`);
    assert.is(ERROR_CATALOGUE[code].status, response.status, `status ${response.status} with code ${code}`);
    assert.type(response.body.error.message, 'string');
    const { details } = response.body.error;
    if (details !== undefined) {
      assert.ok(Array.isArray(details) && details.length > 0);
      for (const issue of details) {
        const keys = Object.keys(issue).sort();
        assert.ok(['field,message', 'field,limit,message'].includes(keys.join(',')), `detail keys ${keys}`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------
const fuzz = suite('random requests never get a 500');

for (const { operationId } of routes) {
  fuzz(`${operationId}: random bodies, headers, query strings, ids and claims`, async () => {
    await fc.assert(
      fc.asyncProperty(request, storeFor(operationId), async (input, store) => {
        arrangeStore(store);
        const response = toResponse(await HANDLERS[operationId](eventFor(operationId, input)));
        assertWellFormed(operationId, response);
      }),
      { numRuns: RUNS },
    );
  });
}

fuzz.run();

// ---------------------------------------------------------------------------------------------------
const valid = suite('random valid requests do what the contract says');
valid.before.each(resetMocks);

const title = fc.string({ minLength: 1, maxLength: 200 }).filter((value) => value.trim().length > 0);
const status = fc.constantFrom('pending', 'in_progress', 'done');

valid('any valid create body → 201 with the trimmed title, written once with attribute_not_exists', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.record({ title, description: fc.string({ maxLength: 2000 }), status }, { requiredKeys: ['title'] }),
      async (body) => {
        resetMocks();
        const response = toResponse(await createTask(makeEvent({ method: 'POST', path: '/tasks', body })));

        assert.is(response.status, 201);
        assert.is(response.body.task.title, body.title.trim());
        assert.is(response.body.task.description, body.description ?? '');
        assert.is(response.body.task.status, body.status ?? 'pending');
        const puts = ddb.commandCalls(PutCommand);
        assert.is(puts.length, 1);
        assert.is(puts[0]?.args[0].input.ConditionExpression, 'attribute_not_exists(PK)');
      },
    ),
    { numRuns: RUNS },
  );
});

valid('any valid list query → one Query with Limit = limit + 1 and no FilterExpression', async () => {
  await fc.assert(
    fc.asyncProperty(fc.option(status), fc.option(fc.integer({ min: 1, max: 100 })), async (wanted, limit) => {
      resetMocks();
      const query: Record<string, string> = {};
      if (wanted !== null) query.status = wanted;
      if (limit !== null) query.limit = String(limit);

      const response = toResponse(await listTasks(makeEvent({ path: '/tasks', query })));

      assert.is(response.status, 200);
      const input = ddb.commandCalls(QueryCommand)[0]?.args[0].input;
      assert.is(input?.Limit, (limit ?? 50) + 1);
      assert.is(input?.FilterExpression, undefined);
      assert.is(input?.IndexName, wanted === null ? undefined : 'GSI2');
    }),
    { numRuns: RUNS },
  );
});

valid('any unknown body field is named in the 400, and nothing is written', async () => {
  const extra = fc.string({ minLength: 1, maxLength: 20 }).filter((key) => !['title', 'description', 'status'].includes(key));
  await fc.assert(
    fc.asyncProperty(extra, anyValue, async (key, value) => {
      resetMocks();
      const body = JSON.parse(JSON.stringify({ title: 'ok' }));
      Object.defineProperty(body, key, { value, enumerable: true, configurable: true, writable: true });

      const response = toResponse(await createTask(makeEvent({ method: 'POST', path: '/tasks', rawBody: JSON.stringify(body) })));

      assert.is(response.status, 400);
      assert.ok(
        response.body.error.details.some((issue: { field: string }) => issue.field === `body.${key}`),
        `${key} not named: ${JSON.stringify(response.body.error.details)}`,
      );
      assert.is(ddb.calls().length, 0);
    }),
    { numRuns: RUNS },
  );
});

for (const { operationId } of routes.filter(({ operationId }) => expectedCodes(operationId).includes('precondition_failed'))) {
  valid(`${operationId}: any If-Match version the task no longer has → 412 precondition_failed`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), fc.boolean(), async (version, quoted) => {
        arrangeStore('stale');
        const event = eventFor(operationId, {
          rawBody: JSON.stringify({ status: 'done' }),
          base64: false,
          contentType: 'application/json',
          idempotencyKey: null,
          ifMatch: quoted ? `"${version}"` : String(version),
          origin: null,
          query: null,
          taskId: newTaskId(),
          sub: USER_A,
          groups: [],
        });

        const response = toResponse(await HANDLERS[operationId](event));

        assert.is(response.status, 412, response.raw);
        assert.is(response.body.error.code, 'precondition_failed');
      }),
      { numRuns: RUNS },
    );
  });
}

valid.run();

/**
 * The HTTP contract: CORS follows the routes, and every error answer takes its status and default
 * message from the one error catalogue.
 */
import '../support/env.ts';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as z from 'zod/mini';
import { corsPolicyOf } from '../../functions/contract/cors-policy.ts';
import { ERROR_CATALOGUE, type ErrorCode, errorCodesOf, INTERNAL_ERROR_CODE } from '../../functions/contract/errors.ts';
import { conditionalHeaders, taskPathParams } from '../../functions/contract/parameters.ts';
import {
  ForbiddenError,
  InvalidJsonError,
  PayloadTooLargeError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
} from '../../functions/http/http-errors.ts';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { currentPageTokenKey } from '../../functions/config/page-token-key.ts';
import { handler as listTasks } from '../../functions/handlers/list-tasks.ts';
import { decodePageToken } from '../../functions/http/page-token.ts';
import { defineHandler } from '../../functions/http/handler.ts';
import { pageBinding } from '../../functions/http/pagination.ts';
import { errorReply } from '../../functions/http/response.ts';
import { type RouteDefinition, route, routes } from '../../functions/routes.ts';
import {
  DomainError,
  IdempotencyKeyReusedError,
  NotFoundError,
  PreconditionFailedError,
  QuotaExceededError,
  ValidationError,
} from '../../functions/tasks/errors.ts';
import { ddb, makeTask, resetMocks, storedItem } from '../support/ddb.ts';
import { USER_A } from '../support/events.ts';
import { invoke } from '../support/invoke.ts';

const cors = suite('CORS follows the route table');

const archive: RouteDefinition = {
  ...(routes[0] as RouteDefinition),
  operationId: 'archiveTask',
  method: 'PUT',
  path: '/tasks/{taskId}/archive',
  request: { params: taskPathParams, headers: z.object({ 'x-archive-reason': z.optional(z.string()) }) },
};

cors('every method the routes use, and OPTIONS, is allowed; nothing else', () => {
  const policy = corsPolicyOf(routes);
  const used = [...new Set(routes.map((route) => route.method))];
  assert.equal([...policy.allowMethods].sort(), [...used, 'OPTIONS'].sort());
});

cors('a new route’s method and request headers are allowed without touching the CORS code', () => {
  const before = corsPolicyOf(routes);
  assert.not.ok(before.allowMethods.includes('PUT'));

  const after = corsPolicyOf([...routes, archive]);

  assert.ok(after.allowMethods.includes('PUT'), after.allowMethods.join(','));
  assert.ok(after.allowHeaders.includes('X-Archive-Reason'), after.allowHeaders.join(','));
});

cors('the token header, a body’s Content-Type and each declared header are allowed, in their canonical spelling', () => {
  const policy = corsPolicyOf(routes);
  assert.equal([...policy.allowHeaders], ['Authorization', 'Content-Type', 'Idempotency-Key', 'If-Match']);
  const bodiless = corsPolicyOf([{ method: 'DELETE', request: { headers: conditionalHeaders } }]);
  assert.equal([...bodiless.allowHeaders], ['Authorization', 'If-Match']);
});

cors('the policy does not depend on the order of the routes', () => {
  assert.equal(corsPolicyOf([...routes].reverse()), corsPolicyOf(routes));
});

cors.run();

const catalogue = suite('one error catalogue');

const EVERY_ERROR: Array<[ErrorCode, Error]> = [
  ['validation_failed', new ValidationError([{ field: 'body.title', message: 'is required' }])],
  ['invalid_json', new InvalidJsonError()],
  ['unauthorized', new UnauthorizedError()],
  ['forbidden', new ForbiddenError()],
  ['not_found', new NotFoundError()],
  ['idempotency_key_reused', new IdempotencyKeyReusedError()],
  ['quota_exceeded', new QuotaExceededError(3)],
  ['precondition_failed', new PreconditionFailedError()],
  ['payload_too_large', new PayloadTooLargeError(16384)],
  ['unsupported_media_type', new UnsupportedMediaTypeError()],
];

catalogue('every error is answered with its code’s status from the catalogue', () => {
  for (const [code, error] of EVERY_ERROR) {
    const reply = errorReply(error, 'req-1');
    assert.is(reply.status, ERROR_CATALOGUE[code].status, code);
    assert.is(reply.errorCode, code);
    assert.is((reply.body as { error: { code: string } }).error.code, code);
  }
  const covered = [...EVERY_ERROR.map(([code]) => code), INTERNAL_ERROR_CODE].sort();
  assert.equal(covered, Object.keys(ERROR_CATALOGUE).sort(), 'a catalogue entry no error class uses');
});

catalogue('an error without a message of its own gets its code’s message; one with a message keeps it', () => {
  const plain = errorReply(new NotFoundError(), 'r') as { body: { error: { message: string } } };
  assert.is(plain.body.error.message, ERROR_CATALOGUE.not_found.message);
  const specific = errorReply(new QuotaExceededError(3), 'r') as { body: { error: { message: string } } };
  assert.match(specific.body.error.message, /at most 3 tasks/);
});

catalogue('domain errors carry a code and no HTTP status', () => {
  for (const [, error] of EVERY_ERROR) assert.not.ok('status' in error, `${error.name} has a status`);
});

catalogue('an unknown code or any other error is a generic 500 that tells nothing', () => {
  const odd = errorReply(new DomainError('no_such_code' as never, 'secret detail'), 'r');
  assert.is(odd.status, 500);
  assert.not.match(JSON.stringify(odd.body), /secret/);
  const crash = errorReply(new TypeError('PK#USER#1 exploded'), 'r');
  assert.equal(crash.body, { error: { code: 'internal', message: 'Internal server error' }, request_id: 'r' });
});

catalogue('a route’s shape brings its errors: a body 413/415, admin only 403', () => {
  for (const route of routes as readonly RouteDefinition[]) {
    const codes = errorCodesOf(route);
    assert.is(codes.includes('payload_too_large'), route.request.body !== undefined, route.operationId);
    assert.is(codes.includes('forbidden'), route.adminOnly, route.operationId);
  }
});

catalogue.run();

const pages = suite('the wrapper binds page tokens to the list they came from');

pages('the binding is the route and its filters, never the page size or position', () => {
  const fields = ['status', 'limit', 'next_token'];
  // The format the list handlers built by hand before the wrapper did it: tokens handed out then still work.
  assert.equal(pageBinding('listTasks', fields, { status: 'pending', limit: 5 }, 'u'), { query: 'listTasks:pending', userId: 'u' });
  assert.equal(pageBinding('listTasks', fields, { limit: 5, next_token: 't' }, 'u'), { query: 'listTasks:*', userId: 'u' });
  assert.equal(pageBinding('adminListTasks', fields, { status: 'done', limit: 100 }, 'a').query, 'adminListTasks:done');
  assert.is.not(
    pageBinding('listTasks', fields, { status: 'done', limit: 5 }, 'u').query,
    pageBinding('adminListTasks', fields, { status: 'done', limit: 5 }, 'u').query,
  );
});

pages('a paginated route cannot get a handler that skips the page tokens', () => {
  assert.throws(
    () => defineHandler(route('listTasks'), async () => ({ status: 200, body: {} })),
    /listTasks is paginated: define its handler with definePagedHandler/,
  );
});

pages('a list handler’s tokens are bound as before: a token made for listTasks:* pages on', async () => {
  resetMocks();
  const item = storedItem(USER_A, makeTask());
  ddb.on(QueryCommand).resolves({ Items: [item, storedItem(USER_A, makeTask())], LastEvaluatedKey: { PK: item.PK, SK: item.SK } });
  const first = await invoke(listTasks, { path: '/tasks', query: { limit: '1' } });
  const token = first.body.next_token as string;
  assert.ok(token);
  const key = await currentPageTokenKey();
  assert.ok(decodePageToken(token, { query: 'listTasks:*', userId: USER_A }, key, { ttlSeconds: 3600 }));
});

pages.run();

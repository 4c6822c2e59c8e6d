import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { routes } from '../../functions/routes.ts';
import { buildProxyEvent, clfTime, type IncomingRequest, toHttpResponse } from '../../local/gateway/event.ts';
import { createRouter, type Routable, type Router } from '../../local/gateway/routing.ts';

const request = (overrides: Partial<IncomingRequest> = {}): IncomingRequest => ({
  method: 'GET',
  rawPath: '/tasks',
  rawQuery: '',
  rawHeaders: ['Host', 'localhost:3000', 'Authorization', 'token'],
  body: Buffer.alloc(0),
  sourceIp: '127.0.0.1',
  localPort: 3000,
  protocol: 'HTTP/1.1',
  ...overrides,
});

const context = {
  requestId: 'req-1',
  stage: 'local',
  resource: '/tasks/{taskId}',
  pathParameters: { taskId: 'a b' },
  claims: { sub: 'user-1', 'cognito:groups': 'admin' },
  now: new Date(Date.UTC(2025, 10, 25, 13, 18, 0)),
};

const events = suite('local proxy events');

events('headers and query parameters named after Object.prototype members are kept as sent, never a crash', () => {
  const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];
  const event = buildProxyEvent(
    request({
      rawQuery: names.map((name) => `${name}=1&${name}=2`).join('&'),
      rawHeaders: ['Host', 'localhost', ...names.flatMap((name) => [name, 'a', name, 'b'])],
    }),
    context,
  );
  for (const name of names) {
    assert.ok(Object.hasOwn(event.multiValueQueryStringParameters ?? {}, name), name);
    assert.equal(event.multiValueQueryStringParameters?.[name], ['1', '2'], name);
    assert.is(event.queryStringParameters?.[name], '2', name);
    assert.equal(event.multiValueHeaders[name], ['a', 'b'], name);
    assert.is(event.headers[name], 'b', name);
  }
});

events('have the shape API Gateway REST sends', () => {
  const event = buildProxyEvent(request({ method: 'PATCH', rawPath: '/tasks/a%20b', body: Buffer.from('{"title":"x"}') }), context);
  assert.is(event.resource, '/tasks/{taskId}');
  assert.is(event.path, '/tasks/a b');
  assert.is(event.httpMethod, 'PATCH');
  assert.equal(event.pathParameters, { taskId: 'a b' });
  assert.is(event.body, '{"title":"x"}');
  assert.is(event.isBase64Encoded, false);
  assert.is(event.stageVariables, null);
  assert.is(event.requestContext.requestId, 'req-1');
  assert.is(event.requestContext.stage, 'local');
  assert.is(event.requestContext.resourcePath, '/tasks/{taskId}');
  assert.is(event.requestContext.httpMethod, 'PATCH');
  assert.is(event.requestContext.identity.sourceIp, '127.0.0.1');
  assert.is(event.requestContext.requestTime, '25/Nov/2025:13:18:00 +0000');
  assert.is(event.requestContext.requestTimeEpoch, context.now.getTime());
  assert.equal(event.requestContext.authorizer?.claims, { sub: 'user-1', 'cognito:groups': 'admin' });
});

events('query parameters are null when absent', () => {
  const event = buildProxyEvent(request(), context);
  assert.is(event.queryStringParameters, null);
  assert.is(event.multiValueQueryStringParameters, null);
  assert.is(event.body, null);
});

events('repeated query parameters keep every value in the multi-value map and the last in the single one', () => {
  const event = buildProxyEvent(request({ rawQuery: 'status=done&status=pending&limit=5&q=a%20b' }), context);
  assert.equal(event.multiValueQueryStringParameters, { status: ['done', 'pending'], limit: ['5'], q: ['a b'] });
  assert.equal(event.queryStringParameters, { status: 'pending', limit: '5', q: 'a b' });
});

events('headers keep the client’s casing, group repeats and gain the forwarding headers', () => {
  const event = buildProxyEvent(
    request({ rawHeaders: ['Host', 'localhost:3000', 'X-Tag', 'a', 'x-tag', 'b', 'If-Match', '"3"'] }),
    context,
  );
  assert.equal(event.multiValueHeaders['X-Tag'], ['a', 'b']);
  assert.is(event.headers['X-Tag'], 'b');
  assert.is(event.headers['If-Match'], '"3"');
  assert.is(event.headers['X-Forwarded-For'], '127.0.0.1');
  assert.is(event.headers['X-Forwarded-Proto'], 'http');
  assert.is(event.headers['X-Forwarded-Port'], '3000');
  assert.match(event.headers['X-Amzn-Trace-Id'] ?? '', /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  assert.is(event.requestContext.domainName, 'localhost');
});

events('clfTime pads single digits', () => {
  assert.is(clfTime(new Date(Date.UTC(2025, 0, 2, 3, 4, 5))), '02/Jan/2025:03:04:05 +0000');
});

const results = suite('local proxy results');

results('headers and multi-value headers merge, the multi-value list winning for a name in both', () => {
  const response = toHttpResponse({
    statusCode: 201,
    headers: { 'Content-Type': 'application/json', ETag: '"1"', 'Set-Cookie': 'ignored' },
    multiValueHeaders: { 'set-cookie': ['a=1', 'b=2'] },
    body: '{"ok":true}',
  });
  assert.ok(response);
  assert.is(response?.status, 201);
  assert.equal(response?.headers, [
    ['set-cookie', 'a=1'],
    ['set-cookie', 'b=2'],
    ['Content-Type', 'application/json'],
    ['ETag', '"1"'],
  ]);
  assert.is(response?.body.toString(), '{"ok":true}');
});

results('a base64 body is decoded and Content-Type defaults to application/json', () => {
  const response = toHttpResponse({ statusCode: 200, body: Buffer.from([0, 1, 2]).toString('base64'), isBase64Encoded: true });
  assert.equal([...(response?.body ?? [])], [0, 1, 2]);
  assert.equal(response?.headers, [['Content-Type', 'application/json']]);
});

results('no body is an empty one', () => {
  assert.is(toHttpResponse({ statusCode: 204 })?.body.byteLength, 0);
});

results('anything that is not a proxy result is refused (API Gateway answers 502)', () => {
  for (const result of [
    undefined,
    null,
    'text',
    { statusCode: 'abc' },
    { statusCode: 99 },
    { statusCode: 200, body: { a: 1 } },
    { statusCode: 200, headers: [] },
  ]) {
    assert.is(toHttpResponse(result), undefined, JSON.stringify(result));
  }
});

const routing = suite('local resource matching');
const router = createRouter(routes);
/** The route for a method and path, as the gateway finds it: the resource first, then its method. */
function routeFor<R extends Routable>(table: Router<R>, method: string, path: string) {
  const found = table.resource(path);
  const route = found?.methods.get(method.toUpperCase());
  return found && route ? { route, pathParameters: found.pathParameters } : undefined;
}

routing('literal resources win and path parameters are decoded', () => {
  assert.is(routeFor(router, 'GET', '/tasks')?.route.operationId, 'listTasks');
  assert.is(routeFor(router, 'GET', '/admin/tasks')?.route.operationId, 'adminListTasks');
  const match = routeFor(router, 'DELETE', '/tasks/01J%2Fx');
  assert.is(match?.route.operationId, 'deleteTask');
  assert.equal(match?.pathParameters, { taskId: '01J/x' });
  assert.is(routeFor(router, 'post', '/tasks/')?.route.operationId, 'createTask');
});

routing('an unknown path or method has no route; the resource is still known for a known path', () => {
  assert.is(routeFor(router, 'GET', '/nope'), undefined);
  assert.is(routeFor(router, 'PUT', '/tasks'), undefined);
  assert.is(routeFor(router, 'GET', '/tasks/a/b'), undefined);
  assert.is(routeFor(router, 'GET', '//tasks'), undefined);
  assert.is(router.resource('/tasks/abc')?.resource, '/tasks/{taskId}');
});

routing('a greedy parameter takes the rest of the path, after more specific resources', () => {
  const base = routes[0];
  const greedy = createRouter([
    { ...base, path: '/files/{path+}', method: 'GET' },
    { ...base, path: '/files/readme', method: 'GET' },
  ]);
  assert.equal(routeFor(greedy, 'GET', '/files/a/b%20c')?.pathParameters, { path: 'a/b c' });
  assert.is(routeFor(greedy, 'GET', '/files/readme')?.route.path, '/files/readme');
  assert.is(routeFor(greedy, 'GET', '/files'), undefined);
});

events.run();
results.run();
routing.run();

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as z from 'zod/mini';
import { listTasksQuery, PAGE_LIMIT_MAX } from '../../functions/contract/parameters.ts';
import { ERROR_CATALOGUE, errorCodesOf } from '../../functions/contract/errors.ts';
import { route, routes } from '../../functions/routes.ts';
import { createTaskBody, TITLE_MAX, TITLE_PATTERN } from '../../functions/tasks/schemas.ts';
import { buildOpenApiDocument, OPENAPI_PATH, renderOpenApiDocument } from '../../scripts/openapi.ts';
import { GATEWAY_ANSWERS } from '../../scripts/openapi/gateway-answers.ts';

const document = buildOpenApiDocument();
type Response = {
  headers?: Record<string, { $ref: string }>;
  content?: Record<string, { schema: { $ref?: string; oneOf?: { $ref: string }[] } }>;
  links?: Record<string, { operationId: string; parameters: Record<string, string> }>;
};
type Operation = {
  operationId: string;
  security: unknown[];
  parameters: { name: string; in: string; schema: Record<string, unknown> }[];
  requestBody?: { content: Record<string, { schema: { additionalProperties?: boolean; properties: Record<string, unknown> } }> };
  responses: Record<string, Response>;
};
const operationOf = (path: string, method: string) => (document.paths[path] as Record<string, Operation>)[method.toLowerCase()];

const openapi = suite('the OpenAPI document');

openapi('the committed docs/openapi.json is what the route table generates (run `npm run openapi`)', () => {
  assert.is(readFileSync(OPENAPI_PATH, 'utf8'), renderOpenApiDocument());
});

openapi('has one operation per route, under its path and method', () => {
  const operations = Object.values(document.paths).flatMap((methods) => Object.keys(methods));
  assert.is(operations.length, routes.length);
  for (const route of routes) assert.is(operationOf(route.path, route.method)?.operationId, route.operationId);
});

openapi('every operation requires the Cognito user pool', () => {
  for (const route of routes) assert.equal(operationOf(route.path, route.method)?.security, [{ CognitoUserPool: [] }]);
});

openapi('request bodies reject fields they do not name', () => {
  for (const route of routes.filter((candidate) => 'body' in candidate.request)) {
    const schema = operationOf(route.path, route.method)?.requestBody?.content['application/json']?.schema;
    assert.is(schema?.additionalProperties, false, route.operationId);
  }
});

openapi('every path parameter in a route path is declared', () => {
  for (const route of routes) {
    const placeholders = [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
    const declared = operationOf(route.path, route.method)
      ?.parameters.filter((parameter) => parameter.in === 'path')
      .map((parameter) => parameter.name);
    assert.equal(declared, placeholders, route.operationId);
  }
});

openapi('documents the success status and every error status of each route', () => {
  for (const route of routes) {
    const statuses = Object.keys(operationOf(route.path, route.method)?.responses ?? {}).map(Number);
    const errorStatuses = errorCodesOf(route).map((code) => ERROR_CATALOGUE[code].status);
    for (const status of [route.success.status, 400, 401, 429, 500, ...errorStatuses]) {
      assert.ok(statuses.includes(status), `${route.operationId} documents ${status}`);
    }
  }
});

openapi('names the deployed stages and local mode as servers', () => {
  const urls = document.servers.map((server) => server.url);
  assert.ok(urls.some((url) => url.includes('execute-api') && url.endsWith('/{stage}')));
  assert.ok(urls.includes('http://localhost:3000'));
});

openapi('limit is an integer from 1 to 100 (default 50), which is exactly what the list route takes', () => {
  const limit = operationOf('/tasks', 'GET')?.parameters.find((parameter) => parameter.name === 'limit');
  assert.equal(limit?.schema, { type: 'integer', minimum: 1, maximum: PAGE_LIMIT_MAX, default: 50 });
  const accepts = (text: string) => z.safeParse(listTasksQuery, { limit: text }).success;
  for (let value = 1; value <= PAGE_LIMIT_MAX; value++) assert.ok(accepts(String(value)), String(value));
  for (const text of ['0', '101', '-1', '1.5', '1e1', 'ten', '', ' 5']) assert.not.ok(accepts(text), text);
});

openapi('the documented title pattern accepts exactly the titles the schema accepts (trimmed, 1-200, not blank)', () => {
  const titleSchema = operationOf('/tasks', 'POST')?.requestBody?.content['application/json']?.schema.properties.title;
  assert.equal((titleSchema as { pattern?: string }).pattern, TITLE_PATTERN);
  // The u flag: like JSON Schema (and zod's length checks), the pattern then counts code points.
  const documented = new RegExp(TITLE_PATTERN, 'u');
  const accepted = (title: string) => z.safeParse(createTaskBody, { title }).success;
  const characters = fc.constantFrom('a', 'Z', '0', ' ', '\t', '\n', '\u00a0', '\u2028', '\u3000', '\ufeff', '\u200b', '\u001f', '😀', 'é');
  const titles = fc.oneof(
    fc.array(characters, { maxLength: 12 }).map((parts) => parts.join('')),
    fc
      .tuple(
        fc.array(characters, { maxLength: 4 }),
        fc.integer({ min: TITLE_MAX - 3, max: TITLE_MAX + 3 }),
        fc.array(characters, { maxLength: 4 }),
      )
      .map(([before, length, after]) => before.join('') + 'x'.repeat(length) + after.join('')),
  );
  fc.assert(
    fc.property(titles, (title) => documented.test(title) === accepted(title)),
    { numRuns: 2000 },
  );
});

openapi('patterns use no character class whose meaning differs between regex engines (\\d, \\w, a lone \\s)', () => {
  const patterns = JSON.stringify(document).match(/"pattern":"(?:[^"\\]|\\.)*"/g) ?? [];
  assert.ok(patterns.length > 0);
  for (const pattern of patterns) assert.not.match(pattern.replaceAll('[\\\\s\\\\S]', ''), /\\\\[dwsDW]/, pattern);
});

openapi('a request body says which media types are read as JSON', () => {
  for (const route of routes.filter((candidate) => 'body' in candidate.request)) {
    const body = operationOf(route.path, route.method)?.requestBody as { description?: string } | undefined;
    assert.match(body?.description ?? '', /application\/json.*application\/<subtype>\+json.*415/, route.operationId);
  }
});

openapi('every answer says Cache-Control; a task carries its ETag, a new one its Location', () => {
  for (const route of routes) {
    for (const [status, response] of Object.entries(operationOf(route.path, route.method)?.responses ?? {})) {
      assert.ok(response.headers?.['Cache-Control'], `${route.operationId} ${status}`);
    }
  }
  for (const name of ['createTask', 'getTask', 'updateTask'] as const) {
    const { path, method, success } = route(name);
    assert.ok(operationOf(path, method)?.responses[success.status]?.headers?.ETag, name);
  }
  assert.ok(operationOf('/tasks', 'POST')?.responses['201']?.headers?.Location);
  assert.not.ok(operationOf('/tasks', 'GET')?.responses['200']?.headers?.ETag);
});

openapi('links lead from a created task to get, update and delete it, with parameters those operations have', () => {
  const links = operationOf('/tasks', 'POST')?.responses['201']?.links ?? {};
  assert.equal(
    Object.values(links)
      .map((link) => link.operationId)
      .sort(),
    ['deleteTask', 'getTask', 'updateTask'],
  );
  for (const link of Object.values(links)) {
    const { path, method } = route(link.operationId as 'getTask');
    const declared = operationOf(path, method)?.parameters.map((parameter) => `${parameter.in}.${parameter.name}`) ?? [];
    for (const name of Object.keys(link.parameters)) {
      assert.ok(declared.includes(name.includes('.') ? name : `path.${name}`), `${link.operationId} has ${name}`);
    }
  }
});

openapi('the gateway’s own answers are documented on every operation, in their own shape', () => {
  const refs = (response: Response | undefined) => {
    const schema = response?.content?.['application/json']?.schema;
    return schema?.oneOf ? schema.oneOf.map((one) => one.$ref) : [schema?.$ref];
  };
  for (const route of routes) {
    const responses = operationOf(route.path, route.method)?.responses ?? {};
    for (const status of Object.keys(GATEWAY_ANSWERS)) {
      assert.ok(refs(responses[status]).includes('#/components/schemas/GatewayError'), `${route.operationId} ${status}`);
    }
    // Statuses only a function answers use the envelope alone.
    assert.equal(refs(responses['400']), ['#/components/schemas/Error'], route.operationId);
  }
  assert.ok(GATEWAY_ANSWERS[403]?.messages.includes('Missing Authentication Token'));
  assert.equal(Object.keys(GATEWAY_ANSWERS).map(Number), [401, 403, 413, 429, 500, 502, 504]);
  assert.equal(document.components.schemas.GatewayError.required, ['message']);
});

openapi.run();

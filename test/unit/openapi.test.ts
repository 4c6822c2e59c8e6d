import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ERROR_CATALOGUE, errorCodesOf } from '../../functions/contract/errors.ts';
import { routes } from '../../functions/routes.ts';
import { buildOpenApiDocument, OPENAPI_PATH, renderOpenApiDocument } from '../../scripts/openapi.ts';

const document = buildOpenApiDocument();
type Operation = {
  operationId: string;
  security: unknown[];
  parameters: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema: { additionalProperties?: boolean } }> };
  responses: Record<string, unknown>;
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

openapi.run();

/**
 * The OpenAPI 3.0 document, derived from the route table and its schemas. `npm run openapi` writes it
 * to docs/openapi.json, which is committed so that contract changes show up in review; a unit test
 * fails when the committed file is out of date.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { canonicalHeaderName } from '../functions/contract/cors-policy.ts';
import { errorSchema } from '../functions/contract/error-envelope.ts';
import { codesWithStatus, ERROR_CATALOGUE, ERROR_DESCRIPTIONS, errorCodesOf } from '../functions/contract/errors.ts';
import { type RouteDefinition, routes as shippedRoutes } from '../functions/routes.ts';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; required?: string[] };

export const OPENAPI_PATH = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));

/** One status's description: each error code answered with it and what it means, from the error catalogue. */
function errorDescription(status: number, codes: readonly string[]): string {
  return codesWithStatus(status)
    .filter((code) => codes.includes(code))
    .map((code) => `${code}: ${ERROR_DESCRIPTIONS[code]}`)
    .join('; ');
}

function schemaOf(schema: z.core.$ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { io, target: 'openapi-3.0', unrepresentable: 'any' }) as JsonSchema;
  return json;
}

function parameters(schema: z.core.$ZodType | undefined, location: 'path' | 'query' | 'header') {
  if (!schema) return [];
  const json = schemaOf(schema, 'input');
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name: location === 'header' ? canonicalHeaderName(name) : name,
      in: location,
      required: location === 'path' || (json.required ?? []).includes(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

function jsonContent(schema: JsonSchema) {
  return { 'application/json': { schema } };
}

function operation(route: RouteDefinition) {
  const codes = errorCodesOf(route);
  const errorStatuses = [...new Set(codes.map((code) => ERROR_CATALOGUE[code].status))].sort();
  const errorResponses = errorStatuses.map((status) => [
    status,
    { description: errorDescription(status, codes), content: jsonContent({ $ref: '#/components/schemas/Error' }) },
  ]);
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.adminOnly ? 'admin' : 'tasks'],
    security: [{ CognitoUserPool: [] }],
    parameters: [
      ...parameters(route.request.params, 'path'),
      ...parameters(route.request.query, 'query'),
      ...parameters(route.request.headers, 'header'),
    ],
    ...(route.request.body ? { requestBody: { required: true, content: jsonContent(schemaOf(route.request.body, 'input')) } } : {}),
    responses: {
      [route.success.status]: {
        description: route.success.description,
        ...(route.success.body ? { content: jsonContent(schemaOf(route.success.body, 'output')) } : {}),
      },
      ...Object.fromEntries(errorResponses),
      429: {
        description:
          'Too Many Requests, answered before the function: the web ACL’s rate limits (per caller, per IP), stage throttling, or (local mode) a full function queue',
        headers: { 'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer' } } },
        content: jsonContent({ $ref: '#/components/schemas/GatewayMessage' }),
      },
    },
  };
}

/** The document of a route table (the shipped one unless a test passes another). */
export function buildOpenApiDocument(routes: readonly RouteDefinition[] = shippedRoutes) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    paths[route.path] = { ...paths[route.path], [route.method.toLowerCase()]: operation(route) };
  }
  return {
    openapi: '3.0.3',
    info: {
      title: 'Task API',
      version: '1.0.0',
      description:
        'Per-user task management. Every operation needs a Cognito ID token in the Authorization header. ' +
        'Every error uses the envelope {"error": {"code", "message", "details"?}, "request_id"}.',
    },
    paths,
    components: {
      securitySchemes: {
        CognitoUserPool: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          description: 'The raw Cognito ID token (not an access token)',
          'x-amazon-apigateway-authtype': 'cognito_user_pools',
        },
      },
      schemas: {
        Error: schemaOf(errorSchema, 'output'),
        GatewayMessage: {
          type: 'object',
          description: 'An answer API Gateway or the web ACL gives itself, in API Gateway’s own shape',
          properties: { message: { type: 'string' } },
          required: ['message'],
        },
      },
    },
  };
}

export function renderOpenApiDocument(): string {
  return `${JSON.stringify(buildOpenApiDocument(), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(OPENAPI_PATH, renderOpenApiDocument());
  console.log(`wrote ${OPENAPI_PATH}`);
}

/**
 * The OpenAPI 3.0 document, derived from the route table and its schemas. `npm run openapi` writes it
 * to docs/openapi.json, which is committed so that contract changes show up in review; a unit test
 * fails when the committed file is out of date, Spectral and Redocly lint it (`make api-lint`) and
 * schemathesis holds local mode to it (`make api-fuzz`).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { canonicalHeaderName } from '../functions/contract/cors-policy.ts';
import { errorSchema } from '../functions/contract/error-envelope.ts';
import { codesWithStatus, ERROR_CATALOGUE, ERROR_DESCRIPTIONS, type ErrorCode, errorCodesOf } from '../functions/contract/errors.ts';
import { MAX_BODY_BYTES } from '../functions/http/request.ts';
import { type RouteDefinition, routes as shippedRoutes } from '../functions/routes.ts';
import { documentedAs } from '../functions/tasks/schemas.ts';
import { GATEWAY_ANSWERS, GATEWAY_ERROR_SCHEMA, HEADERS_TOO_LARGE } from './openapi/gateway-answers.ts';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; required?: string[] };

export const OPENAPI_PATH = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));

/** What the functions' error envelope means at one status for one route: its codes there, from the error catalogue. */
function functionErrorsAt(status: number, codes: readonly ErrorCode[]): string {
  return codesWithStatus(status)
    .filter((code) => codes.includes(code))
    .map((code) => `${code}: ${ERROR_DESCRIPTIONS[code]}`)
    .join('; ');
}

const ERROR = { $ref: '#/components/schemas/Error' };
const GATEWAY_ERROR = { $ref: '#/components/schemas/GatewayError' };
const CACHE_CONTROL = { 'Cache-Control': { $ref: '#/components/headers/CacheControl' } };

const ACCEPTED_MEDIA_TYPES =
  'Content-Type application/json (parameters such as charset are allowed), or any other application/<subtype>+json type; ' +
  'anything else is 415 unsupported_media_type.';

function schemaOf(schema: z.core.$ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...json } = z.toJSONSchema(schema, {
    io,
    target: 'openapi-3.0',
    unrepresentable: 'any',
    // A value whose wire form zod cannot describe is documented as schemas.ts registers it.
    override: ({ zodSchema, jsonSchema }) => {
      const documented = documentedAs.get(zodSchema);
      if (!documented) return;
      for (const key of Object.keys(jsonSchema)) delete (jsonSchema as Record<string, unknown>)[key];
      Object.assign(jsonSchema, documented);
    },
  }) as JsonSchema;
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

function jsonContent(schema: unknown) {
  return { 'application/json': { schema } };
}

/** One error response: the function's envelope, the gateway's `{"message"}`, or either. */
function errorResponse(status: number, codes: readonly ErrorCode[]) {
  const gateway = GATEWAY_ANSWERS[status];
  const fromFunction = functionErrorsAt(status, codes);
  const descriptions = [
    ...(fromFunction ? [`From the function: ${fromFunction}.`] : []),
    ...(gateway ? [`From API Gateway (${gateway.messages.map((message) => `"${message}"`).join(' or ')}): ${gateway.description}.`] : []),
  ];
  const schemas = [...(fromFunction ? [ERROR] : []), ...(gateway ? [GATEWAY_ERROR] : [])];
  return {
    description: descriptions.join(' '),
    headers: {
      ...CACHE_CONTROL,
      ...(status === 429 ? { 'Retry-After': { $ref: '#/components/headers/RetryAfter' } } : {}),
    },
    content: jsonContent(schemas.length === 1 ? schemas[0] : { oneOf: schemas }),
  };
}

/** The success response's headers: every one says no-store; a task's also carries its ETag, a new one its Location. */
function successHeaders(route: RouteDefinition) {
  const returnsTask = route.success.body !== undefined && route.success.status !== 204 && !route.paginated;
  return {
    ...CACHE_CONTROL,
    ...(returnsTask ? { ETag: { $ref: '#/components/headers/ETag' } } : {}),
    ...(route.operationId === 'createTask' ? { Location: { $ref: '#/components/headers/Location' } } : {}),
  };
}

/** From a created task to what can be done with it next (schemathesis follows these in its stateful phase). */
const CREATED_TASK_LINKS = {
  GetTask: { operationId: 'getTask', parameters: { taskId: '$response.body#/task/task_id' }, description: 'Read the new task' },
  UpdateTask: {
    operationId: 'updateTask',
    parameters: { taskId: '$response.body#/task/task_id', 'header.If-Match': '$response.header.ETag' },
    description: 'Change the new task, on condition that it has not changed since',
  },
  DeleteTask: { operationId: 'deleteTask', parameters: { taskId: '$response.body#/task/task_id' }, description: 'Delete the new task' },
};

function operation(route: RouteDefinition) {
  const codes = errorCodesOf(route);
  const functionStatuses = new Set<number>(codes.map((code) => ERROR_CATALOGUE[code].status));
  const statuses = [...new Set([...functionStatuses, ...Object.keys(GATEWAY_ANSWERS).map(Number)])].sort();
  return {
    operationId: route.operationId,
    summary: route.summary,
    description: route.summary,
    tags: [route.adminOnly ? 'admin' : 'tasks'],
    security: [{ CognitoUserPool: [] }],
    parameters: [
      ...parameters(route.request.params, 'path'),
      ...parameters(route.request.query, 'query'),
      ...parameters(route.request.headers, 'header'),
    ],
    ...(route.request.body
      ? {
          requestBody: {
            required: true,
            description: `${ACCEPTED_MEDIA_TYPES} At most ${MAX_BODY_BYTES / 1024} KiB.`,
            content: jsonContent(schemaOf(route.request.body, 'input')),
          },
        }
      : {}),
    responses: {
      [route.success.status]: {
        description: route.success.description,
        headers: successHeaders(route),
        ...(route.success.body ? { content: jsonContent(schemaOf(route.success.body, 'output')) } : {}),
        ...(route.operationId === 'createTask' ? { links: CREATED_TASK_LINKS } : {}),
      },
      ...Object.fromEntries(statuses.map((status) => [status, errorResponse(status, codes)])),
      [HEADERS_TOO_LARGE.status]: {
        description: HEADERS_TOO_LARGE.description,
        headers: CACHE_CONTROL,
        content: jsonContent(GATEWAY_ERROR),
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
        'Errors from the functions use the envelope {"error": {"code", "message", "details"?}, "request_id"} (schema Error); ' +
        'answers API Gateway gives itself keep its own shape {"message"} (schema GatewayError).',
    },
    servers: [
      {
        url: 'https://{restApiId}.execute-api.{region}.amazonaws.com/{stage}',
        description: 'A deployed stage (the api_url output of `cdktf output`)',
        variables: {
          restApiId: { default: 'abcdef1234', description: 'The REST API id' },
          region: { default: 'eu-west-1', description: 'The AWS region of the stage' },
          stage: { default: 'dev', enum: ['dev', 'prod'] },
        },
      },
      { url: 'http://localhost:3000', description: 'Local mode (`npm start`)' },
    ],
    tags: [
      { name: 'tasks', description: 'The caller’s own tasks' },
      { name: 'admin', description: 'Every user’s tasks, for members of the admin group' },
    ],
    paths,
    components: {
      securitySchemes: {
        CognitoUserPool: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          description: 'The raw Cognito ID token (not an access token); `Bearer <token>` is accepted too',
          'x-amazon-apigateway-authtype': 'cognito_user_pools',
        },
      },
      headers: {
        CacheControl: {
          description: 'Every answer, the function’s or the gateway’s, is not to be stored',
          required: true,
          schema: { type: 'string', enum: ['no-store'] },
        },
        ETag: {
          description: 'The task’s version as a strong entity tag: send it back in If-Match to update or delete only that version',
          required: true,
          schema: { type: 'string', pattern: '^"[0-9]+"$' },
        },
        Location: {
          description: 'The new task’s URL path, under the path the request was sent to (with the stage on an execute-api URL)',
          required: true,
          schema: { type: 'string' },
        },
        RetryAfter: { description: 'Seconds to wait before trying again', schema: { type: 'integer', minimum: 1 } },
      },
      schemas: {
        Error: schemaOf(errorSchema, 'output'),
        GatewayError: GATEWAY_ERROR_SCHEMA,
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

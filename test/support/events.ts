/** API Gateway REST proxy events, shaped as the Cognito-authorized gateway sends them. */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { idToken } from './id-tokens.ts';

export const USER_A = '11111111-aaaa-4aaa-8aaa-111111111111';
export const USER_B = '22222222-bbbb-4bbb-8bbb-222222222222';

/** Body fields a client may never send: the server owns them, or they are storage internals. */
export const SERVER_OWNED_FIELDS = [
  'task_id',
  'version',
  'created_at',
  'updated_at',
  'user_id',
  'owner_id',
  'PK',
  'SK',
  'GSI1PK',
  'entity',
  'expires_at',
];

export interface EventOptions {
  method?: string;
  path?: string;
  resource?: string;
  body?: unknown;
  rawBody?: string | null;
  headers?: Record<string, string>;
  query?: Record<string, string | string[]>;
  pathParameters?: Record<string, string> | null;
  sub?: string | null;
  /**
   * The caller's Cognito groups: the ID token in Authorization holds them as an array, and the claims
   * comma-joined as API Gateway REST passes them (or as `groupsClaim` says).
   */
  groups?: readonly string[];
  /** The `cognito:groups` claim text, whatever `groups` says. */
  groupsClaim?: string;
  isBase64Encoded?: boolean;
}

export function makeEvent(options: EventOptions = {}): APIGatewayProxyEvent {
  const method = options.method ?? 'GET';
  const path = options.path ?? '/tasks';
  const hasBody = options.body !== undefined || options.rawBody !== undefined;
  const sub = options.sub === null ? undefined : (options.sub ?? USER_A);
  const headers: Record<string, string> = {
    ...(hasBody ? { 'Content-Type': 'application/json' } : {}),
    ...(options.groups !== undefined && sub !== undefined ? { Authorization: idToken(sub, options.groups) } : {}),
    ...options.headers,
  };
  const multiQuery = options.query
    ? Object.fromEntries(Object.entries(options.query).map(([name, value]) => [name, Array.isArray(value) ? value : [value]]))
    : null;
  const query = multiQuery ? Object.fromEntries(Object.entries(multiQuery).map(([name, values]) => [name, values.at(-1) as string])) : null;
  const claims: Record<string, string> = {};
  if (sub !== undefined) claims.sub = sub;
  const groupsClaim = options.groupsClaim ?? (options.groups?.length ? options.groups.join(',') : undefined);
  if (groupsClaim !== undefined) claims['cognito:groups'] = groupsClaim;
  return {
    resource: options.resource ?? path,
    path,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: query,
    multiValueQueryStringParameters: multiQuery,
    pathParameters: options.pathParameters ?? null,
    stageVariables: null,
    body: options.rawBody !== undefined ? options.rawBody : hasBody ? JSON.stringify(options.body) : null,
    isBase64Encoded: options.isBase64Encoded ?? false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'test-api',
      authorizer: { claims },
      protocol: 'HTTP/1.1',
      httpMethod: method,
      identity: { sourceIp: '127.0.0.1' } as APIGatewayProxyEvent['requestContext']['identity'],
      path: `/test${path}`,
      stage: 'test',
      requestId: 'req-test-1',
      requestTimeEpoch: Date.now(),
      resourceId: 'res',
      resourcePath: options.resource ?? path,
    },
  };
}

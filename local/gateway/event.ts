/**
 * The two translations a REST API's Lambda proxy integration makes: an HTTP request into the proxy
 * event API Gateway sends, and the function's result back into an HTTP response.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { clfTime } from './dates.ts';

export interface IncomingRequest {
  method: string;
  /** The path as sent, without the query string (still percent-encoded). */
  rawPath: string;
  /** Everything after `?`, or '' when there is none. */
  rawQuery: string;
  /** Node's `req.rawHeaders`: name, value, name, value, … with the client's casing. */
  rawHeaders: readonly string[];
  body: Buffer;
  sourceIp: string;
  /** The port the gateway listens on, for X-Forwarded-Port. */
  localPort: number;
  protocol: string;
}

export interface EventContext {
  requestId: string;
  stage: string;
  /** The matched resource, e.g. `/tasks/{taskId}`. */
  resource: string;
  pathParameters: Record<string, string> | null;
  claims: Record<string, string>;
  now: Date;
  apiId?: string;
  accountId?: string;
}

export const LOCAL_API_ID = 'local';
export const LOCAL_ACCOUNT_ID = '000000000000';

export function buildProxyEvent(request: IncomingRequest, context: EventContext): APIGatewayProxyEvent {
  const { headers, multiValueHeaders } = headersOf(request);
  const { single: queryStringParameters, multi: multiValueQueryStringParameters } = queryOf(request.rawQuery);
  const path = decodePath(request.rawPath);
  const hostHeader = lookup(headers, 'host') ?? 'localhost';
  const domainName = hostHeader.replace(/:\d+$/, '');
  const userAgent = lookup(headers, 'user-agent') ?? null;
  return {
    resource: context.resource,
    path,
    httpMethod: request.method,
    headers,
    multiValueHeaders,
    queryStringParameters,
    multiValueQueryStringParameters,
    pathParameters: context.pathParameters,
    stageVariables: null,
    body: request.body.byteLength > 0 ? request.body.toString('utf8') : null,
    isBase64Encoded: false,
    requestContext: {
      accountId: context.accountId ?? LOCAL_ACCOUNT_ID,
      apiId: context.apiId ?? LOCAL_API_ID,
      authorizer: { claims: context.claims },
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      extendedRequestId: randomBytes(12).toString('base64url'),
      httpMethod: request.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: request.sourceIp,
        user: null,
        userAgent,
        userArn: null,
      },
      path,
      protocol: request.protocol,
      requestId: context.requestId,
      requestTime: clfTime(context.now),
      requestTimeEpoch: context.now.getTime(),
      resourceId: createHash('sha256').update(context.resource).digest('hex').slice(0, 6),
      resourcePath: context.resource,
      stage: context.stage,
    },
  };
}

/**
 * Header names keep the client's casing; a header sent more than once (in any casing) is one entry with
 * all its values in `multiValueHeaders` and the last one in `headers`. API Gateway adds the forwarding
 * headers its load balancer would.
 */
function headersOf(request: IncomingRequest) {
  // Maps, not plain objects: a client's header may be called `__proto__` or `constructor`.
  const names = new Map<string, string>();
  const multi = new Map<string, string[]>();
  const add = (name: string, value: string) => {
    const key = name.toLowerCase();
    const existing = names.get(key);
    if (existing) multi.get(existing)?.push(value);
    else {
      names.set(key, name);
      multi.set(name, [value]);
    }
  };
  for (let index = 0; index + 1 < request.rawHeaders.length; index += 2) {
    add(request.rawHeaders[index] as string, request.rawHeaders[index + 1] as string);
  }
  const forwardedFor = names.get('x-forwarded-for');
  if (forwardedFor) {
    const values = multi.get(forwardedFor) as string[];
    values.splice(0, values.length, `${values.join(', ')}, ${request.sourceIp}`);
  } else add('X-Forwarded-For', request.sourceIp);
  if (!names.has('x-forwarded-port')) add('X-Forwarded-Port', String(request.localPort));
  if (!names.has('x-forwarded-proto')) add('X-Forwarded-Proto', 'http');
  if (!names.has('x-amzn-trace-id')) add('X-Amzn-Trace-Id', traceId());
  // Object.fromEntries defines own properties, so any name (even `__proto__`) is kept as sent.
  const multiValueHeaders: Record<string, string[]> = Object.fromEntries(multi);
  const headers: Record<string, string> = Object.fromEntries([...multi].map(([name, values]) => [name, values.at(-1) as string]));
  return { headers, multiValueHeaders };
}

/** Query parameters, decoded; both maps are null when the request has none, as API Gateway sends them. */
export function queryOf(rawQuery: string): {
  single: Record<string, string> | null;
  multi: Record<string, string[]> | null;
} {
  const multi = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(rawQuery)) {
    if (name === '') continue;
    const values = multi.get(name);
    if (values) values.push(value);
    else multi.set(name, [value]);
  }
  if (multi.size === 0) return { single: null, multi: null };
  const single = Object.fromEntries([...multi].map(([name, values]) => [name, values.at(-1) as string]));
  return { single, multi: Object.fromEntries(multi) };
}

function decodePath(rawPath: string): string {
  try {
    return decodeURI(rawPath);
  } catch {
    return rawPath;
  }
}

function lookup(headers: Record<string, string>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

function traceId(): string {
  const seconds = Math.floor(Date.now() / 1000).toString(16);
  return `Root=1-${seconds}-${randomBytes(12).toString('hex')}`;
}

export { clfTime };

export interface HttpResponse {
  status: number;
  /** Name and value pairs; a name may repeat. */
  headers: Array<[string, string]>;
  body: Buffer;
}

/**
 * The function's result as API Gateway maps it: `headers` and `multiValueHeaders` merged (for a name in
 * both, the multi-value list wins), a base64 body decoded, Content-Type defaulting to application/json.
 * Anything that is not a valid proxy result is undefined: API Gateway answers 502 for it.
 */
export function toHttpResponse(result: unknown): HttpResponse | undefined {
  if (typeof result !== 'object' || result === null) return undefined;
  const { statusCode, headers, multiValueHeaders, body, isBase64Encoded } = result as Record<string, unknown>;
  const status = typeof statusCode === 'string' && /^\d+$/.test(statusCode) ? Number(statusCode) : statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) return undefined;
  if (body !== undefined && body !== null && typeof body !== 'string') return undefined;
  if (!isRecord(headers, true) || !isRecord(multiValueHeaders, true)) return undefined;

  const pairs: Array<[string, string]> = [];
  const multiNames = new Set<string>();
  for (const [name, values] of Object.entries(multiValueHeaders ?? {})) {
    if (!Array.isArray(values)) return undefined;
    multiNames.add(name.toLowerCase());
    for (const value of values) pairs.push([name, String(value)]);
  }
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (multiNames.has(name.toLowerCase()) || value === undefined || value === null) continue;
    if (typeof value === 'object') return undefined;
    pairs.push([name, String(value)]);
  }
  if (!pairs.some(([name]) => name.toLowerCase() === 'content-type')) pairs.push(['Content-Type', 'application/json']);
  const text = body ?? '';
  return { status, headers: pairs, body: isBase64Encoded === true ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8') };
}

function isRecord(value: unknown, optional: boolean): value is Record<string, unknown> | null | undefined {
  if (value === undefined || value === null) return optional;
  return typeof value === 'object' && !Array.isArray(value);
}

import type { APIGatewayProxyEvent } from 'aws-lambda';
import { InvalidJsonError, PayloadTooLargeError, UnauthorizedError, UnsupportedMediaTypeError } from './http-errors.ts';
import { isStorableUserId } from '../dynamodb/keys.ts';
import { ValidationError } from '../tasks/errors.ts';

export const MAX_BODY_BYTES = 16 * 1024;

export interface Caller {
  userId: string;
}

/** Header names lower-cased; a header sent more than once keeps its last value, as API Gateway does. */
export function headersOf(event: APIGatewayProxyEvent): Record<string, string> {
  // A Map, then own properties: a header (or query parameter) may be called `__proto__` or `constructor`.
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers.set(name.toLowerCase(), value);
  }
  for (const [name, values] of Object.entries(event.multiValueHeaders ?? {})) {
    const last = values?.at(-1);
    if (last !== undefined) headers.set(name.toLowerCase(), last);
  }
  return Object.fromEntries(headers);
}

/** Query parameters; a parameter given twice is ambiguous and rejected rather than silently picked. */
export function queryOf(event: APIGatewayProxyEvent): Record<string, string> {
  const multi = event.multiValueQueryStringParameters ?? {};
  const repeated = Object.entries(multi)
    .filter(([, values]) => (values?.length ?? 0) > 1)
    .map(([name]) => ({ field: `query.${name}`, message: 'must be given at most once' }));
  if (repeated.length > 0) throw new ValidationError(repeated);
  return Object.fromEntries(
    Object.entries(event.queryStringParameters ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/** The JSON body, or undefined when there is none. */
export function jsonBodyOf(event: APIGatewayProxyEvent, headers: Record<string, string>): unknown {
  if (event.body === null || event.body === undefined || event.body === '') return undefined;
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
  if (raw.byteLength > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  if (!isJsonMediaType(headers['content-type'])) throw new UnsupportedMediaTypeError();
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new InvalidJsonError();
  }
}

function isJsonMediaType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase();
  return mediaType === 'application/json' || /^application\/[\w.+-]+\+json$/.test(mediaType ?? '');
}

/**
 * The caller as the Cognito authorizer identified them. Identity comes from the verified claims only,
 * never from the body, path or query. (Groups are not read from the claims: see groups.ts.)
 */
export function callerOf(event: APIGatewayProxyEvent): Caller {
  const claims = (event.requestContext?.authorizer?.claims ?? {}) as Record<string, unknown>;
  const userId = claims.sub;
  // A subject no storage key can hold (Cognito's are UUIDs) identifies nobody: 401, never a failed write.
  if (typeof userId !== 'string' || !isStorableUserId(userId)) throw new UnauthorizedError();
  return { userId };
}

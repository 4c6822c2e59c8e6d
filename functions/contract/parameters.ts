/**
 * The HTTP request's own parts: path parameters, query-string fields (numbers arrive as text) and request
 * headers (If-Match, Idempotency-Key). Validation rules, the handlers' input types, API Gateway's required
 * parameters, CORS's allowed headers and the API document all come from these schemas; the body and
 * response shapes are the domain's (tasks/schemas.ts).
 */
import * as z from 'zod/mini';
import { documentedAs, taskStatus, ULID_PATTERN } from '../tasks/schemas.ts';

export const PAGE_LIMIT_MAX = 100;
export const PAGE_LIMIT_DEFAULT = 50;

/** Routes that take no query parameters still reject them, as the list routes reject unknown ones. */
export const noQuery = z.strictObject({});

export const taskPathParams = z.strictObject({
  taskId: z.string().check(z.regex(ULID_PATTERN, 'must be a task id (a ULID)')),
});

const limit = z
  ._default(
    z.pipe(
      z.pipe(z.string().check(z.regex(/^\d{1,3}$/, `must be a whole number from 1 to ${PAGE_LIMIT_MAX}`)), z.transform(Number)),
      z.number().check(z.int(), z.minimum(1), z.maximum(PAGE_LIMIT_MAX)),
    ),
    PAGE_LIMIT_DEFAULT,
  )
  .register(documentedAs, {
    type: 'integer',
    minimum: 1,
    maximum: PAGE_LIMIT_MAX,
    default: PAGE_LIMIT_DEFAULT,
    description: `Page size, 1 to ${PAGE_LIMIT_MAX} (default ${PAGE_LIMIT_DEFAULT}), in plain digits`,
  });
const nextToken = z
  .string()
  .check(z.minLength(1), z.maxLength(2048))
  .register(z.globalRegistry, { description: 'The next_token of the previous page, as given (honoured for 24 hours by default)' });

export const listTasksQuery = z.strictObject({ status: z.optional(taskStatus), limit, next_token: z.optional(nextToken) });
export const adminListTasksQuery = z.strictObject({ status: z._default(taskStatus, 'pending'), limit, next_token: z.optional(nextToken) });

export const createTaskHeaders = z.object({
  'idempotency-key': z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of A-Z, a-z, 0-9, _ and -'))),
});

/**
 * `If-Match: "3"` (the task's ETag; a bare `3` too) makes a write conditional on that version; `*` only
 * asks that the task exist, which every update and delete does anyway. Weak ETags (`W/"3"`) never match
 * under If-Match's strong comparison, so they are refused as a client error rather than always failing.
 */
export const conditionalHeaders = z.object({
  'if-match': z.optional(
    z.pipe(
      z.string().check(z.regex(/^[ \t]*(\*|"[0-9]{1,15}"|[0-9]{1,15})[ \t]*$/, 'must be the ETag of the task, like "3", or *')),
      z.transform((value: string) => (value.trim() === '*' ? undefined : Number(value.replace(/\D/g, '')))),
    ),
  ),
});

/** The names (lower case, as the handlers read them) of an object schema's fields: a route's headers or query fields. */
export function fieldNamesOf(schema: z.core.$ZodType | undefined): string[] {
  const shape = (schema as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape) : [];
}

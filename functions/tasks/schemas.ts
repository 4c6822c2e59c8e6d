/**
 * Request and response schemas: the single source of the validation rules, the TypeScript input types
 * and the OpenAPI document. Written with zod/mini, whose functional API lets esbuild drop what a handler
 * does not use: the full zod API cost every bundle ~300 KB more.
 */
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { TASK_STATUSES } from './task.ts';

// zod/mini ships without messages; the English ones are what clients read in error details.
z.config(en());

export const TITLE_MAX = 200;
export const DESCRIPTION_MAX = 2000;
export const PAGE_LIMIT_MAX = 100;
export const PAGE_LIMIT_DEFAULT = 50;
/** Crockford base32, 26 characters: what `ulid()` produces. */
export const ULID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/**
 * How the API document shows a value whose wire form the zod schema cannot say by itself: `limit` is
 * digits in the query string but an integer to a client, and a title is trimmed before its length is
 * checked. scripts/openapi.ts puts the registered JSON Schema in place of the generated one; a unit test
 * proves each one accepts exactly what the zod schema accepts.
 */
export const documentedAs = z.registry<Record<string, unknown>>();

/** What String.prototype.trim removes (ECMAScript WhiteSpace and LineTerminator), spelled so every regex engine agrees. */
const TRIMMED_CHARACTERS = '\\t\\n\\u000b\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
/** A title as sent: optional surrounding whitespace around 1 to TITLE_MAX characters that start and end with a visible one. */
export const TITLE_PATTERN = `^[${TRIMMED_CHARACTERS}]*[^${TRIMMED_CHARACTERS}](?:[\\s\\S]{0,${TITLE_MAX - 2}}[^${TRIMMED_CHARACTERS}])?[${TRIMMED_CHARACTERS}]*$`;

const status = z.enum(TASK_STATUSES);
/** A lone UTF-16 surrogate cannot be stored as UTF-8 (DynamoDB would refuse the write with a 500). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const wellFormed = z.refine<string>((value) => !LONE_SURROGATE.test(value), { message: 'must be well-formed Unicode text' });
const title = z
  .string()
  .check(z.trim(), z.minLength(1), z.maxLength(TITLE_MAX), wellFormed)
  .register(documentedAs, {
    type: 'string',
    pattern: TITLE_PATTERN,
    description: `Trimmed of surrounding whitespace, then 1 to ${TITLE_MAX} characters (Unicode code points, as JSON Schema counts them); the trimmed title is stored`,
  });
const description = z.string().check(z.maxLength(DESCRIPTION_MAX), wellFormed);

export const createTaskBody = z.strictObject({
  title,
  description: z._default(description, ''),
  status: z._default(status, 'pending'),
});

export const updateTaskBody = z
  .strictObject({ title: z.optional(title), description: z.optional(description), status: z.optional(status) })
  .check(z.refine((patch) => Object.keys(patch).length > 0, { message: 'Give at least one of title, description, status' }))
  .register(z.globalRegistry, { minProperties: 1 });

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

export const listTasksQuery = z.strictObject({ status: z.optional(status), limit, next_token: z.optional(nextToken) });
export const adminListTasksQuery = z.strictObject({ status: z._default(status, 'pending'), limit, next_token: z.optional(nextToken) });

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

// Response shapes: used for the API document only; handlers build them from the domain types.
const dateTime = () => z.string().register(z.globalRegistry, { format: 'date-time', description: 'ISO-8601, UTC' });
export const taskSchema = z.object({
  task_id: z.string().check(z.regex(ULID_PATTERN)),
  title: z.string(),
  description: z.string(),
  status,
  created_at: dateTime(),
  updated_at: dateTime(),
  version: z.number().check(z.int(), z.minimum(1)),
});
export const ownedTaskSchema = z.extend(taskSchema, { owner_id: z.string() });
export const taskEnvelope = z.object({ task: taskSchema });
export const taskPageSchema = z.object({
  tasks: z.array(taskSchema),
  count: z.number().check(z.int()),
  next_token: z.nullable(z.string()),
});
export const ownedTaskPageSchema = z.extend(taskPageSchema, { tasks: z.array(ownedTaskSchema) });
export const errorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.optional(
      z.array(
        z.object({
          field: z.string(),
          message: z.string(),
          limit: z
            .optional(z.number().check(z.int()))
            .register(z.globalRegistry, { description: 'The limit the request ran into (quota_exceeded)' }),
        }),
      ),
    ),
  }),
  request_id: z.string(),
});

/**
 * The task's body and response schemas: the single source of the validation rules, the TypeScript input
 * types and the OpenAPI document (the HTTP request's own parts, path, query and headers, are in
 * contract/parameters.ts). Written with zod/mini, whose functional API lets esbuild drop what a handler
 * does not use: the full zod API cost every bundle ~300 KB more.
 */
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { TASK_STATUSES } from './task.ts';

// zod/mini ships without messages; the English ones are what clients read in error details.
z.config(en());

export const TITLE_MAX = 200;
export const DESCRIPTION_MAX = 2000;
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

export const taskStatus = z.enum(TASK_STATUSES);
const status = taskStatus;
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

/**
 * Request and response schemas: the single source of the validation rules, the TypeScript input types
 * and the OpenAPI document.
 */
import { z } from 'zod';
import { TASK_STATUSES } from './task.ts';

export const TITLE_MAX = 200;
export const DESCRIPTION_MAX = 2000;
export const PAGE_LIMIT_MAX = 100;
export const PAGE_LIMIT_DEFAULT = 50;
/** Crockford base32, 26 characters: what `ulid()` produces. */
export const ULID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

const status = z.enum(TASK_STATUSES);
const title = z.string().trim().min(1).max(TITLE_MAX);
const description = z.string().max(DESCRIPTION_MAX);

export const createTaskBody = z.strictObject({
  title,
  description: description.default(''),
  status: status.default('pending'),
});

export const updateTaskBody = z
  .strictObject({
    title: title.optional(),
    description: description.optional(),
    status: status.optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, {
    message: 'Give at least one of title, description, status',
  })
  .meta({ minProperties: 1 });

export const taskPathParams = z.strictObject({
  taskId: z.string().regex(ULID_PATTERN, 'must be a task id (a ULID)'),
});

const limit = z
  .string()
  .regex(/^\d{1,3}$/, `must be a whole number from 1 to ${PAGE_LIMIT_MAX}`)
  .transform(Number)
  .pipe(z.number().int().min(1).max(PAGE_LIMIT_MAX))
  .default(PAGE_LIMIT_DEFAULT)
  .meta({ description: `Page size, 1 to ${PAGE_LIMIT_MAX} (default ${PAGE_LIMIT_DEFAULT})` });
const nextToken = z.string().min(1).max(2048).meta({ description: 'The next_token of the previous page, as given' });

export const listTasksQuery = z.strictObject({
  status: status.optional(),
  limit,
  next_token: nextToken.optional(),
});

export const adminListTasksQuery = z.strictObject({
  status: status.default('pending'),
  limit,
  next_token: nextToken.optional(),
});

export const createTaskHeaders = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of A-Z, a-z, 0-9, _ and -')
    .optional(),
});

/** `If-Match: "3"` (a strong ETag of the version); `W/"3"` and a bare `3` are accepted too. */
export const conditionalHeaders = z.object({
  'if-match': z
    .string()
    .regex(/^\s*(W\/)?"?\d{1,15}"?\s*$/, 'must be the ETag of the task, like "3"')
    .transform((value) => Number(value.replace(/\D/g, '')))
    .optional(),
});

// Response shapes: used for the API document only; handlers build them from the domain types.
export const taskSchema = z.object({
  task_id: z.string().regex(ULID_PATTERN),
  title: z.string(),
  description: z.string(),
  status,
  created_at: z.string().meta({ format: 'date-time', description: 'ISO-8601, UTC' }),
  updated_at: z.string().meta({ format: 'date-time', description: 'ISO-8601, UTC' }),
  version: z.number().int().min(1),
});
export const ownedTaskSchema = taskSchema.extend({ owner_id: z.string() });
export const taskEnvelope = z.object({ task: taskSchema });
export const taskPageSchema = z.object({
  tasks: z.array(taskSchema),
  count: z.number().int(),
  next_token: z.string().nullable(),
});
export const ownedTaskPageSchema = taskPageSchema.extend({ tasks: z.array(ownedTaskSchema) });
export const errorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  }),
  request_id: z.string(),
});

export type CreateTaskBody = z.output<typeof createTaskBody>;
export type UpdateTaskBody = z.output<typeof updateTaskBody>;
export type ListTasksQuery = z.output<typeof listTasksQuery>;
export type AdminListTasksQuery = z.output<typeof adminListTasksQuery>;

import * as z from 'zod/mini';
import { type FieldIssue, ValidationError } from '../tasks/errors.ts';

/** Parses `input` with `schema`, or throws a ValidationError naming every offending field under `where`. */
export function validate<S extends z.core.$ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  // reportInput lets the messages tell a missing value from a wrong one; inputs are never echoed back.
  const result = z.safeParse(schema, input, { reportInput: true });
  if (result.success) return result.data;
  throw new ValidationError(result.error.issues.flatMap((issue) => toFieldIssues(issue, where)));
}

function toFieldIssues(issue: z.core.$ZodIssue, where: string): FieldIssue[] {
  const base = [where, ...issue.path.map(String)].join('.');
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ field: `${base}.${key}`, message: 'is not an accepted field' }));
  }
  return [{ field: base, message: describe(issue) }];
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required';
  return issue.message;
}

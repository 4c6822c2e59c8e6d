/**
 * Domain errors. Each carries the HTTP status and public code it maps to; the HTTP edge exposes
 * an error's message only when its status is below 500.
 */
export interface FieldIssue {
  field: string;
  message: string;
  /** The limit a field's value ran into, when there is one. */
  limit?: number;
}

export class DomainError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: FieldIssue[],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends DomainError {
  constructor(details: FieldIssue[], message = 'The request is not valid') {
    super(400, 'validation_failed', message, details);
  }
}

/** A next_token that is forged, altered, expired by a format change, or made for another caller or query. */
export function invalidPageToken(): ValidationError {
  return new ValidationError([{ field: 'query.next_token', message: 'is not a valid page token for this query' }]);
}

export class NotFoundError extends DomainError {
  constructor(message = 'Task not found') {
    super(404, 'not_found', message);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = 'You are not allowed to do this') {
    super(403, 'forbidden', message);
  }
}

export class PreconditionFailedError extends DomainError {
  constructor(message = 'The task has changed since you read it (If-Match does not match its version)') {
    super(412, 'precondition_failed', message);
  }
}

export class IdempotencyKeyReusedError extends DomainError {
  constructor(message = 'This Idempotency-Key was already used with a different request body') {
    super(409, 'idempotency_key_reused', message);
  }
}

export class QuotaExceededError extends DomainError {
  constructor(readonly limit: number) {
    super(409, 'quota_exceeded', `A user may have at most ${limit} tasks: delete some to create more`, [
      { field: 'tasks', message: `at most ${limit} tasks per user`, limit },
    ]);
  }
}

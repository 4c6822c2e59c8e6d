/**
 * Domain errors. Each names a public error code and nothing about HTTP: the error catalogue
 * (contract/errors.ts) says which status and default message a code gets, and the HTTP edge exposes an
 * error only when that status is below 500.
 */
export interface FieldIssue {
  field: string;
  message: string;
  /** The limit a field's value ran into, when there is one. */
  limit?: number;
}

export type DomainErrorCode = 'validation_failed' | 'not_found' | 'precondition_failed' | 'idempotency_key_reused' | 'quota_exceeded';

/** An error a client may be told about: its public code, and a message more specific than the code's own when there is one. */
export class CodedError<Code extends string = string> extends Error {
  /** Set only when the error says more than its code's catalogue message. */
  readonly specificMessage: string | undefined;

  constructor(
    readonly code: Code,
    message?: string,
    readonly details?: FieldIssue[],
  ) {
    super(message ?? code);
    this.name = new.target.name;
    this.specificMessage = message;
  }
}

export class DomainError extends CodedError<DomainErrorCode> {}

export class ValidationError extends DomainError {
  constructor(details: FieldIssue[], message?: string) {
    super('validation_failed', message, details);
  }
}

/** A next_token that is forged, altered, expired by a format change, or made for another caller or query. */
export function invalidPageToken(): ValidationError {
  return new ValidationError([{ field: 'query.next_token', message: 'is not a valid page token for this query' }]);
}

export class NotFoundError extends DomainError {
  constructor() {
    super('not_found');
  }
}

export class PreconditionFailedError extends DomainError {
  constructor() {
    super('precondition_failed');
  }
}

export class IdempotencyKeyReusedError extends DomainError {
  constructor() {
    super('idempotency_key_reused');
  }
}

export class QuotaExceededError extends DomainError {
  constructor(readonly limit: number) {
    super('quota_exceeded', `A user may have at most ${limit} tasks: delete some to create more`, [
      { field: 'tasks', message: `at most ${limit} tasks per user`, limit },
    ]);
  }
}

/**
 * The error catalogue: every public error code with its HTTP status, the message a client reads when the
 * error carries no more specific one, and what it means (ERROR_DESCRIPTIONS). The error mapper (http/response.ts), the API
 * document (scripts/openapi.ts) and the property tests all read this table; nothing else names a status
 * for an error.
 */
import type { RouteDefinition } from '../routes.ts';
import type { DomainErrorCode } from '../tasks/errors.ts';

export interface ErrorEntry {
  status: number;
  /** What the client reads when the error has no more specific message. */
  message: string;
}

/** Errors of the HTTP layer itself: the request could not be read, or names no caller. */
export type HttpErrorCode = 'invalid_json' | 'unauthorized' | 'forbidden' | 'payload_too_large' | 'unsupported_media_type';

export const INTERNAL_ERROR_CODE = 'internal';

export type ErrorCode = DomainErrorCode | HttpErrorCode | typeof INTERNAL_ERROR_CODE;

export const ERROR_CATALOGUE = {
  validation_failed: { status: 400, message: 'The request is not valid' },
  invalid_json: { status: 400, message: 'The request body is not valid JSON' },
  unauthorized: { status: 401, message: 'The request has no authenticated caller' },
  forbidden: { status: 403, message: 'You are not allowed to do this' },
  not_found: { status: 404, message: 'Task not found' },
  idempotency_key_reused: { status: 409, message: 'This Idempotency-Key was already used with a different request body' },
  quota_exceeded: { status: 409, message: 'The caller has as many tasks as a user may have' },
  precondition_failed: { status: 412, message: 'The task has changed since you read it (If-Match does not match its version)' },
  payload_too_large: { status: 413, message: 'The request body is too large' },
  unsupported_media_type: { status: 415, message: 'Send the request body as application/json' },
  [INTERNAL_ERROR_CODE]: { status: 500, message: 'Internal server error' },
} as const satisfies Record<ErrorCode, ErrorEntry>;

/**
 * What each code means, for the API document: kept beside the catalogue but apart from it, so the
 * functions' bundles (which read only statuses and messages) leave the prose out.
 */
export const ERROR_DESCRIPTIONS = {
  validation_failed: 'a path, query, header or body field is not valid (details name each field)',
  invalid_json: 'the body does not parse as JSON',
  unauthorized: 'the verified token’s sub cannot name a user (a missing or invalid token is API Gateway’s 401)',
  forbidden: 'the caller is not in the admin group',
  not_found: 'no such task for this caller',
  idempotency_key_reused: 'the Idempotency-Key was used with another body',
  quota_exceeded: 'the caller has MAX_TASKS_PER_USER tasks already (details[0].limit)',
  precondition_failed: 'If-Match does not match the task version',
  payload_too_large: 'the body is over 16 KiB',
  unsupported_media_type: 'a body that is not JSON (see the request body’s media types)',
  [INTERNAL_ERROR_CODE]: 'a generic error; details are only in the logs',
} as const satisfies Record<ErrorCode, string>;

/** What any route can answer besides its own errors: the request is unreadable, unauthenticated, or the function fails. */
export const COMMON_ERROR_CODES: readonly ErrorCode[] = ['validation_failed', 'invalid_json', 'unauthorized', INTERNAL_ERROR_CODE];

/** Every error a route can answer with: the common ones, those its shape implies, and its own (`route.errors`). */
export function errorCodesOf(route: Pick<RouteDefinition, 'errors' | 'adminOnly' | 'request'>): ErrorCode[] {
  const fromShape: ErrorCode[] = [
    ...(route.request.body ? (['payload_too_large', 'unsupported_media_type'] as const) : []),
    ...(route.adminOnly ? (['forbidden'] as const) : []),
  ];
  return [...new Set([...COMMON_ERROR_CODES, ...fromShape, ...route.errors])];
}

/** The codes answered with one status, in catalogue order. */
export function codesWithStatus(status: number): ErrorCode[] {
  return (Object.keys(ERROR_CATALOGUE) as ErrorCode[]).filter((code) => ERROR_CATALOGUE[code].status === status);
}

import type { APIGatewayProxyResult } from 'aws-lambda';
import { ERROR_CATALOGUE, type ErrorCode, INTERNAL_ERROR_CODE } from '../contract/errors.ts';
import { CodedError } from '../tasks/errors.ts';
import type { ReplyOutcome } from './metrics.ts';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** What the operation turned out to be, for the metrics (e.g. a replayed idempotent create); never sent. */
  outcome?: ReplyOutcome;
  /** An error answer's public code, for the log line and the metrics (the body carries it too). */
  errorCode?: ErrorCode;
}

const BASE_HEADERS = {
  'Content-Type': 'application/json',
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
};

export function toResult(reply: Reply, extraHeaders: Record<string, string>): APIGatewayProxyResult {
  return {
    statusCode: reply.status,
    headers: { ...BASE_HEADERS, ...extraHeaders, ...reply.headers },
    body: reply.body === undefined ? '' : JSON.stringify(reply.body),
  };
}

/**
 * The one error envelope, with the status and default message the error catalogue gives the error's code.
 * An error is exposed only when that status is below 500; anything else is a generic 500 whose details
 * go to the log alone.
 */
export function errorReply(error: unknown, requestId: string): Reply {
  const code = error instanceof CodedError && error.code in ERROR_CATALOGUE ? (error.code as ErrorCode) : INTERNAL_ERROR_CODE;
  const entry = ERROR_CATALOGUE[code];
  if (error instanceof CodedError && entry.status < 500) {
    const body = { code, message: error.specificMessage ?? entry.message, ...(error.details ? { details: error.details } : {}) };
    return { status: entry.status, body: { error: body, request_id: requestId }, errorCode: code };
  }
  const internal = ERROR_CATALOGUE[INTERNAL_ERROR_CODE];
  return {
    status: internal.status,
    body: { error: { code: INTERNAL_ERROR_CODE, message: internal.message }, request_id: requestId },
    errorCode: INTERNAL_ERROR_CODE,
  };
}

export function etag(version: number): string {
  return `"${version}"`;
}

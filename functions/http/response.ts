import type { APIGatewayProxyResult } from 'aws-lambda';
import { DomainError } from '../tasks/errors.ts';
import type { ReplyOutcome } from './metrics.ts';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** What the operation turned out to be, for the metrics (e.g. a replayed idempotent create); never sent. */
  outcome?: ReplyOutcome;
  /** An error answer's public code, for the log line and the metrics (the body carries it too). */
  errorCode?: string;
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

export const INTERNAL_ERROR_CODE = 'internal';

/**
 * The one error envelope. An error is exposed only when its status is below 500; anything else is a
 * generic 500 whose details go to the log alone.
 */
export function errorReply(error: unknown, requestId: string): Reply {
  if (error instanceof DomainError && error.status < 500) {
    const body = { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) };
    return { status: error.status, body: { error: body, request_id: requestId }, errorCode: error.code };
  }
  return {
    status: 500,
    body: { error: { code: INTERNAL_ERROR_CODE, message: 'Internal server error' }, request_id: requestId },
    errorCode: INTERNAL_ERROR_CODE,
  };
}

export function etag(version: number): string {
  return `"${version}"`;
}

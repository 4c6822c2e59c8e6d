/**
 * The wrapper every handler uses: it turns an API Gateway proxy event into a validated request for the
 * route, runs the handler's action, and maps the result or error to a response with the same headers,
 * CORS and envelope everywhere. It logs one JSON line per invocation and emits its metrics (one
 * embedded-metric-format line: functions/http/metrics.ts), the one place either is written.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type * as z from 'zod/mini';
import { config } from '../config/env.ts';
import type { RouteDefinition } from '../routes.ts';
import { ADMIN_GROUP } from '../routes.ts';
import { type FieldIssue, ValidationError } from '../tasks/errors.ts';
import { corsHeaders } from './cors.ts';
import { verifiedGroups } from './groups.ts';
import { ForbiddenError } from './http-errors.ts';
import { describeError, emitMetrics, logJson, traceIdOf } from './log.ts';
import { metricsDocument } from './metrics.ts';
import { type Caller, callerOf, headersOf, jsonBodyOf, queryOf } from './request.ts';
import { errorReply, type Reply, toResult } from './response.ts';
import { validate } from './validation.ts';

type Part<R extends RouteDefinition, K extends keyof RouteDefinition['request']> = R['request'] extends {
  [P in K]: infer S extends z.core.$ZodType;
}
  ? z.output<S>
  : Record<string, never>;

export interface ValidRequest<R extends RouteDefinition> {
  requestId: string;
  /**
   * The path as the client addressed it: with the stage (`/dev/tasks`) on an execute-api URL, or the
   * base path on a custom domain, so links built from it resolve wherever the API is mounted.
   */
  requestPath: string;
  caller: Caller;
  params: Part<R, 'params'>;
  query: Part<R, 'query'>;
  headers: Part<R, 'headers'>;
  body: Part<R, 'body'>;
}

/** What a route's handler does with a valid request. */
export type Action<R extends RouteDefinition> = (request: ValidRequest<R>) => Promise<Reply>;

export type LambdaHandler = (event: APIGatewayProxyEvent, context?: Partial<Context>) => Promise<APIGatewayProxyResult>;

let coldStart = true;

/**
 * The handler of a route. A `paginated` route's handler is defined with definePagedHandler
 * (http/paged-handler.ts), which does the page tokens; only its bundle then carries the page-token key's KMS client.
 */
export function defineHandler<R extends RouteDefinition>(route: R, action: Action<R>): LambdaHandler {
  if (route.paginated) throw new Error(`${route.operationId} is paginated: define its handler with definePagedHandler`);
  return wrapHandler(route, action);
}

/** The wrapper itself, for defineHandler and definePagedHandler. */
export function wrapHandler<R extends RouteDefinition>(route: R, action: Action<R>): LambdaHandler {
  const routeKey = `${route.method} ${route.path}`;
  return async (event, context) => {
    const started = performance.now();
    const requestId = event.requestContext?.requestId ?? context?.awsRequestId ?? 'unknown';
    const headers = headersOf(event);
    let reply: Reply;
    let failure: unknown;
    try {
      reply = await action(await parseRequest(route, event, headers, requestId));
    } catch (error) {
      reply = errorReply(error, requestId);
      failure = error;
    }
    const unexpected = reply.status >= 500;
    const latencyMs = Math.round(performance.now() - started);
    const traceId = traceIdOf();
    logJson(unexpected ? 'error' : 'info', 'request', {
      request_id: requestId,
      route: routeKey,
      status: reply.status,
      latency_ms: latencyMs,
      cold_start: coldStart,
      ...(reply.errorCode ? { error_code: reply.errorCode } : {}),
      ...(traceId ? { xray_trace_id: traceId } : {}),
      ...(unexpected ? { error: describeError(failure) } : {}),
    });
    emitMetrics(
      metricsDocument({
        service: config().serviceName,
        route: routeKey,
        status: reply.status,
        latencyMs,
        coldStart,
        ...(reply.errorCode ? { errorCode: reply.errorCode } : {}),
        ...(reply.outcome ? { outcome: reply.outcome } : {}),
      }),
    );
    coldStart = false;
    return toResult(reply, corsHeaders(headers.origin, config().allowedOrigins));
  };
}

async function parseRequest<R extends RouteDefinition>(
  route: R,
  event: APIGatewayProxyEvent,
  headers: Record<string, string>,
  requestId: string,
): Promise<ValidRequest<R>> {
  const caller = callerOf(event);
  if (route.adminOnly && !(await verifiedGroups(headers.authorization, caller.userId)).includes(ADMIN_GROUP)) {
    throw new ForbiddenError(`Only members of the ${ADMIN_GROUP} group may do this`);
  }
  const rawBody = route.request.body ? jsonBodyOf(event, headers) : undefined;
  const issues: FieldIssue[] = [];
  const part = (schema: z.core.$ZodType | undefined, input: unknown, where: string) => {
    if (!schema) return {};
    try {
      return validate(schema, input, where);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      issues.push(...(error.details ?? []));
      return undefined;
    }
  };
  const request = {
    requestId,
    requestPath: event.requestContext?.path ?? event.path,
    caller,
    params: part(route.request.params, event.pathParameters ?? {}, 'path'),
    query: part(route.request.query, queryOf(event), 'query'),
    headers: part(route.request.headers, headers, 'header'),
    body: part(route.request.body, rawBody, 'body'),
  };
  if (issues.length > 0) throw new ValidationError(issues);
  return request as ValidRequest<R>;
}

/**
 * The local API Gateway (REST, Lambda proxy integrations): resources and methods from the route table,
 * the Cognito authorizer in front of every method, CORS preflight from the shared CORS config, the
 * 10 MB payload limit, the 29 s integration timeout, gateway responses shaped like API Gateway's, and one
 * access-log line per request. A function stopped at its own timeout (shorter: the infrastructure caps it
 * at 28 s) is a failed invocation, 502 Internal server error, as in AWS; 504 is for a wait past 29 s.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { Authorizer } from './authorizer.ts';
import { gatewayPreflightHeaders, gatewayResponseHeaders } from '../../functions/http/cors.ts';
import { buildProxyEvent, type HttpResponse, type IncomingRequest, toHttpResponse } from './event.ts';
import { createRouter, type RouteInfo, type Router } from './routing.ts';

export const INTEGRATION_TIMEOUT_MS = 29_000;
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/** Invokes a route's function; rejects when the function fails. `signal` aborts when the gateway gives up. */
export type Invoke = (route: RouteInfo, event: APIGatewayProxyEvent, signal: AbortSignal) => Promise<unknown>;

export interface GatewayOptions {
  /** The route table, or how to get the current one (local mode: from the current build, for hot reload). */
  routes: readonly RouteInfo[] | (() => Promise<readonly RouteInfo[]>);
  authorize: Authorizer;
  invoke: Invoke;
  allowedOrigins: readonly string[];
  stage?: string;
  timeoutMs?: number;
  maxPayloadBytes?: number;
  /** Receives each access-log line; none are written without it. */
  accessLog?: (line: string) => void;
  /** Receives gateway-side errors (a failed function, a malformed result, a timeout). */
  errorLog?: (message: string, fields: Record<string, unknown>) => void;
  /** Told of every answer: `METHOD /resource` (undefined off the route table), status, latency in ms. */
  onAnswered?: (route: string | undefined, status: number, latencyMs: number) => void;
}

interface GatewayAnswer {
  response: HttpResponse;
  resource?: string;
  integrationLatency?: number;
  error?: string;
  /** For the error log only: e.g. the function's stack trace. */
  errorDetail?: string;
}

export function createGateway(options: GatewayOptions) {
  const routers = new WeakMap<readonly RouteInfo[], Router>();
  const routerFor = (table: readonly RouteInfo[]) => {
    let router = routers.get(table);
    if (!router) {
      router = createRouter(table);
      routers.set(table, router);
    }
    return router;
  };
  const stage = options.stage ?? 'local';
  const timeoutMs = options.timeoutMs ?? INTEGRATION_TIMEOUT_MS;
  const maxPayloadBytes = options.maxPayloadBytes ?? MAX_PAYLOAD_BYTES;

  const gatewayResponse = (status: number, message: string, errorType: string, requestId: string): HttpResponse => {
    const headers: Array<[string, string]> = [
      ['Content-Type', 'application/json'],
      ['x-amzn-RequestId', requestId],
      ['x-amzn-ErrorType', errorType],
      ...Object.entries(gatewayResponseHeaders(options.allowedOrigins)),
    ];
    return { status, headers, body: Buffer.from(JSON.stringify({ message })) };
  };

  async function answer(req: IncomingMessage, requestId: string, body: () => Promise<Buffer | undefined>): Promise<GatewayAnswer> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
    const method = (req.method ?? 'GET').toUpperCase();
    const origin = header(req, 'origin');
    const fail = (status: number, message: string, errorType: string, error?: string): GatewayAnswer => ({
      response: gatewayResponse(status, message, errorType, requestId),
      ...(error ? { error } : {}),
    });

    let table: readonly RouteInfo[];
    try {
      table = typeof options.routes === 'function' ? await options.routes() : options.routes;
    } catch (error) {
      return fail(
        502,
        'Internal server error',
        'InternalServerErrorException',
        `no route table: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    const resource = routerFor(table).resource(rawPath);
    if (method === 'OPTIONS' && resource) {
      const headers: Array<[string, string]> = [
        ['Content-Type', 'application/json'],
        ['x-amzn-RequestId', requestId],
        ...Object.entries(gatewayPreflightHeaders(origin, options.allowedOrigins)),
      ];
      return { response: { status: 200, headers, body: Buffer.alloc(0) }, resource: resource.resource };
    }
    const route = resource?.methods.get(method);
    if (!resource || !route) return fail(403, 'Missing Authentication Token', 'MissingAuthenticationTokenException');

    const declaredLength = Number(header(req, 'content-length') ?? 0);
    const payload = declaredLength > maxPayloadBytes ? undefined : await body();
    if (!payload) {
      const tooLong = fail(413, 'Request Too Long', 'RequestTooLongException');
      tooLong.response.headers.push(['Connection', 'close']);
      return tooLong;
    }

    const authorized = await options.authorize(header(req, 'authorization'));
    if (!authorized.ok) return { ...fail(authorized.status, authorized.message, authorized.errorType), resource: resource.resource };

    const request: IncomingRequest = {
      method,
      rawPath,
      rawQuery: url.search.slice(1),
      rawHeaders: req.rawHeaders,
      body: payload,
      sourceIp: normalizeIp(req.socket.remoteAddress),
      localPort: req.socket.localPort ?? 0,
      protocol: `HTTP/${req.httpVersion}`,
    };
    const event = buildProxyEvent(request, {
      requestId,
      stage,
      resource: resource.resource,
      pathParameters: resource.pathParameters,
      claims: authorized.claims,
      now: new Date(),
    });

    const started = performance.now();
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      const result = await Promise.race([options.invoke(route, event, abort.signal), timedOut]);
      const integrationLatency = Math.round(performance.now() - started);
      if (result === 'timeout') {
        abort.abort();
        return {
          ...fail(504, 'Endpoint request timed out', 'IntegrationTimeout', `no answer within ${timeoutMs} ms`),
          resource: resource.resource,
          integrationLatency,
        };
      }
      const response = toHttpResponse(result);
      if (!response) {
        return {
          ...fail(502, 'Internal server error', 'InternalServerErrorException', 'malformed Lambda proxy response'),
          resource: resource.resource,
          integrationLatency,
        };
      }
      response.headers.push(['x-amzn-RequestId', requestId]);
      return { response, resource: resource.resource, integrationLatency };
    } catch (error) {
      const integrationLatency = Math.round(performance.now() - started);
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      const stack = (error as { detail?: { stack?: unknown } }).detail?.stack;
      return {
        ...fail(502, 'Internal server error', 'InternalServerErrorException', reason),
        resource: resource.resource,
        integrationLatency,
        ...(typeof stack === 'string' ? { errorDetail: stack } : {}),
      };
    } finally {
      clearTimeout(timer);
    }
  }

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const started = performance.now();
    const requestTime = new Date();
    let result: GatewayAnswer;
    try {
      result = await answer(req, requestId, () => readBody(req, maxPayloadBytes));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      result = {
        response: gatewayResponse(500, 'Internal server error', 'InternalServerErrorException', requestId),
        error: reason,
      };
    }
    let { response } = result;
    try {
      writeResponse(res, response);
    } catch (error) {
      // A header value Node refuses (e.g. a control character) is a malformed result to API Gateway too.
      response = gatewayResponse(502, 'Internal server error', 'InternalServerErrorException', requestId);
      result.error = `invalid response header: ${error instanceof Error ? error.message : String(error)}`;
      if (!res.headersSent) writeResponse(res, response);
      else res.destroy();
    }
    if (result.error && options.errorLog) {
      options.errorLog('integration error', {
        requestId,
        error: result.error,
        ...(result.errorDetail ? { detail: result.errorDetail } : {}),
      });
    }
    const latency = Math.round(performance.now() - started);
    options.onAnswered?.(result.resource ? `${req.method} ${result.resource}` : undefined, response.status, latency);
    options.accessLog?.(
      JSON.stringify({
        requestId,
        ip: normalizeIp(req.socket.remoteAddress),
        requestTime: requestTime.toISOString(),
        httpMethod: req.method,
        resourcePath: result.resource ?? null,
        path: req.url,
        status: response.status,
        protocol: `HTTP/${req.httpVersion}`,
        responseLength: response.body.byteLength,
        integrationLatency: result.integrationLatency ?? null,
        latency,
        ...(result.error ? { error: result.error } : {}),
      }),
    );
  };
}

function writeResponse(res: ServerResponse, response: HttpResponse): void {
  const grouped = new Map<string, { name: string; values: string[] }>();
  for (const [name, value] of response.headers) {
    const key = name.toLowerCase();
    const entry = grouped.get(key);
    if (entry) entry.values.push(value);
    else grouped.set(key, { name, values: [value] });
  }
  for (const { name, values } of grouped.values()) res.setHeader(name, values.length === 1 ? (values[0] as string) : values);
  res.setHeader('Content-Length', String(response.body.byteLength));
  res.writeHead(response.status);
  res.end(response.body);
}

/** The request body, or undefined once it passes `limit` bytes (the rest is discarded). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        if (!tooLarge) {
          tooLarge = true;
          chunks.length = 0;
          resolve(undefined);
        }
        return;
      }
      if (!tooLarge) chunks.push(chunk);
    });
    req.on('end', () => {
      if (!tooLarge) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.at(-1) : value;
}

function normalizeIp(address: string | undefined): string {
  if (!address) return '127.0.0.1';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

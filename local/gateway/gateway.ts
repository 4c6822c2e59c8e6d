/**
 * The local API Gateway (REST, Lambda proxy integrations): resources and methods from the route table,
 * the Cognito authorizer in front of every method, CORS preflight from the shared CORS config, the
 * 10 MB payload limit, the 29 s integration timeout, gateway responses shaped like API Gateway's, and one
 * access-log line per request. In front of it, the web ACL's per-caller rate limit (limits.ts); behind it,
 * a bounded number of concurrent invocations per function, with a bounded queue. A request is routed and
 * authorized before its body is read; one refused earlier (or too long) is answered without reading the
 * rest, and `100 Continue` is only sent to a request that will be served. A function stopped at its own timeout (shorter: the infrastructure caps it
 * at 28 s) is a failed invocation, 502 Internal server error, as in AWS; 504 is for a wait past 29 s.
 */
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { Authorizer } from './authorizer.ts';
import { type CorsPolicy, corsPolicy } from '../../functions/contract/cors-policy.ts';
import { gatewayPreflightHeaders, gatewayResponseHeaders } from '../../functions/http/cors.ts';
import { buildProxyEvent, type HttpResponse, type IncomingRequest, toHttpResponse } from './event.ts';
import { type ConcurrencyLimit, createConcurrencyLimiter, createRateLimiter, type RateLimit, type Release } from './limits.ts';
import { createRouter, type RouteInfo, type Router } from './routing.ts';

export const INTEGRATION_TIMEOUT_MS = 29_000;
/** The messages of the answers the gateway gives itself, worded as API Gateway words them (the API document lists them). */
export const GATEWAY_MESSAGES = {
  missingAuthenticationToken: 'Missing Authentication Token',
  requestTooLong: 'Request Too Long',
  tooManyRequests: 'Too Many Requests',
  internalServerError: 'Internal server error',
  endpointRequestTimedOut: 'Endpoint request timed out',
  badRequest: 'Bad Request',
  requestHeaderFieldsTooLarge: 'Request Header Fields Too Large',
} as const;
export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
/** Four invocations of a function at a time (a sandbox is one thread), 256 more waiting: a burst queues instead of timing out. */
export const DEFAULT_CONCURRENCY: ConcurrencyLimit = { perFunction: 4, queue: 256 };
/** A full queue empties quickly: try again in a second. */
const QUEUE_FULL_RETRY_AFTER_SECONDS = 1;
/** A client still sending a body the gateway refused gets this long to read the answer before the connection is dropped. */
const REFUSED_BODY_GRACE_MS = 5000;

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
  /** Each function's concurrent invocations and queue (DEFAULT_CONCURRENCY without it). */
  concurrency?: ConcurrencyLimit;
  /** The web ACL's per-caller rate limit (requests per window and Authorization header); none without it. */
  rateLimit?: RateLimit;
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

/** How the gateway gets at a request's body: read only once the request may reach a function. */
interface BodyReader {
  /** The body (after `100 Continue` when the client waits for it), or undefined once it passes the limit. */
  read(): Promise<Buffer | undefined>;
}

export function createGateway(options: GatewayOptions) {
  /** Per route table (a new build brings a new one): its router and the CORS policy of its routes. */
  const served = new WeakMap<readonly RouteInfo[], { router: Router; cors: CorsPolicy }>();
  const servedBy = (table: readonly RouteInfo[]) => {
    let entry = served.get(table);
    if (!entry) {
      entry = { router: createRouter(table), cors: corsPolicy(table) };
      served.set(table, entry);
    }
    return entry;
  };
  const stage = options.stage ?? 'local';
  const timeoutMs = options.timeoutMs ?? INTEGRATION_TIMEOUT_MS;
  const maxPayloadBytes = options.maxPayloadBytes ?? MAX_PAYLOAD_BYTES;
  const acquire = createConcurrencyLimiter(options.concurrency ?? DEFAULT_CONCURRENCY);
  const rateLimited = options.rateLimit ? createRateLimiter(options.rateLimit) : undefined;

  /** The CORS policy of the last route table seen: for answers given before (or without) this request's table. */
  let lastCors: CorsPolicy = corsPolicy([]);

  // The CORS headers of the gateway's own answers depend on the route table's policy only: once per policy.
  const gatewayCors = new WeakMap<CorsPolicy, Array<[string, string]>>();
  const gatewayCorsOf = (cors: CorsPolicy) => {
    let headers = gatewayCors.get(cors);
    if (!headers) {
      headers = Object.entries(gatewayResponseHeaders(options.allowedOrigins, cors));
      gatewayCors.set(cors, headers);
    }
    return headers;
  };
  const gatewayResponse = (status: number, message: string, errorType: string, requestId: string, cors: CorsPolicy): HttpResponse => {
    const headers: Array<[string, string]> = [
      ['Content-Type', 'application/json'],
      ['x-amzn-RequestId', requestId],
      ['x-amzn-ErrorType', errorType],
      ...gatewayCorsOf(cors),
    ];
    return { status, headers, body: Buffer.from(JSON.stringify({ message })) };
  };

  async function answer(req: IncomingMessage, requestId: string, body: BodyReader): Promise<GatewayAnswer> {
    const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
    const method = (req.method ?? 'GET').toUpperCase();
    const origin = header(req, 'origin');
    const authorization = header(req, 'authorization');
    const fail = (status: number, message: string, errorType: string, error?: string): GatewayAnswer => ({
      response: gatewayResponse(status, message, errorType, requestId, lastCors),
      ...(error ? { error } : {}),
    });
    const tooMany = (retryAfterSeconds: number, error: string): GatewayAnswer => {
      const refused = fail(429, GATEWAY_MESSAGES.tooManyRequests, 'TooManyRequestsException', error);
      refused.response.headers.push(['Retry-After', String(retryAfterSeconds)]);
      return refused;
    };

    // The route table first: even the web ACL's answers carry the CORS headers of the routes served.
    let table: readonly RouteInfo[] | undefined;
    let tableError: unknown;
    try {
      table = typeof options.routes === 'function' ? await options.routes() : options.routes;
      lastCors = servedBy(table).cors;
    } catch (error) {
      tableError = error;
    }

    // The web ACL comes before routing and authorization: its per-caller rule counts every request that
    // carries an Authorization header, valid or not.
    if (rateLimited && authorization !== undefined) {
      const decision = rateLimited(authorization);
      if (!decision.ok) return tooMany(decision.retryAfterSeconds, 'per-caller rate limit');
    }
    if (!table) {
      const reason = tableError instanceof Error ? tableError.message : String(tableError);
      return fail(502, GATEWAY_MESSAGES.internalServerError, 'InternalServerErrorException', `no route table: ${reason}`);
    }

    const { router, cors } = servedBy(table);
    const resource = router.resource(rawPath);
    if (method === 'OPTIONS' && resource) {
      const headers: Array<[string, string]> = [
        ['Content-Type', 'application/json'],
        ['x-amzn-RequestId', requestId],
        ...Object.entries(gatewayPreflightHeaders(origin, options.allowedOrigins, cors)),
      ];
      return { response: { status: 200, headers, body: Buffer.alloc(0) }, resource: resource.resource };
    }
    const route = resource?.methods.get(method);
    if (!resource || !route) return fail(403, GATEWAY_MESSAGES.missingAuthenticationToken, 'MissingAuthenticationTokenException');

    const tooLong = () => fail(413, GATEWAY_MESSAGES.requestTooLong, 'RequestTooLongException');
    if (Number(header(req, 'content-length') ?? 0) > maxPayloadBytes) return tooLong();

    // Authorized before a byte of the body is read: an anonymous upload costs nothing.
    const authorized = await options.authorize(authorization);
    if (!authorized.ok) return { ...fail(authorized.status, authorized.message, authorized.errorType), resource: resource.resource };

    // API Gateway's integration timeout covers the wait for a turn as well as the invocation.
    const started = performance.now();
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        resolve('timeout'); // first: what the aborted function does next must not win the race
        abort.abort(new Error('integration timeout'));
      }, timeoutMs);
    });
    const gaveUp = (): GatewayAnswer => ({
      ...fail(504, GATEWAY_MESSAGES.endpointRequestTimedOut, 'IntegrationTimeout', `no answer within ${timeoutMs} ms`),
      resource: resource.resource,
      integrationLatency: Math.round(performance.now() - started),
    });
    const turn = acquire(route.handler, abort.signal);
    if (turn === 'full') {
      clearTimeout(timer);
      return {
        ...tooMany(QUEUE_FULL_RETRY_AFTER_SECONDS, `${route.handler}: every invocation slot and queue place taken`),
        resource: resource.resource,
      };
    }
    let release: Release | undefined;
    try {
      release = await turn.catch(() => undefined);
      if (!release) return gaveUp();
      const payload = await Promise.race([body.read(), timedOut]);
      if (payload === 'timeout') return gaveUp();
      if (!payload) return { ...tooLong(), resource: resource.resource };

      const request: IncomingRequest = {
        method,
        rawPath,
        rawQuery: new URL(req.url ?? '/', 'http://localhost').search.slice(1),
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
      const result = await Promise.race([options.invoke(route, event, abort.signal), timedOut]);
      const integrationLatency = Math.round(performance.now() - started);
      if (result === 'timeout') return gaveUp();
      const response = toHttpResponse(result);
      if (!response) {
        return {
          ...fail(502, GATEWAY_MESSAGES.internalServerError, 'InternalServerErrorException', 'malformed Lambda proxy response'),
          resource: resource.resource,
          integrationLatency,
        };
      }
      response.headers.push(['x-amzn-RequestId', requestId]);
      return { response, resource: resource.resource, integrationLatency };
    } catch (error) {
      if (error instanceof ClientGoneError)
        return { ...fail(400, GATEWAY_MESSAGES.badRequest, 'BadRequestException', error.message), resource: resource.resource };
      const integrationLatency = Math.round(performance.now() - started);
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      const stack = (error as { detail?: { stack?: unknown } }).detail?.stack;
      return {
        ...fail(502, GATEWAY_MESSAGES.internalServerError, 'InternalServerErrorException', reason),
        resource: resource.resource,
        integrationLatency,
        ...(typeof stack === 'string' ? { errorDetail: stack } : {}),
      };
    } finally {
      clearTimeout(timer);
      release?.();
    }
  }

  /** Serves one request; also the server's `checkContinue` listener, so `100 Continue` is sent only when a body is wanted. */
  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const started = performance.now();
    const requestTime = new Date();
    let bodyRead = false;
    const body: BodyReader = {
      read: () => {
        bodyRead = true;
        if ((header(req, 'expect') ?? '').toLowerCase() === '100-continue') res.writeContinue();
        return readBody(req, maxPayloadBytes);
      },
    };
    let result: GatewayAnswer;
    try {
      result = await answer(req, requestId, body);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      result = {
        response: gatewayResponse(500, GATEWAY_MESSAGES.internalServerError, 'InternalServerErrorException', requestId, lastCors),
        error: reason,
      };
    }
    let { response } = result;
    // Answered without taking the whole body (refused before reading it, or too long): nothing more is
    // read, and the connection is not reused. A client still sending gets a moment to read the answer.
    if (hasBody(req) && (!bodyRead || !req.readableEnded)) {
      response.headers.push(['Connection', 'close']);
      stopReading(req);
    }
    try {
      writeResponse(res, response);
    } catch (error) {
      // A header value Node refuses (e.g. a control character) is a malformed result to API Gateway too.
      response = gatewayResponse(502, GATEWAY_MESSAGES.internalServerError, 'InternalServerErrorException', requestId, lastCors);
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

/**
 * The HTTP server's `clientError` listener: a request it cannot parse never reaches the gateway, and Node
 * would answer it with a bare status line. It gets a JSON `{"message"}` like the gateway's own answers
 * instead: 431 for a request line and headers over the parser's limit (a long query string), 408 for
 * one not received in time, 400 for anything else malformed; the connection is then closed.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  // As Node's own listener: an answer already under way on this connection (a pipelined request went
  // wrong after it) must not be cut into, so the connection is dropped instead.
  const answering = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || answering?.headersSent) {
    socket.destroy();
    return;
  }
  const [status, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, GATEWAY_MESSAGES.requestHeaderFieldsTooLarge]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'Request Timeout']
        : [400, GATEWAY_MESSAGES.badRequest];
  const body = JSON.stringify({ message });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Cache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * Reads no more of a request's body, and closes its connection gently once the answer is out. Left to
 * itself, Node would read and drop the rest (req._dump) and destroy the socket as soon as the answer is
 * flushed: a client still sending then gets ECONNRESET or EPIPE instead of the answer. Instead the body
 * stays unread (TCP holds the client back), the gateway's side of the connection is closed after the
 * answer, and the socket is dropped after a grace period in which the client can read it.
 */
function stopReading(req: IncomingMessage): void {
  // A 'data' listener marks the body as consumed, so Node does not dump it; pausing then reads nothing.
  req.on('data', () => undefined);
  req.pause();
  const socket = req.socket;
  socket.destroySoon = () => {
    socket.end();
    setTimeout(() => socket.destroy(), REFUSED_BODY_GRACE_MS).unref();
  };
}

/** Whether the request says a body follows. */
function hasBody(req: IncomingMessage): boolean {
  return Number(header(req, 'content-length') ?? 0) > 0 || header(req, 'transfer-encoding') !== undefined;
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

/** Its client closed the connection before the whole request arrived: nothing to invoke, no one to answer. */
export class ClientGoneError extends Error {
  constructor() {
    super('the client closed the connection before sending the whole request');
    this.name = 'ClientGoneError';
  }
}

/**
 * The request body, or undefined once it passes `limit` bytes: then reading stops (nothing more is kept).
 * Rejects with ClientGoneError when the client has gone (a load generator stopping, a cancelled fetch):
 * a request that waited for a turn would otherwise wait for an `end` that never comes, holding its
 * function's slot until the integration timeout while every later request queued behind it.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    // Node destroys a request whose connection closed before it was answered; it never ends then.
    if (req.destroyed && !req.readableEnded) {
      reject(new ClientGoneError());
      return;
    }
    req.once('close', () => {
      if (!req.readableEnded) reject(new ClientGoneError());
    });
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size <= limit) {
        chunks.push(chunk);
        return;
      }
      chunks.length = 0;
      req.off('data', onData);
      req.pause();
      resolve(undefined);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
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

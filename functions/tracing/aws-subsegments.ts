/**
 * X-Ray subsegments for AWS SDK calls: each DynamoDB or KMS call a function makes shows in its trace
 * (service, operation, table, request id, retries, duration; error, throttle or fault), under the
 * function's own segment, as `AWSXRay.captureAWSv3Client` (and Powertools' Tracer, which wraps it) shows
 * it. Hand-written because aws-xray-sdk-core grows every bundle by about 118 KB, past the 300 KB budget
 * (README, "Metrics, logs and traces"); this is the part of it the functions need:
 *
 *  - one SDK middleware per client, at the `initialize` step, so one subsegment spans the whole call,
 *    retries included (`aws.retries`);
 *  - the trace comes from `_X_AMZN_TRACE_ID`, which the Lambda runtime sets for each invocation
 *    (`Root=…;Parent=<the function segment>;Sampled=1`); unsampled or outside Lambda, nothing is sent;
 *  - the finished subsegment goes to the X-Ray daemon (AWS_XRAY_DAEMON_ADDRESS, set by Lambda) as one
 *    UDP datagram, the daemon's own protocol: a JSON header line, then the subsegment document.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

/** The daemon protocol's header line. */
export const DAEMON_HEADER = '{"format":"json","version":1}';
const DEFAULT_DAEMON = { address: '127.0.0.1', port: 2000 };

export interface TraceContext {
  traceId: string;
  parentId: string;
}

/** `Root=1-…;Parent=…;Sampled=1` -> the ids, only when the invocation is sampled. */
export function sampledTrace(header: string | undefined): TraceContext | undefined {
  if (!header) return undefined;
  const fields = Object.fromEntries(header.split(';').map((part) => part.split('=', 2) as [string, string]));
  if (fields.Sampled !== '1' || !fields.Root || !fields.Parent) return undefined;
  return { traceId: fields.Root, parentId: fields.Parent };
}

/** `169.254.79.129:2000`, or `tcp:127.0.0.1:2000 udp:127.0.0.1:2000` -> where UDP datagrams go. */
export function daemonAddress(value: string | undefined): { address: string; port: number } {
  if (!value) return DEFAULT_DAEMON;
  const udp = value.split(/\s+/).find((part) => part.startsWith('udp:')) ?? value.split(/\s+/)[0] ?? '';
  const match = udp.replace(/^udp:/, '').match(/^(.+):(\d+)$/);
  return match ? { address: match[1] as string, port: Number(match[2]) } : DEFAULT_DAEMON;
}

/** What the subsegment says of the call's outcome (the SDK's $metadata, or the error it threw). */
interface CallOutcome {
  status?: number;
  requestId?: string;
  attempts?: number;
  error?: { name: string; message: string; fault: boolean; throttle: boolean };
}

interface SdkMetadata {
  httpStatusCode?: number;
  requestId?: string;
  attempts?: number;
}

function outcomeOf(result: { output?: { $metadata?: SdkMetadata } } | undefined, error?: unknown): CallOutcome {
  if (error === undefined) {
    const metadata = result?.output?.$metadata ?? {};
    return { status: metadata.httpStatusCode, requestId: metadata.requestId, attempts: metadata.attempts };
  }
  const failure = error as {
    name?: string;
    message?: string;
    $metadata?: SdkMetadata;
    $fault?: string;
    $retryable?: { throttling?: boolean };
  };
  const status = failure.$metadata?.httpStatusCode;
  return {
    status,
    requestId: failure.$metadata?.requestId,
    attempts: failure.$metadata?.attempts,
    error: {
      name: failure.name ?? 'Error',
      message: failure.message ?? String(error),
      // No status (a network error) or a 5xx is AWS's fault; a 4xx is the caller's error.
      fault: failure.$fault === 'server' || status === undefined || status >= 500,
      throttle:
        status === 429 ||
        failure.$retryable?.throttling === true ||
        /Throttl|ProvisionedThroughputExceeded|RequestLimitExceeded/.test(failure.name ?? ''),
    },
  };
}

export interface SubsegmentInput {
  trace: TraceContext;
  id: string;
  service: string;
  operation: string;
  region: string | undefined;
  tableName?: string;
  startTime: number;
  endTime: number;
  outcome: CallOutcome;
}

/** The subsegment document X-Ray expects for an AWS call (namespace `aws`, as the X-Ray SDKs send it). */
export function subsegmentDocument(input: SubsegmentInput): Record<string, unknown> {
  const { outcome } = input;
  return {
    type: 'subsegment',
    id: input.id,
    trace_id: input.trace.traceId,
    parent_id: input.trace.parentId,
    name: input.service,
    namespace: 'aws',
    start_time: input.startTime,
    end_time: input.endTime,
    aws: {
      operation: input.operation,
      ...(input.region ? { region: input.region } : {}),
      ...(outcome.requestId ? { request_id: outcome.requestId } : {}),
      retries: Math.max(0, (outcome.attempts ?? 1) - 1),
      ...(input.tableName ? { table_name: input.tableName } : {}),
    },
    ...(outcome.status ? { http: { response: { status: outcome.status } } } : {}),
    ...(outcome.error
      ? {
          ...(outcome.error.fault ? { fault: true } : { error: true }),
          ...(outcome.error.throttle ? { throttle: true } : {}),
          cause: { exceptions: [{ id: newId(), type: outcome.error.name, message: outcome.error.message, remote: true }] },
        }
      : {}),
  };
}

const newId = () => randomBytes(8).toString('hex');

let socket: Socket | undefined;

/** One datagram per subsegment; the socket never keeps the process alive, and a failed send is dropped. */
function sendToDaemon(document: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  const { address, port } = daemonAddress(env.AWS_XRAY_DAEMON_ADDRESS);
  if (!socket) {
    socket = createSocket('udp4');
    socket.unref();
    socket.on('error', () => undefined);
  }
  socket.send(`${DAEMON_HEADER}\n${JSON.stringify(document)}`, port, address, () => undefined);
}

/** The parts of an SDK v3 client this needs (every client has them). */
interface InstrumentableClient {
  middlewareStack: { add(middleware: never, options: { step: 'initialize'; name: string; priority: 'high' }): void };
}

type InitializeHandler = (args: { input: Record<string, unknown> }) => Promise<{ output?: { $metadata?: SdkMetadata } }>;

/** `DynamoDBClient` -> `DynamoDB`, `GetItemCommand` -> `GetItem`: the names X-Ray shows for AWS calls. */
const trim = (name: string | undefined, suffix: string) => (name ?? 'AWS').replace(new RegExp(`${suffix}$`), '');

/**
 * Adds the subsegment middleware to an SDK client and returns it. Outside a sampled Lambda invocation
 * the middleware only passes the call on.
 */
export function traceAwsCalls<C extends InstrumentableClient>(client: C, env: NodeJS.ProcessEnv = process.env): C {
  const middleware =
    (next: InitializeHandler, context: { clientName?: string; commandName?: string }): InitializeHandler =>
    async (args) => {
      const trace = sampledTrace(env._X_AMZN_TRACE_ID);
      if (!trace) return next(args);
      const startTime = Date.now() / 1000;
      const finish = (outcome: CallOutcome) =>
        sendToDaemon(
          subsegmentDocument({
            trace,
            id: newId(),
            service: trim(context.clientName, 'Client'),
            operation: trim(context.commandName, 'Command'),
            region: env.AWS_REGION,
            ...(typeof args.input.TableName === 'string' ? { tableName: args.input.TableName } : {}),
            startTime,
            endTime: Date.now() / 1000,
            outcome,
          }),
          env,
        );
      try {
        const result = await next(args);
        finish(outcomeOf(result));
        return result;
      } catch (error) {
        finish(outcomeOf(undefined, error));
        throw error;
      }
    };
  client.middlewareStack.add(middleware as never, { step: 'initialize', name: 'xraySubsegment', priority: 'high' });
  return client;
}

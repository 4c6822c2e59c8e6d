/**
 * A child of `npm run bench`: the floor local mode is measured against. The same shipped bundles, their
 * handlers called in this process (no HTTP, no gateway, no worker), with DynamoDB answered by the same
 * embedded engine on loopback, in a child process of its own (engine.ts) so that its CPU time is told
 * apart; and, for answers the gateway gives on its own (401), a bare Node HTTP server giving the same
 * answer. Results (and the CPU time of this process and its engine, on request) go to the parent over
 * IPC; function logs go nowhere.
 *
 * Usage (from local-throughput.ts): direct-floor.ts <bundle dir>; then a DirectRequest per measurement.
 */
import { fork } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { layoutRecordItem } from '../../functions/dynamodb/layout-record.ts';
import { buildProxyEvent } from '../../local/gateway/event.ts';
import { listen } from '../../local/net.ts';
import { localStatusShards } from '../../local/server.ts';
import { ensureTable } from '../../local/storage/dynamodb.ts';
import type { EngineReady } from './engine.ts';
import { answerCpuRequests, type CpuMessage, type CpuRequest, closedLoop, type LoadResult, nextMessage } from './load.ts';

export type DirectMessage =
  | { type: 'ready'; floorUrl: string; routes: string[] }
  | { type: 'measured'; result: LoadResult }
  | { type: 'answering' }
  | CpuMessage;
/** The answer the bare server gives (local mode's own, byte for byte), or a measurement of a route's handler. */
export type DirectRequest =
  | { type: 'answer'; answer: FloorAnswer }
  | { type: 'measure'; route: string; connections: number; seconds: number }
  | CpuRequest;
export interface FloorAnswer {
  status: number;
  /** As local mode sent them, but those Node's server writes itself (Date, Connection, Keep-Alive, Content-Length). */
  headers: Array<[string, string]>;
  body: string;
}

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<{ statusCode: number; body: string }>;

const [bundleDir = ''] = process.argv.slice(2);
const send = (message: DirectMessage) => process.send?.(message);
const TABLE = 'tasks-bench';
const SUB = randomUUID();

const engine = fork(fileURLToPath(new URL('./engine.ts', import.meta.url)), [], {
  execArgv: process.execArgv,
  stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
});
const dynamo = await nextMessage<EngineReady>(engine, 'ready');
const statusShards = localStatusShards();
await ensureTable(dynamo.endpoint, TABLE, [layoutRecordItem({ state: 'settled', shards: statusShards }, new Date().toISOString())]);
Object.assign(process.env, {
  TABLE_NAME: TABLE,
  DYNAMODB_ENDPOINT: dynamo.endpoint,
  PAGE_TOKEN_KEY: randomBytes(32).toString('base64'),
  STATUS_SHARDS: String(statusShards),
  ALLOWED_ORIGINS: 'http://localhost:3000',
  AWS_REGION: 'local',
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

const load = async (name: string) =>
  ((await import(pathToFileURL(join(bundleDir, name, 'index.mjs')).href)) as { handler: Handler }).handler;
const [createTask, getTask, listTasks] = await Promise.all([load('create-task'), load('get-task'), load('list-tasks')]);

function event(
  method: string,
  path: string,
  resource: string,
  options: { query?: string; body?: unknown; params?: Record<string, string> } = {},
) {
  const body = options.body === undefined ? '' : JSON.stringify(options.body);
  return buildProxyEvent(
    {
      method,
      rawPath: path,
      rawQuery: options.query ?? '',
      rawHeaders: ['Host', 'localhost', 'Authorization', 'token', ...(body ? ['Content-Type', 'application/json'] : [])],
      body: Buffer.from(body),
      sourceIp: '127.0.0.1',
      localPort: 3000,
      protocol: 'HTTP/1.1',
    },
    {
      requestId: randomUUID(),
      stage: 'local',
      resource,
      pathParameters: options.params ?? null,
      claims: { sub: SUB, token_use: 'id', email: 'bench@example.com' },
      now: new Date(),
    },
  );
}

const context = { functionName: 'bench', awsRequestId: 'bench', getRemainingTimeInMillis: () => 10_000 } as Context;
async function call(handler: Handler, proxyEvent: APIGatewayProxyEvent, status: number): Promise<{ body: string }> {
  const result = await handler(proxyEvent, context);
  if (result.statusCode !== status) throw new Error(`expected ${status}, got ${result.statusCode}: ${result.body}`);
  return result;
}

let taskId = '';
for (let index = 0; index < 50; index += 1) {
  const created = await call(createTask, event('POST', '/tasks', '/tasks', { body: { title: `bench ${index}` } }), 201);
  taskId = (JSON.parse(created.body) as { task: { task_id: string } }).task.task_id;
}
const routes: Array<[string, Handler, APIGatewayProxyEvent]> = [
  ['GET /tasks/{taskId}', getTask, event('GET', `/tasks/${taskId}`, '/tasks/{taskId}', { params: { taskId } })],
  ['GET /tasks?limit=50', listTasks, event('GET', '/tasks', '/tasks', { query: 'limit=50' })],
];
const byName = new Map(routes.map(([name, handler, proxyEvent]) => [name, () => call(handler, proxyEvent, 200).then(() => undefined)]));

// The floor of an answer the gateway gives by itself: Node's HTTP server giving the same bytes (the
// parent sends local mode's answer before measuring), so that only the gateway's own work is compared.
const withBodyBytes = (answer: FloorAnswer) => ({ ...answer, body: Buffer.from(answer.body) });
let floorAnswer = withBodyBytes({ status: 401, headers: [['Content-Type', 'application/json']], body: '{"message":"Unauthorized"}' });
const floor = createServer((_req, res) => {
  for (const [name, value] of floorAnswer.headers) res.setHeader(name, value);
  res.setHeader('Content-Length', floorAnswer.body.byteLength);
  res.writeHead(floorAnswer.status);
  res.end(floorAnswer.body);
});
send({ type: 'ready', floorUrl: `http://127.0.0.1:${await listen(floor, 0, '127.0.0.1')}`, routes: [...byName.keys()] });

// Measured on request, so that the parent can alternate these slices with local mode's.
answerCpuRequests(engine);
process.on('message', (message: DirectRequest) => {
  if (message.type === 'cpu') return;
  if (message.type === 'answer') {
    floorAnswer = withBodyBytes(message.answer);
    send({ type: 'answering' });
    return;
  }
  const once = byName.get(message.route);
  if (!once) throw new Error(`no route ${message.route}`);
  void closedLoop(once, message.connections, message.seconds).then((result) => send({ type: 'measured', result }));
});
// process.exit (not a signal) so that --cpu-prof writes its profile.
process.once('disconnect', () => {
  if (engine.exitCode !== null || engine.signalCode !== null) process.exit(0);
  engine.once('exit', () => process.exit(0));
  engine.disconnect();
});

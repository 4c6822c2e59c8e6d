/**
 * A function sandbox: a worker thread with the functions' own environment that imports one build of
 * the route table, reports it, then imports the handler bundles it is sent and runs invocations, like a
 * warm Lambda execution environment. Each handler's bundle is self-contained (as shipped), so two
 * handlers share no module state here either. Bundled by esbuild at start-up (it runs without tsx).
 */
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import type { RouteDefinition } from '../../functions/routes.ts';
import { routeInfoOf } from '../gateway/routing.ts';
import { type InvokeMessage, type LoadMessage, type RouteTable, serializeError, type WorkerData, type WorkerMessage } from './protocol.ts';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const port = parentPort;
if (!port) throw new Error('worker.ts runs as a worker thread');
const data = workerData as WorkerData;
const post = (message: WorkerMessage) => port.postMessage(message);

async function loadRouteTable(): Promise<RouteTable> {
  const module = (await import(pathToFileURL(data.routeTable).href)) as { routes?: unknown; ADMIN_GROUP?: unknown };
  if (!Array.isArray(module.routes)) throw new Error('The route table module exports no routes array');
  // A table whose routes declare no request schemas (a test's) reads no headers beyond the token.
  const routes = (module.routes as Array<Omit<RouteDefinition, 'request'> & Partial<Pick<RouteDefinition, 'request'>>>).map((route) =>
    routeInfoOf({ ...route, request: route.request ?? {} }),
  );
  return { routes, ...(typeof module.ADMIN_GROUP === 'string' ? { adminGroup: module.ADMIN_GROUP } : {}) };
}

async function importHandler(name: string, file: string): Promise<Handler> {
  const module = (await import(pathToFileURL(file).href)) as { handler?: unknown };
  if (typeof module.handler !== 'function') throw new Error(`functions/handlers/${name}.ts exports no handler function`);
  return module.handler as Handler;
}

/**
 * Every handler's import starts at once, and the sandbox is ready without waiting for them: each bundle
 * carries its own SDK (as shipped), so importing all of them (with their source maps) took most of a
 * start. An invocation waits for its own handler only, and a handler that fails to load fails its own
 * invocations, as one Lambda function's init error leaves the others running.
 */
function importHandlers(files: Record<string, string>): Map<string, Promise<Handler>> {
  const loading = new Map(Object.entries(files).map(([name, file]) => [name, importHandler(name, file)] as const));
  for (const handler of loading.values()) handler.catch(() => undefined);
  return loading;
}

function contextFor(message: InvokeMessage): Context {
  const functionName = `${data.functionNamePrefix}${message.handler}`;
  const fail = () => {
    throw new Error('Callback-style completion is not supported; return a promise');
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: message.requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()),
    done: fail,
    fail,
    succeed: fail,
  };
}

const fail = (error: unknown) => post({ type: 'failed', error: serializeError(error) });
let handlers = new Map<string, Promise<Handler>>();

// Each invocation starts at once, concurrently with any still running: unlike a Lambda execution
// environment, which runs one at a time (see Sandbox in function-runtime.ts).
port.on('message', async (message: LoadMessage | InvokeMessage) => {
  if (message.type === 'load') {
    handlers = importHandlers(message.handlers);
    post({ type: 'ready' });
    return;
  }
  try {
    const loading = handlers.get(message.handler);
    if (!loading) throw new Error(`No handler ${message.handler} in this build`);
    const handler = await loading;
    const result = await handler(message.event, contextFor(message));
    post({ type: 'result', id: message.id, result });
  } catch (error) {
    post({ type: 'error', id: message.id, error: serializeError(error) });
  }
});
loadRouteTable().then((table) => post({ type: 'table', table }), fail);

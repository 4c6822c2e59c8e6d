/**
 * A function sandbox: a worker thread with the functions' own environment that imports one build of
 * the handlers and runs invocations, like a warm Lambda execution environment. Bundled by esbuild at
 * start-up (it runs without tsx).
 */
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import type { Context } from 'aws-lambda';
import type { RouteDefinition } from '../../functions/routes.ts';
import { routeInfoOf } from '../gateway/routing.ts';
import { type InvokeMessage, type RouteTable, serializeError, type WorkerData, type WorkerMessage } from './protocol.ts';

type Handler = (event: unknown, context: Context) => Promise<unknown>;

const port = parentPort;
if (!port) throw new Error('worker.ts runs as a worker thread');
const data = workerData as WorkerData;
const post = (message: WorkerMessage) => port.postMessage(message);

async function loadRouteTable(): Promise<RouteTable | undefined> {
  if (!data.routeTable) return undefined;
  const module = (await import(pathToFileURL(data.routeTable).href)) as { routes?: unknown; ADMIN_GROUP?: unknown };
  if (!Array.isArray(module.routes)) throw new Error('The route table module exports no routes array');
  // A table whose routes declare no request schemas (a test's) reads no headers beyond the token.
  const routes = (module.routes as Array<Omit<RouteDefinition, 'request'> & Partial<Pick<RouteDefinition, 'request'>>>).map((route) =>
    routeInfoOf({ ...route, request: route.request ?? {} }),
  );
  return { routes, ...(typeof module.ADMIN_GROUP === 'string' ? { adminGroup: module.ADMIN_GROUP } : {}) };
}

async function loadHandlers(): Promise<Map<string, Handler>> {
  const loaded = new Map<string, Handler>();
  for (const [name, file] of Object.entries(data.handlers)) {
    const module = (await import(pathToFileURL(file).href)) as { handler?: unknown };
    if (typeof module.handler !== 'function') throw new Error(`functions/handlers/${name}.ts exports no handler function`);
    loaded.set(name, module.handler as Handler);
  }
  return loaded;
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

Promise.all([loadHandlers(), loadRouteTable()]).then(
  ([handlers, table]) => {
    // Each message starts an invocation at once, concurrently with any still running: unlike a Lambda
    // execution environment, which runs one at a time (see Sandbox in function-runtime.ts).
    port.on('message', async (message: InvokeMessage) => {
      try {
        const handler = handlers.get(message.handler);
        if (!handler) throw new Error(`No handler ${message.handler} in this build`);
        const result = await handler(message.event, contextFor(message));
        post({ type: 'result', id: message.id, result });
      } catch (error) {
        post({ type: 'error', id: message.id, error: serializeError(error) });
      }
    });
    post({ type: 'ready', ...(table ? { table } : {}) });
  },
  (error: unknown) => post({ type: 'failed', error: serializeError(error) }),
);

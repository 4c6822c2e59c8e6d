/**
 * Runs the route handlers the way Lambda would, with hot reload:
 *  - each handler is bundled by esbuild (the AWS SDK stays external, as the Lambda runtime provides it);
 *  - a build runs in a worker thread (a "sandbox") with the functions' own environment, so two local
 *    stacks in one process never share configuration or module state;
 *  - before each invocation the files under functions/ are checked (size and mtime); after any change
 *    the handlers are rebuilt and the next invocation gets a fresh sandbox, i.e. a whole new module
 *    graph (a cold start). The previous sandbox finishes what it is running and is then terminated.
 *  - an invocation that runs past its timeout fails ("Task timed out after N seconds"), and its sandbox
 *    is retired, as Lambda resets a timed-out execution environment; so is a sandbox the gateway gave up
 *    on (integration timeout).
 */
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { build, type Plugin } from 'esbuild';
// Bundled CommonJS dependencies may call require() for Node built-ins: the same shim as the Lambda bundles'.
import { REQUIRE_BANNER } from '../../scripts/bundle.ts';
import type { InvokeMessage, RouteTable, SerializedError, WorkerData, WorkerMessage } from './protocol.ts';

export interface FunctionRuntimeOptions {
  /** Where functions/ (with handlers/<name>.ts) lives: the repository root. */
  projectRoot: string;
  /** Where bundles are written (removed on close). */
  buildDir: string;
  /**
   * The route table module under functions/ (e.g. routes.ts, exporting `routes` and `ADMIN_GROUP`). It is
   * bundled with the handlers, so a new or changed route is picked up like any other change.
   */
  routeTableModule?: string;
  /** The functions' whole environment (nothing is inherited from this process). */
  env: Record<string, string>;
  functionNamePrefix: string;
  /** Where the functions' stdout/stderr go; discarded without it. */
  output?: (chunk: string, stream: 'stdout' | 'stderr') => void;
  /** Runtime notices: rebuilds, build errors, crashed sandboxes. */
  log: (message: string) => void;
}

export interface InvokeOptions {
  requestId: string;
  signal: AbortSignal;
  /**
   * How long the function may run: past it the invocation fails with a FunctionTimeoutError and the
   * sandbox is replaced. Also what context.getRemainingTimeInMillis counts down from.
   */
  timeoutMs: number;
}

export interface FunctionRuntime {
  /** The route table of the current build (rebuilding first if functions/ changed). */
  routeTable(): Promise<RouteTable>;
  invoke(handler: string, event: APIGatewayProxyEvent, options: InvokeOptions): Promise<unknown>;
  /** Builds the handlers and starts a sandbox, so that the first request is warm. */
  warm(): Promise<RouteTable>;
  close(): Promise<void>;
}

/** A function that threw, crashed or could not be loaded; the gateway answers 502 for it. */
export class FunctionError extends Error {
  constructor(
    message: string,
    readonly detail?: SerializedError,
  ) {
    super(message);
    this.name = 'FunctionError';
  }
}

/** A function stopped at its timeout, as Lambda stops it; the gateway answers 502 for it too. */
export class FunctionTimeoutError extends FunctionError {
  constructor(timeoutMs: number) {
    super(`Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`);
    this.name = 'FunctionTimeoutError';
  }
}

interface Generation {
  id: number;
  dir: string;
  files: Record<string, string>;
  routeTable?: string;
  fingerprint: string;
  sandbox?: Sandbox;
  error?: FunctionError;
}

/** The AWS SDK is provided by the Lambda runtime; locally it is imported from the project's node_modules. */
function externalSdk(): Plugin {
  return {
    name: 'external-aws-sdk',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^@(aws-sdk|smithy)\// }, (args) => ({ path: import.meta.resolve(args.path), external: true }));
    },
  };
}

export async function createFunctionRuntime(options: FunctionRuntimeOptions): Promise<FunctionRuntime> {
  const functionsDir = join(options.projectRoot, 'functions');
  await rm(options.buildDir, { recursive: true, force: true });
  await mkdir(options.buildDir, { recursive: true });
  const workerFile = join(options.buildDir, 'worker.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('./worker.ts', import.meta.url))],
    outfile: workerFile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'silent',
  });

  let generations = 0;
  let current: Generation | undefined;
  let refreshing: Promise<Generation> | undefined;
  let closed = false;
  const sandboxes = new Set<Sandbox>();

  async function fingerprint(): Promise<string> {
    const entries = (await readdir(functionsDir, { recursive: true })).sort();
    const stats = await Promise.all(
      entries.map(async (entry) => {
        const info = await stat(join(functionsDir, entry)).catch(() => undefined);
        return info?.isFile() ? `${entry}:${info.size}:${info.mtimeMs}` : '';
      }),
    );
    return stats.filter(Boolean).join('|');
  }

  async function rebuild(print: string): Promise<Generation> {
    const started = performance.now();
    const id = ++generations;
    const dir = join(options.buildDir, `g${id}`);
    const generation: Generation = { id, dir, files: {}, fingerprint: print };
    try {
      // Every file in functions/handlers/ is a handler; the route table says which route uses which.
      const handlers = (await readdir(join(functionsDir, 'handlers')))
        .filter((file) => /^[\w-]+\.ts$/.test(file) && !file.endsWith('.d.ts') && !file.endsWith('.test.ts'))
        .map((file) => file.slice(0, -'.ts'.length));
      const entryPoints = handlers.map((name) => ({ in: join(functionsDir, 'handlers', `${name}.ts`), out: `handlers/${name}` }));
      if (options.routeTableModule) entryPoints.push({ in: join(functionsDir, options.routeTableModule), out: 'route-table' });
      await build({
        entryPoints,
        outdir: dir,
        outExtension: { '.js': '.mjs' },
        bundle: true,
        splitting: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        sourcemap: true,
        banner: { js: REQUIRE_BANNER },
        plugins: [externalSdk()],
        logLevel: 'silent',
      });
      generation.files = Object.fromEntries(handlers.map((name) => [name, join(dir, 'handlers', `${name}.mjs`)]));
      if (options.routeTableModule) generation.routeTable = join(dir, 'route-table.mjs');
      if (id > 1) options.log(`functions/ changed: rebuilt the handlers in ${Math.round(performance.now() - started)} ms`);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      generation.error = new FunctionError('The handlers do not build', { name: 'BuildError', message: text });
      options.log(`functions/ does not build (requests answer 502 until it does):\n${text}`);
    }
    const previous = current;
    current = generation;
    if (previous) {
      const dispose = () => rm(previous.dir, { recursive: true, force: true }).catch(() => undefined);
      if (previous.sandbox) previous.sandbox.retire().then(dispose);
      else void dispose();
    }
    return generation;
  }

  async function generation(): Promise<Generation> {
    const print = await fingerprint();
    if (current && current.fingerprint === print) return current;
    refreshing ??= rebuild(print).finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  }

  function sandboxFor(generation: Generation): Sandbox {
    if (generation.sandbox && !generation.sandbox.retired) return generation.sandbox;
    const data: WorkerData = {
      handlers: generation.files,
      functionNamePrefix: options.functionNamePrefix,
      ...(generation.routeTable ? { routeTable: generation.routeTable } : {}),
    };
    const sandbox = new Sandbox(workerFile, data, options);
    sandboxes.add(sandbox);
    sandbox.exited.then(() => sandboxes.delete(sandbox));
    generation.sandbox = sandbox;
    return sandbox;
  }

  /** A ready sandbox of the current build, and the route table it reported. */
  async function readySandbox(): Promise<{ sandbox: Sandbox; table: RouteTable }> {
    if (closed) throw new FunctionError('The local stack is stopping');
    const found = await generation();
    if (found.error) throw found.error;
    const sandbox = sandboxFor(found);
    try {
      return { sandbox, table: await sandbox.ready };
    } catch (error) {
      void sandbox.retire();
      throw error;
    }
  }

  return {
    async routeTable() {
      return (await readySandbox()).table;
    },
    async invoke(handler, event, invokeOptions) {
      const { sandbox } = await readySandbox();
      return sandbox.invoke(handler, event, invokeOptions);
    },
    async warm() {
      return (await readySandbox()).table;
    },
    async close() {
      closed = true;
      await refreshing?.catch(() => undefined);
      await Promise.all([...sandboxes].map((sandbox) => sandbox.terminate()));
      await rm(options.buildDir, { recursive: true, force: true });
    },
  };
}

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * One worker thread running one build of the handlers.
 *
 * Concurrency differs from Lambda here: a warm Lambda execution environment runs one invocation at a
 * time (concurrent requests get more environments, each with a cold start), while a sandbox takes every
 * invocation it is sent at once, so concurrent requests interleave in one module graph at their awaits
 * (see invoke(): nothing waits for the previous invocation). Handlers must not keep per-request state in
 * module scope in either place; here such a bug shows up sooner, never later. Serializing per sandbox
 * would need a pool of sandboxes (one per concurrent request, each a cold start, all retired on hot
 * reload) to keep the e2e suites' parallel requests from queueing behind one another, so it is not done.
 * The gateway bounds it instead: at most a few invocations of a function at once, the rest queued
 * (local/gateway/limits.ts), so a burst cannot pile into one sandbox past the function timeout.
 */
class Sandbox {
  readonly ready: Promise<RouteTable>;
  readonly exited: Promise<void>;
  retired = false;
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private readonly abandoned = new Set<number>();
  private nextId = 0;
  private drained?: () => void;
  private retiring?: Promise<void>;

  constructor(file: string, data: WorkerData, options: FunctionRuntimeOptions) {
    this.worker = new Worker(file, {
      workerData: data,
      env: options.env,
      execArgv: ['--enable-source-maps'],
      stdout: true,
      stderr: true,
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      const source = this.worker[stream];
      if (options.output) {
        const output = options.output;
        source.setEncoding('utf8');
        source.on('data', (chunk: string) => output(chunk, stream));
      } else source.resume();
    }
    this.ready = new Promise<RouteTable>((resolve, reject) => {
      this.worker.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') resolve(message.table ?? { routes: [] });
        else if (message.type === 'failed') {
          options.log(`A handler failed to load: ${message.error.stack ?? message.error.message}`);
          reject(new FunctionError('A handler failed to load', message.error));
        } else this.settle(message);
      });
      this.worker.once('error', (error) => reject(new FunctionError(`The function sandbox failed: ${error.message}`)));
    });
    this.ready.catch(() => undefined);
    this.exited = new Promise<void>((resolve) => {
      this.worker.once('exit', (code) => {
        this.retired = true;
        if (this.pending.size > this.abandoned.size) options.log(`A function sandbox exited (code ${code}) during an invocation`);
        for (const [id, waiting] of this.pending) {
          if (!this.abandoned.has(id)) waiting.reject(new FunctionError(`The function exited (code ${code})`));
        }
        this.pending.clear();
        this.drained?.();
        resolve();
      });
    });
  }

  /** Posts the invocation at once, even while others run in this sandbox (see the class comment). */
  invoke(handler: string, event: APIGatewayProxyEvent, options: InvokeOptions): Promise<unknown> {
    if (options.signal.aborted) return Promise.reject(new FunctionError('The function timed out'));
    const id = ++this.nextId;
    const message: InvokeMessage = {
      type: 'invoke',
      id,
      handler,
      requestId: options.requestId,
      event,
      deadline: Date.now() + options.timeoutMs,
    };
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const stopWaiting = () => {
        clearTimeout(timer);
        options.signal.removeEventListener('abort', onAbort);
      };
      // Like a timed-out Lambda, this sandbox takes no more work; what it is running is left behind.
      const abandon = (error: FunctionError) => {
        stopWaiting();
        this.abandoned.add(id);
        reject(error);
        void this.retire();
      };
      // The gateway has answered 504.
      const onAbort = () => abandon(new FunctionError('The function timed out'));
      this.pending.set(id, {
        resolve: (value) => {
          stopWaiting();
          resolve(value);
        },
        reject: (error) => {
          stopWaiting();
          reject(error);
        },
      });
      options.signal.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(() => abandon(new FunctionTimeoutError(options.timeoutMs)), options.timeoutMs);
      this.worker.postMessage(message);
    });
  }

  /** Takes no more invocations; terminates once those running (other than abandoned ones) are done. */
  retire(): Promise<void> {
    this.retired = true;
    this.retiring ??= new Promise<void>((resolve) => {
      this.drained = resolve;
    }).then(() => this.terminate());
    this.terminateIfDrained();
    return this.retiring;
  }

  terminate(): Promise<void> {
    this.retired = true;
    return this.worker.terminate().then(() => undefined);
  }

  private settle(message: Extract<WorkerMessage, { type: 'result' | 'error' }>) {
    const waiting = this.pending.get(message.id);
    this.pending.delete(message.id);
    const wasAbandoned = this.abandoned.delete(message.id);
    if (waiting && !wasAbandoned) {
      if (message.type === 'result') waiting.resolve(message.result);
      else waiting.reject(new FunctionError(`${message.error.name}: ${message.error.message}`, message.error));
    }
    if (this.retired) this.terminateIfDrained();
  }

  private terminateIfDrained() {
    const running = [...this.pending.keys()].filter((id) => !this.abandoned.has(id)).length;
    if (running === 0) this.drained?.();
  }
}

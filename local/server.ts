/**
 * Local mode: the whole API on one machine, from the same handler code, route table and table design
 * as the deployed stack, with real sign-up and verified tokens. No AWS account, Docker or Java.
 *
 *   gateway (this process, HTTP)  -> Cognito authorizer (jose, the pool's JWKS) -> function sandbox
 *   (worker thread, esbuild bundles, hot reload)  -> dynalite (in-process DynamoDB, LevelDB)
 *   cognito-local (in-process, HTTP, our own signing key) for sign-up and sign-in
 *
 * Data folder layout (default .local/, ignored by git):
 *   dynamodb/            LevelDB files of the table
 *   cognito/             the user pool, app client and users (cognito-local's JSON files)
 *   secrets/             signing-key.json (the pool's RSA key) and page-token-key, mode 0600
 *   build/               handler bundles (removed on stop)
 *   local-env.json       {apiUrl, cognitoEndpoint, region, userPoolId, clientId, tableName, ...} for the CLI and tests
 */

import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commaList, readConfig } from '../functions/config/env.ts';
import { layoutRecordItem } from '../functions/dynamodb/layout-record.ts';
import { STAGE_DEFAULTS } from '../infra/config.ts';
import { createCognitoAuthorizer } from './gateway/authorizer.ts';
import { rateLimitsOf, tokenValidityMinutesOf } from '../infra/config.ts';
import { answerClientError, createGateway, INTEGRATION_TIMEOUT_MS } from './gateway/gateway.ts';
import { createRouteSummary, type RouteSummary } from './gateway/route-summary.ts';
import type { ConcurrencyLimit, RateLimit } from './gateway/limits.ts';
import { startCognito } from './identity/cognito.ts';
import { loadOrCreateSigningKey } from './identity/signing-key.ts';
import { ensureUserPool } from './identity/user-pool.ts';
import { DEFAULT_DATA_DIR, LOCAL_ENV_FILE, type LocalEnv } from './local-env.ts';
import { close, listen } from './net.ts';
import { createFunctionRuntime } from './runtime/function-runtime.ts';
import { functionTimeoutMs } from './runtime/function-timeout.ts';
import { lockDataDir } from './storage/data-dir-lock.ts';
import { ensureTable, startDynamoDb } from './storage/dynamodb.ts';
import { makePrivate, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, privateUmask } from './storage/private-files.ts';

export interface LocalOptions {
  port?: number;
  dataDir?: string;
  memory?: boolean;
  quiet?: boolean;
  /** The gateway's limits, for tests; by default those the dev stage deploys. */
  limits?: LocalLimits;
}

export interface LocalLimits {
  /** The web ACL's per-caller rate limit (RATE_LIMIT_PER_CALLER per RATE_LIMIT_WINDOW_SECONDS); `false`: none. */
  rateLimit?: RateLimit | false;
  /** Each function's concurrent invocations and queue (DEFAULT_CONCURRENCY). */
  concurrency?: ConcurrencyLimit;
  /** A function's timeout (LAMBDA_TIMEOUT_SECONDS), in milliseconds. */
  functionTimeoutMs?: number;
}

export interface LocalStack {
  /** API base, e.g. http://127.0.0.1:53211 (routes at /tasks etc.). */
  url: string;
  /** For @aws-sdk/client-cognito-identity-provider `endpoint`. */
  cognitoEndpoint: string;
  region: string;
  userPoolId: string;
  clientId: string;
  tableName: string;
  dataDir: string;
  /** Per route: requests, 4xx, 5xx, p50/p99 latency of the gateway's answers (npm start prints it). */
  routeSummary: RouteSummary;
  /** What start-up could not make private to the user (each line names a path and why); empty when all is. */
  privacyWarnings: string[];
  /** Closes every server and flushes persistent state. */
  stop(): Promise<void>;
}

export { DEFAULT_DATA_DIR, LOCAL_ENV_FILE, type LocalEnv };
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_PORT = 3000;
export const LOCAL_REGION = 'local';
export const LOCAL_TABLE_NAME = 'tasks-local';
export const DEFAULT_ALLOWED_ORIGINS = 'http://localhost:5173,http://localhost:3000';
const HOST = '127.0.0.1';
/** Function settings taken from this process's environment when set. */
const PASSED_THROUGH = ['LOG_LEVEL', 'PAGE_TOKEN_KEY_VERSION', 'PAGE_TOKEN_TTL_SECONDS', 'MAX_TASKS_PER_USER'];

export function secretsDir(stateDir: string): string {
  return join(stateDir, 'secrets');
}

export function signingKeyFile(stateDir: string): string {
  return join(secretsDir(stateDir), 'signing-key.json');
}

export async function startLocal(options: LocalOptions = {}): Promise<LocalStack> {
  const quiet = options.quiet ?? false;
  const memory = options.memory ?? false;
  // From here on, whatever this process creates (ours, cognito-local's, LevelDB's) is the user's alone.
  const releaseUmask = privateUmask();
  // A throw-away run keeps its state in a temporary folder removed on stop; so is its data folder (where
  // its local-env.json goes) unless one is named: it must never take over the default folder's files,
  // which belong to the stack `npm start` runs there.
  const scratch = memory ? await mkdtemp(join(tmpdir(), 'task-api-local-')) : undefined;
  const dataDir = options.dataDir ? resolve(options.dataDir) : (scratch ?? join(PROJECT_ROOT, DEFAULT_DATA_DIR));
  const stateDir = scratch ?? dataDir;
  await mkdir(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const say = quiet ? () => undefined : (line: string) => console.log(line);
  const warn = quiet ? () => undefined : (line: string) => console.error(line);

  const cleanups: Array<() => Promise<unknown>> = [async () => releaseUmask()];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((error: unknown) => warn(`local stop: ${String(error)}`));
  };
  if (scratch) cleanups.push(() => rm(scratch, { recursive: true, force: true }));

  try {
    // The lock is on the folder whose local-env.json this stack writes: one stack per local-env.json.
    cleanups.push(await lockDataDir(dataDir, { memory }));
    // mkdir's mode applies only to a folder it creates: an existing one (say 0755) is tightened too, and
    // so is everything already in it (a data folder from an older version, or made by hand).
    const privacy = new Set(await makePrivate(dataDir));
    if (stateDir !== dataDir) for (const problem of await makePrivate(stateDir)) privacy.add(problem);
    await mkdir(secretsDir(stateDir), { recursive: true, mode: PRIVATE_DIR_MODE });
    const [key, pageTokenKey, dynamo] = await Promise.all([
      loadOrCreateSigningKey(memory ? undefined : signingKeyFile(stateDir)),
      memory ? randomBytes(32).toString('base64') : loadOrCreatePageTokenKey(join(secretsDir(stateDir), 'page-token-key')),
      startDynamoDb({ host: HOST, ...(memory ? {} : { path: join(stateDir, 'dynamodb') }) }),
    ]);
    cleanups.push(() => dynamo.stop());

    const timeoutMs = options.limits?.functionTimeoutMs ?? functionTimeoutMs();
    const rateLimit = options.limits?.rateLimit ?? callerRateLimit(process.env);
    const statusShards = localStatusShards();
    const allowedOrigins = commaList(process.env.ALLOWED_ORIGINS || DEFAULT_ALLOWED_ORIGINS);
    const runtime = await createFunctionRuntime({
      projectRoot: PROJECT_ROOT,
      buildDir: join(stateDir, 'build'),
      routeTableModule: 'routes.ts',
      functionNamePrefix: 'task-api-local-',
      env: {
        TABLE_NAME: LOCAL_TABLE_NAME,
        ALLOWED_ORIGINS: allowedOrigins.join(','),
        SERVICE_NAME: 'task-api-local',
        STATUS_SHARDS: String(statusShards),
        PAGE_TOKEN_KEY: pageTokenKey,
        // The pool's public keys: a route that decides on groups verifies the ID token with them.
        ID_TOKEN_JWKS: JSON.stringify(key.jwks),
        DYNAMODB_ENDPOINT: dynamo.endpoint,
        AWS_REGION: LOCAL_REGION,
        AWS_DEFAULT_REGION: LOCAL_REGION,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        AWS_EC2_METADATA_DISABLED: 'true',
        // The SDK's notice that its 2027 releases need Node 22 is noise here (the README says which Node).
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        TZ: 'UTC',
        // Settings a developer may try locally as deployed (e.g. a page-token key rotation).
        ...Object.fromEntries(PASSED_THROUGH.flatMap((name) => (process.env[name] ? [[name, process.env[name] as string]] : []))),
      },
      ...(quiet ? {} : { output: (chunk: string, stream: 'stdout' | 'stderr') => process[stream].write(chunk) }),
      log: warn,
    });
    cleanups.push(() => runtime.close());

    const requestedPort = options.port ?? DEFAULT_PORT;
    // ensureTable's 'created' | 'exists' is not needed: either way the table is there. The route table
    // of the warm build names the admin group the pool must have.
    const [cognito, , routeTable] = await Promise.all([
      startCognito({
        stateDir: join(stateDir, 'cognito'),
        host: HOST,
        port: requestedPort === 0 ? 0 : requestedPort + 1,
        key,
        allowedOrigins,
        quiet,
        onMessage: say,
      }).then(
        (started) => {
          cleanups.push(() => started.stop());
          return started;
        },
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'EADDRINUSE')
            throw new Error(`Port ${requestedPort + 1} (Cognito, the API port + 1) is in use: pick another --port`);
          throw error;
        },
      ),
      // A new table is empty, so its status index is settled at the count the functions write with.
      ensureTable(dynamo.endpoint, LOCAL_TABLE_NAME, [
        layoutRecordItem({ state: 'settled', shards: statusShards }, new Date().toISOString()),
      ]),
      runtime.warm(),
    ]);
    const pool = await ensureUserPool(cognito, routeTable.adminGroup ? [routeTable.adminGroup] : [], tokenValidityMinutesOf(process.env));

    const routeSummary = createRouteSummary();
    const gateway = createGateway({
      onAnswered: routeSummary.record,
      routes: async () => (await runtime.routeTable()).routes,
      allowedOrigins,
      authorize: createCognitoAuthorizer({ issuer: cognito.issuerOf(pool.userPoolId), clientId: pool.clientId, jwks: key.jwks }),
      // The function stops at the deployed timeout (502, as in AWS); the gateway keeps its own 29 s (504).
      timeoutMs: INTEGRATION_TIMEOUT_MS,
      ...(rateLimit ? { rateLimit } : {}),
      ...(options.limits?.concurrency ? { concurrency: options.limits.concurrency } : {}),
      invoke: (route, event, signal) =>
        runtime.invoke(route.handler, event, { requestId: event.requestContext.requestId, signal, timeoutMs }),
      ...(quiet
        ? {}
        : {
            accessLog: (line: string) => console.log(line),
            errorLog: (message, { detail, ...fields }) => warn(`${message}: ${JSON.stringify(fields)}${detail ? `\n${detail}` : ''}`),
          }),
    });
    const handle = (req: Parameters<typeof gateway>[0], res: Parameters<typeof gateway>[1]) => void gateway(req, res);
    const server = createServer(handle);
    // The gateway says when to send `100 Continue` (not to a request it refuses before reading the body).
    server.on('checkContinue', handle);
    server.on('clientError', answerClientError);
    const port = await listen(server, requestedPort, HOST).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') throw new Error(`Port ${requestedPort} is in use: stop what runs there or pick another with --port`);
      throw error;
    });
    cleanups.push(() => close(server));
    // So that http://localhost:<port> answers whether localhost resolves to 127.0.0.1 or ::1.
    const ipv6Server = createServer(handle);
    ipv6Server.on('checkContinue', handle);
    ipv6Server.on('clientError', answerClientError);
    const ipv6 = await listenBestEffort(ipv6Server, port, '::1');
    if (ipv6) cleanups.push(() => close(ipv6));

    const url = `http://${HOST}:${port}`;
    const env: LocalEnv = {
      apiUrl: url,
      cognitoEndpoint: cognito.endpoint,
      region: LOCAL_REGION,
      userPoolId: pool.userPoolId,
      clientId: pool.clientId,
      tableName: LOCAL_TABLE_NAME,
      dynamoDbEndpoint: dynamo.endpoint,
      memory,
      pid: process.pid,
    };
    const envFile = join(dataDir, LOCAL_ENV_FILE);
    const envText = `${JSON.stringify(env, null, 2)}\n`;
    await writeFile(envFile, envText, { mode: PRIVATE_FILE_MODE });
    // Once more now that every part has written its files (a tool spawned before the umask keeps its own).
    for (const problem of await makePrivate(dataDir)) privacy.add(problem);
    if (stateDir !== dataDir) for (const problem of await makePrivate(stateDir)) privacy.add(problem);
    const privacyWarnings = [...privacy];
    if (privacyWarnings.length > 0) {
      // Said even with --quiet: the data folder holds passwords and keys.
      console.error(
        `Local mode could not make all of its data private; other users of this machine may read:\n${privacyWarnings.map((line) => `  - ${line}`).join('\n')}`,
      );
    }
    // A throw-away run leaves nothing behind; a kept one leaves the ids for the next start and the CLI.
    if (memory && dataDir !== stateDir) cleanups.push(() => removeIfUnchanged(envFile, envText));

    let stopping: Promise<void> | undefined;
    return {
      url,
      cognitoEndpoint: cognito.endpoint,
      region: LOCAL_REGION,
      userPoolId: pool.userPoolId,
      clientId: pool.clientId,
      tableName: LOCAL_TABLE_NAME,
      dataDir,
      routeSummary,
      privacyWarnings,
      stop: () => {
        stopping ??= stopAll();
        return stopping;
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The dev stage's per-caller rate limit, as its web ACL applies it (RATE_LIMIT_PER_CALLER, RATE_LIMIT_WINDOW_SECONDS). */
function callerRateLimit(env: NodeJS.ProcessEnv): RateLimit {
  const { perCaller, windowSeconds } = rateLimitsOf(env, 'dev');
  return { limit: perCaller, windowSeconds };
}

/**
 * The status index's shard count: prod's default, so a laptop runs the layout that runs at scale;
 * STATUS_SHARDS overrides it (to rehearse `make reshard`, start with the new count as a deploy would).
 */
export function localStatusShards(env: NodeJS.ProcessEnv = process.env): number {
  return readConfig({ STATUS_SHARDS: env.STATUS_SHARDS || String(STAGE_DEFAULTS.prod.statusShards) }).statusShards;
}

/** The page-token HMAC secret: generated once per data folder, kept with mode 0600. */
async function loadOrCreatePageTokenKey(file: string): Promise<string> {
  try {
    const key = (await readFile(file, 'utf8')).trim();
    await chmod(file, 0o600);
    if (Buffer.from(key, 'base64').byteLength >= 32) return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(32).toString('base64');
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return key;
}

async function listenBestEffort(server: Server, port: number, host: string): Promise<Server | undefined> {
  try {
    await listen(server, port, host);
    return server;
  } catch {
    return undefined;
  }
}

async function removeIfUnchanged(file: string, text: string): Promise<void> {
  const now = await readFile(file, 'utf8').catch(() => undefined);
  if (now === text) await rm(file, { force: true });
}

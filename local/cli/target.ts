/**
 * Where the CLI talks to: local mode (the stack `npm start` runs, described by <data dir>/local-env.json)
 * or a deployed stage (its Terraform outputs). Both end as the same `Target`.
 */

// Synchronous file calls: a command does one thing at a time, and node:fs/promises alone costs a short
// command a tenth of its start-up.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DEFAULT_DATA_DIR, LOCAL_ENV_FILE, type LocalEnv } from '../local-env.ts';
import { isAlive, lockOwner } from '../storage/data-dir-lock.ts';
import { CliError, UsageError } from './errors.ts';

/** How long a command waits for a local stack that is still starting (it takes seconds; more on a busy machine). */
const STARTING_WAIT_MS = 60_000;

export interface Target {
  kind: 'local' | 'stage';
  /** "local" or the stage name: what the session file is for. */
  name: string;
  apiUrl: string;
  /** Only in local mode: cognito-local's endpoint. A stage uses the regional Cognito endpoint. */
  cognitoEndpoint?: string;
  region: string;
  userPoolId: string;
  clientId: string;
  /** Where the login is cached (mode 0600); never inside a tracked path of the repository. */
  sessionFile: string;
}

export interface TargetOptions {
  stage?: string;
  outputs?: string;
  endpoint?: string;
  dataDir?: string;
}

export interface Environment {
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export async function resolveTarget(options: TargetOptions, environment: Environment): Promise<Target> {
  const endpoint = options.endpoint && options.endpoint !== 'local' ? options.endpoint : undefined;
  if (endpoint && !/^https?:\/\//.test(endpoint)) throw new UsageError('--endpoint must be "local" or an http(s) URL');
  const target = options.stage ? await stageTarget(options.stage, options.outputs, environment) : await localTarget(options, environment);
  const sessionFile = environment.env.TASK_API_SESSION_FILE
    ? resolve(environment.cwd, environment.env.TASK_API_SESSION_FILE)
    : target.sessionFile;
  return { ...target, sessionFile, ...(endpoint ? { apiUrl: endpoint } : {}) };
}

/** The local stack's data folder: --data-dir, else $TASK_API_DATA_DIR, else .local (where `npm start` keeps it). */
export function localDataDir(options: Pick<TargetOptions, 'dataDir'>, { env, cwd }: Environment): string {
  return resolve(cwd, options.dataDir ?? env.TASK_API_DATA_DIR ?? DEFAULT_DATA_DIR);
}

async function localTarget(options: TargetOptions, environment: Environment): Promise<Target> {
  if (options.outputs) throw new UsageError('--outputs goes with --stage');
  const dataDir = localDataDir(options, environment);
  const file = join(dataDir, LOCAL_ENV_FILE);
  const local = await localEnvOnceStarted(dataDir, file);
  if (!local) {
    throw new CliError(`No local stack found (${file} is missing or unreadable): run \`npm start\` first, or pass --data-dir or --stage`);
  }
  for (const key of ['apiUrl', 'cognitoEndpoint', 'region', 'userPoolId', 'clientId'] as const) {
    if (typeof local[key] !== 'string' || local[key] === '') throw new CliError(`${file} has no ${key}`);
  }
  return {
    kind: 'local',
    name: 'local',
    apiUrl: local.apiUrl,
    cognitoEndpoint: local.cognitoEndpoint,
    region: local.region,
    userPoolId: local.userPoolId,
    clientId: local.clientId,
    sessionFile: join(dataDir, 'cli-session.json'),
  };
}

function readLocalEnv(file: string): LocalEnv | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LocalEnv;
  } catch {
    return undefined;
  }
}

/**
 * The folder's local-env.json, once its stack is up. A stack still starting holds the folder's lock but
 * has not written its own file yet (the one there, if any, is its predecessor's, with another pid), so
 * a command right after `npm start &` waits for it instead of failing or calling a stack that is gone.
 */
async function localEnvOnceStarted(dataDir: string, file: string, timeoutMs = STARTING_WAIT_MS): Promise<LocalEnv | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const local = readLocalEnv(file);
    const owner = lockOwner(dataDir);
    if (owner === undefined || local?.pid === owner || !isAlive(owner)) return local;
    if (Date.now() > deadline)
      throw new CliError(`The local stack in ${dataDir} (pid ${owner}) is still starting after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stageTarget(stage: string, outputsFile: string | undefined, { env, cwd }: Environment): Promise<Target> {
  if (!/^[a-z0-9-]{1,32}$/i.test(stage)) throw new UsageError('--stage must be a stage name like dev');
  const raw = outputsFile ? await readOutputsFile(resolve(cwd, outputsFile)) : await cdktfOutputs(stage, cwd, env);
  const outputs = flattenOutputs(raw);
  const apiUrl = pick(outputs, ['api_url', 'api_endpoint', 'invoke_url', 'url']);
  const userPoolId = pick(outputs, ['user_pool_id']);
  const clientId = pick(outputs, ['user_pool_client_id', 'client_id', 'app_client_id']);
  const region = pickOptional(outputs, ['region', 'aws_region']) ?? userPoolId.split('_')[0] ?? '';
  if (!/^[a-z0-9-]{2,32}$/.test(region)) throw new CliError(`Cannot tell the region of stage ${stage} from its outputs`);
  const configHome = env.TASK_API_CONFIG_DIR ?? join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'task-api');
  return {
    kind: 'stage',
    name: stage,
    apiUrl: apiUrl.replace(/\/+$/, ''),
    region,
    userPoolId,
    clientId,
    sessionFile: join(configHome, `session-${stage}.json`),
  };
}

async function readOutputsFile(file: string): Promise<unknown> {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CliError(`Cannot read the outputs file ${file}: ${(error as Error).message}`);
  }
}

/** `cdktf output --outputs-file` for the stage (the app reads STAGE), written to a temporary file. */
async function cdktfOutputs(stage: string, cwd: string, env: NodeJS.ProcessEnv): Promise<unknown> {
  const dir = mkdtempSync(join(tmpdir(), 'task-api-outputs-'));
  const file = join(dir, 'outputs.json');
  try {
    // Loaded only for a stage: local mode's commands start without it.
    const [{ execFile }, { promisify }] = await Promise.all([import('node:child_process'), import('node:util')]);
    await promisify(execFile)('npx', ['cdktf', 'output', '--outputs-file', file], {
      cwd,
      env: { ...env, STAGE: stage },
      maxBuffer: 16 * 1024 * 1024,
    });
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0];
    throw new CliError(`Cannot read the Terraform outputs of stage ${stage} (\`cdktf output\`): ${reason}. Pass --outputs FILE instead.`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Outputs come as `{name: value}`, as Terraform's `{name: {value, type, sensitive}}`, or as cdktf's
 * `{stackName: {name: value}}`; construct-scoped names may carry a prefix. All become `{name: value}`.
 */
export function flattenOutputs(raw: unknown): Record<string, string> {
  const flat: Record<string, string> = {};
  const visit = (value: unknown, name: string) => {
    if (typeof value === 'string') flat[name] = value;
    else if (value && typeof value === 'object' && !Array.isArray(value)) {
      const record = value as Record<string, unknown>;
      if ('value' in record && !(typeof record.value === 'object' && record.value !== null)) visit(record.value, name);
      else for (const [key, inner] of Object.entries(record)) visit(inner, key);
    }
  };
  visit(raw, '');
  return flat;
}

const normalise = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

function pickOptional(outputs: Record<string, string>, names: readonly string[]): string | undefined {
  for (const wanted of names.map(normalise)) {
    const exact = Object.entries(outputs).find(([key]) => normalise(key) === wanted);
    if (exact) return exact[1];
  }
  for (const wanted of names.map(normalise)) {
    const suffixed = Object.entries(outputs).find(([key]) => normalise(key).endsWith(wanted));
    if (suffixed) return suffixed[1];
  }
  return undefined;
}

function pick(outputs: Record<string, string>, names: readonly string[]): string {
  const value = pickOptional(outputs, names);
  if (!value) throw new CliError(`The stage's outputs have no ${names[0]} (found: ${Object.keys(outputs).join(', ') || 'none'})`);
  return value;
}

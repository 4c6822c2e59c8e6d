/**
 * The one typed configuration of the infrastructure: read from environment variables (with defaults per
 * stage), validated once, and passed down as plain data. Nothing else in infra/ reads `process.env`.
 */

import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commaList } from '../functions/config/env.ts';
import { MAX_STATUS_SHARDS } from '../functions/dynamodb/shards.ts';

export const STAGES = ['dev', 'prod'] as const;
export type Stage = (typeof STAGES)[number];

/**
 * Lambda runtimes the pinned provider (hashicorp/aws 5.100.0, @cdktf/provider-aws 20.1.0) accepts:
 * its `runtime` argument is validated against the AWS SDK enum of its release, which ends at nodejs22.x.
 * nodejs24.x needs hashicorp/aws 6.x (@cdktf/provider-aws 21+); add it here together with that upgrade.
 */
export const SUPPORTED_RUNTIMES = ['nodejs22.x'] as const;
export type LambdaRuntime = (typeof SUPPORTED_RUNTIMES)[number];

/** The esbuild target matching a Lambda runtime: `nodejs22.x` -> `node22`. The build follows the runtime. */
export function esbuildTargetOf(runtime: LambdaRuntime): string {
  return runtime.replace(/^nodejs(\d+)\.x$/, 'node$1');
}

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_VALUES = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** API Gateway's integration timeout is 29 s: a function must give up before the gateway does. */
export const MAX_LAMBDA_TIMEOUT_SECONDS = 28;
/** A function's timeout when LAMBDA_TIMEOUT_SECONDS is not set (local mode uses it too). */
export const DEFAULT_LAMBDA_TIMEOUT_SECONDS = 10;

export interface StateBackendConfig {
  bucket: string;
  key: string;
  region: string;
}

export interface InfraConfig {
  app: string;
  stage: Stage;
  region: string;
  /** `<app>-<stage>`: every resource name starts with it. */
  prefix: string;
  allowedOrigins: string[];
  /** domainPrefix: AUTH_DOMAIN_PREFIX, or undefined for `<prefix>-<hash of the pool id>`. */
  auth: { callbackUrls: string[]; logoutUrls: string[]; domainPrefix?: string };
  lambda: { runtime: LambdaRuntime; memoryMb: number; timeoutSeconds: number };
  logRetentionDays: number;
  throttling: { rateLimit: number; burstLimit: number };
  /** Write shards of the status index (GSI1): see README, "Data model". Changing it on a live table needs `make reshard`. */
  statusShards: number;
  /** Declare the account-level API Gateway CloudWatch role (one per account and region). */
  manageApiGatewayAccount: boolean;
  /** S3 state (with a lock file) when a bucket is configured; local state otherwise. */
  state?: StateBackendConfig;
  /** Where `dist/<handler>.zip` are (absolute). */
  distDir: string;
  /**
   * Plan without an AWS account: mock credentials, the provider's skip_* checks, local state. For the
   * test suite and `make plan` on a machine with no credentials; never for a deploy.
   */
  offline: boolean;
}

/** Hex characters of the user pool id's hash that make the default hosted-UI domain prefix unique. */
export const DOMAIN_SUFFIX_LENGTH = 10;

export const REPO_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Per-stage defaults. Status shards: prod's 8 carry about 5,800 writes a second to the busiest status (see
 * `npm run capacity`) and local mode uses them too, so a laptop runs the layout that runs at scale;
 * dev's 2 keep the sharded code path for a fraction of an admin page's read cost.
 */
export const STAGE_DEFAULTS: Record<Stage, { logRetentionDays: number; rateLimit: number; burstLimit: number; statusShards: number }> = {
  dev: { logRetentionDays: 14, rateLimit: 50, burstLimit: 100, statusShards: 2 },
  prod: { logRetentionDays: 365, rateLimit: 200, burstLimit: 400, statusShards: 8 },
};

const DEV_ORIGIN = 'http://localhost:3000';

function list(value: string | undefined): string[] | undefined {
  const items = commaList(value);
  return items.length > 0 ? items : undefined;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be from ${min} to ${max}, got ${value}`);
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function checkUrl(name: string, value: string, stage: Stage): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name}: "${value}" is not a URL`);
  }
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
    throw new ConfigError(`${name}: "${value}" must use https (http only for localhost)`);
  }
  if (stage === 'prod' && local) throw new ConfigError(`${name}: "${value}" points at localhost, which prod must not allow`);
}

function checkOrigin(value: string, stage: Stage): void {
  if (value === '*') {
    if (stage === 'prod') throw new ConfigError('ALLOWED_ORIGINS: "*" is not allowed in prod; list the origins');
    return;
  }
  checkUrl('ALLOWED_ORIGINS', value, stage);
  const url = new URL(value);
  if (url.origin !== value) throw new ConfigError(`ALLOWED_ORIGINS: "${value}" is not an origin (did you mean "${url.origin}"?)`);
}

function required(stage: Stage, name: string, value: string[] | undefined, devDefault: string[]): string[] {
  if (value) return value;
  if (stage === 'prod') throw new ConfigError(`${name} must be set for prod`);
  return devDefault;
}

/** Reads and validates the configuration; throws a ConfigError naming the variable on bad input. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): InfraConfig {
  const app = env.APP_NAME || 'task-api';
  if (!/^[a-z][a-z0-9-]{1,19}$/.test(app)) throw new ConfigError(`APP_NAME must be 2-20 characters of a-z, 0-9 and -, got "${app}"`);

  const stageRaw = env.STAGE || 'dev';
  if (!(STAGES as readonly string[]).includes(stageRaw))
    throw new ConfigError(`STAGE must be one of ${STAGES.join(', ')}, got "${stageRaw}"`);
  const stage = stageRaw as Stage;
  const defaults = STAGE_DEFAULTS[stage];
  const prefix = `${app}-${stage}`;

  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || 'eu-west-1';
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) throw new ConfigError(`AWS_REGION is not a region name: "${region}"`);

  const allowedOrigins = required(stage, 'ALLOWED_ORIGINS', list(env.ALLOWED_ORIGINS), [DEV_ORIGIN]);
  for (const origin of allowedOrigins) checkOrigin(origin, stage);

  const callbackUrls = required(stage, 'AUTH_CALLBACK_URLS', list(env.AUTH_CALLBACK_URLS), [`${DEV_ORIGIN}/callback`]);
  const logoutUrls = required(stage, 'AUTH_LOGOUT_URLS', list(env.AUTH_LOGOUT_URLS), [`${DEV_ORIGIN}/`]);
  for (const url of callbackUrls) checkUrl('AUTH_CALLBACK_URLS', url, stage);
  for (const url of logoutUrls) checkUrl('AUTH_LOGOUT_URLS', url, stage);

  // Cognito prefix domains are shared by every AWS customer in a region, so `<app>-<stage>` alone is likely
  // taken: without AUTH_DOMAIN_PREFIX the stack appends a suffix derived from its own user pool's id.
  const domainPrefix = env.AUTH_DOMAIN_PREFIX || undefined;
  const checkedPrefix = domainPrefix ?? `${prefix}-${'0'.repeat(DOMAIN_SUFFIX_LENGTH)}`;
  // Cognito: lower-case letters, digits and hyphens, not starting or ending with a hyphen, no "aws"/"amazon"/"cognito".
  if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(checkedPrefix) || /aws|amazon|cognito/.test(checkedPrefix)) {
    throw new ConfigError(
      domainPrefix
        ? `AUTH_DOMAIN_PREFIX "${domainPrefix}" is not a valid Cognito domain prefix`
        : `"${prefix}" cannot start a Cognito domain prefix: set AUTH_DOMAIN_PREFIX`,
    );
  }

  const runtime = env.LAMBDA_RUNTIME || SUPPORTED_RUNTIMES[0];
  if (!(SUPPORTED_RUNTIMES as readonly string[]).includes(runtime)) {
    throw new ConfigError(
      `LAMBDA_RUNTIME must be one of ${SUPPORTED_RUNTIMES.join(', ')} (what the pinned hashicorp/aws 5.100.0 accepts), got "${runtime}"`,
    );
  }

  const logRetentionDays = integer(env, 'LOG_RETENTION_DAYS', defaults.logRetentionDays, 1, 3653);
  if (!LOG_RETENTION_VALUES.includes(logRetentionDays)) {
    throw new ConfigError(`LOG_RETENTION_DAYS must be one of ${LOG_RETENTION_VALUES.join(', ')}, got ${logRetentionDays}`);
  }

  const offline = flag(env, 'TASK_API_OFFLINE', false);
  const stateBucket = env.TF_STATE_BUCKET || undefined;
  const state =
    stateBucket && !offline
      ? { bucket: stateBucket, key: env.TF_STATE_KEY || `${app}/${stage}/terraform.tfstate`, region: env.TF_STATE_REGION || region }
      : undefined;

  const distRaw = env.DIST_DIR || 'dist';
  return {
    app,
    stage,
    region,
    prefix,
    allowedOrigins,
    auth: { callbackUrls, logoutUrls, domainPrefix },
    lambda: {
      runtime: runtime as LambdaRuntime,
      memoryMb: integer(env, 'LAMBDA_MEMORY_MB', 512, 128, 10240),
      timeoutSeconds: integer(env, 'LAMBDA_TIMEOUT_SECONDS', DEFAULT_LAMBDA_TIMEOUT_SECONDS, 1, MAX_LAMBDA_TIMEOUT_SECONDS),
    },
    logRetentionDays,
    throttling: {
      rateLimit: integer(env, 'API_THROTTLE_RATE', defaults.rateLimit, 1, 10000),
      burstLimit: integer(env, 'API_THROTTLE_BURST', defaults.burstLimit, 1, 5000),
    },
    statusShards: integer(env, 'STATUS_SHARDS', defaults.statusShards, 1, MAX_STATUS_SHARDS),
    manageApiGatewayAccount: flag(env, 'APIGW_MANAGE_ACCOUNT', true),
    state,
    distDir: isAbsolute(distRaw) ? distRaw : resolve(REPO_ROOT, distRaw),
    offline,
  };
}

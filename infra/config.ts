/**
 * The one typed configuration of the infrastructure: read from environment variables (with defaults per
 * stage), validated once, and passed down as plain data. Nothing else in infra/ reads `process.env`.
 */

import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  commaList,
  DEFAULT_PAGE_TOKEN_KEY_VERSION,
  type LogLevel,
  logLevelOf,
  MAX_PAGE_TOKEN_TTL_SECONDS,
  MAX_TASKS_PER_USER_LIMIT,
  SettingError,
  wholeNumber,
} from '../functions/config/env.ts';
import { DEFAULT_PAGE_TOKEN_TTL_SECONDS, MAX_KEY_VERSION } from '../functions/http/page-token.ts';
import { DEFAULT_MAX_TASKS_PER_USER } from '../functions/tasks/service.ts';
import { MAX_STATUS_SHARDS } from '../functions/dynamodb/shards.ts';
import type { AlarmThresholds } from './monitoring/alarms.ts';

export const STAGES = ['dev', 'prod'] as const;
export type Stage = (typeof STAGES)[number];

/** The hashicorp/aws release the bindings (@cdktf/provider-aws 20.1.0) and the offline mirror are for. */
export const PINNED_AWS_PROVIDER_VERSION = '5.100.0';

/**
 * Lambda runtimes, each with the first hashicorp/aws release whose `runtime` validation accepts it.
 * nodejs22.x: AWS deprecates it on 2027-04-30, blocks creating functions on 2027-06-01 and updating them
 * on 2027-07-01. nodejs24.x needs hashicorp/aws >= 6.19, which a machine that reaches the Terraform
 * registry selects with AWS_PROVIDER_VERSION; the pinned mirror (5.100.0) stays the offline default.
 */
export const RUNTIME_MIN_PROVIDER = { 'nodejs22.x': '5.0.0', 'nodejs24.x': '6.19.0' } as const;
export type LambdaRuntime = keyof typeof RUNTIME_MIN_PROVIDER;
export const SUPPORTED_RUNTIMES = Object.keys(RUNTIME_MIN_PROVIDER) as LambdaRuntime[];
export const DEFAULT_RUNTIME: LambdaRuntime = 'nodejs22.x';

/** `6.19.0` -> [6, 19, 0]: enough to order provider releases. */
function versionParts(version: string): number[] {
  return version.split('.').map(Number);
}

export function versionAtLeast(version: string, minimum: string): boolean {
  const [a, b] = [versionParts(version), versionParts(minimum)];
  for (let i = 0; i < 3; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

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

/** The user pool and app client's settings (see InfraConfig.auth). */
export interface AuthConfig {
  callbackUrls: string[];
  logoutUrls: string[];
  /** The hosted-UI domain prefix; by default `<prefix>-<hash of the pool id>`, unique among all AWS customers. */
  domainPrefix?: string;
  /** Also allow USER_PASSWORD_AUTH (AUTH_ALLOW_PASSWORD_FLOW). */
  allowPasswordAuth: boolean;
  /** Of ID and access tokens (TOKEN_VALIDITY_MINUTES). */
  tokenValidityMinutes: number;
  /** Send through this SES identity; without it, Cognito's own sender (a low daily cap: fine for dev). */
  email?: SesEmail;
}

export interface InfraConfig {
  app: string;
  stage: Stage;
  region: string;
  /** `<app>-<stage>`: every resource name starts with it. */
  prefix: string;
  allowedOrigins: string[];
  /**
   * The design's sign-in flows are SRP, refresh and the OAuth code flow; USER_PASSWORD_AUTH (the password
   * is sent to Cognito) only with AUTH_ALLOW_PASSWORD_FLOW=true. Refresh tokens last 30 days.
   */
  auth: AuthConfig;
  lambda: { runtime: LambdaRuntime; memoryMb: number; timeoutSeconds: number };
  logRetentionDays: number;
  /** LOG_LEVEL: the least severe line the functions log (debug, info, warn, error; default info). */
  logLevel: LogLevel;
  /** How many tasks one user may have (each create and delete updates a counter item). */
  maxTasksPerUser: number;
  /** Page tokens: the key version new ones are sealed with (raise it to rotate) and how long one is honoured. */
  pageTokens: { keyVersion: number; ttlSeconds: number };
  throttling: { rateLimit: number; burstLimit: number };
  /** The web ACL's rate-based rules (local mode applies the per-caller one too). */
  rateLimits: RateLimits;
  /** Write shards of the status index (GSI1): see README, "Data model". Changing it on a live table needs `make reshard`. */
  statusShards: number;
  /** Declare the account-level API Gateway CloudWatch role (one stack per account and region). */
  manageApiGatewayAccount: boolean;
  /** The hashicorp/aws release the stack requires (exact). */
  awsProviderVersion: string;
  /** The table and user pool refuse deletion (prod by default; DELETION_PROTECTION=false before a destroy). */
  deletionProtection: boolean;
  /**
   * Deploy rehearsal only: every AWS API the provider calls goes to this loopback emulator (moto), with
   * its test credentials. Never set for a deployable stack.
   */
  rehearsalEndpoint?: string;
  /** S3 state (with a lock file) when a bucket is configured; local state otherwise. */
  state?: StateBackendConfig;
  /** Where `dist/<handler>.zip` are (absolute). */
  distDir: string;
  /**
   * Alarms: who is e-mailed (ALARM_EMAIL; required in prod, where an alarm nobody receives is no alarm)
   * and the thresholds (ALARM_*), with per-stage defaults.
   */
  monitoring: { alarmEmail?: string; thresholds: AlarmThresholds };
  /**
   * Plan without an AWS account: mock credentials, the provider's skip_* checks, local state. For the
   * test suite and `make plan` on a machine with no credentials; never for a deploy.
   */
  offline: boolean;
}

/**
 * How long ID and access tokens live (TOKEN_VALIDITY_MINUTES): short, because API Gateway's authorizer
 * honours a token until it expires, whatever happened since (sign-out, a deleted or disabled user, a
 * group removed). The refresh token (30 days) keeps a session going. Cognito allows 5 minutes to 1 day.
 */
export const DEFAULT_TOKEN_VALIDITY_MINUTES = 15;
/** Refresh tokens: a month. */
export const REFRESH_TOKEN_DAYS = 30;

/** TOKEN_VALIDITY_MINUTES, validated (local mode reads it too). */
export function tokenValidityMinutesOf(env: NodeJS.ProcessEnv): number {
  return integer(env, 'TOKEN_VALIDITY_MINUTES', DEFAULT_TOKEN_VALIDITY_MINUTES, 5, 24 * 60);
}

/** A verified SES identity Cognito sends its e-mail (codes, invitations) through, and the From address. */
export interface SesEmail {
  identityArn: string;
  fromAddress: string;
}

const SES_IDENTITY_ARN = /^arn:aws[\w-]*:ses:[a-z]{2}(-[a-z]+)+-\d:\d{12}:identity\/[^\s]+$/;
/** `no-reply@example.com` or `Task API <no-reply@example.com>`. */
const FROM_ADDRESS = /^(?:[^<>@\r\n]+ <[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+>|[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+)$/;

/** SES_IDENTITY_ARN and SES_FROM_ADDRESS: both or neither. */
function sesEmailOf(env: NodeJS.ProcessEnv): SesEmail | undefined {
  const identityArn = env.SES_IDENTITY_ARN || undefined;
  const fromAddress = env.SES_FROM_ADDRESS || undefined;
  if (!identityArn && !fromAddress) return undefined;
  if (!identityArn || !fromAddress)
    throw new ConfigError('SES_IDENTITY_ARN and SES_FROM_ADDRESS go together: set both to send through SES, or neither');
  if (!SES_IDENTITY_ARN.test(identityArn)) {
    throw new ConfigError(
      `SES_IDENTITY_ARN must be an SES identity ARN (arn:aws:ses:<region>:<account>:identity/<domain or address>), got "${identityArn}"`,
    );
  }
  if (!FROM_ADDRESS.test(fromAddress)) {
    throw new ConfigError(
      `SES_FROM_ADDRESS must be an e-mail address, optionally with a name ("Task API <no-reply@example.com>"), got "${fromAddress}"`,
    );
  }
  return { identityArn, fromAddress };
}

/** Hex characters of the user pool id's hash that make the default hosted-UI domain prefix unique. */
export const DOMAIN_SUFFIX_LENGTH = 10;

export const REPO_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * What the web ACL's rate-based rules allow, each per evaluation window: requests from one IP address,
 * and requests with one Authorization header (one caller). WAF counts over a sliding window of
 * 60, 120, 300 or 600 s and blocks a key while it is over its limit (at least 10).
 */
export interface RateLimits {
  perIp: number;
  perCaller: number;
  windowSeconds: number;
}
export const RATE_WINDOWS_SECONDS = [60, 120, 300, 600];
const MIN_RATE_LIMIT = 10;

/**
 * manageAccount: which stage owns API Gateway's account-wide CloudWatch role by default. dev is what a new
 * account deploys first (`make build && cdktf deploy`), so it owns it; prod, which usually shares an
 * account with dev or is set up by CI, does not unless APIGW_MANAGE_ACCOUNT=true (see the README).
 * rateLimits per caller: 300 a minute (5/s on average) against a stage budget of 50/s, so no one caller
 * spends it all. Status shards: prod's 8 carry about 5,800 writes a second to the busiest status (see
 * `npm run capacity`) and local mode uses them too, so a laptop runs the layout that runs at scale;
 * dev's 2 keep the sharded code path for a fraction of an admin page's read cost.
 */
export const STAGE_DEFAULTS: Record<
  Stage,
  {
    logRetentionDays: number;
    rateLimit: number;
    burstLimit: number;
    rateLimits: RateLimits;
    manageAccount: boolean;
    deletionProtection: boolean;
    statusShards: number;
    alarms: AlarmThresholds;
  }
> = {
  dev: {
    logRetentionDays: 14,
    rateLimit: 50,
    burstLimit: 100,
    rateLimits: { perIp: 1000, perCaller: 300, windowSeconds: 60 },
    manageAccount: true,
    deletionProtection: false,
    statusShards: 2,
    // Developers' traffic: few requests, many of them deliberate errors and cold starts.
    alarms: {
      api5xxPercent: 5,
      api4xxPercent: 30,
      apiP99LatencyMs: 3000,
      lambdaDurationPercent: 80,
      wafBlockedRequests: 100,
      minRequestsPerHour: 0,
    },
  },
  prod: {
    logRetentionDays: 365,
    rateLimit: 200,
    burstLimit: 400,
    rateLimits: { perIp: 3000, perCaller: 600, windowSeconds: 60 },
    manageAccount: false,
    deletionProtection: true,
    statusShards: 8,
    alarms: {
      api5xxPercent: 1,
      api4xxPercent: 15,
      apiP99LatencyMs: 2000,
      lambdaDurationPercent: 80,
      wafBlockedRequests: 100,
      minRequestsPerHour: 0,
    },
  },
};

/** One address, as SNS e-mail subscriptions take it. */
const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;

function alarmSettings(env: NodeJS.ProcessEnv, stage: Stage, defaults: AlarmThresholds): InfraConfig['monitoring'] {
  const alarmEmail = env.ALARM_EMAIL || undefined;
  if (alarmEmail && !EMAIL.test(alarmEmail)) throw new ConfigError(`ALARM_EMAIL must be one e-mail address, got "${alarmEmail}"`);
  if (!alarmEmail && stage === 'prod') throw new ConfigError('ALARM_EMAIL must be set for prod: alarms nobody receives page nobody');
  return {
    ...(alarmEmail ? { alarmEmail } : {}),
    thresholds: {
      api5xxPercent: integer(env, 'ALARM_API_5XX_PERCENT', defaults.api5xxPercent, 1, 100),
      api4xxPercent: integer(env, 'ALARM_API_4XX_PERCENT', defaults.api4xxPercent, 1, 100),
      apiP99LatencyMs: integer(env, 'ALARM_API_P99_MS', defaults.apiP99LatencyMs, 50, 29000),
      lambdaDurationPercent: integer(env, 'ALARM_LAMBDA_DURATION_PERCENT', defaults.lambdaDurationPercent, 10, 100),
      wafBlockedRequests: integer(env, 'ALARM_WAF_BLOCKED', defaults.wafBlockedRequests, 1, 10_000_000),
      minRequestsPerHour: integer(env, 'ALARM_MIN_REQUESTS_PER_HOUR', defaults.minRequestsPerHour, 0, 100_000_000),
    },
  };
}

/** RATE_LIMIT_PER_IP, RATE_LIMIT_PER_CALLER and RATE_LIMIT_WINDOW_SECONDS, with the stage's defaults. */
export function rateLimitsOf(env: NodeJS.ProcessEnv, stage: Stage): RateLimits {
  const defaults = STAGE_DEFAULTS[stage].rateLimits;
  const windowSeconds = integer(env, 'RATE_LIMIT_WINDOW_SECONDS', defaults.windowSeconds, 60, 600);
  if (!RATE_WINDOWS_SECONDS.includes(windowSeconds)) {
    throw new ConfigError(`RATE_LIMIT_WINDOW_SECONDS must be one of ${RATE_WINDOWS_SECONDS.join(', ')}, got ${windowSeconds}`);
  }
  return {
    perIp: integer(env, 'RATE_LIMIT_PER_IP', defaults.perIp, MIN_RATE_LIMIT, 2_000_000_000),
    perCaller: integer(env, 'RATE_LIMIT_PER_CALLER', defaults.perCaller, MIN_RATE_LIMIT, 2_000_000_000),
    windowSeconds,
  };
}

/** The rehearsal emulator must be on this machine: a rehearsal never sends test credentials elsewhere. */
function rehearsalEndpoint(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`TASK_API_REHEARSAL_ENDPOINT: "${raw}" is not a URL`);
  }
  if (url.protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    throw new ConfigError(`TASK_API_REHEARSAL_ENDPOINT must be an http URL on loopback (the moto server), got "${raw}"`);
  }
  return url.origin;
}

const DEV_ORIGIN = 'http://localhost:3000';

function list(value: string | undefined): string[] | undefined {
  const items = commaList(value);
  return items.length > 0 ? items : undefined;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  return setting(() => wholeNumber(env, name, fallback, min, max));
}

/** A setting read by the functions' own reader: its error is a configuration error here. */
function setting<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw error instanceof SettingError ? new ConfigError(error.message) : error;
  }
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

  const awsProviderVersion = env.AWS_PROVIDER_VERSION || PINNED_AWS_PROVIDER_VERSION;
  if (!/^\d+\.\d+\.\d+$/.test(awsProviderVersion)) {
    throw new ConfigError(`AWS_PROVIDER_VERSION must be an exact hashicorp/aws release such as 6.19.0, got "${awsProviderVersion}"`);
  }
  if (!versionAtLeast(awsProviderVersion, PINNED_AWS_PROVIDER_VERSION)) {
    throw new ConfigError(`AWS_PROVIDER_VERSION must be ${PINNED_AWS_PROVIDER_VERSION} or later, got ${awsProviderVersion}`);
  }
  const runtime = env.LAMBDA_RUNTIME || DEFAULT_RUNTIME;
  if (!(SUPPORTED_RUNTIMES as readonly string[]).includes(runtime)) {
    throw new ConfigError(`LAMBDA_RUNTIME must be one of ${SUPPORTED_RUNTIMES.join(', ')}, got "${runtime}"`);
  }
  const minimumProvider = RUNTIME_MIN_PROVIDER[runtime as LambdaRuntime];
  if (!versionAtLeast(awsProviderVersion, minimumProvider)) {
    throw new ConfigError(
      `LAMBDA_RUNTIME=${runtime} needs hashicorp/aws ${minimumProvider} or later: set AWS_PROVIDER_VERSION=${minimumProvider} (the pinned ${PINNED_AWS_PROVIDER_VERSION} rejects it)`,
    );
  }

  const logRetentionDays = integer(env, 'LOG_RETENTION_DAYS', defaults.logRetentionDays, 1, 3653);
  if (!LOG_RETENTION_VALUES.includes(logRetentionDays)) {
    throw new ConfigError(`LOG_RETENTION_DAYS must be one of ${LOG_RETENTION_VALUES.join(', ')}, got ${logRetentionDays}`);
  }

  const offline = flag(env, 'TASK_API_OFFLINE', false);
  const rehearsal = rehearsalEndpoint(env.TASK_API_REHEARSAL_ENDPOINT);
  if (offline && rehearsal) throw new ConfigError('TASK_API_OFFLINE and TASK_API_REHEARSAL_ENDPOINT exclude each other');
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
    auth: {
      callbackUrls,
      logoutUrls,
      domainPrefix,
      allowPasswordAuth: flag(env, 'AUTH_ALLOW_PASSWORD_FLOW', false),
      tokenValidityMinutes: tokenValidityMinutesOf(env),
      email: sesEmailOf(env),
    },
    lambda: {
      runtime: runtime as LambdaRuntime,
      memoryMb: integer(env, 'LAMBDA_MEMORY_MB', 512, 128, 10240),
      timeoutSeconds: integer(env, 'LAMBDA_TIMEOUT_SECONDS', DEFAULT_LAMBDA_TIMEOUT_SECONDS, 1, MAX_LAMBDA_TIMEOUT_SECONDS),
    },
    logRetentionDays,
    logLevel: setting(() => logLevelOf(env)),
    maxTasksPerUser: integer(env, 'MAX_TASKS_PER_USER', DEFAULT_MAX_TASKS_PER_USER, 1, MAX_TASKS_PER_USER_LIMIT),
    pageTokens: {
      keyVersion: integer(env, 'PAGE_TOKEN_KEY_VERSION', DEFAULT_PAGE_TOKEN_KEY_VERSION, 1, MAX_KEY_VERSION),
      ttlSeconds: integer(env, 'PAGE_TOKEN_TTL_SECONDS', DEFAULT_PAGE_TOKEN_TTL_SECONDS, 60, MAX_PAGE_TOKEN_TTL_SECONDS),
    },
    throttling: {
      rateLimit: integer(env, 'API_THROTTLE_RATE', defaults.rateLimit, 1, 10000),
      burstLimit: integer(env, 'API_THROTTLE_BURST', defaults.burstLimit, 1, 5000),
    },
    rateLimits: rateLimitsOf(env, stage),
    statusShards: integer(env, 'STATUS_SHARDS', defaults.statusShards, 1, MAX_STATUS_SHARDS),
    manageApiGatewayAccount: flag(env, 'APIGW_MANAGE_ACCOUNT', defaults.manageAccount),
    awsProviderVersion,
    deletionProtection: flag(env, 'DELETION_PROTECTION', defaults.deletionProtection),
    ...(rehearsal ? { rehearsalEndpoint: rehearsal } : {}),
    state,
    distDir: isAbsolute(distRaw) ? distRaw : resolve(REPO_ROOT, distRaw),
    monitoring: alarmSettings(env, stage, defaults.alarms),
    offline,
  };
}

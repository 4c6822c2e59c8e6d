import { DEFAULT_PAGE_TOKEN_TTL_SECONDS, MAX_KEY_VERSION } from '../http/page-token.ts';
import { DEFAULT_MAX_TASKS_PER_USER } from '../tasks/service.ts';

/** The highest MAX_TASKS_PER_USER accepted. */
export const MAX_TASKS_PER_USER_LIMIT = 1_000_000;

/** A page token is honoured for at most a week, whatever the setting. */
export const MAX_PAGE_TOKEN_TTL_SECONDS = 7 * 24 * 60 * 60;

/** The function's configuration, read from its environment once, when first asked for. */
import { MAX_STATUS_SHARDS } from '../dynamodb/shards.ts';

export interface FunctionConfig {
  tableName: string;
  /** Shards of the status index (STATUS_SHARDS, set by the stack and by local mode); unset = 1, the unsharded layout. */
  statusShards: number;
  allowedOrigins: string[];
  /** Base64 secret for page tokens (local mode and tests). */
  pageTokenKey?: string;
  /** KMS HMAC key that derives the page-token secret in AWS, so no secret is stored anywhere. */
  pageTokenKmsKeyId?: string;
  /** The page-token key version new tokens are sealed with (PAGE_TOKEN_KEY_VERSION, default 1). */
  pageTokenKeyVersion: number;
  /** How long a page token is honoured (PAGE_TOKEN_TTL_SECONDS, default 24 h). */
  pageTokenTtlSeconds: number;
  /** How many tasks one user may have (MAX_TASKS_PER_USER, default 10,000). */
  maxTasksPerUser: number;
  /** The user pool's issuer URL (`https://cognito-idp.<region>.amazonaws.com/<pool id>`): its keys verify ID tokens. */
  idTokenIssuer?: string;
  /** The pool's public keys as a JWKS document, instead of fetching them from the issuer (local mode, tests). */
  idTokenJwks?: string;
  /** Only set in local mode, where DynamoDB is the embedded engine. */
  dynamoDbEndpoint?: string;
  /** The `Service` dimension of the functions' metrics: the stack (`<app>-<stage>`), or `task-api-local`. */
  serviceName: string;
  /** The least severe log line written (LOG_LEVEL, default info); metric lines are always written. */
  logLevel: LogLevel;
}

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_PAGE_TOKEN_KEY_VERSION = 1;

export function readConfig(env: NodeJS.ProcessEnv = process.env): FunctionConfig {
  return {
    tableName: env.TABLE_NAME ?? '',
    statusShards: wholeNumber(env, 'STATUS_SHARDS', 1, 1, MAX_STATUS_SHARDS),
    allowedOrigins: commaList(env.ALLOWED_ORIGINS),
    pageTokenKey: env.PAGE_TOKEN_KEY || undefined,
    pageTokenKmsKeyId: env.PAGE_TOKEN_KMS_KEY_ID || undefined,
    pageTokenKeyVersion: wholeNumber(env, 'PAGE_TOKEN_KEY_VERSION', DEFAULT_PAGE_TOKEN_KEY_VERSION, 1, MAX_KEY_VERSION),
    pageTokenTtlSeconds: wholeNumber(env, 'PAGE_TOKEN_TTL_SECONDS', DEFAULT_PAGE_TOKEN_TTL_SECONDS, 1, MAX_PAGE_TOKEN_TTL_SECONDS),
    maxTasksPerUser: wholeNumber(env, 'MAX_TASKS_PER_USER', DEFAULT_MAX_TASKS_PER_USER, 1, MAX_TASKS_PER_USER_LIMIT),
    idTokenIssuer: env.ID_TOKEN_ISSUER || undefined,
    idTokenJwks: env.ID_TOKEN_JWKS || undefined,
    dynamoDbEndpoint: env.DYNAMODB_ENDPOINT || undefined,
    serviceName: env.SERVICE_NAME || 'task-api',
    logLevel: logLevelOf(env),
  };
}

/** LOG_LEVEL (any case), `info` when unset; anything else is a configuration error naming it. */
export function logLevelOf(env: NodeJS.ProcessEnv): LogLevel {
  const raw = env.LOG_LEVEL?.trim().toLowerCase();
  if (!raw) return 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(raw)) {
    throw new SettingError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${env.LOG_LEVEL}"`);
  }
  return raw as LogLevel;
}

/**
 * A whole-number setting from `min` to `max`, or `fallback` when unset; anything else is a configuration
 * error naming the variable. The infrastructure reads its settings with it too.
 */
export function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new SettingError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new SettingError(`${name} must be from ${min} to ${max}, got ${value}`);
  return value;
}

export class SettingError extends Error {
  override name = 'SettingError';
}

/** `a, b,,c` -> ['a', 'b', 'c']: how ALLOWED_ORIGINS and the like are written, here and in infra/ and local/. */
export function commaList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

let cached: FunctionConfig | undefined;
export function config(): FunctionConfig {
  cached ??= readConfig();
  return cached;
}

export function requireSetting<T>(value: T | undefined | '', name: string): T {
  if (value === undefined || value === '') throw new Error(`Configuration error: ${name} is not set`);
  return value;
}

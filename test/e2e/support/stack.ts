/**
 * The end-to-end suites' fixture: a whole local stack (API emulator + Cognito + DynamoDB) on a random
 * port with a throw-away data directory, real users signed up through Cognito, and a small HTTP client.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AdminAddUserToGroupCommand,
  AdminConfirmSignUpCommand,
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { type LocalStack, startLocal } from '../../../local/server.ts';

export const PASSWORD = 'Correct-Horse-9-battery';

export interface Fixture {
  stack: LocalStack;
  dataDir: string;
}

export async function newDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'task-api-e2e-'));
}

export async function startStack(dataDir?: string, port = 0): Promise<Fixture> {
  const dir = dataDir ?? (await newDataDir());
  const stack = await startLocal({ port, dataDir: dir, quiet: true });
  return { stack, dataDir: dir };
}

/** A free port p with p+1 free too: local mode puts Cognito on the API's port + 1 when the port is fixed. */
export async function freePortPair(): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number | undefined>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(undefined));
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : undefined));
      });
    });
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const port = await tryListen(0);
    if (port && port < 65_535 && (await tryListen(port + 1))) return port;
  }
  throw new Error('no two free adjacent ports');
}

export async function stopStack(fixture: Fixture | undefined, options: { keepData?: boolean } = {}): Promise<void> {
  if (!fixture) return;
  await fixture.stack.stop();
  if (!options.keepData) await rm(fixture.dataDir, { recursive: true, force: true });
}

/** Where a stack's user pool answers: a LocalStack, or the local-env.json of one started as a process. */
export type UserPoolAddresses = Pick<LocalStack, 'region' | 'cognitoEndpoint' | 'clientId' | 'userPoolId'>;

export function cognito(stack: UserPoolAddresses): CognitoIdentityProviderClient {
  return new CognitoIdentityProviderClient({
    region: stack.region,
    endpoint: stack.cognitoEndpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

export interface User {
  email: string;
  sub: string;
  idToken: string;
  accessToken: string;
  refreshToken: string;
}

let counter = 0;
/** A unique e-mail address per call, so suites never collide on a user. */
export function uniqueEmail(name: string): string {
  counter += 1;
  return `${name}-${process.pid}-${Date.now()}-${counter}@example.com`;
}

export async function logIn(stack: UserPoolAddresses, email: string, password = PASSWORD): Promise<User> {
  const result = await cognito(stack).send(
    new InitiateAuthCommand({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: stack.clientId,
      AuthParameters: { USERNAME: email, PASSWORD: password },
    }),
  );
  const tokens = result.AuthenticationResult;
  if (!tokens?.IdToken || !tokens.AccessToken || !tokens.RefreshToken) throw new Error(`no tokens for ${email}`);
  return {
    email,
    sub: claimsOf(tokens.IdToken).sub as string,
    idToken: tokens.IdToken,
    accessToken: tokens.AccessToken,
    refreshToken: tokens.RefreshToken,
  };
}

/** Sign up, confirm (as an administrator would), optionally join the admin group, and log in. */
export async function createUser(stack: UserPoolAddresses, name: string, options: { admin?: boolean } = {}): Promise<User> {
  const email = uniqueEmail(name);
  const client = cognito(stack);
  await client.send(
    new SignUpCommand({ ClientId: stack.clientId, Username: email, Password: PASSWORD, UserAttributes: [{ Name: 'email', Value: email }] }),
  );
  await client.send(new AdminConfirmSignUpCommand({ UserPoolId: stack.userPoolId, Username: email }));
  if (options.admin)
    await client.send(new AdminAddUserToGroupCommand({ UserPoolId: stack.userPoolId, Username: email, GroupName: 'admin' }));
  return logIn(stack, email);
}

export function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

export interface HttpOptions {
  token?: string;
  /** JSON-encoded and sent with Content-Type: application/json. */
  body?: unknown;
  /** Sent as is, with whatever Content-Type `headers` give. */
  rawBody?: string;
  headers?: Record<string, string>;
  query?: Record<string, string | undefined>;
}

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed JSON body (undefined when empty). */
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted on field by field
  json: any;
}

export async function http(stack: LocalStack, method: string, path: string, options: HttpOptions = {}): Promise<HttpResult> {
  const url = new URL(`${stack.url}${path}`);
  for (const [name, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(name, value);
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.Authorization = options.token;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  Object.assign(headers, options.headers);
  const body = options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  const response = await fetch(url, { method, headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Create a task as `user` and return it (fails the test if the API does not answer 201). */
export async function createTask(stack: LocalStack, user: User, body: Record<string, unknown>) {
  const result = await http(stack, 'POST', '/tasks', { token: user.idToken, body });
  if (result.status !== 201) throw new Error(`create answered ${result.status}: ${result.text}`);
  return result.json.task as {
    task_id: string;
    title: string;
    description: string;
    status: string;
    version: number;
    created_at: string;
    updated_at: string;
  };
}

/** Runs `work` over `items` with at most `limit` at a time; results keep the input order. */
export async function inBatches<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Runs `work` with some environment variables set (local mode reads them at start), then restores them. */
export async function withEnv<T>(values: Record<string, string>, work: () => Promise<T>): Promise<T> {
  const previous = Object.fromEntries(Object.keys(values).map((name) => [name, process.env[name]]));
  Object.assign(process.env, values);
  try {
    return await work();
  } finally {
    for (const [name, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

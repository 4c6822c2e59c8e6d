/**
 * The Cognito-compatible identity provider: cognito-local's services and HTTP API, run in-process and
 * assembled here rather than with its createDefaultServer, so that
 *  - tokens are signed with the pool's own key (LocalTokenGenerator) and the JWKS and OpenID
 *    configuration endpoints publish that key instead of the one in the package;
 *  - state lives in the data folder given, not in ./.cognito of the working directory;
 *  - no Lambda triggers (they would load aws-sdk v2 for nothing), and messages go to our log;
 *  - attributes Cognito owns (`sub`, `identities`, `cognito:*`) cannot be given, changed or removed by a
 *    caller (cognito-local keeps a `sub` given to SignUp or AdminCreateUser, so one user could sign up
 *    as another), and no token is issued for a `sub` two users of a pool hold;
 *  - browsers are held to the stack's allowed origins. The package's app answers every request with
 *    `Access-Control-Allow-Origin: *`, which would let any web page the developer visits call ListUsers,
 *    AdminConfirmSignUp, AdminAddUserToGroup… on this port. A request whose Origin is not allowed is
 *    refused (403, no CORS headers) before it reaches the app; requests without an Origin (SDK, CLI,
 *    curl) are served as before; an allowed origin gets its own origin back instead of `*`.
 * It answers the AWS SDK's Cognito Identity Provider calls at its endpoint (only USER_PASSWORD_AUTH
 * among the SRP-less flows).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { Context } from 'cognito-local/lib/services/context.js';
import type { Services } from 'cognito-local/lib/services/index.js';
import type { Triggers } from 'cognito-local/lib/services/triggers/triggers.js';
import type { User } from 'cognito-local/lib/services/userPoolService.js';
import type { Message } from 'cognito-local/lib/services/messages.js';
import { allowedOrigin } from '../../functions/http/cors.ts';
import { close, listen } from '../net.ts';
import type { SigningKey } from './signing-key.ts';
import { LocalTokenGenerator } from './token-generator.ts';

// cognito-local is CommonJS; its parts are loaded from the package itself (and its own copy of pino).
const requireFromCognitoLocal = createRequire(createRequire(import.meta.url).resolve('cognito-local/package.json'));
const load = <T>(path: string): T => requireFromCognitoLocal(path) as T;

export interface CognitoOptions {
  /** Where pools, clients and users are kept (JSON files). */
  stateDir: string;
  host: string;
  port: number;
  key: SigningKey;
  /** The origins a browser may call this endpoint from (the stack's ALLOWED_ORIGINS; `*` allows any). */
  allowedOrigins: readonly string[];
  /** Receives the confirmation codes the pool "sends"; none are shown without it. */
  onMessage?: (line: string) => void;
  quiet: boolean;
}

export interface CognitoServer {
  endpoint: string;
  /** Calls one Cognito API operation in-process (as the HTTP API would). */
  call<T = Record<string, unknown>>(operation: string, request: Record<string, unknown>): Promise<T>;
  issuerOf(userPoolId: string): string;
  stop(): Promise<void>;
}

const noTriggers: Triggers = {
  enabled: () => false,
  customMessage: notConfigured,
  customEmailSender: notConfigured,
  postAuthentication: notConfigured,
  postConfirmation: notConfigured,
  preSignUp: notConfigured,
  preTokenGeneration: notConfigured,
  userMigration: notConfigured,
} as unknown as Triggers;

function notConfigured(): never {
  throw new Error('Lambda triggers are not configured in local mode');
}

export async function startCognito(options: CognitoOptions): Promise<CognitoServer> {
  const { StormDBDataStoreFactory } = load<typeof import('cognito-local/lib/services/dataStore/stormDb.js')>(
    './lib/services/dataStore/stormDb.js',
  );
  const { CognitoServiceFactoryImpl } =
    load<typeof import('cognito-local/lib/services/cognitoService.js')>('./lib/services/cognitoService.js');
  const { UserPoolServiceFactoryImpl } =
    load<typeof import('cognito-local/lib/services/userPoolService.js')>('./lib/services/userPoolService.js');
  const { DateClock } = load<typeof import('cognito-local/lib/services/clock.js')>('./lib/services/clock.js');
  const { MessagesService } = load<typeof import('cognito-local/lib/services/messages.js')>('./lib/services/messages.js');
  const { MessageDeliveryService } = load<typeof import('cognito-local/lib/services/messageDelivery/messageDelivery.js')>(
    './lib/services/messageDelivery/messageDelivery.js',
  );
  const { otp } = load<typeof import('cognito-local/lib/services/otp.js')>('./lib/services/otp.js');
  const { Router } = load<typeof import('cognito-local/lib/server/Router.js')>('./lib/server/Router.js');
  const { InvalidParameterError, NotAuthorizedError } = load<typeof import('cognito-local/lib/errors.js')>('./lib/errors.js');
  const { createServer: createCognitoApp } = load<typeof import('cognito-local/lib/server/server.js')>('./lib/server/server.js');
  type Logger = Parameters<typeof createCognitoApp>[1];
  const pino = load<(options: { level: string; base: Record<string, string> }) => Logger>('pino');

  const logger = pino({ level: options.quiet ? 'silent' : 'error', base: { component: 'cognito' } });
  const ctx: Context = { logger };
  const clock = new DateClock();
  const dataStoreFactory = new StormDBDataStoreFactory(options.stateDir);
  const cognitoServiceFactory = new CognitoServiceFactoryImpl(
    options.stateDir,
    dataStoreFactory,
    new UserPoolServiceFactoryImpl(clock, dataStoreFactory),
  );
  const userPoolDefaults = { UsernameAttributes: ['email'] };
  const cognito = await cognitoServiceFactory.create(ctx, userPoolDefaults);

  let endpoint = '';
  const issuerOf = (userPoolId: string) => `${endpoint}/${userPoolId}`;
  const sender = {
    async sendEmail(_ctx: Context, user: User, destination: string, message: Message) {
      options.onMessage?.(`[cognito] code for ${user.Username} (${destination}): ${message.__code ?? '(none)'}`);
    },
    async sendSms(_ctx: Context, user: User, destination: string, message: Message) {
      options.onMessage?.(`[cognito] code for ${user.Username} (${destination}): ${message.__code ?? '(none)'}`);
    },
  };
  const services: Services = {
    clock,
    cognito,
    config: {
      LambdaClient: {},
      TriggerFunctions: {},
      UserPoolDefaults: userPoolDefaults,
      TokenConfig: {},
      ServerConfig: { port: options.port, hostname: options.host, development: false, https: false },
    } as Services['config'],
    messages: new MessagesService(noTriggers, new MessageDeliveryService(sender)),
    otp,
    tokenGenerator: new LocalTokenGenerator(clock, options.key, issuerOf, async (userPoolId, sub) => {
      const users = await (await cognito.getUserPool(ctx, userPoolId)).listUsers(ctx);
      const holders = users.filter((user) => user.Attributes?.some(({ Name, Value }) => Name === 'sub' && Value === sub)).length;
      if (holders !== 1) throw new NotAuthorizedError('This user’s sub is not unique in the pool; no token is issued for it');
    }),
    triggers: noTriggers,
  };
  const router = withSignInFailuresAlike(
    withOwnedAttributesGuarded(Router(services), (name) => new InvalidParameterError(name)),
    () => new NotAuthorizedError(INCORRECT_CREDENTIALS),
  );
  const app = createCognitoApp(router, logger, services.config.ServerConfig, services).application;

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const origin = req.headers.origin;
    if (origin !== undefined) {
      const allowOrigin = allowedOrigin(origin, options.allowedOrigins);
      if (allowOrigin === undefined) {
        refuseOrigin(res);
        return;
      }
      answerOriginAs(res, allowOrigin);
    }
    // The package's app serves its bundled public key; these two answers take precedence.
    const match = /^\/([\w-]+)\/\.well-known\/(jwks\.json|openid-configuration)$/.exec((req.url ?? '').split('?')[0] ?? '');
    if (req.method === 'GET' && match?.[1]) {
      const userPoolId = match[1];
      const body =
        match[2] === 'jwks.json'
          ? options.key.jwks
          : {
              issuer: issuerOf(userPoolId),
              jwks_uri: `${issuerOf(userPoolId)}/.well-known/jwks.json`,
              id_token_signing_alg_values_supported: ['RS256'],
              subject_types_supported: ['public'],
              response_types_supported: ['code', 'token'],
            };
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
      return;
    }
    app(req, res);
  });
  const port = await listen(server, options.port, options.host);
  endpoint = `http://${options.host}:${port}`;

  return {
    endpoint,
    issuerOf,
    call: async <T>(operation: string, request: Record<string, unknown>) => (await router(operation)(ctx, request)) as T,
    stop: () => close(server),
  };
}

/** Attributes only Cognito sets: a caller may not give, change or delete them (AWS refuses that too). */
export function isCognitoOwnedAttribute(name: string): boolean {
  return name === 'sub' || name === 'identities' || name.startsWith('cognito:');
}

/** The operations that write a user's attributes, and where their request names them. */
const ATTRIBUTE_WRITES: Record<string, (request: Record<string, unknown>) => unknown[]> = {
  SignUp: (request) => listOf(request.UserAttributes),
  AdminCreateUser: (request) => listOf(request.UserAttributes),
  AdminUpdateUserAttributes: (request) => listOf(request.UserAttributes),
  UpdateUserAttributes: (request) => listOf(request.UserAttributes),
  AdminDeleteUserAttributes: (request) => listOf(request.UserAttributeNames),
  DeleteUserAttributes: (request) => listOf(request.UserAttributeNames),
};
const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

type CognitoRouter = ReturnType<typeof import('cognito-local/lib/server/Router.js').Router>;

/** cognito-local's router, refusing a request that writes an attribute Cognito owns (before anything is stored). */
function withOwnedAttributesGuarded(router: CognitoRouter, refusal: (message: string) => Error): CognitoRouter {
  return (target) => {
    const names = Object.hasOwn(ATTRIBUTE_WRITES, target) ? ATTRIBUTE_WRITES[target] : undefined;
    const route = router(target);
    if (!names) return route;
    return async (ctx, request) => {
      for (const entry of names((request ?? {}) as Record<string, unknown>)) {
        const name = typeof entry === 'string' ? entry : (entry as { Name?: unknown })?.Name;
        if (typeof name === 'string' && isCognitoOwnedAttribute(name)) {
          throw refusal(`user.${name}: Attribute cannot be set, changed or removed: Cognito assigns it`);
        }
      }
      return route(ctx, request);
    };
  };
}

/** What Cognito answers a failed password sign-in, whichever part was wrong. */
export const INCORRECT_CREDENTIALS = 'Incorrect username or password.';
const PASSWORD_SIGN_IN = new Set(['InitiateAuth', 'AdminInitiateAuth']);
const PASSWORD_FLOWS = new Set(['USER_PASSWORD_AUTH', 'ADMIN_USER_PASSWORD_AUTH', 'ADMIN_NO_SRP_AUTH']);

/** cognito-local's answers to a wrong password and to an unknown user (NotAuthorizedException's default). */
function isWrongPasswordOrUnknownUser(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return (
    code === 'InvalidPasswordException' ||
    code === 'UserNotFoundException' ||
    (code === 'NotAuthorizedException' && message === 'User not authorized')
  );
}

/**
 * A wrong password and an unknown user get one answer, NotAuthorizedException "Incorrect username or
 * password.", as from the deployed app client (PreventUserExistenceErrors): a sign-in form must not tell
 * which e-mails have accounts. cognito-local answers them apart (InvalidPasswordException "Invalid
 * password" for the first), which let local mode teach clients a difference AWS does not make.
 */
function withSignInFailuresAlike(router: CognitoRouter, incorrect: () => Error): CognitoRouter {
  return (target) => {
    const route = router(target);
    if (!PASSWORD_SIGN_IN.has(target)) return route;
    return async (ctx, request) => {
      try {
        return await route(ctx, request);
      } catch (error) {
        const flow = (request as { AuthFlow?: unknown } | undefined)?.AuthFlow;
        if (typeof flow === 'string' && PASSWORD_FLOWS.has(flow) && isWrongPasswordOrUnknownUser(error)) throw incorrect();
        throw error;
      }
    };
  };
}

/** A browser request from an origin the stack does not allow: no CORS headers, so the page reads nothing. */
function refuseOrigin(res: ServerResponse): void {
  const body = JSON.stringify({ __type: 'AccessDeniedException', message: 'Origin not allowed' });
  res.writeHead(403, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Vary: 'Origin' });
  res.end(body);
}

/** The package's CORS middleware sets `Access-Control-Allow-Origin: *`; an allowed origin gets itself back. */
function answerOriginAs(res: ServerResponse, allowOrigin: string): void {
  const setHeader = res.setHeader.bind(res);
  res.setHeader = (name: string, value: number | string | readonly string[]) =>
    setHeader(name, name.toLowerCase() === 'access-control-allow-origin' ? allowOrigin : value);
  if (allowOrigin !== '*') setHeader('Vary', 'Origin');
}

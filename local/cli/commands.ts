/** What each command does, given the parsed command line and the target. Each returns the JSON to print. */
import { type ApiRequest, ifMatch, request } from './api.ts';
import { optional, type ParsedArgs, required } from './args.ts';
import { ApiError, CliError, UsageError } from './errors.ts';
import type { CliIo } from './main.ts';
import { deleteSession, readSession, writeSession } from './session.ts';
import type { Target } from './target.ts';

export interface CommandContext {
  args: ParsedArgs;
  target: Target;
  env: NodeJS.ProcessEnv;
  io?: Pick<CliIo, 'askPassword' | 'readStdinLine'>;
}

type Command = (context: CommandContext) => Promise<unknown>;

const REFRESH_MARGIN_SECONDS = 60;

/** The Cognito calls, with the AWS SDKs they load: imported by the commands that sign in, not by every command. */
const cognito = () => import('./cognito.ts');

/** The cached ID token, refreshed when it is about to expire. */
async function idToken(target: Target): Promise<string> {
  const session = await readSession(target.sessionFile);
  if (!session) throw new CliError(`Not logged in to ${target.name}: run \`${loginAgain(target)}\` first`);
  if (session.clientId !== target.clientId || session.userPoolId !== target.userPoolId) {
    throw new CliError(`The cached login is for another user pool: run \`${loginAgain(target)}\` again`);
  }
  if (session.expiresAt - REFRESH_MARGIN_SECONDS > Date.now() / 1000) return session.idToken;
  const renewed = await (await cognito()).refresh(target, session);
  await writeSession(target.sessionFile, renewed);
  return renewed.idToken;
}

/** --password, else $TASK_API_PASSWORD, else stdin's first line (--password-stdin), else asked on the terminal. */
async function password({ args, env, io }: CommandContext): Promise<string> {
  const given = optional(args.options, 'password') || env.TASK_API_PASSWORD;
  if (given) return given;
  if (args.options['password-stdin']) {
    const line = (await io?.readStdinLine?.()) ?? '';
    if (line === '') throw new UsageError('--password-stdin: stdin had no password on its first line');
    return line;
  }
  const typed = await io?.askPassword?.('Password: ');
  if (typed) return typed;
  throw new UsageError(
    'No password: set $TASK_API_PASSWORD, pipe it in with --password-stdin, or run in a terminal to be asked for it ' +
      '(--password P works too, but other users of this machine can read it in `ps`)',
  );
}

/** How to log in again to this target, for messages. */
const loginAgain = (target: Target) => `task-api ${target.kind === 'stage' ? `--stage ${target.name} ` : ''}login --email …`;

/** An API call with the cached login; a 401 means the API refused that login, so the answer says what to do. */
async function callApi(target: Target, call: Omit<ApiRequest, 'token'>) {
  const token = await idToken(target);
  try {
    return await request(target.apiUrl, { ...call, token });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      throw new ApiError(
        401,
        error.body,
        `The API refused the cached login (expired, revoked, or from another stack): log in again with \`${loginAgain(target)}\``,
      );
    }
    throw error;
  }
}

function taskId(args: ParsedArgs): string {
  const id = args.positionals.id ?? '';
  if (!/^[0-9A-Za-z]{26}$/.test(id)) throw new UsageError(`"${id}" is not a task id (a 26-character ULID)`);
  return id.toUpperCase();
}

/** Only the fields given on the command line, so PATCH changes nothing else. */
function taskFields(args: ParsedArgs) {
  const fields: Record<string, string> = {};
  for (const name of ['title', 'description', 'status']) {
    const value = optional(args.options, name);
    if (value !== undefined) fields[name] = value;
  }
  return fields;
}

async function listPages(target: Target, path: string, args: ParsedArgs) {
  const query = {
    status: optional(args.options, 'status'),
    limit: optional(args.options, 'limit'),
    next_token: optional(args.options, 'next-token'),
  };
  if (!args.options.all) return (await callApi(target, { method: 'GET', path, query })).body;
  const tasks: unknown[] = [];
  let nextToken = query.next_token;
  do {
    const page = (await callApi(target, { method: 'GET', path, query: { ...query, next_token: nextToken } })).body as {
      tasks: unknown[];
      next_token: string | null;
    };
    tasks.push(...page.tasks);
    nextToken = page.next_token ?? undefined;
  } while (nextToken);
  return { tasks, count: tasks.length, next_token: null };
}

export const commands: Record<Exclude<ParsedArgs['command'], 'help' | 'stop'>, Command> = {
  signup: async (context) => (await cognito()).signUp(context.target, required(context.args.options, 'email'), await password(context)),

  confirm: async ({ args, target }) => (await cognito()).confirm(target, required(args.options, 'email'), optional(args.options, 'code')),

  login: async (context) => {
    const session = await (await cognito()).logIn(context.target, required(context.args.options, 'email'), await password(context));
    await writeSession(context.target.sessionFile, session);
    return { email: session.email, target: context.target.name, expires_at: new Date(session.expiresAt * 1000).toISOString() };
  },

  logout: async ({ target }) => ({ logged_out: await deleteSession(target.sessionFile), target: target.name }),

  'tasks create': async ({ args, target }) => {
    const body = taskFields(args);
    if (body.title === undefined) throw new UsageError('--title is required');
    const response = await callApi(target, {
      method: 'POST',
      path: '/tasks',
      body,
      headers: { 'Idempotency-Key': optional(args.options, 'idempotency-key') },
    });
    return response.body;
  },

  'tasks list': ({ args, target }) => listPages(target, '/tasks', args),

  'tasks get': async ({ args, target }) => (await callApi(target, { method: 'GET', path: `/tasks/${taskId(args)}` })).body,

  'tasks update': async ({ args, target }) => {
    const body = taskFields(args);
    if (Object.keys(body).length === 0) throw new UsageError('Give at least one of --title, --description, --status');
    const response = await callApi(target, {
      method: 'PATCH',
      path: `/tasks/${taskId(args)}`,
      body,
      headers: { 'If-Match': ifMatch(optional(args.options, 'if-match')) },
    });
    return response.body;
  },

  'tasks delete': async ({ args, target }) => {
    const id = taskId(args);
    await callApi(target, {
      method: 'DELETE',
      path: `/tasks/${id}`,
      headers: { 'If-Match': ifMatch(optional(args.options, 'if-match')) },
    });
    return { deleted: id };
  },

  'admin tasks': ({ args, target }) => listPages(target, '/admin/tasks', args),

  'admin add-user': async ({ args, target }) => (await cognito()).addToAdminGroup(target, required(args.options, 'email')),
};

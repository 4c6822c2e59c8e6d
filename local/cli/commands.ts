/** What each command does, given the parsed command line and the target. Each returns the JSON to print. */
import { addToAdminGroup, confirm, logIn, refresh, signUp } from './cognito.ts';
import { ifMatch, request } from './api.ts';
import { optional, type ParsedArgs, required } from './args.ts';
import { CliError, UsageError } from './errors.ts';
import { deleteSession, readSession, writeSession } from './session.ts';
import type { Target } from './target.ts';

export interface CommandContext {
  args: ParsedArgs;
  target: Target;
  env: NodeJS.ProcessEnv;
}

type Command = (context: CommandContext) => Promise<unknown>;

const REFRESH_MARGIN_SECONDS = 60;

/** The cached ID token, refreshed when it is about to expire. */
async function idToken(target: Target): Promise<string> {
  const session = await readSession(target.sessionFile);
  if (!session) throw new CliError(`Not logged in to ${target.name}: run \`login --email … --password …\` first`);
  if (session.clientId !== target.clientId || session.userPoolId !== target.userPoolId) {
    throw new CliError(`The cached login is for another user pool: run \`login\` again`);
  }
  if (session.expiresAt - REFRESH_MARGIN_SECONDS > Date.now() / 1000) return session.idToken;
  const renewed = await refresh(target, session);
  await writeSession(target.sessionFile, renewed);
  return renewed.idToken;
}

const password = ({ args, env }: CommandContext) => required(args.options, 'password', env.TASK_API_PASSWORD);

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
  const token = await idToken(target);
  const query = {
    status: optional(args.options, 'status'),
    limit: optional(args.options, 'limit'),
    next_token: optional(args.options, 'next-token'),
  };
  if (!args.options.all) return (await request(target.apiUrl, { method: 'GET', path, token, query })).body;
  const tasks: unknown[] = [];
  let nextToken = query.next_token;
  do {
    const page = (await request(target.apiUrl, { method: 'GET', path, token, query: { ...query, next_token: nextToken } })).body as {
      tasks: unknown[];
      next_token: string | null;
    };
    tasks.push(...page.tasks);
    nextToken = page.next_token ?? undefined;
  } while (nextToken);
  return { tasks, count: tasks.length, next_token: null };
}

export const commands: Record<Exclude<ParsedArgs['command'], 'help'>, Command> = {
  signup: (context) => signUp(context.target, required(context.args.options, 'email'), password(context)),

  confirm: ({ args, target }) => confirm(target, required(args.options, 'email'), optional(args.options, 'code')),

  login: async (context) => {
    const session = await logIn(context.target, required(context.args.options, 'email'), password(context));
    await writeSession(context.target.sessionFile, session);
    return { email: session.email, target: context.target.name, expires_at: new Date(session.expiresAt * 1000).toISOString() };
  },

  logout: async ({ target }) => ({ logged_out: await deleteSession(target.sessionFile), target: target.name }),

  'tasks create': async ({ args, target }) => {
    const body = taskFields(args);
    if (body.title === undefined) throw new UsageError('--title is required');
    const response = await request(target.apiUrl, {
      method: 'POST',
      path: '/tasks',
      token: await idToken(target),
      body,
      headers: { 'Idempotency-Key': optional(args.options, 'idempotency-key') },
    });
    return response.body;
  },

  'tasks list': ({ args, target }) => listPages(target, '/tasks', args),

  'tasks get': async ({ args, target }) =>
    (await request(target.apiUrl, { method: 'GET', path: `/tasks/${taskId(args)}`, token: await idToken(target) })).body,

  'tasks update': async ({ args, target }) => {
    const body = taskFields(args);
    if (Object.keys(body).length === 0) throw new UsageError('Give at least one of --title, --description, --status');
    const response = await request(target.apiUrl, {
      method: 'PATCH',
      path: `/tasks/${taskId(args)}`,
      token: await idToken(target),
      body,
      headers: { 'If-Match': ifMatch(optional(args.options, 'if-match')) },
    });
    return response.body;
  },

  'tasks delete': async ({ args, target }) => {
    const id = taskId(args);
    await request(target.apiUrl, {
      method: 'DELETE',
      path: `/tasks/${id}`,
      token: await idToken(target),
      headers: { 'If-Match': ifMatch(optional(args.options, 'if-match')) },
    });
    return { deleted: id };
  },

  'admin tasks': ({ args, target }) => listPages(target, '/admin/tasks', args),

  'admin add-user': ({ args, target }) => addToAdminGroup(target, required(args.options, 'email')),
};

/** The CLI against a running local stack: the whole walkthrough, errors and exit codes, the token cache. */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type CliIo, main } from '../../local/cli/main.ts';
import { writeSession } from '../../local/cli/session.ts';
import { createTask, createUser, type Fixture, http, PASSWORD, startStack, stopStack, uniqueEmail } from './support/stack.ts';

interface Context {
  fx: Fixture;
  /** The CLI's data dir: local-env.json (as `npm start` writes it) and the cached login. */
  cliDir: string;
}
const cli = suite<Context>('the CLI against a local stack');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  // biome-ignore lint/suspicious/noExplicitAny: parsed CLI output is asserted on field by field
  json: any;
}

async function run(context: Context, ...argv: string[]): Promise<Run> {
  return runWith(context, {}, ...argv);
}

/** The CLI with a terminal or stdin of the test's making (none by default: as under a pipe with no input). */
async function runWith(context: Context, io: Pick<CliIo, 'askPassword' | 'readStdinLine'>, ...argv: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(['--data-dir', context.cliDir, ...argv], {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env: { ...process.env, TASK_API_PASSWORD: '' },
    cwd: process.cwd(),
    ...io,
  });
  let json: unknown;
  try {
    json = JSON.parse(code === 0 ? stdout : stderr);
  } catch {
    json = undefined;
  }
  return { code, stdout, stderr, json };
}

async function ok(context: Context, ...argv: string[]) {
  const result = await run(context, ...argv);
  assert.is(result.code, 0, `${argv.join(' ')} failed: ${result.stderr}`);
  return result.json;
}

cli.before(async (context) => {
  context.fx = await startStack();
  context.cliDir = await mkdtemp(join(tmpdir(), 'task-api-cli-'));
  const { stack } = context.fx;
  const localEnv = {
    apiUrl: stack.url,
    cognitoEndpoint: stack.cognitoEndpoint,
    region: stack.region,
    userPoolId: stack.userPoolId,
    clientId: stack.clientId,
    tableName: stack.tableName,
  };
  await writeFile(join(context.cliDir, 'local-env.json'), JSON.stringify(localEnv));
});
cli.after(async (context) => {
  await stopStack(context.fx);
  await rm(context.cliDir, { recursive: true, force: true });
});

cli('the walkthrough: signup, confirm, login, create, list, get, update, delete', async (context) => {
  const email = uniqueEmail('cli');
  const signedUp = await ok(context, 'signup', '--email', email, '--password', PASSWORD);
  assert.is(signedUp.email, email);
  assert.is(signedUp.confirmed, false);

  const loginBeforeConfirm = await run(context, 'login', '--email', email, '--password', PASSWORD);
  assert.is(loginBeforeConfirm.code, 1, 'an unconfirmed user cannot log in');
  assert.match(loginBeforeConfirm.stderr, /UserNotConfirmed/);

  assert.equal(await ok(context, 'confirm', '--email', email), { email, confirmed: true });
  const login = await ok(context, 'login', '--email', email, '--password', PASSWORD);
  assert.is(login.email, email);
  assert.ok(Date.parse(login.expires_at) > Date.now());

  const created = await ok(
    context,
    'tasks',
    'create',
    '--title',
    'From the CLI',
    '--description',
    'made by a test',
    '--status',
    'in_progress',
  );
  assert.is(created.task.title, 'From the CLI');
  assert.is(created.task.status, 'in_progress');
  const id = created.task.task_id as string;

  const listed = await ok(context, 'tasks', 'list');
  assert.equal(
    listed.tasks.map((t: { task_id: string }) => t.task_id),
    [id],
  );
  assert.is((await ok(context, 'tasks', 'list', '--status', 'done')).count, 0);

  assert.equal((await ok(context, 'tasks', 'get', id)).task, created.task);

  const updated = await ok(context, 'tasks', 'update', id, '--status', 'done', '--if-match', '1');
  assert.is(updated.task.status, 'done');
  assert.is(updated.task.version, 2);
  assert.is(updated.task.title, 'From the CLI');

  const stale = await run(context, 'tasks', 'update', id, '--title', 'stale', '--if-match', '1');
  assert.is(stale.code, 1);
  assert.is(stale.json.status, 412);
  assert.is(stale.json.error.code, 'precondition_failed');
  assert.is(stale.stdout, '', 'errors go to stderr only');

  assert.equal(await ok(context, 'tasks', 'delete', id, '--if-match', '2'), { deleted: id });
  const gone = await run(context, 'tasks', 'get', id);
  assert.is(gone.code, 1);
  assert.is(gone.json.status, 404);
  assert.is(gone.json.error.code, 'not_found');
});

/** The code the local pool "sent" to `email`: cognito-local keeps it on the user record in its data files. */
async function confirmationCode(dataDir: string, email: string): Promise<string> {
  const dir = join(dataDir, 'cognito');
  for (const file of await readdir(dir)) {
    if (!file.endsWith('.json')) continue;
    const text = await readFile(join(dir, file), 'utf8');
    if (!text.includes(email)) continue;
    const users = (JSON.parse(text) as { Users?: Record<string, { ConfirmationCode?: string }> }).Users ?? {};
    const code =
      users[email]?.ConfirmationCode ?? Object.values(users).find((user) => JSON.stringify(user).includes(email))?.ConfirmationCode;
    if (code) return code;
  }
  throw new Error(`no confirmation code for ${email} under ${dir}`);
}

cli('confirm --code confirms with the code the user was sent (ConfirmSignUp), and rejects a wrong one', async (context) => {
  const email = uniqueEmail('cli-code');
  await ok(context, 'signup', '--email', email, '--password', PASSWORD);
  const code = await confirmationCode(context.fx.dataDir, email);
  const wrong = await run(context, 'confirm', '--email', email, '--code', code === '000000' ? '111111' : '000000');
  assert.is(wrong.code, 1);
  assert.match(wrong.stderr, /CodeMismatch/);
  assert.equal(await ok(context, 'confirm', '--email', email, '--code', code), { email, confirmed: true });
  assert.is((await ok(context, 'login', '--email', email, '--password', PASSWORD)).email, email);
});

cli('login caches the tokens in the data dir with mode 0600; logout removes them', async (context) => {
  const user = await createUser(context.fx.stack, 'cli-cache');
  await ok(context, 'login', '--email', user.email, '--password', PASSWORD);
  const file = join(context.cliDir, 'cli-session.json');
  const info = await stat(file);
  assert.is(info.mode & 0o777, 0o600);

  assert.equal(await ok(context, 'logout'), { logged_out: true, target: 'local' });
  const after = await run(context, 'tasks', 'list');
  assert.is(after.code, 1);
  assert.match(after.stderr, /Not logged in/);
});

cli('an expired cached ID token is refreshed with the refresh token', async (context) => {
  const user = await createUser(context.fx.stack, 'cli-refresh');
  const { stack } = context.fx;
  await writeSession(join(context.cliDir, 'cli-session.json'), {
    email: user.email,
    idToken: 'expired.not.used',
    refreshToken: user.refreshToken,
    expiresAt: Math.floor(Date.now() / 1000) - 10,
    userPoolId: stack.userPoolId,
    clientId: stack.clientId,
  });
  const listed = await ok(context, 'tasks', 'list');
  assert.is(listed.count, 0);
});

cli('create with --idempotency-key replays the same task; list --all follows next_token to the end', async (context) => {
  const user = await createUser(context.fx.stack, 'cli-pages');
  await ok(context, 'login', '--email', user.email, '--password', PASSWORD);
  const first = await ok(context, 'tasks', 'create', '--title', 'Once', '--idempotency-key', 'cli-key-1');
  const replay = await ok(context, 'tasks', 'create', '--title', 'Once', '--idempotency-key', 'cli-key-1');
  assert.is(replay.task.task_id, first.task.task_id);
  const reused = await run(context, 'tasks', 'create', '--title', 'Other', '--idempotency-key', 'cli-key-1');
  assert.is(reused.json.status, 409);

  for (let index = 0; index < 6; index += 1) await createTask(context.fx.stack, user, { title: `bulk ${index}` });
  const page = await ok(context, 'tasks', 'list', '--limit', '4');
  assert.is(page.count, 4);
  assert.type(page.next_token, 'string');
  const next = await ok(context, 'tasks', 'list', '--limit', '4', '--next-token', page.next_token);
  assert.is(next.count, 3);
  const all = await ok(context, 'tasks', 'list', '--limit', '4', '--all');
  assert.is(all.count, 7);
  assert.is(new Set(all.tasks.map((t: { task_id: string }) => t.task_id)).size, 7);
});

cli('admin add-user puts a user in the admin group; admin tasks then lists everyone’s tasks', async (context) => {
  const owner = await createUser(context.fx.stack, 'cli-owner');
  const task = await createTask(context.fx.stack, owner, { title: 'Seen by the admin' });
  const admin = await createUser(context.fx.stack, 'cli-admin');
  await ok(context, 'login', '--email', admin.email, '--password', PASSWORD);
  const refused = await run(context, 'admin', 'tasks');
  assert.is(refused.code, 1);
  assert.is(refused.json.status, 403);

  await ok(context, 'admin', 'add-user', '--email', admin.email);
  await ok(context, 'login', '--email', admin.email, '--password', PASSWORD);
  const listed = await ok(context, 'admin', 'tasks', '--status', 'pending', '--all');
  const mine = listed.tasks.find((t: { task_id: string }) => t.task_id === task.task_id);
  assert.is(mine?.owner_id, owner.sub);
});

cli('bad command lines exit 2 with a message on stderr; a wrong password exits 1', async (context) => {
  for (const argv of [
    ['tasks', 'frobnicate'],
    ['tasks', 'get'],
    ['tasks', 'create'],
    ['tasks', 'list', '--colour', 'red'],
    ['tasks', 'get', 'short-id'],
    ['login', '--email', 'x@example.com'],
  ]) {
    const result = await run(context, ...argv);
    assert.is(result.code, 2, `${argv.join(' ')}: ${result.stderr}`);
    assert.ok(result.stderr.length > 0);
    assert.is(result.stdout, '');
  }
  const user = await createUser(context.fx.stack, 'cli-wrong');
  const wrong = await run(context, 'login', '--email', user.email, '--password', 'Not-the-password-1');
  assert.is(wrong.code, 1);
  const unknown = await run(context, 'login', '--email', uniqueEmail('nobody'), '--password', PASSWORD);
  assert.is(unknown.code, 1);
  // As Cognito answers both: the message does not tell whether the account exists.
  assert.is(wrong.stderr, 'error: NotAuthorizedException: Incorrect username or password.\n');
  assert.is(unknown.stderr, wrong.stderr);
});

cli('a misspelt option is named as such, with the nearest known one', async (context) => {
  for (const [argv, message] of [
    [['--titel', 'x'], 'Unknown option --titel (did you mean --title?)'],
    [['tasks', 'create', '--titel', 'x'], 'Unknown option --titel for tasks create (did you mean --title?)'],
    [['tasks', 'list', '--stauts', 'done'], 'Unknown option --stauts for tasks list (did you mean --status?)'],
    [['tsks', 'list'], 'Unknown command: tsks list (did you mean tasks list?)'],
  ] as const) {
    const result = await run(context, ...argv);
    assert.is(result.code, 2);
    assert.is(result.stderr.split('\n')[0], `error: ${message}`);
  }
});

cli('login without a password asks on the terminal, or reads stdin, or says how to give it', async (context) => {
  const user = await createUser(context.fx.stack, 'cli-password');
  const asked: string[] = [];
  const prompted = await runWith(
    context,
    {
      askPassword: async (question) => {
        asked.push(question);
        return PASSWORD;
      },
    },
    'login',
    '--email',
    user.email,
  );
  assert.is(prompted.code, 0, prompted.stderr);
  assert.equal(asked, ['Password: ']);
  const piped = await runWith(context, { readStdinLine: async () => PASSWORD }, 'login', '--email', user.email, '--password-stdin');
  assert.is(piped.code, 0, piped.stderr);
  const none = await runWith(context, { askPassword: async () => undefined }, 'login', '--email', user.email);
  assert.is(none.code, 2);
  assert.match(none.stderr, /No password: set \$TASK_API_PASSWORD, pipe it in with --password-stdin, or run in a terminal/);
});

cli('a cached login the API refuses says to log in again', async (context) => {
  const user = await createUser(context.fx.stack, 'cli-refused');
  await ok(context, 'login', '--email', user.email, '--password', PASSWORD);
  const session = JSON.parse(await readFile(join(context.cliDir, 'cli-session.json'), 'utf8'));
  // A token the pool never signed, not yet expired: the gateway's authorizer refuses it.
  await writeSession(join(context.cliDir, 'cli-session.json'), { ...session, idToken: `${session.idToken.slice(0, -4)}AAAA` });
  const refused = await run(context, 'tasks', 'list');
  assert.is(refused.code, 1);
  assert.is(refused.json.status, 401);
  assert.match(refused.json.hint, /log in again with `task-api login --email …`/);
});

cli('a stage target reads its outputs file and sends the cached token to its api_url', async (context) => {
  const { stack } = context.fx;
  const user = await createUser(stack, 'cli-stage');
  await createTask(stack, user, { title: 'On the stage' });
  const configDir = await mkdtemp(join(tmpdir(), 'task-api-config-'));
  try {
    // Shaped as `cdktf output --json` prints it: outputs under the stack's name.
    const outputs = {
      'task-api-dev': {
        api_url: `${stack.url}/`,
        user_pool_id: stack.userPoolId,
        user_pool_client_id: stack.clientId,
        region: stack.region,
      },
    };
    const outputsFile = join(configDir, 'outputs.json');
    await writeFile(outputsFile, JSON.stringify(outputs));
    await writeSession(join(configDir, 'session-dev.json'), {
      email: user.email,
      idToken: user.idToken,
      refreshToken: user.refreshToken,
      expiresAt: Math.floor(Date.now() / 1000) + 3600,
      userPoolId: stack.userPoolId,
      clientId: stack.clientId,
    });
    let stdout = '';
    const code = await main(['tasks', 'list', '--stage', 'dev', '--outputs', outputsFile], {
      stdout: (text) => {
        stdout += text;
      },
      stderr: () => {},
      env: { ...process.env, TASK_API_CONFIG_DIR: configDir },
      cwd: process.cwd(),
    });
    assert.is(code, 0);
    assert.equal(
      JSON.parse(stdout).tasks.map((t: { title: string }) => t.title),
      ['On the stage'],
    );
  } finally {
    await rm(configDir, { recursive: true, force: true });
  }
});

cli('`npx task-api` runs the compiled CLI as a program: JSON on stdout, exit code 0, no SDK notice', async (context) => {
  const user = await createUser(context.fx.stack, 'cli-process');
  await ok(context, 'login', '--email', user.email, '--password', PASSWORD);
  await createTask(context.fx.stack, user, { title: 'Spawned' });
  const env = { ...process.env };
  delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  const child = spawn('npx', ['task-api', 'tasks', 'list', '--data-dir', context.cliDir], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.is(code, 0, stderr);
  assert.is(stderr, '');
  assert.equal(
    JSON.parse(stdout).tasks.map((t: { title: string }) => t.title),
    ['Spawned'],
  );
  const direct = await http(context.fx.stack, 'GET', '/tasks', { token: user.idToken });
  assert.is(direct.json.count, 1);
});

cli.run();

/** How the CLI finds its target: local-env.json in the data dir, or a stage's Terraform outputs in any of their shapes. */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { type AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CliError } from '../../local/cli/errors.ts';
import { main } from '../../local/cli/main.ts';
import { writeSession } from '../../local/cli/session.ts';
import { resolveTarget } from '../../local/cli/target.ts';

const target = suite<{ dir: string }>('CLI target resolution');

target.before.each(async (context) => {
  context.dir = await mkdtemp(join(tmpdir(), 'task-api-target-'));
});
target.after.each(async ({ dir }) => rm(dir, { recursive: true, force: true }));

const stageOutputs = {
  api_url: 'https://abc123.execute-api.eu-west-1.amazonaws.com/dev/',
  user_pool_id: 'eu-west-1_AbCdEf123',
  user_pool_client_id: '3n4b5urk1ft4fl3mg5e62d9ado',
  region: 'eu-west-1',
  table_name: 'task-api-dev-tasks',
};

async function stageTarget(dir: string, outputs: unknown, env: NodeJS.ProcessEnv = {}) {
  const file = join(dir, 'outputs.json');
  await writeFile(file, JSON.stringify(outputs));
  return resolveTarget({ stage: 'dev', outputs: file }, { env: { TASK_API_CONFIG_DIR: join(dir, 'config'), ...env }, cwd: dir });
}

target('stage outputs as cdktf writes them ({stack: {name: value}}) become the target', async ({ dir }) => {
  const resolved = await stageTarget(dir, { 'task-api-dev': stageOutputs });
  assert.equal(resolved, {
    kind: 'stage',
    name: 'dev',
    apiUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/dev',
    region: 'eu-west-1',
    userPoolId: 'eu-west-1_AbCdEf123',
    clientId: '3n4b5urk1ft4fl3mg5e62d9ado',
    sessionFile: join(dir, 'config', 'session-dev.json'),
  });
});

target('stage outputs as `terraform output -json` prints them ({name: {value}}) work too, the region from the pool id', async ({ dir }) => {
  const { region: _region, ...withoutRegion } = stageOutputs;
  const terraform = Object.fromEntries(
    Object.entries(withoutRegion).map(([name, value]) => [name, { sensitive: false, type: 'string', value }]),
  );
  const resolved = await stageTarget(dir, terraform);
  assert.is(resolved.apiUrl, 'https://abc123.execute-api.eu-west-1.amazonaws.com/dev');
  assert.is(resolved.clientId, stageOutputs.user_pool_client_id);
  assert.is(resolved.region, 'eu-west-1');
});

target('outputs without an API URL are an error naming what is there', async ({ dir }) => {
  const { api_url: _url, ...rest } = stageOutputs;
  try {
    await stageTarget(dir, rest);
    assert.unreachable('should have failed');
  } catch (error) {
    assert.instance(error, CliError);
    assert.match((error as Error).message, /api_url/);
    assert.match((error as Error).message, /user_pool_id/);
  }
});

target('--endpoint overrides the API URL and TASK_API_SESSION_FILE the session file', async ({ dir }) => {
  const file = join(dir, 'outputs.json');
  await writeFile(file, JSON.stringify(stageOutputs));
  const resolved = await resolveTarget(
    { stage: 'dev', outputs: file, endpoint: 'http://127.0.0.1:4010' },
    { env: { TASK_API_SESSION_FILE: 'elsewhere/session.json' }, cwd: dir },
  );
  assert.is(resolved.apiUrl, 'http://127.0.0.1:4010');
  assert.is(resolved.sessionFile, join(dir, 'elsewhere', 'session.json'));
});

target('local mode reads local-env.json from the data dir and keeps the session beside it', async ({ dir }) => {
  const localEnv = {
    apiUrl: 'http://127.0.0.1:3000',
    cognitoEndpoint: 'http://127.0.0.1:9229',
    region: 'local',
    userPoolId: 'local_x',
    clientId: 'c',
  };
  await writeFile(join(dir, 'local-env.json'), JSON.stringify(localEnv));
  const resolved = await resolveTarget({ dataDir: '.' }, { env: {}, cwd: dir });
  assert.is(resolved.kind, 'local');
  assert.is(resolved.apiUrl, localEnv.apiUrl);
  assert.is(resolved.cognitoEndpoint, localEnv.cognitoEndpoint);
  assert.is(resolved.sessionFile, join(dir, 'cli-session.json'));
});

target('a command run while the stack is still starting waits for its local-env.json', async ({ dir }) => {
  const localEnv = {
    apiUrl: 'http://127.0.0.1:3000',
    cognitoEndpoint: 'http://127.0.0.1:3001',
    region: 'local',
    userPoolId: 'local_new',
    clientId: 'c',
  };
  // The folder's lock is held by a live process (this one) and the local-env.json there is a predecessor's.
  await writeFile(join(dir, 'local.lock'), `${process.pid}\n`);
  await writeFile(join(dir, 'local-env.json'), JSON.stringify({ ...localEnv, userPoolId: 'local_old', pid: 999_999_999 }));
  const resolving = resolveTarget({ dataDir: '.' }, { env: {}, cwd: dir });
  await new Promise((resolve) => setTimeout(resolve, 300));
  await writeFile(join(dir, 'local-env.json'), JSON.stringify({ ...localEnv, pid: process.pid }));
  assert.is((await resolving).userPoolId, 'local_new');
});

target('local mode without a running stack says to run npm start', async ({ dir }) => {
  try {
    await resolveTarget({}, { env: {}, cwd: dir });
    assert.unreachable('should have failed');
  } catch (error) {
    assert.instance(error, CliError);
    assert.match((error as Error).message, /npm start/);
  }
});

target('the default local session file, .local/cli-session.json, is ignored by git', () => {
  // git check-ignore exits 0 when the path is ignored and 1 when it would be tracked (execFileSync throws).
  execFileSync('git', ['check-ignore', '--quiet', '--no-index', join('.local', 'cli-session.json')], { cwd: process.cwd() });
});

/** A port nothing listens on: one the OS just handed out and that was closed again. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

target('a local stack that is no longer running is a clear error with exit code 1, not a stack trace', async ({ dir }) => {
  const port = await closedPort();
  const localEnv = {
    apiUrl: `http://127.0.0.1:${port}`,
    cognitoEndpoint: `http://127.0.0.1:${port}`,
    region: 'local',
    userPoolId: 'local_x',
    clientId: 'c',
  };
  await writeFile(join(dir, 'local-env.json'), JSON.stringify(localEnv));
  await writeSession(join(dir, 'cli-session.json'), {
    email: 'a@example.com',
    idToken: 'x.y.z',
    expiresAt: Math.floor(Date.now() / 1000) + 3600,
    userPoolId: 'local_x',
    clientId: 'c',
  });
  let stderr = '';
  let stdout = '';
  const code = await main(['tasks', 'list', '--data-dir', dir], {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env: {},
    cwd: dir,
  });
  assert.is(code, 1);
  assert.is(stdout, '');
  assert.ok(stderr.startsWith(`error: Cannot reach the API at http://127.0.0.1:${port} (ECONNREFUSED)`), stderr);
  assert.not.match(stderr, /\n\s+at /);
});

target.run();

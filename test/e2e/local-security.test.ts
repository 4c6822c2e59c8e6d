/**
 * Local mode holds real-looking data on a developer's laptop: what the penetration test did to it, and
 * what it must find instead. Users cannot choose who they are; the data folder is the owner's alone;
 * web pages cannot reach the embedded database.
 */
import {
  AdminCreateUserCommand,
  AdminDeleteUserAttributesCommand,
  AdminUpdateUserAttributesCommand,
  ListUsersCommand,
  SignUpCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { chmod, lstat, mkdir, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join, relative } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { makePrivate } from '../../local/storage/private-files.ts';
import {
  cognito,
  createTask,
  createUser,
  type Fixture,
  http,
  newDataDir,
  PASSWORD,
  startStack,
  stopStack,
  type User,
  uniqueEmail,
} from './support/stack.ts';

const security = suite<{ fx: Fixture; alice: User }>('local mode security');
/** Folders the tests make besides the stack's data folder, removed with it. */
const scratchDirs: string[] = [];
const scratchDir = async () => {
  const dir = await newDataDir();
  scratchDirs.push(dir);
  return dir;
};

security.before(async (context) => {
  // A data folder as an older version (or a generous umask) left it: everything readable by others.
  const dataDir = await newDataDir();
  await chmod(dataDir, 0o755);
  for (const folder of ['cognito', 'dynamodb', 'secrets']) await mkdir(join(dataDir, folder), { mode: 0o755 });
  await writeFile(join(dataDir, 'cognito', 'notes.txt'), 'left by hand', { mode: 0o644 });
  // Something start-up cannot make private: a link to a file elsewhere (it is not followed).
  const outside = join(await scratchDir(), 'shared.txt');
  await writeFile(outside, 'elsewhere', { mode: 0o644 });
  await symlink(outside, join(dataDir, 'shared-notes'));
  context.fx = await startStack(dataDir);
  context.alice = await createUser(context.fx.stack, 'alice');
  await createTask(context.fx.stack, context.alice, { title: 'Alice’s secret' });
});
security.after(async ({ fx }) => {
  await stopStack(fx);
  await Promise.all(scratchDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function refused(call: Promise<unknown>, label: string): Promise<Error> {
  try {
    await call;
  } catch (error) {
    return error as Error;
  }
  assert.unreachable(`${label} was accepted`);
  throw new Error('unreachable');
}

security('sign-up cannot choose its sub (or any attribute Cognito owns): no one can become Alice', async ({ fx, alice }) => {
  const client = cognito(fx.stack);
  for (const attribute of [
    { Name: 'sub', Value: alice.sub },
    { Name: 'identities', Value: '[]' },
    { Name: 'cognito:user_status', Value: 'CONFIRMED' },
  ]) {
    const email = uniqueEmail('mallory');
    const error = await refused(
      client.send(
        new SignUpCommand({
          ClientId: fx.stack.clientId,
          Username: email,
          Password: PASSWORD,
          UserAttributes: [{ Name: 'email', Value: email }, attribute],
        }),
      ),
      `SignUp with ${attribute.Name}`,
    );
    assert.is(error.name, 'InvalidParameterException', attribute.Name);
    assert.match(error.message, new RegExp(`user\\.${attribute.Name}`));
  }
  const adminCreate = await refused(
    client.send(
      new AdminCreateUserCommand({
        UserPoolId: fx.stack.userPoolId,
        Username: uniqueEmail('mallory'),
        MessageAction: 'SUPPRESS',
        UserAttributes: [{ Name: 'sub', Value: alice.sub }],
      }),
    ),
    'AdminCreateUser with sub',
  );
  assert.is(adminCreate.name, 'InvalidParameterException');

  const { Users = [] } = await client.send(new ListUsersCommand({ UserPoolId: fx.stack.userPoolId }));
  const holders = Users.filter((user) => user.Attributes?.some((attribute) => attribute.Name === 'sub' && attribute.Value === alice.sub));
  assert.is(holders.length, 1, 'Alice’s sub belongs to Alice alone');
  const mine = await http(fx.stack, 'GET', '/tasks', { token: alice.idToken });
  assert.equal(
    mine.json.tasks.map((task: { title: string }) => task.title),
    ['Alice’s secret'],
  );
});

security('a user’s sub cannot be changed or removed afterwards either', async ({ fx }) => {
  const client = cognito(fx.stack);
  const bob = await createUser(fx.stack, 'bob');
  const changed = await refused(
    client.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: fx.stack.userPoolId,
        Username: bob.email,
        UserAttributes: [{ Name: 'sub', Value: 'x' }],
      }),
    ),
    'AdminUpdateUserAttributes sub',
  );
  assert.is(changed.name, 'InvalidParameterException');
  const removed = await refused(
    client.send(
      new AdminDeleteUserAttributesCommand({ UserPoolId: fx.stack.userPoolId, Username: bob.email, UserAttributeNames: ['sub'] }),
    ),
    'AdminDeleteUserAttributes sub',
  );
  assert.is(removed.name, 'InvalidParameterException');
});

/** Every path under `root` with its permission bits, symbolic links included. */
async function modes(root: string): Promise<Array<[string, number, 'dir' | 'file' | 'other']>> {
  const found: Array<[string, number, 'dir' | 'file' | 'other']> = [];
  const visit = async (path: string) => {
    const info = await lstat(path);
    found.push([path, info.mode & 0o777, info.isDirectory() ? 'dir' : info.isFile() ? 'file' : 'other']);
    if (info.isDirectory()) for (const entry of await readdir(path)) await visit(join(path, entry));
  };
  await visit(root);
  return found;
}

security('everything in the data folder is the owner’s alone: folders 0700, files 0600, old ones included', async ({ fx }) => {
  await createUser(fx.stack, 'carol'); // cognito-local rewrites the pool's file
  const all = await modes(fx.dataDir);
  const names = all.map(([path]) => relative(fx.dataDir, path));
  for (const expected of ['cognito', 'dynamodb', 'secrets', 'local-env.json', 'local.lock', 'cognito/notes.txt', 'build']) {
    assert.ok(names.includes(expected), `${expected} is in the data folder: ${names.join(', ')}`);
  }
  assert.ok(
    names.some((name) => /^cognito\/local_.+\.json$/.test(name)),
    'the pool file (users and passwords)',
  );
  assert.ok(
    names.some((name) => name.startsWith('dynamodb/')),
    'the LevelDB files',
  );
  const open = all
    .filter(([, mode, kind]) => kind !== 'other' && mode !== (kind === 'dir' ? 0o700 : 0o600))
    .map(([path, mode]) => `${relative(fx.dataDir, path) || '.'} ${mode.toString(8)}`);
  assert.equal(open, [], 'nothing is open to other users');
});

security('start-up says what it could not make private', async ({ fx }) => {
  assert.equal(fx.stack.privacyWarnings, [
    `${join(fx.dataDir, 'shared-notes')}: a symbolic link, not followed; make its target private yourself`,
  ]);

  const locked = await scratchDir();
  await chmod(locked, 0o755);
  const problems = await makePrivate(locked, {
    chmod: async (path) => {
      throw Object.assign(new Error(`EPERM: operation not permitted, chmod '${path}'`), { code: 'EPERM' });
    },
  });
  assert.is(problems.length, 1);
  assert.match(problems[0] ?? '', /EPERM/);
  const ignored = await scratchDir();
  await chmod(ignored, 0o755);
  const unchanged = await makePrivate(ignored, { chmod: async () => undefined });
  assert.match(unchanged[0] ?? '', /still mode 755 after chmod/);
});

security('the embedded DynamoDB endpoint cannot be reached from a web page', async ({ fx }) => {
  const { dynamoDbEndpoint } = JSON.parse(await readFile(join(fx.dataDir, 'local-env.json'), 'utf8')) as { dynamoDbEndpoint: string };
  const date = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
  const scan = (headers: Record<string, string>) =>
    fetch(`${dynamoDbEndpoint}/`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-amz-json-1.0',
        'X-Amz-Target': 'DynamoDB_20120810.Scan',
        'X-Amz-Date': date,
        Authorization: `AWS4-HMAC-SHA256 Credential=made-up/${date.slice(0, 8)}/local/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
        ...headers,
      },
      body: JSON.stringify({ TableName: fx.stack.tableName }),
    });

  const preflight = await fetch(`${dynamoDbEndpoint}/`, {
    method: 'OPTIONS',
    headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'x-amz-target' },
  });
  assert.is(preflight.headers.get('access-control-allow-origin'), null);
  assert.is(preflight.headers.get('access-control-allow-headers'), null);
  assert.ok(preflight.status >= 400, `preflight ${preflight.status}`);

  const browserHeaders: Record<string, string>[] = [
    { Origin: 'https://evil.example' },
    { Origin: 'http://localhost:3000' },
    { 'Sec-Fetch-Site': 'cross-site' },
  ];
  for (const headers of browserHeaders) {
    const response = await scan(headers);
    const text = await response.text();
    assert.is(response.status, 403, `${JSON.stringify(headers)}: ${text}`);
    assert.is(response.headers.get('access-control-allow-origin'), null);
    assert.not.match(text, /Alice/);
  }
  // DNS rebinding: a page on evil.example whose name now resolves to 127.0.0.1 (fetch cannot set Host).
  const rebound = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const url = new URL(dynamoDbEndpoint);
    const request = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: '/',
        headers: { Host: `evil.example:${url.port}`, 'X-Amz-Target': 'DynamoDB_20120810.Scan' },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk) => {
          text += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    request.on('error', reject);
    request.end(JSON.stringify({ TableName: fx.stack.tableName }));
  });
  assert.is(rebound.status, 403, rebound.text);
  // The functions' SDK (no Origin) is served as before: a control for the refusals above.
  const tools = await scan({});
  assert.is(tools.status, 200);
  assert.match(await tools.text(), /Alice/);
});

security.run();

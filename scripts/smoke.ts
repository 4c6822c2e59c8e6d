/**
 * `make smoke`: the README walkthrough, end to end, through the CLI: sign up -> confirm -> log in -> create
 * -> list -> get -> delete (-> get is 404). Against local mode by default: the stack `npm start` runs if
 * it answers, else a throw-away one on a random port that is stopped afterwards. `TARGET=dev` runs it
 * against a deployed stage (its Terraform outputs, or OUTPUTS=file.json), confirming the user with
 * AdminConfirmSignUp (your AWS credentials) and deleting it afterwards.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AdminDeleteUserCommand } from '@aws-sdk/client-cognito-identity-provider';
import { cognitoClient } from '../local/cli/cognito.ts';
import { main } from '../local/cli/main.ts';
import { resolveTarget } from '../local/cli/target.ts';
import { DEFAULT_DATA_DIR, LOCAL_ENV_FILE, type LocalEnv } from '../local/local-env.ts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const targetName = process.env.TARGET || 'local';
const scratch = await mkdtemp(join(tmpdir(), 'task-api-smoke-'));
const env = {
  ...process.env,
  TASK_API_SESSION_FILE: join(scratch, 'session.json'),
  TASK_API_PASSWORD: `Smoke-${randomBytes(9).toString('base64url')}-1a`,
};
const email = `smoke-${Date.now()}-${randomBytes(3).toString('hex')}@example.com`;
let stopLocal: (() => Promise<void>) | undefined;

/** A running local stack at `dataDir`, if its local-env.json names an API that answers. */
async function runningLocal(dataDir: string): Promise<boolean> {
  try {
    const local = JSON.parse(await readFile(join(dataDir, LOCAL_ENV_FILE), 'utf8')) as LocalEnv;
    await fetch(`${local.apiUrl}/tasks`, { signal: AbortSignal.timeout(1500) });
    return true;
  } catch {
    return false;
  }
}

async function targetArgs(): Promise<string[]> {
  if (targetName !== 'local') return ['--stage', targetName, ...(process.env.OUTPUTS ? ['--outputs', process.env.OUTPUTS] : [])];
  const dataDir = resolve(process.env.TASK_API_DATA_DIR ?? DEFAULT_DATA_DIR);
  if (await runningLocal(dataDir)) {
    console.error(`smoke: using the local stack in ${dataDir}`);
    return ['--data-dir', dataDir];
  }
  const { startLocal } = await import('../local/server.ts');
  // The stack writes its local-env.json into its data dir, where the CLI looks for it.
  const stack = await startLocal({ port: 0, dataDir: join(scratch, 'data'), quiet: true });
  stopLocal = () => stack.stop();
  console.error(`smoke: no local stack answering; started a throw-away one at ${stack.url}`);
  return ['--data-dir', stack.dataDir];
}

// biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON output, checked field by field
async function step(label: string, argv: string[], expectCode = 0): Promise<any> {
  let stdout = '';
  let stderr = '';
  const io = {
    stdout: (text: string) => {
      stdout += text;
    },
    stderr: (text: string) => {
      stderr += text;
    },
    env,
    cwd: process.cwd(),
  };
  const code = await main(argv, io);
  if (code !== expectCode) throw new Error(`${label}: exit ${code} (wanted ${expectCode})\n${stderr}${stdout}`);
  console.log(`  ok  ${label}`);
  return JSON.parse(expectCode === 0 ? stdout : stderr);
}

let exitCode = 0;
let base: string[] = [];
try {
  base = await targetArgs();
  console.log(`smoke walkthrough against ${targetName}, as ${email}`);
  await step('signup', [...base, 'signup', '--email', email]);
  await step('confirm', [...base, 'confirm', '--email', email]);
  await step('login', [...base, 'login', '--email', email]);
  const { task } = await step('tasks create', [...base, 'tasks', 'create', '--title', 'Smoke test', '--description', 'made by make smoke']);
  const list = await step('tasks list', [...base, 'tasks', 'list']);
  if (!list.tasks.some((t: { task_id: string }) => t.task_id === task.task_id)) throw new Error('tasks list: the new task is missing');
  const got = await step('tasks get', [...base, 'tasks', 'get', task.task_id]);
  if (got.task.title !== 'Smoke test') throw new Error('tasks get: wrong task');
  await step('tasks delete', [...base, 'tasks', 'delete', task.task_id, '--if-match', String(task.version)]);
  const gone = await step('tasks get after delete is 404', [...base, 'tasks', 'get', task.task_id], 1);
  if (gone.status !== 404) throw new Error(`tasks get after delete: ${gone.status}, wanted 404`);
  await step('logout', [...base, 'logout']);
  console.log('smoke: passed');
} catch (error) {
  console.error(`smoke: FAILED\n${(error as Error).message}`);
  exitCode = 1;
} finally {
  if (!stopLocal && base.length > 0) {
    // A shared stack or a stage: remove the throw-away user again (best effort).
    try {
      const target = await resolveTarget(
        {
          stage: targetName === 'local' ? undefined : targetName,
          outputs: process.env.OUTPUTS,
          dataDir: base[0] === '--data-dir' ? base[1] : undefined,
        },
        { env, cwd: process.cwd() },
      );
      await (await cognitoClient(target)).send(new AdminDeleteUserCommand({ UserPoolId: target.userPoolId, Username: email }));
    } catch (error) {
      console.error(`smoke: could not delete ${email}: ${(error as Error).message}`);
    }
  }
  await stopLocal?.();
  await rm(scratch, { recursive: true, force: true });
}
process.exit(exitCode);

/**
 * The CLI's start-up budget: every command, run as a user runs it (`node bin/task-api.js …`, the compiled
 * CLI), from spawn until it reaches the network, against a bare `node -e 0` timed alongside. Each command
 * is pointed at a stack that does not answer (a closed loopback port), so it does all its own work (parse,
 * find the target, read the login, load what it needs: the Cognito client for `login`) and then fails
 * fast on the connection, with no server's time in the figure.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandName } from '../local/cli/args.ts';
import { bareNode, type RatioResult, ratioResult, timeProcess } from './bench-baseline.ts';

/** A command's start-up may take at most this many times a bare Node start. */
export const CLI_STARTUP_BUDGET_RATIO = 2;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'task-api.js');
const TASK_ID = '01JD6Q8N7W3Y5Z0A1B2C3D4E5F';

/** A command line for each command (a new command without one fails type checking), and how it must end. */
const COMMAND_LINES: Record<CommandName | 'help', { argv: string[]; ends: RegExp; ownSession?: true }> = {
  help: { argv: ['help'], ends: /^$/ },
  signup: { argv: ['signup', '--email', 'bench@example.com'], ends: /Cannot reach Cognito/ },
  confirm: { argv: ['confirm', '--email', 'bench@example.com'], ends: /Cannot reach Cognito/ },
  login: { argv: ['login', '--email', 'bench@example.com'], ends: /Cannot reach Cognito/ },
  // Its own session file, so it deletes none that the later commands need.
  logout: { argv: ['logout'], ends: /^$/, ownSession: true },
  stop: { argv: ['stop'], ends: /^$/ },
  'tasks create': { argv: ['tasks', 'create', '--title', 'Bench'], ends: /Cannot reach the API/ },
  'tasks list': { argv: ['tasks', 'list'], ends: /Cannot reach the API/ },
  'tasks get': { argv: ['tasks', 'get', TASK_ID], ends: /Cannot reach the API/ },
  'tasks update': { argv: ['tasks', 'update', TASK_ID, '--status', 'done'], ends: /Cannot reach the API/ },
  'tasks delete': { argv: ['tasks', 'delete', TASK_ID], ends: /Cannot reach the API/ },
  'admin tasks': { argv: ['admin', 'tasks'], ends: /Cannot reach the API/ },
  'admin add-user': { argv: ['admin', 'add-user', '--email', 'bench@example.com'], ends: /Cannot reach Cognito/ },
};

export interface CliStartup extends RatioResult {
  command: string;
}

/** A loopback port nothing listens on: connections to it are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** A data folder naming a stack that does not answer, with a login that has not expired. */
async function unreachableStack(dir: string): Promise<void> {
  const url = `http://127.0.0.1:${await closedPort()}`;
  const env = { apiUrl: url, cognitoEndpoint: url, region: 'local', userPoolId: 'local_bench', clientId: 'bench' };
  await writeFile(join(dir, 'local-env.json'), JSON.stringify({ ...env, tableName: 'bench', dynamoDbEndpoint: url, memory: true }));
  const session = { email: 'bench@example.com', idToken: 'a.b.c', expiresAt: 4_102_444_800, userPoolId: 'local_bench', clientId: 'bench' };
  await writeFile(join(dir, 'cli-session.json'), JSON.stringify(session));
}

export async function measureCliStartup(runs: number): Promise<CliStartup[]> {
  const dir = await mkdtemp(join(tmpdir(), 'task-api-bench-cli-'));
  try {
    await unreachableStack(dir);
    // Nothing from this shell (no NODE_OPTIONS, no tsx); one attempt per call, not the SDK's retries.
    const env = { PATH: process.env.PATH ?? '', HOME: dir, TASK_API_PASSWORD: 'Correct-Horse-9-battery', AWS_MAX_ATTEMPTS: '1' };
    const run = (argv: string[], ownSession = false) =>
      timeProcess(process.execPath, [BIN, ...argv, '--data-dir', dir], {
        cwd: ROOT,
        env: ownSession ? { ...env, TASK_API_SESSION_FILE: join(dir, 'logout-session.json') } : env,
      });
    // Unmeasured: compiles the CLI if it is stale, and puts it in the page cache.
    run(['help']);
    const baseline: number[] = [];
    const samples = new Map<string, number[]>();
    for (let round = 0; round < runs; round += 1) {
      for (const [command, line] of Object.entries(COMMAND_LINES)) {
        baseline.push(bareNode(env));
        const timed = run(line.argv, line.ownSession);
        if (!line.ends.test(timed.stderr.trim())) {
          throw new Error(`\`task-api ${line.argv.join(' ')}\` did not end as expected (exit ${timed.status}):\n${timed.stderr}`);
        }
        samples.set(command, [...(samples.get(command) ?? []), timed.ms]);
      }
    }
    return [...samples].map(([command, times]) => ({ command, ...ratioResult(times, baseline, CLI_STARTUP_BUDGET_RATIO) }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatCliStartup(results: readonly CliStartup[], runs: number): string {
  const baselineMs = results[0]?.baselineMs ?? Number.NaN;
  const width = Math.max(...results.map((result) => result.command.length));
  const lines = results.map(
    (result) =>
      `  ${result.command.padEnd(width)}  ${result.medianMs.toFixed(0).padStart(5)} ms  ${result.ratio.toFixed(2)}x  ${result.ok ? 'PASS' : 'FAIL'}`,
  );
  const failing = results.filter((result) => !result.ok).map((result) => result.command);
  return [
    `\nCLI start-up (spawn of \`task-api <command>\` until it reaches the network), median of ${runs}, against a bare \`node -e 0\` (median ${baselineMs.toFixed(0)} ms, interleaved):`,
    ...lines,
    `Budget: every command <= ${CLI_STARTUP_BUDGET_RATIO}x bare node. ${failing.length === 0 ? 'All commands PASS.' : `FAIL: ${failing.join(', ')}.`}`,
  ].join('\n');
}

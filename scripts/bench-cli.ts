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
import { type RatioResult, ratioResult, timeNode } from './bench-baseline.ts';

/** A command's start-up may take at most this many times the CPU time of a bare Node start. */
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
  /** Wall time, as the person typing waits: shown, not budgeted (on a busy machine it is mostly queueing). */
  wall: RatioResult;
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
      timeNode([BIN, ...argv, '--data-dir', dir], {
        cwd: ROOT,
        env: ownSession ? { ...env, TASK_API_SESSION_FILE: join(dir, 'logout-session.json') } : env,
      });
    // Unmeasured: compiles the CLI if it is stale, and puts it in the page cache.
    run(['help']);
    const baseline = { cpu: [] as number[], wall: [] as number[] };
    const samples = new Map<string, { cpu: number[]; wall: number[] }>();
    for (let round = 0; round < runs; round += 1) {
      for (const [command, line] of Object.entries(COMMAND_LINES)) {
        const bare = timeNode(['-e', '0'], { env });
        baseline.cpu.push(bare.cpuMs);
        baseline.wall.push(bare.ms);
        const timed = run(line.argv, line.ownSession);
        if (!line.ends.test(timed.stderr.trim())) {
          throw new Error(`\`task-api ${line.argv.join(' ')}\` did not end as expected (exit ${timed.status}):\n${timed.stderr}`);
        }
        const sample = samples.get(command) ?? { cpu: [], wall: [] };
        sample.cpu.push(timed.cpuMs);
        sample.wall.push(timed.ms);
        samples.set(command, sample);
      }
    }
    return [...samples].map(([command, times]) => ({
      command,
      ...ratioResult(times.cpu, baseline.cpu, CLI_STARTUP_BUDGET_RATIO),
      wall: ratioResult(times.wall, baseline.wall, CLI_STARTUP_BUDGET_RATIO),
    }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatCliStartup(results: readonly CliStartup[], runs: number): string {
  const first = results[0];
  const width = Math.max(...results.map((result) => result.command.length));
  const lines = results.map(
    (result) =>
      `  ${result.command.padEnd(width)}  ${result.medianMs.toFixed(0).padStart(5)} ms  ${result.ratio.toFixed(2)}x  ${result.ok ? 'PASS' : 'FAIL'}` +
      `   (wall ${result.wall.medianMs.toFixed(0).padStart(4)} ms, ${result.wall.ratio.toFixed(2)}x)`,
  );
  const failing = results.filter((result) => !result.ok).map((result) => result.command);
  return [
    `\nCLI start-up: \`task-api <command>\` from spawn until it reaches the network, median of ${runs}, as CPU time (the work;`,
    `wall time beside it, mostly queueing on a busy machine) against a bare \`node -e 0\` interleaved with it`,
    `(median ${first?.baselineMs.toFixed(0)} ms CPU, ${first?.wall.baselineMs.toFixed(0)} ms wall; CPU time from the kernel, via bash's times):`,
    ...lines,
    `Budget: every command <= ${CLI_STARTUP_BUDGET_RATIO}x bare node's CPU time. ${failing.length === 0 ? 'All commands PASS.' : `FAIL: ${failing.join(', ')}.`}`,
  ].join('\n');
}

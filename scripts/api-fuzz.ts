/**
 * `make api-fuzz`: schemathesis (pinned in requirements-tools.txt) holds a throw-away local mode to
 * docs/openapi.json. Two real users of the local pool sign up and log in; schemathesis sends requests as
 * one and replays her reads as the other, who must not see her tasks. Every phase (examples, coverage,
 * fuzzing, stateful through the document's links) and every check runs from a fixed seed
 * (scripts/api-fuzz/schemathesis.toml). Last line: `schemathesis: <N> operations, <M> test cases, <F> failures`.
 *
 *   npm run api-fuzz [-- <schemathesis run options, e.g. --max-examples 200 --seed 7 to explore further>]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../infra/config.ts';
import { startLocal } from '../local/server.ts';
import { OPENAPI_PATH } from './openapi.ts';
import { localUserToken } from './local-user.ts';
import { withTool } from './rehearsal/tools.ts';

export const FUZZ_CONFIG = join(REPO_ROOT, 'scripts', 'api-fuzz', 'schemathesis.toml');
/** A run that takes longer than this is stopped and fails (it normally takes about 30 s). */
/** A hang guard, not a budget: the run takes about 30 s on an idle two-core machine, several times that on a busy one. */
const RUN_LIMIT_MS = 10 * 60 * 1000;
const PASSWORD = 'Correct-Horse-9-battery';
export const USERS = ['alice', 'bob'] as const;
/** The user schemathesis sends as is an admin, so the admin route answers her 200 rather than always 403. */
const ADMIN = 'alice';

export interface FuzzResult {
  operations: number;
  testCases: number;
  failures: number;
  /** schemathesis's warnings by name, with the operations each is about (they do not fail the run). */
  warnings: string[];
  /** schemathesis's own output, for a failure's details. */
  output: string;
}

/** A Web Fuzzing Commons auth document: one entry per user, with the raw ID token API Gateway expects. */
export function wfcAuth(tokens: Record<string, string>): string {
  const auth = Object.entries(tokens).map(([name, token]) => ({ name, fixedHeaders: [{ name: 'Authorization', value: token }] }));
  return `${JSON.stringify({ auth }, null, 2)}\n`;
}

/** The numbers of schemathesis's JSON report; a run that did not finish or wrote no report counts as one failure. */
// biome-ignore lint/suspicious/noExplicitAny: schemathesis's JSON report is untyped
export function summarize(report: any, exitCode: number | null, output: string): FuzzResult {
  const failures = (report?.test_cases?.unique_failures ?? 0) + (report?.errors?.length ?? 0) + (report?.operations?.errored ?? 0);
  const finished = report?.complete === true && report?.stop_reason === 'completed';
  return {
    operations: report?.operations?.tested ?? 0,
    testCases: report?.test_cases?.generated ?? 0,
    warnings: Object.entries((report?.warnings ?? {}) as Record<string, string[]>)
      .filter(([, operations]) => Array.isArray(operations) && operations.length > 0)
      .map(([name, operations]) => `${name}: ${operations.join(', ')}`),
    // schemathesis's exit code says the same; without a report or with a non-zero exit, never 0.
    failures: finished && (exitCode === 0) === (failures === 0) ? failures : Math.max(failures, 1),
    output,
  };
}

export function fuzzLine(result: FuzzResult): string {
  return `schemathesis: ${result.operations} operations, ${result.testCases} test cases, ${result.failures} failures`;
}

function runTool(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), RUN_LIMIT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

export async function apiFuzz(schemathesis: string, extraArgs: readonly string[] = []): Promise<FuzzResult> {
  const work = await mkdtemp(join(tmpdir(), 'task-api-fuzz-'));
  // The per-caller rate limit is the web ACL's, in front of the API: it would answer most of a fuzzing
  // run with 429 (documented, so no failure) and leave the functions untested.
  const stack = await startLocal({ port: 0, memory: true, quiet: true, limits: { rateLimit: false } });
  try {
    const tokens = Object.fromEntries(
      await Promise.all(
        USERS.map(
          async (name) =>
            [name, await localUserToken(stack, `${name}-${process.pid}@example.com`, PASSWORD, { admin: name === ADMIN })] as const,
        ),
      ),
    );
    const authFile = join(work, 'auth.json');
    await writeFile(authFile, wfcAuth(tokens), { mode: 0o600 });
    const reportFile = join(work, 'report.json');
    const { code, output } = await runTool(
      schemathesis,
      [
        '--config-file',
        FUZZ_CONFIG,
        'run',
        OPENAPI_PATH,
        '--url',
        stack.url,
        '--report',
        'json',
        '--report-json-path',
        reportFile,
        '--no-color',
        ...extraArgs,
      ],
      { ...process.env, TASK_API_FUZZ_AUTH_FILE: authFile },
    );
    const written = await readFile(reportFile, 'utf8').catch(() => '');
    if (!written.trim()) {
      throw new Error(
        `schemathesis wrote no report (exit ${code}${code === null ? `: stopped after ${RUN_LIMIT_MS / 60000} minutes` : ''}):\n${output.slice(-4000)}`,
      );
    }
    const report = JSON.parse(written);
    return summarize(report, code, output);
  } finally {
    await stack.stop();
    await rm(work, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await withTool('api fuzzing', 'schemathesis', async (path) => {
    const result = await apiFuzz(path, process.argv.slice(2));
    console.log(result.output.trimEnd());
    for (const warning of result.warnings) console.log(`schemathesis warning ${warning}`);
    console.log(fuzzLine(result));
    if (result.failures > 0) process.exitCode = 1;
  });
}

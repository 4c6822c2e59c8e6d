/**
 * `make api-lint`: docs/openapi.json through two linters no one here wrote, Spectral (`spectral:oas`,
 * .spectral.yaml) and Redocly (`recommended`, redocly.yaml). Zero errors and zero warnings; a rule that
 * does not fit is turned off in its config with the reason above it. Last line:
 * `api-lint: spectral <n> problems, redocly <n> problems`.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../infra/config.ts';

const run = promisify(execFile);
const BIN = join(REPO_ROOT, 'node_modules', '.bin');
const DOCUMENT = 'docs/openapi.json';

export interface LintResult {
  /** One line per problem: `<linter> <severity> <rule> <where>: <message>`. */
  problems: string[];
  spectral: number;
  redocly: number;
}

/** Runs a linter that exits non-zero when it finds problems, and returns its stdout either way. */
async function output(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  try {
    return (await run(join(BIN, command), args, { cwd: REPO_ROOT, env, maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    if (stdout?.trim()) return stdout;
    throw new Error(`${command} failed: ${stderr ?? String(error)}`);
  }
}

const SPECTRAL_SEVERITY = ['error', 'warning', 'info', 'hint'];

async function spectral(document: string): Promise<string[]> {
  // --fail-severity hint: every finding counts, not only errors.
  const report = JSON.parse(await output('spectral', ['lint', document, '--format', 'json', '--fail-severity', 'hint', '--quiet']));
  return (report as Array<{ code: string; severity: number; path: string[]; message: string }>).map(
    (problem) => `spectral ${SPECTRAL_SEVERITY[problem.severity]} ${problem.code} #/${problem.path.join('/')}: ${problem.message}`,
  );
}

async function redocly(document: string): Promise<string[]> {
  // Offline and quiet: no usage telemetry, no update check.
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
  const report = JSON.parse(await output('redocly', ['lint', document, '--format', 'json'], env));
  return (report.problems as Array<{ ruleId: string; severity: string; message: string; location: Array<{ pointer: string }> }>).map(
    (problem) => `redocly ${problem.severity} ${problem.ruleId} ${problem.location[0]?.pointer ?? ''}: ${problem.message}`,
  );
}

/** Both linters on `document` (a path from the repository root), with the repository's configs. */
export async function apiLint(document = DOCUMENT): Promise<LintResult> {
  const [fromSpectral, fromRedocly] = await Promise.all([spectral(document), redocly(document)]);
  return { problems: [...fromSpectral, ...fromRedocly], spectral: fromSpectral.length, redocly: fromRedocly.length };
}

export function lintLine(result: LintResult): string {
  return `api-lint: spectral ${result.spectral} problems, redocly ${result.redocly} problems`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await apiLint();
  for (const problem of result.problems) console.log(problem);
  console.log(lintLine(result));
  process.exit(result.problems.length === 0 ? 0 : 1);
}

/**
 * `make policy`: checkov (pinned in requirements-tools.txt) on what this project deploys — the
 * synthesized dev and prod stacks (its terraform_json framework reads cdk.tf.json) and their offline
 * plans as JSON (terraform_plan). Zero failed checks; every skipped check is listed once, with its reason,
 * in .checkov.yaml. Last line: `checkov: <P> passed, 0 failed, <S> skipped`.
 *
 *   npm run policy [-- --keep]
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { REPO_ROOT, type Stage, STAGES } from '../infra/config.ts';
import { ensureDist } from './dist.ts';
import { PROD_EXAMPLE_ENV, removeDir, synthStack } from './rehearsal/stage.ts';
import { withTool } from './rehearsal/tools.ts';
import { findPluginDir, terraform } from './terraform.ts';

export const CHECKOV_CONFIG = join(REPO_ROOT, '.checkov.yaml');

export interface PolicyResult {
  passed: number;
  failed: number;
  skipped: number;
  failures: string[];
  parsingErrors: string[];
}

/**
 * cdk.tf.json as checkov's terraform_json parser can read it. checkov 3.3 fails on the string
 * `terraform.required_version` ("this method receives only dicts") and then scans nothing, so the scanned
 * copy leaves that one setting out; it names a Terraform version, not a resource, and no check reads it.
 */
export function scannableStack(json: string): string {
  const stack = JSON.parse(json);
  delete stack.terraform?.required_version;
  return `${JSON.stringify(stack, null, 2)}\n`;
}

/** The offline plan of a synthesized stack as JSON (mock credentials, the provider mirror, no refresh). */
async function offlinePlanJson(stackDir: string): Promise<string> {
  const mirror = findPluginDir();
  await terraform(stackDir, ['init', '-input=false', '-no-color', ...(mirror ? [`-plugin-dir=${mirror}`] : [])]);
  await terraform(stackDir, ['plan', '-input=false', '-no-color', '-refresh=false', '-lock=false', '-out=tfplan']);
  return (await terraform(stackDir, ['show', '-json', 'tfplan'])).stdout;
}

/** Synthesizes and plans both stages into `scanDir/<stage>/{cdk.tf.json,tfplan.json}`. */
export async function prepareScan(work: string, scanDir: string, stages: readonly Stage[] = STAGES): Promise<void> {
  const distDir = ensureDist();
  await Promise.all(
    stages.map(async (stage) => {
      const env = {
        STAGE: stage,
        TASK_API_OFFLINE: 'true',
        DIST_DIR: distDir,
        AWS_REGION: 'eu-west-1',
        ...(stage === 'prod' ? PROD_EXAMPLE_ENV : {}),
      };
      const { stackDir } = synthStack(env, join(work, stage));
      const target = join(scanDir, stage);
      mkdirSync(target, { recursive: true });
      writeFileSync(join(target, 'cdk.tf.json'), scannableStack(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')));
      writeFileSync(join(target, 'tfplan.json'), await offlinePlanJson(stackDir));
    }),
  );
}

// biome-ignore lint/suspicious/noExplicitAny: checkov's JSON report is untyped
export function summarize(report: any): PolicyResult {
  const reports = Array.isArray(report) ? report : [report];
  const result: PolicyResult = { passed: 0, failed: 0, skipped: 0, failures: [], parsingErrors: [] };
  for (const part of reports) {
    result.passed += part.summary?.passed ?? 0;
    result.failed += part.summary?.failed ?? 0;
    result.skipped += part.summary?.skipped ?? 0;
    result.parsingErrors.push(...(part.results?.parsing_errors ?? []));
    for (const failed of part.results?.failed_checks ?? []) {
      result.failures.push(`${part.check_type}: ${failed.check_id} ${failed.check_name} — ${failed.resource} (${failed.file_path})`);
    }
  }
  return result;
}

/** The checks .checkov.yaml skips (each listed once, with its reason beside it). */
export function skippedChecks(config = readFileSync(CHECKOV_CONFIG, 'utf8')): string[] {
  return [...config.matchAll(/^\s+-\s+(CKV\w+)\s*$/gm)].map((match) => match[1] as string);
}

/** Runs checkov on the prepared folder with the project's configuration; returns its totals. */
export async function runCheckov(checkov: string, scanDir: string): Promise<PolicyResult> {
  const args = [
    '--config-file',
    CHECKOV_CONFIG,
    '--directory',
    scanDir,
    '--framework',
    'terraform_json',
    'terraform_plan',
    '--output',
    'json',
    '--compact',
    '--quiet',
    // Offline and deterministic: no policy or guideline downloads, no platform calls.
    '--skip-download',
  ];
  const run = promisify(execFile);
  let stdout = '';
  try {
    ({ stdout } = await run(checkov, args, { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, BC_SKIP_MAPPING: 'TRUE' } }));
  } catch (error) {
    // checkov exits 1 when a check fails; its report is still on stdout.
    stdout = (error as { stdout?: string }).stdout ?? '';
    if (!stdout.trim().startsWith('{') && !stdout.trim().startsWith('[')) throw error;
  }
  const result = summarize(JSON.parse(stdout));
  // checkov does not run (or count) a check its configuration skips: the skipped ones are the listed ones.
  result.skipped += skippedChecks().length;
  return result;
}

export async function policy(keep = false): Promise<PolicyResult | undefined> {
  const work = mkdtempSync(join(tmpdir(), 'task-api-policy-'));
  let result: PolicyResult | undefined;
  try {
    await withTool('policy gate (checkov)', 'checkov', async (checkov) => {
      const scanDir = join(work, 'scan');
      await prepareScan(join(work, 'synth'), scanDir);
      result = await runCheckov(checkov, scanDir);
    });
    return result;
  } finally {
    if (keep) console.log(`  work folder kept: ${work}`);
    else removeDir(work);
  }
}

export function policyLine(result: PolicyResult): string {
  return `checkov: ${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { keep: { type: 'boolean' } } });
  policy(values.keep)
    .then((result) => {
      if (!result) return;
      for (const failure of result.failures) console.log(`  FAILED ${failure}`);
      for (const error of result.parsingErrors) console.log(`  PARSING ERROR ${error}`);
      console.log(policyLine(result));
      if (result.failed > 0 || result.parsingErrors.length > 0 || result.passed === 0) process.exitCode = 1;
    })
    .catch((error: Error) => {
      console.error(`policy failed: ${error.message}`);
      process.exitCode = 1;
    });
}

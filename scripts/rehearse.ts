/**
 * `make rehearse`: the deploy path, applied to an AWS emulator. moto's server stands in for AWS on
 * loopback; the dev and the prod stack are synthesized from the real zips with the provider pointed at it
 * (rehearsal mode only), then for each: terraform apply -> the design checked through the AWS SDK ->
 * after a second `npm run build` with no source change, a re-plan (refreshed from moto) that must show no
 * changes -> destroy (prod: after a deploy with DELETION_PROTECTION=false, as the README tells a user
 * to). State lives in an S3 bucket in moto, as the README's S3 backend.
 *
 * One re-plan proves both that an apply leaves nothing to do and that a rebuild changes nothing: any drift
 * after the apply, and any zip whose bytes changed, shows in it (a zip as its function's source_code_hash),
 * and each terraform command costs this 2-core machine half a minute.
 *
 *   npm run rehearse [-- --stage dev|prod] [--keep]     (--keep: leave the work folder for inspection)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { CreateBucketCommand, PutBucketVersioningCommand, S3Client } from '@aws-sdk/client-s3';
import { REPO_ROOT, STAGES, type Stage } from '../infra/config.ts';
import { checkDeployedDesign, clientConfig, type StackOutputs } from './rehearsal/checks.ts';
import { type Moto, startMoto } from './rehearsal/moto.ts';
import { REHEARSAL_REGION, REHEARSAL_STATE_BUCKET, removeDir, stageEnv, synthStack } from './rehearsal/stage.ts';
import { withTool } from './rehearsal/tools.ts';
import { findPluginDir, findTerraform, terraform } from './terraform.ts';

export interface StageResult {
  stage: Stage;
  applied: number;
  checks: number;
}

/**
 * `npm run build`: the real zips, exactly as `make build` writes them, into the rehearsal's own folder
 * (a developer's dist/, and suites reading it meanwhile, are left alone).
 */
export function build(distDir: string): void {
  execFileSync('npm', ['run', '--silent', 'build', '--', '--out-dir', distDir], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Each stage's stacks sit in <work>/<stage>; the zips both stages deploy in <work>/dist. */
const distDirOf = (outdir: string) => join(dirname(outdir), 'dist');

/** The one-time set-up the README asks of a user: a versioned bucket for the Terraform state. */
export async function createStateBucket(endpoint: string, bucket = REHEARSAL_STATE_BUCKET): Promise<void> {
  const s3 = new S3Client({ ...clientConfig(endpoint, REHEARSAL_REGION), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: REHEARSAL_REGION } }));
  await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }));
}

function initArgs(): string[] {
  const mirror = findPluginDir();
  return ['init', '-input=false', '-no-color', ...(mirror ? [`-plugin-dir=${mirror}`] : [])];
}

/** `terraform plan -detailed-exitcode` must say "no changes" (exit 0); anything else fails with the plan. */
async function expectNoChanges(stackDir: string, label: string): Promise<void> {
  const args = ['plan', '-detailed-exitcode', '-input=false', '-no-color'];
  const plan = await terraform(stackDir, args, {}, [0, 2]);
  if (plan.code === 2) {
    const changes = plan.stdout.split('\n').filter((line) => /^\s+# |^Plan: /.test(line));
    throw new Error(`${label}: the re-plan is not empty:\n${changes.join('\n')}`);
  }
}

async function outputsOf(stackDir: string): Promise<StackOutputs> {
  const raw = JSON.parse((await terraform(stackDir, ['output', '-json', '-no-color'])).stdout) as Record<string, { value: string }>;
  return Object.fromEntries(Object.entries(raw).map(([name, output]) => [name, output.value])) as unknown as StackOutputs;
}

/** Applies one stage and checks the design against what was deployed. Returns the resources applied. */
export async function applyAndCheck(stage: Stage, moto: Moto, outdir: string, log: (line: string) => void): Promise<StageResult> {
  const { config, stackDir } = synthStack(stageEnv(stage, moto.endpoint, { DIST_DIR: distDirOf(outdir) }), outdir);
  await terraform(stackDir, initArgs());
  const apply = await terraform(stackDir, ['apply', '-auto-approve', '-input=false', '-no-color']);
  const applied = Number(apply.stdout.match(/Resources: (\d+) added/)?.[1] ?? Number.NaN);
  log(`applied ${applied} resources`);
  const checks = await checkDeployedDesign(config, await outputsOf(stackDir), moto.endpoint);
  log(`design: ${checks} checks passed`);
  return { stage, applied, checks };
}

/**
 * After the apply and a rebuild with no source change: the stack re-synthesized from the new zips, planned
 * against the state refreshed from moto, must show no changes (the apply left nothing to do, and the zips
 * are the same bytes).
 */
export async function replanAfterRebuild(stage: Stage, moto: Moto, outdir: string, log: (line: string) => void): Promise<void> {
  const { stackDir } = synthStack(stageEnv(stage, moto.endpoint, { DIST_DIR: distDirOf(outdir) }), outdir);
  await expectNoChanges(stackDir, `${stage} after apply and a second make build`);
  log('re-plan after apply and a second build: no changes');
}

/** Destroy, as the README says: prod first deploys with its deletion protection off. */
export async function destroy(stage: Stage, moto: Moto, outdir: string, log: (line: string) => void): Promise<void> {
  const unprotected = synthStack(stageEnv(stage, moto.endpoint, { DELETION_PROTECTION: 'false', DIST_DIR: distDirOf(outdir) }), outdir);
  if (stage === 'prod') {
    await terraform(unprotected.stackDir, ['apply', '-auto-approve', '-input=false', '-no-color']);
    log('deletion protection turned off (DELETION_PROTECTION=false deploy)');
  }
  await terraform(unprotected.stackDir, ['destroy', '-auto-approve', '-input=false', '-no-color']);
  log('destroyed');
}

export async function rehearse(stages: readonly Stage[], keep = false): Promise<StageResult[]> {
  if (!findTerraform()) throw new Error('terraform is not installed (https://developer.hashicorp.com/terraform/install)');
  const work = mkdtempSync(join(tmpdir(), 'task-api-rehearsal-'));
  let moto: Moto | undefined;
  try {
    console.log('▶ rehearsal: npm run build');
    build(join(work, 'dist'));
    let results: StageResult[] = [];
    await withTool('deploy rehearsal', 'moto_server', async (motoServer) => {
      const emulator = await startMoto(motoServer);
      moto = emulator;
      console.log(`▶ rehearsal: moto on ${emulator.endpoint}; ${stages.join(', ')} in parallel`);
      await createStateBucket(emulator.endpoint);
      const logOf = (stage: Stage) => (line: string) => console.log(`  [${stage}] ${line}`);
      // Every apply settles before the second build rewrites the zips the stacks point at.
      results = await allOrFirstError(stages.map((stage) => applyAndCheck(stage, emulator, join(work, stage), logOf(stage))));
      build(join(work, 'dist'));
      await allOrFirstError(
        stages.map(async (stage) => {
          await replanAfterRebuild(stage, emulator, join(work, stage), logOf(stage));
          await destroy(stage, emulator, join(work, stage), logOf(stage));
        }),
      );
    });
    return results;
  } finally {
    await moto?.stop();
    if (keep) console.log(`  work folder kept: ${work}`);
    else removeDir(work);
  }
}

/** Promise.all that waits for every promise (no terraform left running) before failing with the first error. */
async function allOrFirstError<T>(promises: Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<T>).value);
}

export function summaryLine(results: StageResult[]): string {
  const total = results.reduce((sum, result) => sum + result.applied, 0);
  return `rehearsal: ${total} resources applied (${results.map((result) => result.stage).join(', ')}), 0 changes on re-plan, destroyed`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { stage: { type: 'string', multiple: true }, keep: { type: 'boolean' } } });
  const stages = (values.stage ?? [...STAGES]) as Stage[];
  for (const stage of stages)
    if (!(STAGES as readonly string[]).includes(stage)) throw new Error(`--stage must be one of ${STAGES.join(', ')}`);
  const started = Date.now();
  rehearse(stages, values.keep)
    .then((results) => {
      if (results.length === 0) return;
      console.log(`  (${((Date.now() - started) / 1000).toFixed(0)} s)`);
      console.log(summaryLine(results));
    })
    .catch((error: Error) => {
      console.error(`rehearsal failed: ${error.message}`);
      process.exitCode = 1;
    });
}

/**
 * Where terraform and the offline provider mirror are, and how this project runs terraform: no
 * checkpoint calls, no interactive prompts, no user CLI configuration. Shared by the infra tests, the
 * deploy rehearsal and the policy gate; scripts/plan.sh follows the same rules.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PINNED_AWS_PROVIDER_VERSION, REPO_ROOT } from '../infra/config.ts';

/** Every terraform this project starts runs with these: offline-safe and non-interactive. */
export const TERRAFORM_ENV = { CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_INPUT: '0', TF_CLI_CONFIG_FILE: '/dev/null' };

/** terraform on PATH (or $TERRAFORM), or undefined. */
export function findTerraform(): string | undefined {
  const candidates = [process.env.TERRAFORM, 'terraform'].filter((candidate): candidate is string => Boolean(candidate));
  for (const candidate of candidates) {
    try {
      execFileSync(candidate, ['version'], { stdio: 'ignore', env: { ...process.env, ...TERRAFORM_ENV } });
      return candidate;
    } catch {}
  }
  return undefined;
}

/**
 * The local provider mirror holding the pinned hashicorp/aws: $TF_PLUGIN_DIR, else the usual places.
 * A folder that does not hold the provider is no mirror (same rules as scripts/plan.sh).
 */
export function findPluginDir(): string | undefined {
  const candidates = [
    process.env.TF_PLUGIN_DIR,
    '/opt/tf-plugins',
    join(REPO_ROOT, '.tf-plugins'),
    join(process.env.HOME ?? '', '.terraform.d', 'plugins'),
    '/usr/share/terraform/plugins',
  ];
  for (const dir of candidates) {
    if (!dir) continue;
    const versions = join(dir, 'registry.terraform.io', 'hashicorp', 'aws');
    // Unpacked layout (5.100.0/linux_amd64/...) or packed (`terraform providers mirror`: terraform-provider-aws_5.100.0_*.zip).
    const pinned = PINNED_AWS_PROVIDER_VERSION;
    if (
      existsSync(versions) &&
      readdirSync(versions).some((entry) => entry === pinned || entry.startsWith(`terraform-provider-aws_${pinned}_`))
    ) {
      return dir;
    }
  }
  return undefined;
}

export interface TerraformRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs terraform in `cwd`; resolves with its exit code and output (never throws on a non-zero exit). */
export function runTerraform(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<TerraformRun> {
  const terraform = findTerraform() ?? 'terraform';
  return new Promise((resolve, reject) => {
    const child = spawn(terraform, args, { cwd, env: { ...process.env, ...env, ...TERRAFORM_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
  });
}

/** runTerraform that fails with terraform's own output unless the exit code is one of `accept`. */
export async function terraform(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}, accept: number[] = [0]): Promise<TerraformRun> {
  const run = await runTerraform(cwd, args, env);
  if (!accept.includes(run.code)) {
    throw new Error(`terraform ${args.join(' ')} failed (exit ${run.code}):\n${run.stderr.trim()}\n${run.stdout.trim().slice(-4000)}`);
  }
  return run;
}

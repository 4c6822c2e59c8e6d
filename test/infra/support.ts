/**
 * Shared set-up for the infra suites: the bundles the stack needs, a synthesized stack, and where
 * terraform and the provider mirror are.
 */
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { type InfraConfig, loadConfig, REPO_ROOT } from '../../infra/config.ts';
import { TaskApiStack } from '../../infra/stack.ts';
import { handlerNames } from '../../scripts/bundle.ts';

const handlers = handlerNames();
let distDir: string | undefined;

/** `dist/` with `<handler>.zip` for every route, built once with `npm run build` when it is incomplete. */
export function ensureDist(): string {
  if (distDir) return distDir;
  const dist = join(REPO_ROOT, 'dist');
  const complete = () => handlers.every((handler) => existsSync(join(dist, `${handler}.zip`)));
  if (!complete()) execSync('npm run build', { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (!complete()) throw new Error('npm run build did not produce a zip for every route');
  distDir = dist;
  return dist;
}

/** The configuration the suites use: the defaults of `stage`, plus whatever a test overrides. */
export function testConfig(env: NodeJS.ProcessEnv = {}): InfraConfig {
  const dist = ensureDist();
  return loadConfig({ DIST_DIR: dist, AWS_REGION: 'eu-west-1', ...env });
}

export interface Synthesized {
  /** The stack's Terraform JSON, as Testing.synth returns it (for Testing.toHave*). */
  json: string;
  // biome-ignore lint/suspicious/noExplicitAny: the synthesized Terraform JSON is untyped by nature
  tf: any;
}

export function synthStack(env: NodeJS.ProcessEnv = {}): Synthesized {
  const config = testConfig(env);
  const app = Testing.app();
  const stack = new TaskApiStack(app, config.prefix, { config });
  const json = Testing.synth(stack);
  return { json, tf: JSON.parse(json) };
}

/** Every resource of one type: [construct path name, config]. */
// biome-ignore lint/suspicious/noExplicitAny: see Synthesized.tf
export function resourcesOf(tf: any, type: string): Array<[string, any]> {
  return Object.entries(tf.resource?.[type] ?? {});
}

export const inCi = () => process.env.CI === 'true';

export { findPluginDir, findTerraform } from '../../scripts/terraform.ts';

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  mkdirSync(dir, { recursive: true });
  return dir;
}

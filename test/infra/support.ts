/**
 * Shared set-up for the infra suites: the bundles the stack needs, a synthesized stack, and where
 * terraform and the provider mirror are.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, Testing } from 'cdktf';
import { type InfraConfig, loadConfig } from '../../infra/config.ts';
import { TaskApiStack } from '../../infra/stack.ts';
import { ensureDist } from '../../scripts/dist.ts';
import { PROD_EXAMPLE_ENV } from '../../scripts/rehearsal/stage.ts';

export { ensureDist } from '../../scripts/dist.ts';

/** The configuration the suites use: the defaults of `stage`, plus whatever a test overrides. */
export function testConfig(env: NodeJS.ProcessEnv = {}): InfraConfig {
  const dist = ensureDist();
  return loadConfig({ DIST_DIR: dist, AWS_REGION: 'eu-west-1', ...env });
}

let appOutdir: string | undefined;
/**
 * Testing.app(), in one folder per test process that is removed when the process exits: left to itself,
 * each call makes a `cdktf.outdir.*` folder in the temp folder and never removes it (1,300 after a day here).
 */
export function testApp(): App {
  if (!appOutdir) {
    const dir = mkdtempSync(join(tmpdir(), 'task-api-cdktf-app-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    appOutdir = dir;
  }
  return Testing.app({ outdir: appOutdir });
}

/** A valid prod configuration: what prod requires, with the README's example values. */
export const PROD_ENV = { STAGE: 'prod', ...PROD_EXAMPLE_ENV };

export interface Synthesized {
  /** The stack's Terraform JSON, as Testing.synth returns it (for Testing.toHave*). */
  json: string;
  // biome-ignore lint/suspicious/noExplicitAny: the synthesized Terraform JSON is untyped by nature
  tf: any;
}

export function synthStack(env: NodeJS.ProcessEnv = {}): Synthesized {
  const config = testConfig(env);
  const app = testApp();
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

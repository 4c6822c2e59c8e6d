/**
 * The synthesized stack through terraform itself, offline: `init` from the local provider mirror,
 * `validate`, and `plan -refresh=false` with mock credentials. Skips (with the reason) where terraform
 * or the mirror is missing — except in CI (CI=true), where that is a failure.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { routes } from '../../functions/routes.ts';
import { TaskApiStack } from '../../infra/stack.ts';
import { TERRAFORM_ENV } from '../../scripts/terraform.ts';
import { findPluginDir, findTerraform, inCi, tempDir, testApp, testConfig } from './support.ts';

const terraform = findTerraform();
const pluginDir = findPluginDir();
const missing = !terraform
  ? 'terraform is not installed (set $TERRAFORM or put it on PATH)'
  : !pluginDir
    ? 'no provider mirror with hashicorp/aws 5.100.0 (set $TF_PLUGIN_DIR; looked in /opt/tf-plugins, ~/.terraform.d/plugins)'
    : undefined;

if (missing && !inCi()) {
  console.log(`  skipping terraform validate/plan: ${missing}`);
} else {
  test('terraform is available (CI must not skip the offline plan)', () => {
    assert.not.ok(missing, missing);
  });
}

const runnable = !missing;
let workDir = '';

function tf(args: string[]): string {
  return execFileSync(terraform as string, args, {
    cwd: workDir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...TERRAFORM_ENV, TF_PLUGIN_CACHE_DIR: '' },
  });
}

function run(args: string[]): string {
  try {
    return tf(args);
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`terraform ${args.join(' ')} failed:\n${stderr ?? ''}\n${stdout ?? ''}`);
  }
}

if (runnable) {
  test.before(() => {
    const config = testConfig({ TASK_API_OFFLINE: 'true' });
    const app = testApp();
    const stack = new TaskApiStack(app, config.prefix, { config });
    const outdir = Testing.fullSynth(stack);
    workDir = tempDir('task-api-plan-');
    cpSync(join(outdir, 'stacks', config.prefix), workDir, { recursive: true });
    rmSync(outdir, { recursive: true, force: true });
    run(['init', '-input=false', '-no-color', `-plugin-dir=${pluginDir}`]);
  });

  test.after(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  test('terraform validate accepts the synthesized stack', () => {
    const result = JSON.parse(run(['validate', '-json', '-no-color']));
    assert.is(result.valid, true, JSON.stringify(result.diagnostics));
    assert.is(result.error_count, 0);
  });

  test('an offline terraform plan creates the whole stack and nothing else', () => {
    run(['plan', '-input=false', '-no-color', '-refresh=false', '-lock=false', '-out=tfplan']);
    const plan = JSON.parse(run(['show', '-json', 'tfplan']));
    const changes: Array<{ type: string; change: { actions: string[] } }> = plan.resource_changes;
    const created = changes.filter((change) => change.change.actions.join() === 'create');
    assert.is(created.length, changes.length, 'a fresh plan only creates');
    const count = (type: string) => created.filter((change) => change.type === type).length;
    assert.is(count('aws_lambda_function'), routes.length);
    assert.is(count('aws_lambda_permission'), routes.length);
    assert.is(count('aws_iam_role'), routes.length + 1);
    assert.is(count('aws_dynamodb_table'), 1);
    assert.is(count('aws_cognito_user_pool'), 1);
    assert.is(count('aws_api_gateway_stage'), 1);
    assert.is(count('aws_api_gateway_method'), routes.length + 4, 'route methods plus one OPTIONS per resource');
    assert.is(count('aws_wafv2_web_acl'), 1);
    assert.is(count('aws_wafv2_web_acl_association'), 1);
    assert.is(count('aws_wafv2_web_acl_logging_configuration'), 1);
    assert.is(count('aws_api_gateway_gateway_response'), 6, 'DEFAULT_4XX/5XX, UNAUTHORIZED, ACCESS_DENIED, THROTTLED, WAF_FILTERED');
    console.log(`  offline plan: ${created.length} resources to create`);
    assert.ok(created.length >= 80, `only ${created.length} resources planned`);
  });
}

test.run();

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../infra/config.ts';

// biome-ignore lint/suspicious/noExplicitAny: workflow files are untyped YAML
const load = (name: string): any =>
  parse(readFileSync(join(REPO_ROOT, '.github', 'workflows', name), 'utf8'), { strict: true, uniqueKeys: true });
const makeTargets = new Set([...readFileSync(join(REPO_ROOT, 'Makefile'), 'utf8').matchAll(/^([a-z-]+):/gm)].map((match) => match[1]));
// biome-ignore lint/suspicious/noExplicitAny: see load
const steps = (job: any): any[] => job.steps ?? [];
// biome-ignore lint/suspicious/noExplicitAny: see load
const runs = (job: any) => steps(job).map((step) => String(step.run ?? ''));

const pr = load('pull-request.yml');
const deploy = load('deploy.yml');

test('the pull-request workflow builds, tests with CI=true and synthesizes', () => {
  assert.ok(pr.on.pull_request);
  const commands = runs(pr.jobs.test);
  for (const expected of ['npm ci', 'npm run build', 'npm test', 'npx cdktf synth']) assert.ok(commands.includes(expected), expected);
  assert.is(steps(pr.jobs.test).find((step) => step.run === 'npm test').env.CI, 'true');
  assert.ok(
    commands.some((command) => command.includes('scripts/infra-provider-mirror.sh')),
    'the offline plan tests need the mirror in CI',
  );
});

test('the plan job uses OIDC, plans and posts the plan as a PR comment', () => {
  const job = pr.jobs.plan;
  assert.is(job.needs, 'test');
  assert.is(job.permissions['id-token'], 'write');
  assert.is(job.permissions['pull-requests'], 'write');
  const credentials = steps(job).find((step) => String(step.uses).startsWith('aws-actions/configure-aws-credentials@'));
  assert.ok(credentials?.with['role-to-assume']);
  assert.ok(runs(job).some((command) => command.startsWith('make plan')));
  const comment = steps(job).find((step) => String(step.uses).startsWith('actions/github-script@'));
  assert.match(comment.with.script, "readFileSync('plan.txt'");
  assert.match(comment.with.script, 'createComment');
});

test('main deploys dev, plans prod for review, then applies exactly that saved plan behind the prod environment', () => {
  assert.equal(deploy.on.push.branches, ['main']);
  assert.is(deploy.jobs['deploy-dev'].needs, 'test');
  assert.is(deploy.jobs['plan-prod'].needs, 'deploy-dev');
  assert.is(deploy.jobs['deploy-prod'].needs, 'plan-prod');
  assert.is(deploy.jobs['deploy-prod'].environment, 'prod');
  assert.is(deploy.jobs['plan-prod'].env.STAGE, 'prod');
  assert.ok(runs(deploy.jobs['deploy-dev']).includes('make deploy AUTO_APPROVE=1'));
  assert.ok(runs(deploy.jobs['plan-prod']).some((command) => command.startsWith('make plan')));
  const prodRuns = runs(deploy.jobs['deploy-prod']);
  assert.ok(
    prodRuns.some((command) => command.includes('saved-plan.sh apply')),
    'prod applies the saved plan',
  );
  assert.not.ok(
    prodRuns.some((command) => /deploy|--auto-approve|-auto-approve/.test(command.replace('saved-plan.sh', ''))),
    'no fresh plan in prod',
  );
  for (const name of ['deploy-dev', 'plan-prod', 'deploy-prod']) assert.is(deploy.jobs[name].permissions['id-token'], 'write');
});

test('manual runs (workflow_dispatch) deploy main only: every job is guarded by the ref', () => {
  assert.ok('workflow_dispatch' in deploy.on);
  for (const [name, job] of Object.entries(deploy.jobs)) {
    assert.is((job as { if?: string }).if, "github.ref == 'refs/heads/main'", name);
  }
});

test('only the jobs that fill the provider mirror point TF_PLUGIN_DIR at it; plans never take the state lock', () => {
  for (const workflow of [pr, deploy]) {
    assert.not.ok(workflow.env?.TF_PLUGIN_DIR, 'a workflow-wide TF_PLUGIN_DIR names a folder most jobs never fill');
    for (const [name, job] of Object.entries(workflow.jobs) as Array<[string, { env?: Record<string, string> }]>) {
      const fills = runs(job).some((command) => command.includes('infra-provider-mirror.sh'));
      assert.is(Boolean(job.env?.TF_PLUGIN_DIR), fills, `${name}: TF_PLUGIN_DIR only where the mirror is filled`);
    }
    assert.is(workflow.env.CHECKPOINT_DISABLE, '1');
  }
  // Offline, cdktf and terraform would print "getaddrinfo ENOTFOUND checkpoint-api.hashicorp.com".
  assert.match(readFileSync(join(REPO_ROOT, 'Makefile'), 'utf8'), /^export CHECKPOINT_DISABLE := 1$/m);
  const plan = readFileSync(join(REPO_ROOT, 'scripts', 'plan.sh'), 'utf8');
  assert.match(plan, /plan_args=\(-input=false -no-color -lock=false -out=tfplan\)/);
});

test('no workflow holds long-lived AWS keys, and every make target they call exists', () => {
  for (const name of ['pull-request.yml', 'deploy.yml']) {
    const text = readFileSync(join(REPO_ROOT, '.github', 'workflows', name), 'utf8');
    assert.not.match(text, /AWS_SECRET_ACCESS_KEY|AWS_ACCESS_KEY_ID|aws-secret-access-key/);
    for (const match of text.matchAll(/\bmake ([a-z-]+)/g)) assert.ok(makeTargets.has(match[1] as string), `${name}: make ${match[1]}`);
    assert.is(load(name).permissions.contents, 'read', `${name}: read-only by default`);
  }
});

test.run();

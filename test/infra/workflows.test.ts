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

test('main deploys dev, then prod behind its environment, with make deploy', () => {
  assert.equal(deploy.on.push.branches, ['main']);
  assert.is(deploy.jobs['deploy-dev'].needs, 'test');
  assert.is(deploy.jobs['deploy-prod'].needs, 'deploy-dev');
  assert.is(deploy.jobs['deploy-prod'].environment, 'prod');
  assert.is(deploy.jobs['deploy-prod'].env.STAGE, 'prod');
  for (const name of ['deploy-dev', 'deploy-prod']) {
    assert.is(deploy.jobs[name].permissions['id-token'], 'write');
    assert.ok(runs(deploy.jobs[name]).includes('make deploy AUTO_APPROVE=1'));
  }
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

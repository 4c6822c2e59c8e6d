/**
 * The workflows, run for real: the PR workflow's plan job and the deploy workflow's jobs, each `run:`
 * step as written, in a fresh copy of the repository, with exactly the environment the workflow sets;
 * moto stands in for AWS (scripts/workflow-run.ts lists every action's local equivalent).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { routes } from '../../functions/routes.ts';
import { clientConfig } from '../../scripts/rehearsal/checks.ts';
import { type Moto, startMoto } from '../../scripts/rehearsal/moto.ts';
import { PROD_EXAMPLE_ENV, REHEARSAL_REGION, REHEARSAL_STATE_BUCKET } from '../../scripts/rehearsal/stage.ts';
import { toolOrSkip } from '../../scripts/rehearsal/tools.ts';
import { createStateBucket } from '../../scripts/rehearse.ts';
import { type Contexts, runJob } from '../../scripts/workflow-run.ts';

const motoServer = toolOrSkip('workflow runs against moto', 'moto_server');
let moto: Moto;
let runDir = '';
let artifactDir = '';
/** One run's `npm ci` installs: the first job's is real, the jobs after it get links to it. */
const npmInstalls = new Map<string, Promise<string>>();
const log = process.env.WORKFLOW_LOG ? (line: string) => console.log(`    ${line}`) : undefined;

/** Variables as the README asks a repository to set them (per environment where the job has one). */
const common = { AWS_REGION: REHEARSAL_REGION, TF_STATE_BUCKET: REHEARSAL_STATE_BUCKET };
const roles = { AWS_PLAN_ROLE_ARN: 'arn:aws:iam::123456789012:role/plan', AWS_DEPLOY_ROLE_ARN: 'arn:aws:iam::123456789012:role/deploy' };
const devVars = { ...common, ...roles };
const prodVars = { ...common, ...roles, ...PROD_EXAMPLE_ENV };
const main = { ref: 'refs/heads/main', event_name: 'push', repository: 'acme/task-api', event: {} };

const functionExists = async (name: string) => {
  try {
    await new LambdaClient(clientConfig(moto.endpoint, REHEARSAL_REGION)).send(new GetFunctionCommand({ FunctionName: name }));
    return true;
  } catch {
    return false;
  }
};

if (motoServer) {
  test.before(async () => {
    moto = await startMoto(motoServer);
    await createStateBucket(moto.endpoint);
    // One folder for the whole run (jobs' workspaces, runner temp, artifacts), removed afterwards.
    runDir = mkdtempSync(join(tmpdir(), 'workflow-run-'));
    artifactDir = join(runDir, 'artifacts');
    mkdirSync(artifactDir);
  });
  test.after(async () => {
    await moto?.stop();
    if (runDir) rmSync(runDir, { recursive: true, force: true });
  });

  /** A job of this run: its folder, artifacts, moto, log and `npm ci` installs are the run's. */
  const runInThisRun = (workflow: string, job: string, contexts: Contexts, needs?: Promise<unknown>) =>
    runJob({
      workflow,
      job,
      contexts,
      artifactDir,
      workDir: runDir,
      awsEndpoint: moto.endpoint,
      log,
      npmInstalls,
      ...(needs ? { needs } : {}),
    });

  test('deploy workflow: a manual run from another branch deploys nothing', async () => {
    const contexts: Contexts = { vars: prodVars, github: { ...main, ref: 'refs/heads/feature', event_name: 'workflow_dispatch' } };
    for (const job of ['test', 'deploy-dev', 'plan-prod', 'deploy-prod']) {
      const result = await runInThisRun('deploy.yml', job, contexts);
      assert.is(result.ran, false, job);
    }
  });

  /**
   * A pull request's plan, while a deploy holds the lock on the state it reads: its own bucket, so the
   * deploy chain below can run beside it (as the two workflows can on GitHub).
   */
  async function pullRequestPlan() {
    const bucket = 'task-api-pr-state';
    await createStateBucket(moto.endpoint, bucket);
    const s3 = new S3Client({ ...clientConfig(moto.endpoint, REHEARSAL_REGION), forcePathStyle: true });
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'task-api/dev/terraform.tfstate.tflock', Body: '{"ID":"a-running-deploy"}' }),
    );
    const contexts: Contexts = {
      vars: { ...devVars, TF_STATE_BUCKET: bucket, DEV_ALLOWED_ORIGINS: 'http://localhost:3000' },
      github: {
        ref: 'refs/pull/7/merge',
        event_name: 'pull_request',
        repository: 'acme/task-api',
        event: { pull_request: { number: 7, head: { repo: { full_name: 'acme/task-api' } } } },
      },
    };
    return runInThisRun('pull-request.yml', 'plan', contexts);
  }

  /** Each job after the one it needs (its checkout and `npm ci` may run ahead: see RunOptions.needs). */
  async function deployChain() {
    const run = (job: string, vars: Record<string, string>, needs?: Promise<unknown>) =>
      runInThisRun('deploy.yml', job, { vars, github: main }, needs);
    const dev = run('deploy-dev', devVars).then(async (result) => ({
      result,
      functions: await Promise.all(routes.map((route) => functionExists(`task-api-dev-${route.handler}`))),
    }));
    const plan = run('plan-prod', prodVars, dev).then(async (result) => ({
      result,
      prodBeforeApply: await functionExists(`task-api-prod-${routes[0]?.handler}`),
    }));
    const apply = run('deploy-prod', prodVars, plan);
    // A failed job fails the chain once: the jobs waiting on it stop there too.
    const [devDone, planDone, applied] = await Promise.all([dev, plan, apply]);
    const prodFunctions = await Promise.all(routes.map((route) => functionExists(`task-api-prod-${route.handler}`)));
    return {
      dev: devDone.result,
      devFunctions: devDone.functions,
      plan: planDone.result,
      prodBeforeApply: planDone.prodBeforeApply,
      apply: applied,
      prodFunctions,
    };
  }

  test('PR plan job (state locked by a deploy) posts its plan; deploy-dev -> plan-prod -> deploy-prod apply to moto', async () => {
    const [pr, deploy] = await Promise.all([pullRequestPlan(), deployChain()]);

    assert.ok(pr.ran);
    assert.is(pr.comments.length, 1, 'one comment posted');
    const [body] = pr.comments as [string];
    assert.ok(body.startsWith('<!-- cdktf-plan -->\n### cdktf plan (dev)\nPlan: '), body.slice(0, 200));
    assert.match(body, /Plan: \d+ to add, 0 to change, 0 to destroy\./);
    assert.match(
      body,
      /<details><summary>Full plan<\/summary>\n\n```\n[\s\S]*# aws_api_gateway_rest_api\.api_rest-api_\w+ will be created/,
    );
    assert.ok(body.length < 61_000, 'GitHub comments are limited: a long plan is cut, its summary line kept');

    assert.ok(deploy.dev.ran);
    assert.ok(deploy.devFunctions.every(Boolean), 'make deploy created every dev function');
    assert.match(deploy.plan.stepSummary, /### Plan for task-api-prod\nPlan: \d+ to add, 0 to change, 0 to destroy\./);
    assert.not.ok(deploy.prodBeforeApply, 'planning applies nothing');
    assert.ok(deploy.apply.ran);
    assert.ok(deploy.prodFunctions.every(Boolean), 'the saved plan created every prod function');
  });
}

test.run();

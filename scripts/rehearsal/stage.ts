/**
 * One rehearsed stage: its configuration (the same environment variables a user or CI sets) and its
 * synthesized stack in a folder of its own (in rehearsal mode, which leaves out the moto gaps).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'cdktf';
import { type InfraConfig, loadConfig, type Stage } from '../../infra/config.ts';
import { stackName, TaskApiStack } from '../../infra/stack.ts';

/** What prod requires (origins, OAuth URLs): example values, as the README's Deploy section shows them. */
export const PROD_EXAMPLE_ENV = {
  ALLOWED_ORIGINS: 'https://app.example.com',
  AUTH_CALLBACK_URLS: 'https://app.example.com/callback',
  AUTH_LOGOUT_URLS: 'https://app.example.com/',
  ALARM_EMAIL: 'ops@example.com',
};

export const REHEARSAL_REGION = 'eu-west-1';
/** The state bucket the rehearsal creates in moto first, as the README tells a user to create theirs. */
export const REHEARSAL_STATE_BUCKET = 'task-api-rehearsal-state';

export function stageEnv(stage: Stage, endpoint: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    STAGE: stage,
    AWS_REGION: REHEARSAL_REGION,
    TASK_API_REHEARSAL_ENDPOINT: endpoint,
    TF_STATE_BUCKET: REHEARSAL_STATE_BUCKET,
    ...(stage === 'prod' ? PROD_EXAMPLE_ENV : {}),
    ...extra,
  };
}

export interface SynthesizedStage {
  config: InfraConfig;
  stackDir: string;
}

/**
 * Synthesizes a stack exactly as `infra/main.ts` does (one App, one TaskApiStack) into `outdir`. The
 * `.terraform` folder of an earlier synth is kept. With TASK_API_REHEARSAL_ENDPOINT in `env` the stack
 * leaves out the moto gaps (scripts/rehearsal/moto-gaps.ts) itself.
 */
export function synthStack(env: Record<string, string>, outdir: string): SynthesizedStage {
  const config = loadConfig(env);
  mkdirSync(outdir, { recursive: true });
  const app = new App({ outdir });
  const name = stackName(config);
  new TaskApiStack(app, name, { config });
  app.synth();
  return { config, stackDir: join(outdir, 'stacks', name) };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

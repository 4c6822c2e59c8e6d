/**
 * Runs one job of a GitHub Actions workflow here, as written: every `run:` step in order, in a fresh copy
 * of the repository, with exactly the environment the workflow sets (workflow, job and step `env`, the
 * runner's defaults, GITHUB_ENV / GITHUB_STEP_SUMMARY files), `${{ }}` expressions evaluated from the
 * given contexts. Actions are replaced by their local equivalents:
 *   actions/checkout                  the fresh copy (what git tracks or would track, as in a clone)
 *   actions/setup-node, setup-python  this machine's node and python3
 *   hashicorp/setup-terraform         this machine's terraform; the provider mirror stands in for the registry
 *   aws-actions/configure-aws-credentials   moto's test credentials; every AWS endpoint on the emulator
 *   actions/github-script             the script itself, with a recording stand-in for the GitHub API
 *   actions/upload-artifact, download-artifact   a folder shared by the jobs of one run
 * Any other action fails the run: a workflow may not use what this cannot reproduce. One `run:` step may
 * be spared: a job's `npm ci` that would install what an earlier job of the run installed (RunOptions.npmInstalls).
 */
import { createHash } from 'node:crypto';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { REPO_ROOT } from '../infra/config.ts';
import { findPluginDir } from './terraform.ts';

// biome-ignore lint/suspicious/noExplicitAny: workflow files and their contexts are untyped YAML/JSON
type Json = any;

export interface Contexts {
  /** `vars` (repository/environment variables); an unset one is '' as on GitHub. */
  vars: Record<string, string>;
  /** `github`: ref, event_name, repository, event, … (workspace is filled in per job). */
  github: Json;
}

export interface RunOptions {
  workflow: string;
  job: string;
  contexts: Contexts;
  /** Where the run's jobs share artifacts. */
  artifactDir: string;
  /**
   * Where the job's workspace and runner temp folder are made. The caller removes it: a workspace holds
   * the job's `npm ci` (over a GB), and left in the temp folder, every run's workspaces filled the disk.
   */
  workDir: string;
  /** The moto endpoint configure-aws-credentials points AWS at. */
  awsEndpoint: string;
  /** Lines of each step's output go here (default: discarded, kept for the error on failure). */
  log?: (line: string) => void;
  /**
   * The jobs this one `needs`, finished (and checked). GitHub starts a job only then; here the steps
   * before its first step that reaches AWS or an earlier job's artifacts (checkout, tool setup, `npm ci`)
   * may run ahead, as they depend on nothing those jobs do. Every step that could see their effects
   * still runs after them, in the workflow's order.
   */
  needs?: Promise<unknown>;
  /**
   * The `npm ci` installs of the run's jobs so far, by what decides their result (the workspace's
   * package.json and package-lock.json, and npm's environment). Given, a job whose `npm ci` would install
   * exactly what an earlier job's did gets hard links to that job's node_modules instead of a second install
   * (GitHub's setup-node cache is what spares a real runner most of it): the same files, without the
   * 80-90 s of CPU an install of this project costs here. Without it, every `npm ci` runs.
   */
  npmInstalls?: Map<string, Promise<string>>;
}

/** The actions that only prepare the runner: they read nothing a needed job leaves (AWS, artifacts, GitHub). */
const SET_UP_ACTIONS = new Set(['actions/checkout', 'actions/setup-node', 'actions/setup-python', 'hashicorp/setup-terraform']);

export interface JobResult {
  /** false when the job's `if:` is false. */
  ran: boolean;
  workspace: string;
  /** Bodies the github-script steps posted or updated. */
  comments: string[];
  stepSummary: string;
  steps: string[];
}

/** A workflow of .github/workflows by file name (or, for tests, by absolute path). */
export function loadWorkflow(name: string): Json {
  return parse(readFileSync(resolve(REPO_ROOT, '.github', 'workflows', name), 'utf8'), { strict: true, uniqueKeys: true });
}

/** A path into an object, for `${{ vars.X }}`, `${{ github.event.pull_request.number }}`, `${{ env.X }}`. */
function lookup(scope: Record<string, Json>, path: string): Json {
  const [head, ...rest] = path.split('.');
  if (!head || !(head in scope)) throw new Error(`Unknown expression context "${head}" in ${path}`);
  let value = scope[head];
  for (const part of rest) {
    if (head === 'vars') return value[part] ?? '';
    value = value?.[part];
  }
  return value;
}

/** The expression subset the workflows use: paths, 'strings', numbers, ==, !=, &&, ||, and success(). */
export function evaluate(expression: string, scope: Record<string, Json>): Json {
  const text = expression.trim();
  for (const operator of ['||', '&&']) {
    const parts = text.split(` ${operator} `);
    if (parts.length > 1) {
      const values = parts.map((part) => evaluate(part, scope));
      return operator === '&&' ? values.every(Boolean) : values.some(Boolean);
    }
  }
  for (const operator of ['==', '!=']) {
    const parts = text.split(` ${operator} `);
    if (parts.length === 2) {
      const [left, right] = parts.map((part) => evaluate(part as string, scope));
      return operator === '==' ? String(left) === String(right) : String(left) !== String(right);
    }
  }
  if (text === 'success()' || text === 'always()') return true;
  if (/^'.*'$/.test(text)) return text.slice(1, -1).replace(/''/g, "'");
  if (/^\d+$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^[A-Za-z_][\w-]*(\.[\w-]+)*$/.test(text)) return lookup(scope, text);
  throw new Error(`Expression not supported here: ${text}`);
}

/** Replaces every `${{ … }}` in a string. */
export function interpolate(value: Json, scope: Record<string, Json>): string {
  return String(value).replace(/\$\{\{(.*?)\}\}/g, (_, expression: string) => String(evaluate(expression, scope) ?? ''));
}

function condition(value: Json, scope: Record<string, Json>): boolean {
  if (value === undefined) return true;
  const text = String(value)
    .trim()
    .replace(/^\$\{\{(.*)\}\}$/, '$1');
  return Boolean(evaluate(text, scope));
}

/** The files of a clone: what git tracks, plus what it would track (new files not ignored). */
export function freshCopy(target: string): void {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((file) => file && existsSync(join(REPO_ROOT, file)));
  for (const file of files) {
    mkdirSync(dirname(join(target, file)), { recursive: true });
    cpSync(join(REPO_ROOT, file), join(target, file));
  }
}

/** setup-terraform's registry, here: a CLI configuration that installs hashicorp/aws from the mirror. */
function terraformCliConfig(runnerTemp: string): Record<string, string> {
  const mirror = findPluginDir();
  if (!mirror) return {};
  const file = join(runnerTemp, 'terraformrc');
  writeFileSync(
    file,
    `provider_installation {\n  filesystem_mirror {\n    path    = "${mirror}"\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n  direct {\n    exclude = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n`,
  );
  return { TF_CLI_CONFIG_FILE: file };
}

function runShell(
  script: string,
  cwd: string,
  env: Record<string, string>,
  log: (line: string) => void,
): Promise<{ code: number; output: string }> {
  return new Promise((resolvePromise, reject) => {
    // GitHub's default shell on Linux runners.
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output = (output + text).slice(-20_000);
      for (const line of text.split('\n')) if (line) log(line);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? 1, output }));
  });
}

/** github-script: the step's script with `github`, `context`, `core` and `require`, as the action gives them. */
async function githubScript(script: string, workspace: string, env: Record<string, string>, contexts: Contexts, comments: string[]) {
  const existing: Array<{ id: number; body: string }> = [];
  const issues = {
    listComments: async () => ({ data: existing }),
    createComment: async ({ body }: { body: string }) => {
      comments.push(body);
      existing.push({ id: existing.length + 1, body });
      return { data: { id: existing.length } };
    },
    updateComment: async ({ body }: { body: string }) => {
      comments.push(body);
      return { data: {} };
    },
  };
  const github = { rest: { issues }, paginate: async (method: () => Promise<{ data: unknown[] }>) => (await method()).data };
  const [owner, repo] = String(contexts.github.repository).split('/');
  const context = { repo: { owner, repo }, issue: { number: contexts.github.event?.pull_request?.number }, ...contexts.github };
  const core = { setFailed: (message: string) => Promise.reject(new Error(message)), info: () => {}, summary: {} };
  const previous = { cwd: process.cwd(), env: process.env };
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
  process.chdir(workspace);
  process.env = { ...env };
  try {
    await new AsyncFunction('require', 'github', 'context', 'core', script)(
      createRequire(join(workspace, 'index.js')),
      github,
      context,
      core,
    );
  } finally {
    process.chdir(previous.cwd);
    process.env = previous.env;
  }
}

const isNpmCi = (step: Json) => step.run !== undefined && String(step.run).trim() === 'npm ci';

/** Whether a step may run before the jobs its job needs: runner set-up and `npm ci`, nothing else. */
function mayRunAhead(step: Json, action: string | undefined): boolean {
  return action === undefined ? isNpmCi(step) : SET_UP_ACTIONS.has(action);
}

/** What decides what `npm ci` installs in `cwd`: the manifest, the lockfile and npm's environment. */
function npmInstallKey(cwd: string, env: Record<string, string>): string {
  const hash = createHash('sha256');
  for (const file of ['package.json', 'package-lock.json', '.npmrc']) {
    const path = join(cwd, file);
    hash.update(`${file}\0${existsSync(path) ? readFileSync(path, 'utf8') : 'missing'}\0`);
  }
  const npmEnv = Object.entries(env).filter(([name]) => /^(node_env|npm_config_)/i.test(name));
  hash.update(JSON.stringify(npmEnv.sort(([a], [b]) => a.localeCompare(b))));
  return hash.digest('hex');
}

/** `npm ci` in `cwd`, or hard links to the node_modules an earlier job of the run installed from the same inputs. */
async function npmCiOnce(
  installs: Map<string, Promise<string>>,
  cwd: string,
  env: Record<string, string>,
  install: () => Promise<void>,
  log: (line: string) => void,
): Promise<void> {
  const key = npmInstallKey(cwd, env);
  const earlier = installs.get(key);
  if (!earlier) {
    const installed = install().then(() => join(cwd, 'node_modules'));
    installs.set(key, installed);
    await installed;
    return;
  }
  // An earlier job's failed install fails this one too, with its error.
  const modules = await earlier;
  const target = join(cwd, 'node_modules');
  rmSync(target, { recursive: true, force: true }); // as npm ci does
  try {
    // Files are linked, folders made anew: what a job adds is its own; a file changed in place would be
    // both jobs' (none of these jobs change an installed file).
    await promisify(execFile)('cp', ['-al', modules, target]);
    log(`npm ci: hard links to ${modules}, which an earlier job of this run installed from the same lockfile`);
  } catch (error) {
    // No GNU `cp -l` (macOS), or another file system: install after all.
    log(`npm ci: could not link ${modules} (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); installing`);
    rmSync(target, { recursive: true, force: true });
    await install();
  }
}

const BASE_ENV_NAMES = ['PATH', 'HOME', 'LANG', 'TMPDIR', 'SSL_CERT_FILE', 'NODE_EXTRA_CA_CERTS'];

export async function runJob(options: RunOptions): Promise<JobResult> {
  const workflow = loadWorkflow(options.workflow);
  const job = workflow.jobs?.[options.job];
  if (!job) throw new Error(`${options.workflow} has no job ${options.job}`);
  const log = options.log ?? (() => {});
  const workspace = mkdtempSync(join(options.workDir, `workflow-${options.job}-`));
  const runnerTemp = mkdtempSync(join(options.workDir, 'runner-temp-'));
  const github = { ...options.contexts.github, workspace };
  const result: JobResult = { ran: false, workspace, comments: [], stepSummary: '', steps: [] };

  const baseScope = { vars: options.contexts.vars, github, env: {} as Record<string, string> };
  if (!condition(job.if, baseScope)) return result;
  result.ran = true;

  const envFile = join(runnerTemp, 'github_env');
  const summaryFile = join(runnerTemp, 'step_summary');
  writeFileSync(envFile, '');
  writeFileSync(summaryFile, '');
  // The runner's own variables, then the workflow's and the job's `env` (each may use the ones before).
  const env: Record<string, string> = Object.fromEntries(
    BASE_ENV_NAMES.filter((name) => process.env[name] !== undefined).map((name) => [name, process.env[name] as string]),
  );
  Object.assign(env, {
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: workspace,
    GITHUB_REF: String(github.ref ?? ''),
    GITHUB_EVENT_NAME: String(github.event_name ?? ''),
    GITHUB_REPOSITORY: String(github.repository ?? ''),
    GITHUB_ENV: envFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_OS: 'Linux',
    RUNNER_TEMP: runnerTemp,
  });
  for (const block of [workflow.env, job.env]) {
    for (const [name, value] of Object.entries(block ?? {})) env[name] = interpolate(value, { ...baseScope, env });
  }

  const addedByActions = (): Record<string, string> => {
    const added: Record<string, string> = {};
    for (const line of readFileSync(envFile, 'utf8').split('\n')) {
      const at = line.indexOf('=');
      if (at > 0) added[line.slice(0, at)] = line.slice(at + 1);
    }
    return added;
  };

  let needsMet = false;
  for (const [index, step] of (job.steps ?? []).entries()) {
    const action = step.run === undefined ? String(step.uses).replace(/@.*$/, '') : undefined;
    if (!needsMet && !mayRunAhead(step, action)) {
      await options.needs;
      needsMet = true;
    }
    const scope = { ...baseScope, env };
    const label = step.name ?? step.uses ?? String(step.run).split('\n')[0];
    if (!condition(step.if, scope)) continue;
    const stepEnv = { ...env, ...addedByActions() };
    for (const [name, value] of Object.entries(step.env ?? {})) stepEnv[name] = interpolate(value, { ...scope, env: stepEnv });
    const withArgs = Object.fromEntries(Object.entries(step.with ?? {}).map(([name, value]) => [name, interpolate(value, scope)]));
    result.steps.push(label);
    log(`▶ ${options.job} step ${index + 1}: ${label}`);

    if (step.run !== undefined) {
      const cwd = step['working-directory'] ? resolve(workspace, interpolate(step['working-directory'], scope)) : workspace;
      if (!existsSync(cwd)) throw new Error(`${options.job} / ${label}: working directory ${cwd} does not exist`);
      const runStep = async () => {
        const { code, output } = await runShell(interpolate(step.run, scope), cwd, stepEnv, log);
        if (code !== 0) throw new Error(`${options.workflow} / ${options.job} / "${label}" failed (exit ${code}):\n${output.slice(-6000)}`);
      };
      if (options.npmInstalls && isNpmCi(step)) await npmCiOnce(options.npmInstalls, cwd, stepEnv, runStep, log);
      else await runStep();
      continue;
    }

    switch (action) {
      case 'actions/checkout':
        freshCopy(workspace);
        break;
      case 'actions/setup-node':
      case 'actions/setup-python':
        break;
      case 'hashicorp/setup-terraform':
        appendFileSync(
          envFile,
          Object.entries(terraformCliConfig(runnerTemp))
            .map(([name, value]) => `${name}=${value}\n`)
            .join(''),
        );
        break;
      case 'aws-actions/configure-aws-credentials': {
        if (!withArgs['role-to-assume']) throw new Error(`${options.job} / ${label}: role-to-assume is empty (is the variable set?)`);
        if (!withArgs['aws-region']) throw new Error(`${options.job} / ${label}: aws-region is empty (is the variable set?)`);
        const credentials = {
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
          AWS_SESSION_TOKEN: 'testing',
          AWS_REGION: withArgs['aws-region'],
          AWS_DEFAULT_REGION: withArgs['aws-region'],
          // The emulator instead of AWS: the stack's rehearsal mode and the AWS SDKs' standard variable.
          TASK_API_REHEARSAL_ENDPOINT: options.awsEndpoint,
          AWS_ENDPOINT_URL: options.awsEndpoint,
        };
        appendFileSync(
          envFile,
          Object.entries(credentials)
            .map(([name, value]) => `${name}=${value}\n`)
            .join(''),
        );
        break;
      }
      case 'actions/github-script':
        await githubScript(withArgs.script ?? '', workspace, stepEnv, options.contexts, result.comments);
        break;
      case 'actions/upload-artifact': {
        const source = resolve(workspace, withArgs.path ?? '');
        if (!existsSync(source)) throw new Error(`${options.job} / ${label}: ${withArgs.path} does not exist`);
        const target = join(options.artifactDir, withArgs.name ?? 'artifact');
        mkdirSync(target, { recursive: true });
        cpSync(source, join(target, source.split('/').pop() as string), { recursive: true });
        break;
      }
      case 'actions/download-artifact': {
        const source = join(options.artifactDir, withArgs.name ?? 'artifact');
        if (!existsSync(source)) throw new Error(`${options.job} / ${label}: no artifact ${withArgs.name} from an earlier job`);
        cpSync(source, resolve(workspace, withArgs.path ?? '.'), { recursive: true });
        break;
      }
      default:
        throw new Error(`${options.workflow} / ${options.job}: no local equivalent for ${step.uses}`);
    }
  }
  result.stepSummary = readFileSync(summaryFile, 'utf8');
  return result;
}

/**
 * Local mode's start-up budget: from spawning `node` to the first answered request, the way a newcomer
 * runs it (TypeScript loader included), on a throw-away in-memory stack and a free port; as a ratio to
 * `node --import tsx -e 0` timed between the runs (scripts/bench-baseline.ts says why not a fixed time).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bareNode, type RatioResult, ratioResult } from './bench-baseline.ts';

/**
 * Start-up may take at most this many starts of bare Node with the same TypeScript loader. Measured on the
 * shared 2-core machine at load averages 12-16: 5.1x (7.5 s against 1.47 s) and 7.4x (5.9 s against
 * 0.80 s), where the old fixed budget of 3 s read both PASS and FAIL on one commit; 10x leaves the same
 * headroom that budget had over a quiet start-up (2.2 s).
 */
export const STARTUP_BUDGET_RATIO = 10;
/** What `npm start` loads before any of our code. */
export const STARTUP_PRELOAD = ['tsx'];
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const READY = /ready in ([\d.]+) s/;

export interface StartupSample {
  /** Spawn to the "ready" line, as the caller sees it. */
  wallMs: number;
  /** What the server itself reports: its process start to its first answered request. */
  reportedMs: number;
}

export function startOnce(timeoutMs = 30_000): Promise<StartupSample> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [...STARTUP_PRELOAD.flatMap((module) => ['--import', module]), 'local/start.ts', '--port', '0', '--memory', '--quiet'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => finish(new Error(`local mode did not report ready within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const finish = (error?: Error, sample?: StartupSample) => {
      clearTimeout(timer);
      child.once('exit', () => (error ? reject(error) : resolve(sample as StartupSample)));
      child.kill('SIGTERM');
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const ready = READY.exec(output);
      if (ready) finish(undefined, { wallMs: performance.now() - started, reportedMs: Number(ready[1]) * 1000 });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', (error) => finish(error));
  });
}

export interface Startup extends RatioResult {
  samples: StartupSample[];
}

export async function measureStartup(runs: number): Promise<Startup> {
  const samples: StartupSample[] = [];
  const baseline: number[] = [];
  const env = { PATH: process.env.PATH ?? '' };
  for (let run = 0; run < runs; run += 1) {
    baseline.push(bareNode(env, STARTUP_PRELOAD, ROOT));
    samples.push(await startOnce());
  }
  return {
    samples,
    ...ratioResult(
      samples.map((sample) => sample.wallMs),
      baseline,
      STARTUP_BUDGET_RATIO,
    ),
  };
}

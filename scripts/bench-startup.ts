/**
 * Local mode's start-up budget: from spawning `node` to the first answered request, the way a newcomer
 * runs it (TypeScript loader included), on a throw-away in-memory stack and a free port.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const STARTUP_BUDGET_MS = 3000;
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
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts', '--port', '0', '--memory', '--quiet'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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

export async function measureStartup(runs: number): Promise<{ samples: StartupSample[]; medianWallMs: number; ok: boolean }> {
  const samples: StartupSample[] = [];
  for (let run = 0; run < runs; run += 1) samples.push(await startOnce());
  const sorted = samples.map((sample) => sample.wallMs).sort((a, b) => a - b);
  const medianWallMs = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  return { samples, medianWallMs, ok: medianWallMs <= STARTUP_BUDGET_MS };
}

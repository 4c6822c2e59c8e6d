/**
 * What the start-up budgets are measured against: a bare `node -e 0` (with the same preloads), timed in the same run and interleaved
 * with the thing measured, so that both meet the same machine load. On a shared machine a fixed time is
 * not a measurement (the same start-up read 3.38 s, then 2.17 s); the ratio of two medians taken side by
 * side is.
 */
import { type SpawnSyncOptions, spawnSync } from 'node:child_process';

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

export interface Timed {
  ms: number;
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `node <args>` timed both ways: wall time, and the CPU time (user + system) it used, which bash's `times`
 * reads from the kernel once the child has exited (nothing is loaded into the process to measure it). On
 * a busy machine the wall time of a short process is mostly waiting for a core; its CPU time is its work.
 */
export function timeNode(args: readonly string[], options: SpawnSyncOptions = {}): Timed & { cpuMs: number } {
  const script = '"$@"; status=$?; times >&3; exit $status';
  const timed = timeProcess('bash', ['-c', script, 'bash', process.execPath, ...args], {
    ...options,
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  // `times` prints the shell's own user and system time, then its children's: "0m0.041s 0m0.012s".
  const children = (timed.fd3 ?? '').trim().split('\n')[1] ?? '';
  const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map(([, minutes, secs]) => Number(minutes) * 60 + Number(secs));
  if (seconds.length !== 2) throw new Error(`node ${args.join(' ')}: no CPU time from bash's times (${timed.fd3}):\n${timed.stderr}`);
  return { ...timed, cpuMs: ((seconds[0] ?? 0) + (seconds[1] ?? 0)) * 1000 };
}

/** Runs a process to its end; wall time from spawn to exit, as the person typing the command waits. */
export function timeProcess(command: string, args: readonly string[], options: SpawnSyncOptions = {}): Timed & { fd3?: string } {
  const started = process.hrtime.bigint();
  const child = spawnSync(command, args, { ...options, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (child.error) throw child.error;
  const fd3 = child.output[3];
  return { ms, status: child.status, stdout: String(child.stdout), stderr: String(child.stderr), ...(fd3 ? { fd3: String(fd3) } : {}) };
}

/**
 * One bare Node start: the baseline sample. `preload` adds what the measured command loads before any of
 * our code (local mode: tsx's TypeScript loader), so the ratio is of our work, not the loader's.
 */
export function bareNode(env: NodeJS.ProcessEnv, preload: readonly string[] = [], cwd?: string): number {
  return timeProcess(process.execPath, [...preload.flatMap((module) => ['--import', module]), '-e', '0'], { env, cwd }).ms;
}

export interface RatioResult {
  medianMs: number;
  baselineMs: number;
  ratio: number;
  budget: number;
  ok: boolean;
}

export function ratioResult(samples: readonly number[], baseline: readonly number[], budget: number): RatioResult {
  const medianMs = median(samples);
  const baselineMs = median(baseline);
  const ratio = medianMs / baselineMs;
  return { medianMs, baselineMs, ratio, budget, ok: ratio <= budget };
}

/** An in-process closed-loop load, and how the bench's children report the CPU time they have used. */
import type { ChildProcess } from 'node:child_process';
import { median } from '../bench-baseline.ts';

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  requests: number;
}

export async function closedLoop(call: () => Promise<void>, connections: number, seconds: number): Promise<LoadResult> {
  const latencies: number[] = [];
  const started = performance.now();
  const end = started + seconds * 1000;
  const caller = async () => {
    while (performance.now() < end) {
      const sent = performance.now();
      await call();
      latencies.push(performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: connections }, caller));
  const elapsed = (performance.now() - started) / 1000;
  return { requestsPerSecond: latencies.length / elapsed, p50Ms: median(latencies), requests: latencies.length };
}

/** The question to a child that answers load (a local stack, the direct floor, its engine), and the answer. */
export interface CpuRequest {
  type: 'cpu';
}
export interface CpuMessage {
  type: 'cpu';
  /** The child's CPU time so far, user and system, of all its threads (a sandbox, the GC helpers). */
  ms: number;
  /** Of that, its DynamoDB engine's, where the engine runs in a process of its own (the direct floor's). */
  engineMs?: number;
}

/**
 * Answers the parent's CpuRequests, so that it can count the CPU time a slice of load cost this process
 * (and `engine`'s, counted in too, where this process keeps its engine in a child).
 */
export function answerCpuRequests(engine?: ChildProcess): void {
  process.on('message', (message: { type?: unknown }) => {
    if (message.type !== 'cpu') return;
    const { user, system } = process.cpuUsage();
    const ownMs = (user + system) / 1000;
    if (!engine) return void process.send?.({ type: 'cpu', ms: ownMs } satisfies CpuMessage);
    void cpuOf(engine).then(({ ms: engineMs }) => process.send?.({ type: 'cpu', ms: ownMs + engineMs, engineMs } satisfies CpuMessage));
  });
}

/** Asks a child (one that calls answerCpuRequests) for its CPU time so far. */
export function cpuOf(child: ChildProcess): Promise<CpuMessage> {
  const answer = nextMessage<CpuMessage>(child, 'cpu');
  const request: CpuRequest = { type: 'cpu' };
  child.send(request);
  return answer;
}

/** A bench child's next IPC message of `type`; rejected if the child exits (or fails) first. */
export function nextMessage<M extends { type: string }>(child: ChildProcess, type: string): Promise<M> {
  return new Promise((resolve, reject) => {
    // Each wait removes its own listeners once settled: the bench waits many times on one child.
    const settle = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    const onMessage = (message: { type?: unknown }) => {
      if (message.type !== type) return;
      settle();
      resolve(message as M);
    };
    const onExit = (code: number | null) => {
      settle();
      reject(new Error(`a bench child exited (code ${code}) before sending ${type}`));
    };
    const onError = (error: Error) => {
      settle();
      reject(error);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

/** An in-process closed-loop load, and how a bench child reports the CPU time it has used. */
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

/** The bench's question to a child that answers load (a local stack, the direct floor), and the answer. */
export interface CpuRequest {
  type: 'cpu';
}
export interface CpuMessage {
  type: 'cpu';
  /** The child's CPU time so far, user and system, of all its threads (the sandbox, the GC helpers). */
  ms: number;
}

/** Answers the parent's CpuRequests, so that it can count the CPU time a slice of load cost this process. */
export function answerCpuRequests(): void {
  process.on('message', (message: { type?: unknown }) => {
    if (message.type !== 'cpu') return;
    const { user, system } = process.cpuUsage();
    const answer: CpuMessage = { type: 'cpu', ms: (user + system) / 1000 };
    process.send?.(answer);
  });
}

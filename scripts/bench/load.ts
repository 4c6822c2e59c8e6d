/** An in-process closed-loop load: `connections` callers, each calling again as soon as it is answered. */
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

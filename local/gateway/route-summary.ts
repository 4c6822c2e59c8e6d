/**
 * Local mode's per-route summary: what the gateway answered on each route since start-up — requests,
 * 4xx, 5xx, p50 and p99 latency — the numbers the deployed dashboard shows, for `npm start` to print on
 * exit and on demand (SIGUSR2). Counted at the gateway, so answers that never reach a function (401,
 * 403, 413, 502, 504) are in it too.
 */

export interface RouteStats {
  /** `METHOD /resource`, or `(no route)` for paths the route table does not have. */
  route: string;
  requests: number;
  clientErrors: number;
  serverErrors: number;
  p50Ms: number;
  p99Ms: number;
}

/** Latencies kept per route (the most recent): enough for stable percentiles, bounded memory. */
export const MAX_SAMPLES_PER_ROUTE = 10_000;
export const NO_ROUTE = '(no route)';

/** Nearest-rank percentile of ascending values (p in 0..100); 0 for none. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export interface RouteSummary {
  record(route: string | undefined, status: number, latencyMs: number): void;
  rows(): RouteStats[];
  clear(): void;
}

export function createRouteSummary(): RouteSummary {
  const routes = new Map<string, { requests: number; clientErrors: number; serverErrors: number; latencies: number[] }>();
  return {
    record(route, status, latencyMs) {
      const key = route ?? NO_ROUTE;
      let entry = routes.get(key);
      if (!entry) {
        entry = { requests: 0, clientErrors: 0, serverErrors: 0, latencies: [] };
        routes.set(key, entry);
      }
      entry.requests += 1;
      if (status >= 400 && status < 500) entry.clientErrors += 1;
      if (status >= 500) entry.serverErrors += 1;
      entry.latencies.push(latencyMs);
      if (entry.latencies.length > MAX_SAMPLES_PER_ROUTE) entry.latencies.shift();
    },
    rows() {
      return [...routes]
        .map(([route, entry]) => {
          const sorted = [...entry.latencies].sort((a, b) => a - b);
          return {
            route,
            requests: entry.requests,
            clientErrors: entry.clientErrors,
            serverErrors: entry.serverErrors,
            p50Ms: percentile(sorted, 50),
            p99Ms: percentile(sorted, 99),
          };
        })
        .sort((a, b) => a.route.localeCompare(b.route));
    },
    clear() {
      routes.clear();
    },
  };
}

/** The summary as a table for the terminal. */
export function formatSummary(rows: readonly RouteStats[]): string {
  if (rows.length === 0) return 'Per-route summary: no requests yet.\n';
  const header = ['route', 'requests', '4xx', '5xx', 'p50 ms', 'p99 ms'];
  const cells = rows.map((row) => [
    row.route,
    String(row.requests),
    String(row.clientErrors),
    String(row.serverErrors),
    String(Math.round(row.p50Ms)),
    String(Math.round(row.p99Ms)),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((cell) => (cell[column] as string).length)));
  const line = (values: string[]) =>
    values.map((value, column) => (column === 0 ? value.padEnd(widths[0] as number) : value.padStart(widths[column] as number))).join('  ');
  return `Per-route summary (since start-up):\n${[header, ...cells].map(line).join('\n')}\n`;
}

import { config, LOG_LEVELS, type LogLevel } from '../config/env.ts';

/**
 * One JSON object per line, written straight to stdout/stderr, which CloudWatch Logs (and local mode)
 * keep as they are. Not through `console`: the Lambda runtime rewrites console lines (prefixed in the Text
 * log format, wrapped in its own record in JSON), and CloudWatch would then see neither the JSON fields nor
 * the embedded-metric-format documents (what Powertools' Logger avoids the same way). Lines less severe
 * than LOG_LEVEL are not written.
 */
export function logJson(level: LogLevel, message: string, fields: Record<string, unknown>): void {
  if (!isLogged(level, config().logLevel)) return;
  writeLine(level === 'error' ? 'stderr' : 'stdout', JSON.stringify({ level, message, time: new Date().toISOString(), ...fields }));
}

/** Whether a line of `level` is written when the threshold is `threshold`. */
export function isLogged(level: LogLevel, threshold: LogLevel): boolean {
  return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(threshold);
}

/** An embedded-metric-format document (functions/http/metrics.ts), on a line of its own, whatever LOG_LEVEL says. */
export function emitMetrics(document: Record<string, unknown>): void {
  writeLine('stdout', JSON.stringify(document));
}

function writeLine(stream: 'stdout' | 'stderr', line: string): void {
  process[stream].write(`${line}\n`);
}

/** What a log line may say of an unexpected error: everything, since logs are not shown to clients. */
export function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { value: String(error) };
}

/**
 * The X-Ray trace of the current invocation (`Root=1-…;Parent=…;Sampled=1` from the Lambda runtime), so
 * a log line leads to its trace; undefined outside Lambda.
 */
export function traceIdOf(header: string | undefined = process.env._X_AMZN_TRACE_ID): string | undefined {
  return header?.match(/(?:^|;)Root=([^;]+)/)?.[1];
}

/**
 * Captures the structured lines the handlers write (one JSON object per line, straight to
 * process.stdout / process.stderr: functions/http/log.ts) so test output stays readable and suites can
 * assert on them. Log lines carry a `level`; embedded-metric-format lines carry `_aws`. Anything else
 * (uvu's own output) passes through. Set TEST_LOGS=1 to echo the captured lines as well.
 */
export interface LogLine {
  level: string;
  message: string;
  [field: string]: unknown;
}

/** An embedded-metric-format document, as functions/http/metrics.ts writes it. */
export interface MetricLine {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
  };
  [field: string]: unknown;
}

type Stream = 'stdout' | 'stderr';
const captured: { stream: Stream; parsed: Record<string, unknown>; raw: string }[] = [];
const echo = process.env.TEST_LOGS === '1';

/** One whole JSON object ending in a newline with `level` or `_aws`, or undefined. */
function structured(chunk: unknown): Record<string, unknown> | undefined {
  if (typeof chunk !== 'string' || !chunk.startsWith('{') || !chunk.endsWith('}\n') || chunk.indexOf('\n') !== chunk.length - 1)
    return undefined;
  try {
    const parsed = JSON.parse(chunk) as Record<string, unknown>;
    return 'level' in parsed || '_aws' in parsed ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function intercept(stream: Stream) {
  const original = process[stream].write.bind(process[stream]) as (...args: unknown[]) => boolean;
  process[stream].write = ((...args: unknown[]) => {
    const parsed = structured(args[0]);
    if (!parsed) return original(...args);
    captured.push({ stream, parsed, raw: (args[0] as string).slice(0, -1) });
    if (echo) original(...args);
    return true;
  }) as typeof process.stdout.write;
}

intercept('stdout');
intercept('stderr');

/** Forgets every captured line; call it in `before.each`. */
export function clearLogs(): void {
  captured.length = 0;
}

/** The parsed log lines (not the metric lines) captured since the last clearLogs(). */
export function logLines(): LogLine[] {
  return captured.filter((entry) => 'level' in entry.parsed).map((entry) => entry.parsed as LogLine);
}

/** The embedded-metric-format lines captured since the last clearLogs(). */
export function metricLines(): MetricLine[] {
  return captured.filter((entry) => '_aws' in entry.parsed).map((entry) => entry.parsed as MetricLine);
}

/** Which stream each captured line went to, in order. */
export function streamsOfLines(): Stream[] {
  return captured.map((entry) => entry.stream);
}

/** The raw text of every captured line, for "this string never reaches the log/client" checks. */
export function rawLogs(): string[] {
  return captured.map((entry) => entry.raw);
}

/** The one access-log line per invocation (message "request"). */
export function requestLogLines(): LogLine[] {
  return logLines().filter((line) => line.message === 'request');
}

/**
 * Captures the structured log lines the handlers write (one JSON object per line on console.log /
 * console.error) so test output stays readable and suites can assert on them. Anything that is not a
 * JSON line passes through to the real console. Set TEST_LOGS=1 to echo the captured lines as well.
 */
export interface LogLine {
  level: string;
  message: string;
  [field: string]: unknown;
}

const captured: { stream: 'stdout' | 'stderr'; line: LogLine; raw: string }[] = [];
const echo = process.env.TEST_LOGS === '1';

function intercept(stream: 'stdout' | 'stderr', original: (...args: unknown[]) => void) {
  return (...args: unknown[]) => {
    const [first] = args;
    if (args.length === 1 && typeof first === 'string' && first.startsWith('{')) {
      try {
        captured.push({ stream, line: JSON.parse(first) as LogLine, raw: first });
        if (echo) original(first);
        return;
      } catch {
        // not one of ours: fall through
      }
    }
    original(...args);
  };
}

console.log = intercept('stdout', console.log.bind(console));
console.error = intercept('stderr', console.error.bind(console));

/** Forgets every captured line; call it in `before.each`. */
export function clearLogs(): void {
  captured.length = 0;
}

/** The parsed lines captured since the last clearLogs(). */
export function logLines(): LogLine[] {
  return captured.map((entry) => entry.line);
}

/** The raw text of every captured line, for "this string never reaches the log/client" checks. */
export function rawLogs(): string[] {
  return captured.map((entry) => entry.raw);
}

/** The one access-log line per invocation (message "request"). */
export function requestLogLines(): LogLine[] {
  return logLines().filter((line) => line.message === 'request');
}

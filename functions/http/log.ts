/** One JSON object per line on stdout, which CloudWatch Logs (and local mode) keep as they are. */
export function logJson(level: 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>): void {
  const line = JSON.stringify({ level, message, time: new Date().toISOString(), ...fields });
  if (level === 'error') console.error(line);
  else console.log(line);
}

/** What a log line may say of an unexpected error: everything, since logs are not shown to clients. */
export function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { value: String(error) };
}

/** Errors the CLI reports: a message for stderr and the process exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    /** Printed to stderr as JSON instead of the message, when set (the API's error envelope). */
    readonly payload?: unknown,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A command line the CLI does not understand: exit code 2, with the usage text. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

/** The API answered with an error status; the payload is its body plus the status. */
export class ApiError extends CliError {
  constructor(
    readonly status: number,
    readonly body: unknown,
    /** What to do about it, when the CLI can tell (a refused login: log in again). */
    hint?: string,
  ) {
    super(`The API answered ${status}`, 1, { status, ...(isObject(body) ? body : { body }), ...(hint ? { hint } : {}) });
    this.name = 'ApiError';
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

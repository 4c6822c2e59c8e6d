/** The Task API over HTTP: one `request` that sends the raw ID token in Authorization, as the gateway expects. */
import { ApiError, CliError } from './errors.ts';

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  token: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  headers?: Record<string, string | undefined>;
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

export async function request(apiUrl: string, call: ApiRequest): Promise<ApiResponse> {
  const url = new URL(`${apiUrl.replace(/\/+$/, '')}${call.path}`);
  for (const [name, value] of Object.entries(call.query ?? {})) if (value !== undefined) url.searchParams.set(name, value);
  const headers: Record<string, string> = { Authorization: call.token, Accept: 'application/json' };
  for (const [name, value] of Object.entries(call.headers ?? {})) if (value !== undefined) headers[name] = value;
  if (call.body !== undefined) headers['Content-Type'] = 'application/json';

  let response: Response;
  try {
    response = await fetch(url, {
      method: call.method,
      headers,
      body: call.body === undefined ? undefined : JSON.stringify(call.body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    const { cause } = error as { cause?: { code?: string; message?: string } };
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new CliError(`Cannot reach the API at ${url.origin} (${reason}): is it running?`);
  }
  const text = await response.text();
  let body: unknown = text === '' ? undefined : text;
  try {
    if (text !== '') body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  if (response.status >= 400) throw new ApiError(response.status, body);
  return { status: response.status, headers: response.headers, body };
}

/** `If-Match` takes the task's ETag; the CLI accepts the bare version (`3`) and quotes it. */
export function ifMatch(version: string | undefined): string | undefined {
  if (version === undefined) return undefined;
  return /^\d+$/.test(version) ? `"${version}"` : version;
}

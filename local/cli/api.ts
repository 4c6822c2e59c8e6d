/** The Task API over HTTP: one `request` that sends the raw ID token in Authorization, as the gateway expects. */
import type { IncomingHttpHeaders } from 'node:http';
import { ApiError, CliError } from './errors.ts';
import { send } from './http.ts';

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
  headers: IncomingHttpHeaders;
  body: unknown;
}

export async function request(apiUrl: string, call: ApiRequest): Promise<ApiResponse> {
  const url = new URL(`${apiUrl.replace(/\/+$/, '')}${call.path}`);
  for (const [name, value] of Object.entries(call.query ?? {})) if (value !== undefined) url.searchParams.set(name, value);
  const headers: Record<string, string> = { Authorization: call.token, Accept: 'application/json' };
  for (const [name, value] of Object.entries(call.headers ?? {})) if (value !== undefined) headers[name] = value;
  if (call.body !== undefined) headers['Content-Type'] = 'application/json';

  let response: Awaited<ReturnType<typeof send>>;
  try {
    response = await send(url, {
      method: call.method,
      headers,
      ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
    });
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new CliError(`Cannot reach the API at ${url.origin} (${reason}): is it running?`);
  }
  const { text } = response;
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

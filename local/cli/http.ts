/**
 * One HTTP exchange over node:http(s). Not `fetch`: Node loads undici on a process's first fetch, which
 * costs a short-lived command like this CLI's about as much as starting Node itself. For the same reason
 * each module is loaded when a call needs it: node:https brings TLS and crypto, which local mode never uses.
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface HttpCall {
  method: string;
  headers?: Record<string, string>;
  body?: string;
  timeoutMs?: number;
}

export interface HttpReply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** Resolves with any status; rejects only when there is no answer (the error's `code` says why: ECONNREFUSED…). */
export async function send(url: URL, call: HttpCall): Promise<HttpReply> {
  const { request } = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: call.method,
        headers: { ...call.headers, ...(call.body === undefined ? {} : { 'Content-Length': String(Buffer.byteLength(call.body)) }) },
        timeout: call.timeoutMs ?? 30_000,
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () =>
          resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, text: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(Object.assign(new Error('no answer in time'), { code: 'ETIMEDOUT' })));
    outgoing.on('error', reject);
    outgoing.end(call.body);
  });
}

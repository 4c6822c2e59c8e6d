/** Requests fetch cannot make: a POST sent as far as its headers, to see what a server answers before the body. */
import { request } from 'node:http';

export interface HeadersOnlyResult {
  status: number;
  body: string;
  /** Whether the server sent `100 Continue` (the body then follows, padded to the declared length). */
  continued: boolean;
}

/** POSTs `path` with `headers` (declaring a body) and waits for the answer without sending the body unless asked. */
export function postHeadersOnly(baseUrl: string, path: string, headers: Record<string, string>): Promise<HeadersOnlyResult> {
  return new Promise((resolve, reject) => {
    const target = new URL(`${baseUrl}${path}`);
    let continued = false;
    const req = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, continued }));
    });
    req.on('continue', () => {
      continued = true;
      req.end('{}'.padEnd(Number(headers['Content-Length'] ?? 2), ' '));
    });
    req.on('error', reject);
    // A server that waits for the body before answering never answers this request.
    req.setTimeout(3000, () => req.destroy(new Error('no answer without the body')));
    req.flushHeaders();
  });
}

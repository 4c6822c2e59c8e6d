/** Calls a handler with a `makeEvent()` event and hands back the response with its body parsed. */
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { LambdaHandler } from '../../functions/http/handler.ts';
import { type EventOptions, makeEvent } from './events.ts';

export interface Response {
  status: number;
  headers: Record<string, string>;
  /** The parsed JSON body (undefined when empty). */
  body: Json;
  /** The body exactly as sent. */
  raw: string;
}

// biome-ignore lint/suspicious/noExplicitAny: parsed response bodies are inspected freely in assertions
type Json = any;

export function toResponse(result: APIGatewayProxyResult): Response {
  const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([name, value]) => [name, String(value)]));
  return { status: result.statusCode, headers, body: result.body ? JSON.parse(result.body) : undefined, raw: result.body };
}

export async function invoke(handler: LambdaHandler, options: EventOptions = {}): Promise<Response> {
  return toResponse(await handler(makeEvent(options)));
}

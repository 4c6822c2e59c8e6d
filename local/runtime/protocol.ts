/** Messages between the function runtime (main thread) and a function worker. */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { RouteInfo } from '../gateway/routing.ts';

/**
 * A sandbox starts with the route table's bundle, reports the table ('table'), is then sent the bundles
 * of the handlers it names ('load') and reports 'ready' once they are imported.
 */
export interface WorkerData {
  /** The bundle of the route table module (exports `routes` and `ADMIN_GROUP`). */
  routeTable: string;
  functionNamePrefix: string;
}

export interface LoadMessage {
  type: 'load';
  /** Handler name -> absolute path of its bundle. */
  handlers: Record<string, string>;
}

export interface InvokeMessage {
  type: 'invoke';
  id: number;
  handler: string;
  requestId: string;
  event: APIGatewayProxyEvent;
  /** Epoch ms by which the function must answer (for context.getRemainingTimeInMillis). */
  deadline: number;
}

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

/** The route table of one build, as the gateway and the start-up need it. */
export interface RouteTable {
  routes: RouteInfo[];
  adminGroup?: string;
}

export type WorkerMessage =
  | { type: 'table'; table: RouteTable }
  | { type: 'ready' }
  | { type: 'failed'; error: SerializedError }
  | { type: 'result'; id: number; result: unknown }
  | { type: 'error'; id: number; error: SerializedError };

export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
  return { name: 'Error', message: String(error) };
}

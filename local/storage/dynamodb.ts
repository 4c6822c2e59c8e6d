/**
 * The embedded DynamoDB engine: dynalite, in-process, on LevelDB in the data folder (or in memory), with
 * the table and its indexes created from the same definition the infrastructure uses.
 *
 * Only the functions (the AWS SDK) and local tools talk to it, never a browser: dynalite answers every
 * preflight with `Access-Control-Allow-Origin: *` and takes any credentials, so any web page the
 * developer opened could read and write the table. A request that a browser made (it carries Origin or
 * Sec-Fetch-Site), or that names another host (DNS rebinding), is refused before dynalite sees it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import dynalite from 'dynalite';
import { createTableInput } from '../../functions/dynamodb/table-design.ts';
import { close, listen } from '../net.ts';

export interface DynamoDbEngine {
  endpoint: string;
  stop(): Promise<void>;
}

/** Starts dynalite on a random port of `host`; `path` is its LevelDB folder (in memory without one). */
export async function startDynamoDb(options: { host: string; path?: string }): Promise<DynamoDbEngine> {
  const server = dynalite({ ...(options.path ? { path: options.path } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const dynaliteHandlers = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  server.removeAllListeners('request');
  let port = 0;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    // Browsers send Sec-Fetch-Site with every request (Node's fetch sends Sec-Fetch-Mode, but not this).
    const fromBrowser = req.headers.origin !== undefined || req.headers['sec-fetch-site'] !== undefined;
    const host = (req.headers.host ?? '').toLowerCase();
    if (fromBrowser || (host !== `${options.host}:${port}` && host !== `localhost:${port}`)) {
      const body = JSON.stringify({
        __type: 'com.amazon.coral.service#AccessDeniedException',
        message: 'The local DynamoDB endpoint is not for browsers',
      });
      res.writeHead(403, { 'Content-Type': 'application/x-amz-json-1.0', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
      res.end(body);
      return;
    }
    for (const handler of dynaliteHandlers) handler(req, res);
  });
  port = await listen(server, 0, options.host);
  return {
    endpoint: `http://${options.host}:${port}`,
    // dynalite's close() also waits for pending LevelDB operations and closes the database.
    stop: () => close(server),
  };
}

export type TableState = 'created' | 'exists';

interface KeyElement {
  AttributeName?: string;
  KeyType?: string;
}
interface TableDescription {
  Table?: { KeySchema?: KeyElement[]; GlobalSecondaryIndexes?: { IndexName?: string; KeySchema?: KeyElement[] }[] };
}

/**
 * Creates the table from createTableInput unless it exists. An existing table whose keys or indexes
 * differ from the design (an older layout in a kept data folder) is reported, not silently used.
 * `firstItems` (flat items of strings and numbers) are written into a table this call creates.
 */
export async function ensureTable(endpoint: string, tableName: string, firstItems: Record<string, unknown>[] = []): Promise<TableState> {
  const wanted = createTableInput(tableName);
  try {
    const { Table } = await dynamoDbCall<TableDescription>(endpoint, 'DescribeTable', { TableName: tableName });
    const keys = (schema: KeyElement[] | undefined) =>
      JSON.stringify((schema ?? []).map(({ AttributeName, KeyType }) => [AttributeName, KeyType]));
    const indexes = (list: { IndexName?: string; KeySchema?: KeyElement[] }[] | undefined) =>
      JSON.stringify((list ?? []).map((index) => [index.IndexName, keys(index.KeySchema)]).sort());
    if (
      keys(Table?.KeySchema) !== keys(wanted.KeySchema) ||
      indexes(Table?.GlobalSecondaryIndexes) !== indexes(wanted.GlobalSecondaryIndexes)
    ) {
      throw new Error(
        `Table ${tableName} in the data folder does not match functions/dynamodb/table-design.ts; remove the data folder (or use --memory) to start afresh`,
      );
    }
    return 'exists';
  } catch (error) {
    if (!(error instanceof DynamoDbError) || error.type !== 'ResourceNotFoundException') throw error;
  }
  await dynamoDbCall(endpoint, 'CreateTable', wanted);
  // dynalite answers CreateTable with CREATING and turns the table ACTIVE a moment later.
  for (let attempt = 0; firstItems.length > 0; attempt++) {
    const { Table } = await dynamoDbCall<{ Table?: { TableStatus?: string } }>(endpoint, 'DescribeTable', { TableName: tableName });
    if (Table?.TableStatus === 'ACTIVE') break;
    if (attempt >= 100) throw new Error(`Table ${tableName} did not become ACTIVE`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  for (const item of firstItems) await dynamoDbCall(endpoint, 'PutItem', { TableName: tableName, Item: attributeValues(item) });
  return 'created';
}

/** `{a: 'x', n: 1}` -> `{a: {S: 'x'}, n: {N: '1'}}`: enough for the flat items written at start-up. */
function attributeValues(item: Record<string, unknown>): Record<string, { S: string } | { N: string }> {
  return Object.fromEntries(
    Object.entries(item).map(([name, value]) => {
      if (typeof value === 'number') return [name, { N: String(value) }];
      if (typeof value === 'string') return [name, { S: value }];
      throw new Error(`ensureTable: ${name} is neither a string nor a number`);
    }),
  );
}

export class DynamoDbError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(`${type}: ${message}`);
    this.name = 'DynamoDbError';
  }
}

/**
 * One DynamoDB JSON-protocol call. Start-up makes two of them, and importing the SDK for those would
 * cost this process several hundred milliseconds of the 3 s start-up budget (the functions use the real
 * SDK). dynalite checks that a request is signed but not the signature, so a well-formed dummy is enough.
 */
export async function dynamoDbCall<T = Record<string, unknown>>(endpoint: string, operation: string, body: unknown): Promise<T> {
  const date = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
  const response = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.0',
      'X-Amz-Target': `DynamoDB_20120810.${operation}`,
      'X-Amz-Date': date,
      Authorization: `AWS4-HMAC-SHA256 Credential=local/${date.slice(0, 8)}/local/dynamodb/aws4_request, SignedHeaders=host;x-amz-date;x-amz-target, Signature=local`,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  const parsed = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  if (!response.ok) {
    const type = String(parsed.__type ?? 'UnknownError')
      .split('#')
      .at(-1) as string;
    throw new DynamoDbError(type, String(parsed.message ?? parsed.Message ?? response.status));
  }
  return parsed as T;
}

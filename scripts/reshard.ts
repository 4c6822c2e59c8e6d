/**
 * `make reshard SHARDS=<n>`: moves the status index to a new shard count (functions/dynamodb/reshard.ts).
 *
 *   tsx scripts/reshard.ts --shards 8                       local mode's table (the stack `npm start` runs)
 *   tsx scripts/reshard.ts --shards 8 --table <name>        a deployed table, with your AWS credentials (AWS_REGION)
 *   tsx scripts/reshard.ts --status                         print the layout record and exit
 *
 * Deploy the new STATUS_SHARDS first (or restart local mode with it), then run this with the same count.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { layoutKey } from '../functions/dynamodb/keys.ts';
import { DEFAULT_SETTLE_MS, reshard } from '../functions/dynamodb/reshard.ts';
import { checkShardCount } from '../functions/dynamodb/shards.ts';
import { MAX_LAMBDA_TIMEOUT_SECONDS } from '../infra/config.ts';
import { DEFAULT_DATA_DIR, LOCAL_ENV_FILE, type LocalEnv } from '../local/local-env.ts';

export const USAGE = `Usage: make reshard SHARDS=<n> [TABLE_NAME=<table>]
       tsx scripts/reshard.ts --shards <n> [--table <name> | --endpoint <url> --table <name> | --data-dir <dir>]
                              [--batch-size 100] [--pause-ms 0] [--settle-seconds <s>] [--propagation-ms <ms>] [--max-batches <n>]
       tsx scripts/reshard.ts --status [target options]

Moves every task of the status index to the keys of <n> shards, in batches, resumably: run it again
after an interruption. Local mode's table by default (<data dir>/${LOCAL_ENV_FILE}); --table (or
TABLE_NAME) for a deployed one, with your AWS credentials. Deploy the same STATUS_SHARDS first.
`;

interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** The CLI: returns the exit code (0 done, 1 failed, 2 bad command line). */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, io: Io = defaultIo): Promise<number> {
  let values: ReturnType<typeof parse>;
  try {
    values = parse(argv);
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  try {
    const target = await targetOf(values, env);
    const client = DynamoDBDocumentClient.from(target.client, { marshallOptions: { removeUndefinedValues: true } });
    try {
      if (values.status) {
        const { Item } = await client.send(new GetCommand({ TableName: target.tableName, Key: layoutKey(), ConsistentRead: true }));
        io.out(JSON.stringify({ table: target.tableName, layout: Item ?? 'none: the layout from before sharding (1 shard)' }, null, 2));
        return 0;
      }
      const shards = numberOption(values.shards ?? env.SHARDS, '--shards (SHARDS)');
      if (shards === undefined) throw new Error('--shards (SHARDS) is required');
      io.out(`${target.description}: table ${target.tableName}`);
      const result = await reshard({
        client,
        tableName: target.tableName,
        shards: checkShardCount(shards, '--shards'),
        batchSize: numberOption(values['batch-size'], '--batch-size') ?? 100,
        pauseMs: numberOption(values['pause-ms'], '--pause-ms') ?? 0,
        settleMs: (numberOption(values['settle-seconds'], '--settle-seconds') ?? target.settleMs / 1000) * 1000,
        propagationMs: numberOption(values['propagation-ms'], '--propagation-ms') ?? target.propagationMs,
        maxBatches: numberOption(values['max-batches'], '--max-batches'),
        log: io.out,
      });
      io.out(JSON.stringify(result));
      return 0;
    } finally {
      target.client.destroy();
    }
  } catch (error) {
    io.err(`reshard: ${(error as Error).message}`);
    return 1;
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      shards: { type: 'string' },
      table: { type: 'string' },
      endpoint: { type: 'string' },
      'data-dir': { type: 'string' },
      'batch-size': { type: 'string' },
      'pause-ms': { type: 'string' },
      'settle-seconds': { type: 'string' },
      'propagation-ms': { type: 'string' },
      'max-batches': { type: 'string' },
      status: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  }).values;
}

function numberOption(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+$/.test(raw)) throw new Error(`${name} must be a whole number, got "${raw}"`);
  return Number(raw);
}

/** DynamoDB shows a write in an index normally well within this; a stand-in must be there before its task moves. */
const AWS_PROPAGATION_MS = 1_000;

interface Target {
  client: DynamoDBClient;
  tableName: string;
  description: string;
  /** How long to wait after announcing a move before moving anything. */
  settleMs: number;
  /** How long the index takes to show a write (DynamoDB: asynchronous; the embedded engine: at once). */
  propagationMs: number;
}

async function targetOf(values: ReturnType<typeof parse>, env: NodeJS.ProcessEnv): Promise<Target> {
  const table = values.table ?? env.TABLE_NAME;
  if (values.endpoint) {
    if (!table) throw new Error('--endpoint needs --table');
    return {
      client: localClient(values.endpoint, 'local'),
      tableName: table,
      description: `DynamoDB at ${values.endpoint}`,
      settleMs: DEFAULT_SETTLE_MS,
      // An emulator (DynamoDB Local, dynalite) updates its indexes with the write.
      propagationMs: 0,
    };
  }
  if (table) {
    // Deployed: the functions cache the layout, and invocations that began before the deploy may
    // still write with the old count for up to the longest Lambda timeout.
    return {
      client: new DynamoDBClient({}),
      tableName: table,
      description: `AWS (${env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'the default region'})`,
      settleMs: DEFAULT_SETTLE_MS + MAX_LAMBDA_TIMEOUT_SECONDS * 1000,
      propagationMs: AWS_PROPAGATION_MS,
    };
  }
  const dataDir = resolve(values['data-dir'] ?? env.TASK_API_DATA_DIR ?? DEFAULT_DATA_DIR);
  const file = join(dataDir, LOCAL_ENV_FILE);
  let local: LocalEnv;
  try {
    local = JSON.parse(await readFile(file, 'utf8')) as LocalEnv;
  } catch {
    throw new Error(`No local stack found (${file} is missing): run \`npm start\` first, or give --table for a deployed table`);
  }
  try {
    await fetch(local.dynamoDbEndpoint, { signal: AbortSignal.timeout(2000) });
  } catch {
    throw new Error(`Local mode's DynamoDB (${local.dynamoDbEndpoint}) does not answer: start it with \`npm start\``);
  }
  return {
    client: localClient(local.dynamoDbEndpoint, local.region),
    tableName: local.tableName,
    description: `local mode (${dataDir})`,
    settleMs: DEFAULT_SETTLE_MS,
    propagationMs: 0,
  };
}

function localClient(endpoint: string, region: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

const defaultIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.exitCode = await main(process.argv.slice(2));
}

/**
 * `npm start`: the whole API on http://localhost:3000.
 *
 *   npm start [-- --port 3000] [--data-dir .local] [--memory] [--quiet]
 *
 * Environment: PORT, TASK_API_DATA_DIR (as the CLI reads it), ALLOWED_ORIGINS (comma list, default
 * http://localhost:5173,http://localhost:3000), LAMBDA_TIMEOUT_SECONDS (each function's timeout, as deployed: default 10).
 *
 * Signals: SIGINT/SIGTERM stop (printing the per-route summary unless --quiet); SIGUSR2 prints the
 * per-route summary (requests, 4xx, 5xx, p50/p99) and keeps running.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { RouteDefinition } from '../functions/routes.ts';
import { formatSummary } from './gateway/route-summary.ts';
import { DEFAULT_DATA_DIR, DEFAULT_PORT, LOCAL_ENV_FILE, type LocalStack, startLocal } from './server.ts';

const USAGE = `Usage: npm start [-- --port <n>] [--data-dir <dir>] [--memory] [--quiet]

  --port <n>        API port (default ${DEFAULT_PORT}, or $PORT; 0 picks a free one). Cognito listens on the next port.
  --data-dir <dir>  where the table, users and keys are kept (default ${DEFAULT_DATA_DIR}/, or $TASK_API_DATA_DIR)
  --memory          keep nothing: a throw-away run in a temporary folder of its own (never the default one)
  --quiet           no banner, access log or function output
`;

function options() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      memory: { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const portText = values.port ?? process.env.PORT ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65_535) throw new Error(`--port must be a number from 0 to 65535, not "${portText}"`);
  // $TASK_API_DATA_DIR names the kept stack's folder (the CLI reads it too); a throw-away stack takes a
  // temporary folder of its own unless --data-dir names one.
  const dataDir = values['data-dir'] ?? (values.memory ? undefined : process.env.TASK_API_DATA_DIR);
  return { port, memory: values.memory, quiet: values.quiet, ...(dataDir ? { dataDir } : {}) };
}

function banner(stack: LocalStack, readyMs: number, memory: boolean, routes: readonly RouteDefinition[]): string {
  const api = stack.url.replace('127.0.0.1', 'localhost');
  // The CLI finds the default folder's stack by itself; any other (a throw-away one included) by name.
  const cli = stack.dataDir === resolve(DEFAULT_DATA_DIR) ? 'npx task-api' : `npx task-api --data-dir ${stack.dataDir}`;
  const width = Math.max(...routes.map((route) => `${route.method} ${route.path}`.length));
  const routeLines = routes.map((route) => `    ${`${route.method} ${route.path}`.padEnd(width)}  ${route.summary}`).join('\n');
  const initiateAuth = JSON.stringify({
    AuthFlow: 'USER_PASSWORD_AUTH',
    ClientId: stack.clientId,
    AuthParameters: { USERNAME: 'you@example.com', PASSWORD: 'Correct-Horse-9-battery' },
  });
  return `
Task API — local mode: the real handlers, route table and table design, with real sign-up and verified tokens.

  API            ${api}
  Cognito        ${stack.cognitoEndpoint}   (region ${stack.region})
  User pool      ${stack.userPoolId}
  App client     ${stack.clientId}
  Table          ${stack.tableName}
  Data           ${memory ? `in memory (nothing is kept); ids in ${join(stack.dataDir, LOCAL_ENV_FILE)}` : `${stack.dataDir}   (ids in ${LOCAL_ENV_FILE})`}
  Ready in       ${(readyMs / 1000).toFixed(2)} s (process start to first answered request)

  Routes (every one needs an ID token in the Authorization header):
${routeLines}

Sign up and call it (the CLI asks for the password, or reads $TASK_API_PASSWORD):
  ${cli} signup --email you@example.com
  ${cli} confirm --email you@example.com         # local mode confirms without a code
  ${cli} login --email you@example.com
  ${cli} tasks create --title 'Try local mode'
  ${cli} tasks list
  ${cli} help                                     # every command

Or with curl (after signing up):
  TOKEN=$(curl -s ${stack.cognitoEndpoint}/ -H 'Content-Type: application/x-amz-json-1.1' \\
    -H 'X-Amz-Target: AWSCognitoIdentityProviderService.InitiateAuth' \\
    -d '${initiateAuth}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).AuthenticationResult.IdToken')
  curl -s -X POST ${api}/tasks -H "Authorization: $TOKEN" -H 'Content-Type: application/json' -d '{"title":"Try local mode"}'
  curl -s ${api}/tasks -H "Authorization: $TOKEN"

Each function writes its JSON log line and its metric line (CloudWatch embedded metric format) below.
Edits under functions/ apply on the next request. \`kill -USR2 ${process.pid}\` prints the per-route
summary (requests, 4xx, 5xx, p50/p99); Ctrl-C (or: ${cli} stop) prints it and stops.
`;
}

async function main() {
  // stderr is for what goes wrong: not the AWS SDK's notice that its 2027 releases need Node 22.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let parsed: ReturnType<typeof options>;
  try {
    parsed = options();
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    process.exit(2);
  }
  // Listened for before anything starts: a signal during start-up (or the instant after "ready") stops
  // the stack as soon as there is one, instead of killing the process with the data folder still locked.
  let stack: LocalStack | undefined;
  let signalled: string | undefined;
  let stopping = false;
  const stop = async () => {
    if (!stack || !signalled || stopping) return;
    stopping = true;
    if (!parsed.quiet) process.stdout.write(`\n${formatSummary(stack.routeSummary.rows())}${signalled}: stopping…\n`);
    await stack.stop();
    process.exit(0);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      signalled ??= signal;
      void stop();
    });
  }

  stack = await startLocal(parsed);
  if (signalled) return stop();
  // The first answered request: the gateway, authorizer and a warm function sandbox are all up by now.
  const probe = await fetch(`${stack.url}/tasks`, { headers: { 'User-Agent': 'local-start-probe' } });
  await probe.arrayBuffer();
  const readyMs = performance.now();
  // The probe is not a user's request.
  stack.routeSummary.clear();
  if (!parsed.quiet) {
    // Loaded only now: the route table (and zod with it) is not needed to serve, the sandbox has its own.
    const { routes } = await import('../functions/routes.ts');
    process.stdout.write(banner(stack, readyMs, parsed.memory, routes));
  } else process.stdout.write(`${stack.url} ready in ${(readyMs / 1000).toFixed(2)} s\n`);
  process.on('SIGUSR2', () => process.stdout.write(formatSummary(stack.routeSummary.rows())));
}

main().catch((error: unknown) => {
  process.stderr.write(`Local mode did not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});

/**
 * A child of `npm run bench`: one in-memory local stack, as `npm start --memory --quiet` runs it, in its
 * own process so that the load generator does not share its event loop. The web ACL's per-caller rate
 * limit is off (one token sends thousands of requests); everything else is as deployed. Prints the
 * stack's addresses as one JSON line, answers the parent's CPU-time requests over IPC, and stops on
 * SIGTERM or when that channel closes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocal } from '../../local/server.ts';
import type { LocalStackAddresses } from '../local-user.ts';
import { answerCpuRequests } from './load.ts';

// A folder of its own: a throw-away stack must not touch the default folder's local-env.json.
const dataDir = await mkdtemp(join(tmpdir(), 'task-api-bench-stack-'));
const stack = await startLocal({ port: 0, memory: true, quiet: true, dataDir, limits: { rateLimit: false } });
const addresses: LocalStackAddresses = {
  url: stack.url,
  cognitoEndpoint: stack.cognitoEndpoint,
  region: stack.region,
  userPoolId: stack.userPoolId,
  clientId: stack.clientId,
};
process.stdout.write(`${JSON.stringify(addresses)}\n`);
answerCpuRequests();
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void stack
    .stop()
    .then(() => rm(dataDir, { recursive: true, force: true }))
    .finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
// Also when the bench goes away without a word: the IPC channel closes.
process.once('disconnect', stop);

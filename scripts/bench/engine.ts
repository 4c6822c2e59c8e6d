/**
 * A child of the direct floor (direct-floor.ts): the embedded DynamoDB engine in a process of its own, so
 * that the bench can tell the handler's CPU time from the engine's. Sends its endpoint once listening,
 * answers CPU-time requests, and stops when its IPC channel closes.
 */
import { startDynamoDb } from '../../local/storage/dynamodb.ts';
import { answerCpuRequests } from './load.ts';

export interface EngineReady {
  type: 'ready';
  endpoint: string;
}

const dynamo = await startDynamoDb({ host: '127.0.0.1' });
const ready: EngineReady = { type: 'ready', endpoint: dynamo.endpoint };
process.send?.(ready);
answerCpuRequests();
// process.exit (not a signal) so that --cpu-prof writes its profile.
process.once('disconnect', () => void dynamo.stop().finally(() => process.exit(0)));

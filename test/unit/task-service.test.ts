import '../support/env.ts';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { IdempotencyKeyReusedError, NotFoundError, PreconditionFailedError, QuotaExceededError } from '../../functions/tasks/errors.ts';
import { createTaskService, fingerprintOf, IDEMPOTENCY_TTL_SECONDS } from '../../functions/tasks/service.ts';
import type { NewTaskInput, Task, TaskStatus } from '../../functions/tasks/task.ts';
import { USER_A, USER_B } from '../support/events.ts';
import { createMemoryRepository, type MemoryRepository } from '../support/memory-repository.ts';

const START = Date.parse('2026-03-01T10:00:00.000Z');
const INPUT: NewTaskInput = { title: 'Ship it', description: 'today', status: 'pending' };

interface World {
  repository: MemoryRepository;
  service: ReturnType<typeof createTaskService>;
  /** Moves the clock on. */
  advance: (ms: number) => void;
}

function world(maxTasksPerUser?: number): World {
  let clock = START;
  let sequence = 0;
  const repository = createMemoryRepository();
  const service = createTaskService({
    repository,
    now: () => new Date(clock),
    newId: () => `01HZZZZZZZZZZZZZZZZZZZZ${String(++sequence).padStart(3, '0')}`,
    ...(maxTasksPerUser === undefined ? {} : { maxTasksPerUser }),
  });
  return { repository, service, advance: (ms) => (clock += ms) };
}

async function rejects(promise: Promise<unknown>, type: new (...args: never[]) => Error) {
  try {
    await promise;
  } catch (error) {
    assert.instance(error, type);
    return;
  }
  assert.unreachable(`expected ${type.name}`);
}

// ---------------------------------------------------------------------------------------------------
const creating = suite('the service creates tasks');

creating('a new task: fresh id, version 1, both timestamps now', async () => {
  const { service, repository } = world();

  const { task, replayed } = await service.create(USER_A, INPUT);

  assert.equal(task, {
    task_id: '01HZZZZZZZZZZZZZZZZZZZZ001',
    ...INPUT,
    created_at: '2026-03-01T10:00:00.000Z',
    updated_at: '2026-03-01T10:00:00.000Z',
    version: 1,
  });
  assert.is(replayed, false);
  assert.equal(repository.calls, ['reserveTaskSlot', 'insert']);
  assert.is(repository.counts.get(USER_A), 1);
  assert.equal(repository.tasks.get(`${USER_A}/${task.task_id}`)?.task, task);
});

creating('an id collision is an internal error, not a silent overwrite', async () => {
  const { repository } = world();
  const service = createTaskService({ repository, newId: () => '01HZZZZZZZZZZZZZZZZZZZZ001' });
  await service.create(USER_A, INPUT);

  await rejects(service.create(USER_A, { ...INPUT, title: 'other' }), Error);
  assert.is(repository.tasks.size, 1);
  assert.is(repository.tasks.get(`${USER_A}/01HZZZZZZZZZZZZZZZZZZZZ001`)?.task.title, INPUT.title);
});

creating.run();

// ---------------------------------------------------------------------------------------------------
const idempotency = suite('the service makes creates with an Idempotency-Key idempotent');

idempotency('first use claims the key (recording the task it will write), writes the task, then marks the key done', async () => {
  const { service, repository } = world();

  const { task, replayed } = await service.create(USER_A, INPUT, 'key-1');

  assert.is(replayed, false);
  assert.equal(repository.calls, ['claimIdempotencyKey', 'reserveTaskSlot', 'insert', 'completeIdempotencyKey']);
  const claim = repository.claims.get(`${USER_A}/key-1`);
  assert.equal(claim?.task, task);
  assert.is(claim?.completed, true);
  assert.is(claim?.fingerprint, fingerprintOf(INPUT));
  assert.is(claim?.expiresAt, START / 1000 + IDEMPOTENCY_TTL_SECONDS);
});

idempotency('a replay returns the same task, says so, and writes nothing', async () => {
  const { service, repository } = world();
  const first = await service.create(USER_A, INPUT, 'key-1');
  repository.calls.length = 0;

  const replay = await service.create(USER_A, { ...INPUT }, 'key-1');

  assert.equal(replay, { task: first.task, replayed: true });
  assert.equal(repository.calls, ['claimIdempotencyKey', 'get']);
  assert.is(repository.tasks.size, 1);
});

idempotency('a replay after the task was updated returns it as it is now', async () => {
  const { service, advance } = world();
  const { task } = await service.create(USER_A, INPUT, 'key-1');
  advance(1000);
  await service.update(USER_A, task.task_id, { status: 'done' });

  const replay = await service.create(USER_A, INPUT, 'key-1');

  assert.is(replay.task.status, 'done');
  assert.is(replay.task.version, 2);
});

idempotency('the same key with a different body → IdempotencyKeyReusedError, nothing written', async () => {
  const { service, repository } = world();
  await service.create(USER_A, INPUT, 'key-1');
  repository.calls.length = 0;

  for (const changed of [{ title: 'Other' }, { description: 'tomorrow' }, { status: 'done' as TaskStatus }]) {
    await rejects(service.create(USER_A, { ...INPUT, ...changed }, 'key-1'), IdempotencyKeyReusedError);
  }
  assert.not.ok(repository.calls.includes('insert'));
  assert.is(repository.tasks.size, 1);
});

idempotency('keys belong to one user: another user’s identical key creates their own task', async () => {
  const { service, repository } = world();
  const mine = await service.create(USER_A, INPUT, 'key-1');

  const theirs = await service.create(USER_B, INPUT, 'key-1');

  assert.is(theirs.replayed, false);
  assert.is.not(theirs.task.task_id, mine.task.task_id);
  assert.is(repository.tasks.size, 2);
});

idempotency('two concurrent requests with one key create one task and both return it', async () => {
  const { service, repository } = world();

  const [a, b] = await Promise.all([service.create(USER_A, INPUT, 'key-1'), service.create(USER_A, INPUT, 'key-1')]);

  assert.is(a.task.task_id, b.task.task_id);
  assert.is(repository.tasks.size, 1);
  assert.equal([a.replayed, b.replayed].sort(), [false, true]);
});

idempotency('many concurrent replays still make exactly one task', async () => {
  const { service, repository } = world();

  const results = await Promise.all(Array.from({ length: 10 }, () => service.create(USER_A, INPUT, 'key-1')));

  assert.is(new Set(results.map((result) => result.task.task_id)).size, 1);
  assert.is(repository.tasks.size, 1);
  assert.is(results.filter((result) => !result.replayed).length, 1);
});

const orphanTask = () => ({
  task_id: '01HZZZZZZZZZZZZZZZZZZZZ999',
  ...INPUT,
  created_at: new Date(START).toISOString(),
  updated_at: new Date(START).toISOString(),
  version: 1,
});

async function claimWithoutCreating(repository: MemoryRepository, task: Task) {
  await repository.claimIdempotencyKey(
    USER_A,
    { key: 'key-1', fingerprint: fingerprintOf(INPUT), task, expiresAt: START / 1000 + 3600, completed: false },
    new Date(START),
  );
}

idempotency('the first request died after claiming the key: a replay finishes the create, however late', async () => {
  const { service, repository, advance } = world();
  const orphan = orphanTask();
  await claimWithoutCreating(repository, orphan);
  advance(30 * 60 * 1000);

  const replay = await service.create(USER_A, INPUT, 'key-1');

  assert.equal(replay, { task: orphan, replayed: true });
  assert.equal(repository.tasks.get(`${USER_A}/${orphan.task_id}`)?.task, orphan);
  assert.is(repository.tasks.size, 1);
  assert.is(repository.claims.get(`${USER_A}/key-1`)?.completed, true);
});

idempotency('a first request whose task write failed is answered by the retry with a task that exists', async () => {
  const { service, repository } = world();
  const insert = repository.insert;
  repository.insert = async () => {
    throw new Error('ProvisionedThroughputExceededException');
  };
  await rejects(service.create(USER_A, INPUT, 'key-1'), Error);
  repository.insert = insert;

  const retry = await service.create(USER_A, INPUT, 'key-1');

  assert.is(retry.replayed, true);
  assert.ok(await repository.get(USER_A, retry.task.task_id), 'the task the retry answers with is stored');
});

idempotency('a replay of a completed create whose task was deleted answers as created and does not bring it back', async () => {
  const { service, repository, advance } = world();
  const { task } = await service.create(USER_A, INPUT, 'key-1');
  await service.remove(USER_A, task.task_id);
  advance(1000);
  repository.calls.length = 0;

  const replay = await service.create(USER_A, INPUT, 'key-1');

  assert.equal(replay, { task, replayed: true });
  assert.is(repository.tasks.size, 0);
  assert.not.ok(repository.calls.includes('insert'));
});

idempotency('an expired key can be used again and makes a new task', async () => {
  const { service, repository, advance } = world();
  const first = await service.create(USER_A, INPUT, 'key-1');
  advance((IDEMPOTENCY_TTL_SECONDS + 1) * 1000);

  const again = await service.create(USER_A, { ...INPUT, title: 'A new body is fine now' }, 'key-1');

  assert.is(again.replayed, false);
  assert.is.not(again.task.task_id, first.task.task_id);
  assert.is(repository.tasks.size, 2);
});

idempotency.run();

// ---------------------------------------------------------------------------------------------------
const quota = suite('each user has at most maxTasksPerUser tasks');

/** What the counter must equal: the owner's stored tasks. */
const storedCount = (repository: MemoryRepository, ownerId: string) =>
  [...repository.tasks.values()].filter((entry) => entry.ownerId === ownerId).length;

quota('past the limit a create is QuotaExceededError (409 quota_exceeded, the limit in details) and stores nothing', async () => {
  const { service, repository } = world(3);
  for (let index = 0; index < 3; index++) await service.create(USER_A, INPUT);

  try {
    await service.create(USER_A, INPUT);
    assert.unreachable('a fourth task was created');
  } catch (error) {
    assert.instance(error, QuotaExceededError);
    assert.is((error as QuotaExceededError).code, 'quota_exceeded');
    assert.equal((error as QuotaExceededError).details, [{ field: 'tasks', message: 'at most 3 tasks per user', limit: 3 }]);
  }
  assert.is(storedCount(repository, USER_A), 3);
  assert.is((await service.create(USER_B, INPUT)).replayed, false, 'another user has their own quota');
});

quota('a delete frees a slot; a failed delete does not', async () => {
  const { service, repository } = world(2);
  const first = await service.create(USER_A, INPUT);
  await service.create(USER_A, INPUT);
  await rejects(service.remove(USER_A, 'nope'), NotFoundError);
  await rejects(service.create(USER_A, INPUT), QuotaExceededError);

  await service.remove(USER_A, first.task.task_id);

  assert.is(repository.counts.get(USER_A), 1);
  await service.create(USER_A, INPUT);
  assert.is(repository.counts.get(USER_A), storedCount(repository, USER_A));
});

quota('concurrent creates never pass the limit, and the count matches what is stored', async () => {
  const { service, repository } = world(5);
  const results = await Promise.allSettled(Array.from({ length: 20 }, () => service.create(USER_A, INPUT)));

  assert.is(results.filter((result) => result.status === 'fulfilled').length, 5);
  for (const result of results) if (result.status === 'rejected') assert.instance(result.reason, QuotaExceededError);
  assert.is(storedCount(repository, USER_A), 5);
  assert.is(repository.counts.get(USER_A), 5);
});

quota('idempotent creates and their racing replays count each stored task once', async () => {
  const { service, repository } = world(10);
  await Promise.all(Array.from({ length: 8 }, () => service.create(USER_A, INPUT, 'same-key')));
  await service.create(USER_A, INPUT, 'same-key');

  assert.is(storedCount(repository, USER_A), 1);
  assert.is(repository.counts.get(USER_A), 1);
});

quota('a task write that fails gives its slot back', async () => {
  const { service, repository } = world(1);
  const insert = repository.insert;
  repository.insert = async () => {
    throw new Error('write failed');
  };
  await rejects(service.create(USER_A, INPUT), Error);
  repository.insert = insert;

  assert.is(repository.counts.get(USER_A), 0);
  await service.create(USER_A, INPUT);
});

quota.run();

// ---------------------------------------------------------------------------------------------------
const fingerprints = suite('request fingerprints');

fingerprints('the same input always gives the same fingerprint, whatever the key order', () => {
  assert.is(
    fingerprintOf({ title: 'a', description: 'b', status: 'done' }),
    fingerprintOf({ status: 'done', description: 'b', title: 'a' } as NewTaskInput),
  );
});

fingerprints('different inputs give different fingerprints (no field can bleed into another)', () => {
  const status = fc.constantFrom<TaskStatus>('pending', 'in_progress', 'done');
  const input = fc.record({ title: fc.string(), description: fc.string(), status });
  fc.assert(
    fc.property(input, input, (a, b) => {
      fc.pre(a.title !== b.title || a.description !== b.description || a.status !== b.status);
      assert.is.not(fingerprintOf(a), fingerprintOf(b));
    }),
    { numRuns: 300 },
  );
  assert.is.not(
    fingerprintOf({ title: 'a","b', description: '', status: 'done' }),
    fingerprintOf({ title: 'a', description: 'b', status: 'done' }),
  );
});

fingerprints.run();

// ---------------------------------------------------------------------------------------------------
const other = suite('the service reads, lists, updates and deletes');

other('get of an absent task → NotFoundError', async () => {
  const { service } = world();

  await rejects(service.get(USER_A, '01HZZZZZZZZZZZZZZZZZZZZ404'), NotFoundError);
});

other('another user’s task is not found for reading, changing or deleting', async () => {
  const { service, repository } = world();
  const { task } = await service.create(USER_A, INPUT);

  await rejects(service.get(USER_B, task.task_id), NotFoundError);
  await rejects(service.update(USER_B, task.task_id, { title: 'x' }), NotFoundError);
  await rejects(service.remove(USER_B, task.task_id), NotFoundError);
  assert.equal(repository.tasks.get(`${USER_A}/${task.task_id}`)?.task, task);
});

other('update stamps updated_at with the clock and passes the expected version through', async () => {
  const { service, advance } = world();
  const { task } = await service.create(USER_A, INPUT);
  advance(5000);

  const updated = await service.update(USER_A, task.task_id, { title: 'New' }, 1);

  assert.is(updated.updated_at, new Date(START + 5000).toISOString());
  assert.is(updated.created_at, task.created_at);
  assert.is(updated.version, 2);
  await rejects(service.update(USER_A, task.task_id, { title: 'Stale' }, 1), PreconditionFailedError);
  await rejects(service.remove(USER_A, task.task_id, 1), PreconditionFailedError);
  await service.remove(USER_A, task.task_id, 2);
  await rejects(service.get(USER_A, task.task_id), NotFoundError);
});

other('list and listAll hand the page request and status to the repository', async () => {
  const { service } = world();
  await service.create(USER_A, INPUT);
  await service.create(USER_A, { ...INPUT, status: 'done' });
  await service.create(USER_B, { ...INPUT, status: 'done' });

  const mine = await service.list(USER_A, { limit: 10 });
  const myDone = await service.list(USER_A, { limit: 10 }, 'done');
  const allDone = await service.listAll('done', { limit: 1 });

  assert.is(mine.items.length, 2);
  assert.is(myDone.items.length, 1);
  assert.is(allDone.items.length, 1);
  assert.ok(allDone.cursor);
});

other.run();

/**
 * The TaskRepository contract: what the service relies on from any repository, run against the DynamoDB
 * adapter on the embedded engine (test/integration/task-store.test.ts) and against the in-memory fake the
 * unit tests use (test/unit/memory-repository.test.ts), so the fake cannot drift from the adapter.
 * Everything here goes through the port; what only the adapter has (TTL, item layout) is tested beside it.
 */
import { monotonicFactory } from 'ulid';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { NotFoundError, PreconditionFailedError } from '../../functions/tasks/errors.ts';
import type { TaskRepository } from '../../functions/tasks/repository.ts';
import { createTaskService, fingerprintOf, type TaskService } from '../../functions/tasks/service.ts';
import type { Task } from '../../functions/tasks/task.ts';

export interface RepositoryUnderTest {
  /** Once per suite (e.g. start the embedded engine). */
  start?: () => Promise<void>;
  /** A fresh, empty repository for each test. */
  fresh: () => Promise<TaskRepository>;
  stop?: () => Promise<void>;
}

interface Context {
  repository: TaskRepository;
  service: TaskService;
  clock: { now: Date };
}

const input = (title: string, status: Task['status'] = 'pending') => ({ title, description: '', status });
const tick = (context: Context) => {
  context.clock.now = new Date(context.clock.now.getTime() + 1000);
};

async function createMany(context: Context, owner: string, count: number, status?: Task['status']): Promise<Task[]> {
  const created: Task[] = [];
  for (let index = 0; index < count; index++) {
    tick(context);
    created.push((await context.service.create(owner, input(`task ${index}`, status))).task);
  }
  return created;
}

export function runRepositoryContract(name: string, subject: RepositoryUnderTest): void {
  const contract = suite<Context>(`the repository contract: ${name}`);

  contract.before(async () => {
    await subject.start?.();
  });

  contract.before.each(async (context) => {
    context.repository = await subject.fresh();
    context.clock = { now: new Date('2026-01-01T00:00:00.000Z') };
    context.service = createTaskService({ repository: context.repository, now: () => context.clock.now, newId: monotonicFactory() });
  });

  contract.after(async () => {
    await subject.stop?.();
  });

  contract('a created task reads back as it was written, without storage attributes', async (context) => {
    const { task } = await context.service.create('alice', { title: 'Buy milk', description: 'semi-skimmed', status: 'pending' });
    const read = await context.service.get('alice', task.task_id);
    assert.equal(read, task);
    assert.equal(Object.keys(read).sort(), ['created_at', 'description', 'status', 'task_id', 'title', 'updated_at', 'version']);
  });

  contract("another user's task is not found", async (context) => {
    const { task } = await context.service.create('alice', input('private'));
    try {
      await context.service.get('bob', task.task_id);
      assert.unreachable('bob read alice’s task');
    } catch (error) {
      assert.instance(error, NotFoundError);
    }
  });

  contract('lists a user’s tasks newest first across pages, with no duplicates or gaps', async (context) => {
    const created = await createMany(context, 'alice', 23);
    await createMany(context, 'bob', 3);
    const seen: string[] = [];
    let cursor: Record<string, unknown> | undefined;
    let pages = 0;
    do {
      const page = await context.service.list('alice', { limit: 5, cursor });
      seen.push(...page.items.map((task) => task.task_id));
      cursor = page.cursor;
      pages++;
    } while (cursor);
    assert.equal(seen, created.map((task) => task.task_id).reverse());
    assert.is(pages, 5, 'the last page has no cursor, so there is no empty page at the end');
  });

  contract('an exact multiple of the page size ends without a cursor', async (context) => {
    await createMany(context, 'alice', 4);
    const first = await context.service.list('alice', { limit: 2 });
    assert.ok(first.cursor);
    const second = await context.service.list('alice', { limit: 2, cursor: first.cursor });
    assert.is(second.items.length, 2);
    assert.is(second.cursor, undefined);
  });

  contract('the status filter reads only tasks with that status, through the user-status index', async (context) => {
    const pending = await createMany(context, 'alice', 3, 'pending');
    const done = await createMany(context, 'alice', 2, 'done');
    const page = await context.service.list('alice', { limit: 10 }, 'done');
    assert.equal(
      page.items.map((task) => task.task_id),
      done.map((task) => task.task_id).reverse(),
    );
    const all = await context.service.list('alice', { limit: 10 });
    assert.is(all.items.length, pending.length + done.length);
  });

  contract('changing the status moves the task between both status indexes in one update', async (context) => {
    const { task } = await context.service.create('alice', input('ship it'));
    tick(context);
    const updated = await context.service.update('alice', task.task_id, { status: 'done' });
    assert.is(updated.version, 2);
    assert.is(updated.status, 'done');
    assert.is(updated.updated_at, context.clock.now.toISOString());
    assert.is(updated.created_at, task.created_at);
    assert.is((await context.service.list('alice', { limit: 10 }, 'pending')).items.length, 0);
    assert.equal(
      (await context.service.list('alice', { limit: 10 }, 'done')).items.map((found) => found.task_id),
      [task.task_id],
    );
    assert.is((await context.service.listAll('pending', { limit: 10 })).items.length, 0);
    assert.equal(
      (await context.service.listAll('done', { limit: 10 })).items.map((found) => found.task_id),
      [task.task_id],
    );
  });

  contract('the admin view lists every user’s tasks with one status, newest first, with owners', async (context) => {
    const alices = await createMany(context, 'alice', 2);
    const bobs = await createMany(context, 'bob', 2);
    await createMany(context, 'bob', 1, 'done');
    const page = await context.service.listAll('pending', { limit: 3 });
    assert.equal(
      page.items.map((task) => [task.owner_id, task.task_id]),
      [
        ['bob', bobs[1]?.task_id],
        ['bob', bobs[0]?.task_id],
        ['alice', alices[1]?.task_id],
      ],
    );
    const next = await context.service.listAll('pending', { limit: 3, cursor: page.cursor });
    assert.equal(
      next.items.map((task) => task.task_id),
      [alices[0]?.task_id],
    );
    assert.is(next.cursor, undefined);
  });

  contract('an update with a stale version fails with 412 and changes nothing', async (context) => {
    const { task } = await context.service.create('alice', input('v1'));
    await context.service.update('alice', task.task_id, { title: 'v2' }, 1);
    try {
      await context.service.update('alice', task.task_id, { title: 'stale' }, 1);
      assert.unreachable('stale update went through');
    } catch (error) {
      assert.instance(error, PreconditionFailedError);
    }
    const current = await context.service.get('alice', task.task_id);
    assert.is(current.title, 'v2');
    assert.is(current.version, 2);
  });

  contract('updating or deleting a missing task is not found, with or without a version', async (context) => {
    for (const attempt of [
      () => context.service.update('alice', '01ARZ3NDEKTSV4RRFFQ69G5FAV', { title: 'x' }),
      () => context.service.update('alice', '01ARZ3NDEKTSV4RRFFQ69G5FAV', { title: 'x' }, 1),
      () => context.service.remove('alice', '01ARZ3NDEKTSV4RRFFQ69G5FAV'),
      () => context.service.remove('alice', '01ARZ3NDEKTSV4RRFFQ69G5FAV', 1),
    ]) {
      try {
        await attempt();
        assert.unreachable('a missing task was changed');
      } catch (error) {
        assert.instance(error, NotFoundError);
      }
    }
  });

  contract('update or delete of another user’s task is not found and leaves it intact', async (context) => {
    const { task } = await context.service.create('alice', input('mine'));
    for (const attempt of [
      () => context.service.update('bob', task.task_id, { title: 'theirs' }),
      () => context.service.remove('bob', task.task_id),
    ]) {
      try {
        await attempt();
        assert.unreachable();
      } catch (error) {
        assert.instance(error, NotFoundError);
      }
    }
    assert.equal(await context.service.get('alice', task.task_id), task);
  });

  contract('a delete with the current version removes the task; with a stale one it is refused', async (context) => {
    const { task } = await context.service.create('alice', input('old'));
    await context.service.update('alice', task.task_id, { description: 'edited' });
    try {
      await context.service.remove('alice', task.task_id, 1);
      assert.unreachable();
    } catch (error) {
      assert.instance(error, PreconditionFailedError);
    }
    await context.service.remove('alice', task.task_id, 2);
    assert.is(await context.repository.get('alice', task.task_id), undefined);
  });

  contract('an idempotent replay returns the same task and stores one task', async (context) => {
    const first = await context.service.create('alice', input('once'), 'key-1');
    tick(context);
    const replay = await context.service.create('alice', input('once'), 'key-1');
    assert.is(replay.replayed, true);
    assert.equal(replay.task, first.task);
    assert.is((await context.service.list('alice', { limit: 10 })).items.length, 1);
  });

  contract('the same idempotency key used by two users creates two tasks', async (context) => {
    const alices = await context.service.create('alice', input('same'), 'shared-key');
    const bobs = await context.service.create('bob', input('same'), 'shared-key');
    assert.is.not(alices.task.task_id, bobs.task.task_id);
    assert.is(bobs.replayed, false);
  });

  contract('a replay after the task was deleted does not bring it back', async (context) => {
    const { task } = await context.service.create('alice', input('gone'), 'key-3');
    await context.service.remove('alice', task.task_id);
    tick(context);
    const replay = await context.service.create('alice', input('gone'), 'key-3');
    assert.is(replay.task.task_id, task.task_id);
    assert.is(await context.repository.get('alice', task.task_id), undefined);
  });

  contract('a replay that finds the key claimed but the create unfinished finishes it and marks it done', async (context) => {
    const orphan = { task_id: '01ARZ3NDEKTSV4RRFFQ69G5FAV', ...input('crashed'), created_at: 'x', updated_at: 'x', version: 1 };
    // A first request that died between claiming the key and writing the task.
    const claim = { key: 'key-2', fingerprint: fingerprintOf(input('crashed')), task: orphan, expiresAt: 4102444800, completed: false };
    assert.is(await context.repository.claimIdempotencyKey('alice', claim, context.clock.now), undefined);
    context.clock.now = new Date(context.clock.now.getTime() + 3_600_000);
    const replay = await context.service.create('alice', input('crashed'), 'key-2');
    assert.is(replay.task.task_id, orphan.task_id);
    assert.ok(await context.repository.get('alice', orphan.task_id));
    const held = await context.repository.claimIdempotencyKey('alice', { ...claim, completed: false }, context.clock.now);
    assert.is(held?.completed, true);
  });

  contract('an expired idempotency record no longer holds its key', async (context) => {
    const task = { task_id: '01ARZ3NDEKTSV4RRFFQ69G5FAV', ...input('old'), created_at: 'x', updated_at: 'x', version: 1 };
    const claim = { key: 'key-5', fingerprint: 'f', task, expiresAt: Math.floor(context.clock.now.getTime() / 1000) + 60, completed: true };
    assert.is(await context.repository.claimIdempotencyKey('alice', claim, context.clock.now), undefined);
    assert.ok(await context.repository.claimIdempotencyKey('alice', claim, context.clock.now), 'a live record holds its key');
    const later = new Date(context.clock.now.getTime() + 120_000);
    assert.is(await context.repository.claimIdempotencyKey('alice', { ...claim, expiresAt: claim.expiresAt + 3600 }, later), undefined);
  });

  contract('the task counter: parallel reservations never pass the limit, releases never go below zero', async (context) => {
    const results = await Promise.all(Array.from({ length: 20 }, () => context.repository.reserveTaskSlot('counted', 5)));
    assert.is(results.filter(Boolean).length, 5);
    await Promise.all(Array.from({ length: 8 }, () => context.repository.releaseTaskSlot('counted')));
    const again = await Promise.all(Array.from({ length: 7 }, () => context.repository.reserveTaskSlot('counted', 5)));
    assert.is(again.filter(Boolean).length, 5, 'the count went back to zero, not below');
    await context.repository.releaseTaskSlot('nobody');
    assert.ok(await context.repository.reserveTaskSlot('nobody', 1));
  });

  contract('an insert of a taken id is refused and keeps the first task', async (context) => {
    const task = { task_id: '01ARZ3NDEKTSV4RRFFQ69G5FAV', ...input('first'), created_at: 'x', updated_at: 'x', version: 1 };
    assert.ok(await context.repository.insert('alice', task));
    assert.not.ok(await context.repository.insert('alice', { ...task, title: 'second' }));
    assert.is((await context.repository.get('alice', task.task_id))?.title, 'first');
  });

  contract.run();
}

/**
 * An in-memory TaskRepository with the same conditional semantics as the DynamoDB adapter: inserts
 * fail when the id is taken, an idempotency key can be claimed when free or expired (by the caller's clock), and update/delete
 * check existence and the expected version. Every method yields to the event loop first, so concurrent
 * service calls interleave as they would against a real table. `calls` records what was asked.
 */
import { NotFoundError, PreconditionFailedError } from '../../functions/tasks/errors.ts';
import type { IdempotencyRecord, PageRequest, TaskRepository } from '../../functions/tasks/repository.ts';
import type { OwnedTask, Page, Task, TaskPatch, TaskStatus } from '../../functions/tasks/task.ts';

export interface MemoryRepository extends TaskRepository {
  tasks: Map<string, { ownerId: string; task: Task }>;
  /** Each owner's quota counter. */
  counts: Map<string, number>;
  claims: Map<string, IdempotencyRecord>;
  calls: string[];
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const taskKey = (ownerId: string, taskId: string) => `${ownerId}/${taskId}`;
const clone = <T>(value: T): T => structuredClone(value);

export function createMemoryRepository(): MemoryRepository {
  const tasks = new Map<string, { ownerId: string; task: Task }>();
  const claims = new Map<string, IdempotencyRecord>();
  const counts = new Map<string, number>();
  const calls: string[] = [];

  function page<T>(items: T[], request: PageRequest): Page<T> {
    const start = Number(request.cursor?.offset ?? 0);
    const slice = items.slice(start, start + request.limit);
    return { items: slice, cursor: start + request.limit < items.length ? { offset: start + request.limit } : undefined };
  }

  function existing(ownerId: string, taskId: string, expectedVersion?: number): { ownerId: string; task: Task } {
    const found = tasks.get(taskKey(ownerId, taskId));
    if (!found) throw new NotFoundError();
    if (expectedVersion !== undefined && found.task.version !== expectedVersion) throw new PreconditionFailedError();
    return found;
  }

  return {
    tasks,
    claims,
    counts,
    calls,
    async reserveTaskSlot(ownerId, limit) {
      calls.push('reserveTaskSlot');
      await tick();
      const count = counts.get(ownerId) ?? 0;
      if (count >= limit) return false;
      counts.set(ownerId, count + 1);
      return true;
    },
    async releaseTaskSlot(ownerId) {
      calls.push('releaseTaskSlot');
      await tick();
      const count = counts.get(ownerId) ?? 0;
      if (count > 0) counts.set(ownerId, count - 1);
    },
    async insert(ownerId, task) {
      calls.push('insert');
      await tick();
      const key = taskKey(ownerId, task.task_id);
      if (tasks.has(key)) return false;
      tasks.set(key, { ownerId, task: clone(task) });
      return true;
    },
    async claimIdempotencyKey(ownerId, record, now) {
      calls.push('claimIdempotencyKey');
      await tick();
      const key = `${ownerId}/${record.key}`;
      const held = claims.get(key);
      if (held && !(held.expiresAt < Math.floor(now.getTime() / 1000))) return clone(held);
      claims.set(key, clone(record));
      return undefined;
    },
    async completeIdempotencyKey(ownerId, key) {
      calls.push('completeIdempotencyKey');
      await tick();
      const held = claims.get(`${ownerId}/${key}`);
      if (held) held.completed = true;
    },
    async get(ownerId, taskId) {
      calls.push('get');
      await tick();
      const found = tasks.get(taskKey(ownerId, taskId));
      return found ? clone(found.task) : undefined;
    },
    async listByOwner(ownerId, request, status?: TaskStatus) {
      calls.push('listByOwner');
      await tick();
      const mine = [...tasks.values()]
        .filter((entry) => entry.ownerId === ownerId && (status === undefined || entry.task.status === status))
        .map((entry) => clone(entry.task))
        .sort((a, b) => b.task_id.localeCompare(a.task_id));
      return page(mine, request);
    },
    async listByStatus(status, request) {
      calls.push('listByStatus');
      await tick();
      const all: OwnedTask[] = [...tasks.values()]
        .filter((entry) => entry.task.status === status)
        .map((entry) => ({ ...clone(entry.task), owner_id: entry.ownerId }))
        // The status index's total order: creation time, then task id.
        .sort((a, b) => b.created_at.localeCompare(a.created_at) || b.task_id.localeCompare(a.task_id));
      return page(all, request);
    },
    async update(ownerId, taskId, patch: TaskPatch, updatedAt, expectedVersion) {
      calls.push('update');
      await tick();
      const found = existing(ownerId, taskId, expectedVersion);
      const defined = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
      found.task = { ...found.task, ...defined, updated_at: updatedAt, version: found.task.version + 1 };
      return clone(found.task);
    },
    async delete(ownerId, taskId, expectedVersion) {
      calls.push('delete');
      await tick();
      existing(ownerId, taskId, expectedVersion);
      tasks.delete(taskKey(ownerId, taskId));
    },
  };
}

/** The task rules, independent of HTTP and of DynamoDB. */
import { createHash } from 'node:crypto';
import { IdempotencyKeyReusedError, NotFoundError, QuotaExceededError } from './errors.ts';
import type { PageRequest, TaskRepository } from './repository.ts';
import type { NewTaskInput, OwnedTask, Page, Task, TaskPatch, TaskStatus } from './task.ts';

/** How long an idempotency key is remembered. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
/** How many tasks one user may have when the configuration does not say (MAX_TASKS_PER_USER). */
export const DEFAULT_MAX_TASKS_PER_USER = 10_000;

export interface TaskServiceDeps {
  repository: TaskRepository;
  now?: () => Date;
  newId: () => string;
  maxTasksPerUser?: number;
}

export interface CreateResult {
  task: Task;
  replayed: boolean;
}

export type TaskService = ReturnType<typeof createTaskService>;

export function createTaskService({
  repository,
  now = () => new Date(),
  newId,
  maxTasksPerUser = DEFAULT_MAX_TASKS_PER_USER,
}: TaskServiceDeps) {
  /**
   * Stores a task within the owner's quota: a slot is reserved first (a conditional counter update, so
   * concurrent creates never pass the limit) and given back unless this call stored the task.
   */
  async function insertWithinQuota(ownerId: string, task: Task): Promise<boolean> {
    if (!(await repository.reserveTaskSlot(ownerId, maxTasksPerUser))) throw new QuotaExceededError(maxTasksPerUser);
    let stored = false;
    try {
      stored = await repository.insert(ownerId, task);
      return stored;
    } finally {
      if (!stored) await repository.releaseTaskSlot(ownerId);
    }
  }

  async function create(ownerId: string, input: NewTaskInput, idempotencyKey?: string): Promise<CreateResult> {
    const clock = now();
    const timestamp = clock.toISOString();
    const task: Task = { task_id: newId(), ...input, created_at: timestamp, updated_at: timestamp, version: 1 };
    if (idempotencyKey === undefined) {
      if (!(await insertWithinQuota(ownerId, task))) throw new Error(`Task id ${task.task_id} is already taken`);
      return { task, replayed: false };
    }
    const fingerprint = fingerprintOf(input);
    const record = {
      key: idempotencyKey,
      fingerprint,
      task,
      expiresAt: Math.floor(clock.getTime() / 1000) + IDEMPOTENCY_TTL_SECONDS,
      completed: false,
    };
    const holder = await repository.claimIdempotencyKey(ownerId, record, clock);
    if (holder === undefined) {
      // This request won the key. (If a replay already finished the create for it, insert finds its task,
      // and the slot this call reserved is given back: each stored task is counted once.)
      await insertWithinQuota(ownerId, task);
      await repository.completeIdempotencyKey(ownerId, idempotencyKey);
      return { task, replayed: false };
    }
    if (holder.fingerprint !== fingerprint) throw new IdempotencyKeyReusedError();
    if (!holder.completed) {
      // The first request is still running, or failed between its two writes: finish its create with
      // the task it claimed. Both writes are idempotent, so racing the first request is harmless.
      await insertWithinQuota(ownerId, holder.task);
      await repository.completeIdempotencyKey(ownerId, idempotencyKey);
    }
    // A completed create whose task was deleted since answers as the first request did, without
    // bringing the task back.
    const current = await repository.get(ownerId, holder.task.task_id);
    return { task: current ?? holder.task, replayed: true };
  }

  async function get(ownerId: string, taskId: string): Promise<Task> {
    const task = await repository.get(ownerId, taskId);
    if (!task) throw new NotFoundError();
    return task;
  }

  function list(ownerId: string, page: PageRequest, status?: TaskStatus): Promise<Page<Task>> {
    return repository.listByOwner(ownerId, page, status);
  }

  function listAll(status: TaskStatus, page: PageRequest): Promise<Page<OwnedTask>> {
    return repository.listByStatus(status, page);
  }

  function update(ownerId: string, taskId: string, patch: TaskPatch, expectedVersion?: number): Promise<Task> {
    return repository.update(ownerId, taskId, patch, now().toISOString(), expectedVersion);
  }

  async function remove(ownerId: string, taskId: string, expectedVersion?: number): Promise<void> {
    await repository.delete(ownerId, taskId, expectedVersion);
    await repository.releaseTaskSlot(ownerId);
  }

  return { create, get, list, listAll, update, remove };
}

/** Same input, same fingerprint, whatever the key order or white space of the original JSON. */
export function fingerprintOf(input: NewTaskInput): string {
  const canonical = JSON.stringify([input.title, input.description, input.status]);
  return createHash('sha256').update(canonical).digest('base64url');
}

/** The task rules, independent of HTTP and of DynamoDB. */
import { createHash } from 'node:crypto';
import { IdempotencyKeyReusedError, NotFoundError } from './errors.ts';
import type { PageRequest, TaskRepository } from './repository.ts';
import type { NewTaskInput, OwnedTask, Page, Task, TaskPatch, TaskStatus } from './task.ts';

/** How long an idempotency key is remembered. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

export interface TaskServiceDeps {
  repository: TaskRepository;
  now?: () => Date;
  newId: () => string;
}

export interface CreateResult {
  task: Task;
  replayed: boolean;
}

export type TaskService = ReturnType<typeof createTaskService>;

export function createTaskService({ repository, now = () => new Date(), newId }: TaskServiceDeps) {
  async function create(ownerId: string, input: NewTaskInput, idempotencyKey?: string): Promise<CreateResult> {
    const clock = now();
    const timestamp = clock.toISOString();
    const task: Task = { task_id: newId(), ...input, created_at: timestamp, updated_at: timestamp, version: 1 };
    if (idempotencyKey === undefined) {
      if (!(await repository.insert(ownerId, task))) throw new Error(`Task id ${task.task_id} is already taken`);
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
      // This request won the key. (If a replay already finished the create for it, insert finds its task.)
      await repository.insert(ownerId, task);
      await repository.completeIdempotencyKey(ownerId, idempotencyKey);
      return { task, replayed: false };
    }
    if (holder.fingerprint !== fingerprint) throw new IdempotencyKeyReusedError();
    if (!holder.completed) {
      // The first request is still running, or failed between its two writes: finish its create with
      // the task it claimed. Both writes are idempotent, so racing the first request is harmless.
      await repository.insert(ownerId, holder.task);
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

  function remove(ownerId: string, taskId: string, expectedVersion?: number): Promise<void> {
    return repository.delete(ownerId, taskId, expectedVersion);
  }

  return { create, get, list, listAll, update, remove };
}

/** Same input, same fingerprint, whatever the key order or white space of the original JSON. */
export function fingerprintOf(input: NewTaskInput): string {
  const canonical = JSON.stringify([input.title, input.description, input.status]);
  return createHash('sha256').update(canonical).digest('base64url');
}

/** The task rules, independent of HTTP and of DynamoDB. */
import { createHash } from 'node:crypto';
import { IdempotencyKeyReusedError, NotFoundError } from './errors.ts';
import type { PageRequest, TaskRepository } from './repository.ts';
import type { NewTaskInput, OwnedTask, Page, Task, TaskPatch, TaskStatus } from './task.ts';

/** How long an idempotency key is remembered. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;
/**
 * A replay that finds the key claimed but no task may be racing a first request that is still running
 * or that died between its two writes: within this window the replay finishes the create itself. It is
 * longer than any function's timeout. After it, the task existed and was deleted since.
 */
export const IN_FLIGHT_WINDOW_MS = 60_000;

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
    const holder = await repository.claimIdempotencyKey(
      ownerId,
      {
        key: idempotencyKey,
        fingerprint,
        task,
        expiresAt: Math.floor(clock.getTime() / 1000) + IDEMPOTENCY_TTL_SECONDS,
      },
      clock,
    );
    if (holder === undefined) {
      // This request won the key. If a replay already completed the create for us, the task is the same.
      await repository.insert(ownerId, task);
      return { task, replayed: false };
    }
    if (holder.fingerprint !== fingerprint) throw new IdempotencyKeyReusedError();
    const current = await repository.get(ownerId, holder.task.task_id);
    if (current) return { task: current, replayed: true };
    if (clock.getTime() - Date.parse(holder.task.created_at) < IN_FLIGHT_WINDOW_MS) {
      await repository.insert(ownerId, holder.task);
      return { task: (await repository.get(ownerId, holder.task.task_id)) ?? holder.task, replayed: true };
    }
    return { task: holder.task, replayed: true };
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

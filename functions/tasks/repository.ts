/** The storage port the task service depends on. The DynamoDB adapter is its one production implementation. */
import type { OwnedTask, Page, Task, TaskPatch, TaskStatus } from './task.ts';

export interface PageRequest {
  limit: number;
  cursor?: Record<string, unknown>;
}

export interface IdempotencyRecord {
  key: string;
  /** Hash of the validated request body: a replay must match it. */
  fingerprint: string;
  /** The task the first request created (or was about to create). */
  task: Task;
  /** When the record may be forgotten (epoch seconds). */
  expiresAt: number;
  /** Set once the task was stored: until then a replay finishes the create itself. */
  completed: boolean;
}

export interface TaskRepository {
  /**
   * Counts one more task against the owner's quota, atomically, unless that would pass `limit`: false
   * then. Reserved before a task is stored and released when it is not stored or is deleted, so the
   * count is never below the owner's tasks (it can only lag above it, after a crash between two writes).
   */
  reserveTaskSlot(ownerId: string, limit: number): Promise<boolean>;
  /** Counts one task less (never below zero). */
  releaseTaskSlot(ownerId: string): Promise<void>;
  /** Stores a new task; false when a task with that id already exists. */
  insert(ownerId: string, task: Task): Promise<boolean>;
  /**
   * Claims an idempotency key; returns the live record already holding it, or undefined when this claim
   * won. A record whose expiry is before `now` no longer holds its key, even before TTL deletes it.
   */
  claimIdempotencyKey(ownerId: string, record: IdempotencyRecord, now: Date): Promise<IdempotencyRecord | undefined>;
  /** Marks the key's create as done (its task was stored); a no-op when the record is gone. */
  completeIdempotencyKey(ownerId: string, key: string): Promise<void>;
  get(ownerId: string, taskId: string): Promise<Task | undefined>;
  listByOwner(ownerId: string, page: PageRequest, status?: TaskStatus): Promise<Page<Task>>;
  listByStatus(status: TaskStatus, page: PageRequest): Promise<Page<OwnedTask>>;
  /**
   * Applies the patch atomically and bumps the version. Throws NotFoundError when the task does not
   * exist and PreconditionFailedError when `expectedVersion` is given and differs.
   */
  update(ownerId: string, taskId: string, patch: TaskPatch, updatedAt: string, expectedVersion?: number): Promise<Task>;
  /** Same errors as update. */
  delete(ownerId: string, taskId: string, expectedVersion?: number): Promise<void>;
}

/**
 * The cached login: the tokens from InitiateAuth, in a file only the user can read (0600). Local mode keeps
 * it in the data directory (ignored by git), a stage under ~/.config/task-api.
 */
// Synchronous file calls: node:fs/promises alone costs a short command a tenth of its start-up.
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Session {
  email: string;
  idToken: string;
  accessToken?: string;
  refreshToken?: string;
  /** When the ID token expires, seconds since the epoch. */
  expiresAt: number;
  userPoolId: string;
  clientId: string;
}

export async function readSession(file: string): Promise<Session | undefined> {
  try {
    const session = JSON.parse(readFileSync(file, 'utf8')) as Session;
    return typeof session.idToken === 'string' ? session : undefined;
  } catch {
    return undefined;
  }
}

export async function writeSession(file: string, session: Session): Promise<void> {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(session, null, 2)}\n`, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
}

export async function deleteSession(file: string): Promise<boolean> {
  const existed = (await readSession(file)) !== undefined;
  rmSync(file, { force: true });
  return existed;
}

/** The `exp` claim of a JWT, unverified: only used to decide when to refresh. */
export function expiryOf(jwt: string): number {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp : 0;
  } catch {
    return 0;
  }
}

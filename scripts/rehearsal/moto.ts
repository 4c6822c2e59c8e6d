/**
 * moto's server on a free loopback port: the stand-in for AWS in the deploy rehearsal and the workflow
 * runs. It keeps everything in memory and is stopped (with all it holds) when the rehearsal ends.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../local/net.ts';

/** moto's server with the calls it lacks for this stack added (see the file). */
const SERVER_WITH_ADDITIONS = fileURLToPath(new URL('./moto_server.py', import.meta.url));

export interface Moto {
  endpoint: string;
  stop(): Promise<void>;
}

/** `motoServer`: the .venv's `moto_server`; its Python runs moto with the additions. */
export async function startMoto(motoServer: string): Promise<Moto> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const python = join(dirname(motoServer), 'python');
  const child: ChildProcess = spawn(python, [SERVER_WITH_ADDITIONS, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    // AWS managed policies exist in every account (the API Gateway logging role attaches one); moto
    // loads them only when asked to.
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true', PYTHONUNBUFFERED: '1' },
  });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}):\n${log}`);
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) break;
    } catch {}
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not answer on ${endpoint} within 30 s:\n${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }

  return {
    endpoint,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** Promise forms of listen and close for the local servers. */
import type { Server } from 'node:http';

export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address();
      if (!address || typeof address === 'string') reject(new Error('The server has no TCP address'));
      else resolve(address.port);
    });
  });
}

/** Stops accepting connections, drops open ones (keep-alive included), and resolves once the server is closed. */
export function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

/** A TCP port on loopback that was free a moment ago (for a child process that must be told its port). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:http');
  const server = createServer();
  const port = await listen(server, 0, '127.0.0.1');
  await close(server);
  return port;
}

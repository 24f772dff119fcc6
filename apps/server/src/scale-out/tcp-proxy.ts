/**
 * A TCP proxy a test controls, to cut the link between a server and PostgreSQL or Redis
 * without touching the shared service itself. `cut()` destroys every open connection and
 * then either resets new ones at once (the peer is down) or holds them silently (the
 * network is partitioned, so only the client's own timeouts end the wait); `restore()`
 * forwards again.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export type CutMode = 'reset' | 'blackhole';

export interface TcpProxy {
  /** The port the proxy listens on (127.0.0.1). */
  readonly port: number;
  /** `url` with its host and port replaced by the proxy's. */
  rewrite(url: string): string;
  /** Destroys every open connection; new ones are reset (default) or held silently. */
  cut(mode?: CutMode): void;
  /** Forwards new connections again. */
  restore(): void;
  readonly state: 'open' | CutMode;
  /** Connections accepted since the proxy started. */
  readonly accepted: number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let state: TcpProxy['state'] = 'open';
  let accepted = 0;
  const sockets = new Set<Socket>();

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // A destroyed peer is expected here; the proxy's job is to pass that on, not to throw.
    socket.on('error', () => socket.destroy());
  };

  const server: Server = createServer((client) => {
    accepted += 1;
    track(client);
    if (state === 'reset') {
      client.resetAndDestroy();
      return;
    }
    if (state === 'blackhole') return; // held (and its bytes ignored) until cut again or closed
    const upstream = connect(target.port, target.host);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('TCP proxy has no port');
  const port = address.port;

  const destroyAll = () => {
    for (const socket of sockets) socket.resetAndDestroy();
    sockets.clear();
  };

  return {
    port,
    rewrite(url) {
      const rewritten = new URL(url);
      rewritten.hostname = '127.0.0.1';
      rewritten.port = String(port);
      return rewritten.toString();
    },
    cut(mode = 'reset') {
      state = mode;
      destroyAll();
    },
    restore() {
      // Connections held by a black hole never reached the target: end them so clients retry.
      if (state === 'blackhole') destroyAll();
      state = 'open';
    },
    get state() {
      return state;
    },
    get accepted() {
      return accepted;
    },
    async close() {
      destroyAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

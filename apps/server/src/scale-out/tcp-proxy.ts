/**
 * A TCP proxy a test controls, to cut the link between a server and PostgreSQL or Redis
 * without touching the shared service itself. Three ways to cut it:
 * - `reset`: every open connection is reset and new ones are reset at once (the peer died);
 * - `blackhole`: open connections are reset, new ones are accepted and then never answered
 *   (the host vanished: only the client's own connect timeout ends the wait);
 * - `partition`: open connections stay open but nothing crosses any more, and new ones are
 *   held as in a black hole (a network partition: only the client's timeouts help).
 * `restore()` forwards again; connections held or frozen by the cut are reset then, as the
 * operating system would eventually do.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export type CutMode = 'reset' | 'blackhole' | 'partition';

export interface TcpProxy {
  /** The port the proxy listens on (127.0.0.1). */
  readonly port: number;
  /** `url` with its host and port replaced by the proxy's. */
  rewrite(url: string): string;
  cut(mode?: CutMode): void;
  restore(): void;
  readonly state: 'open' | CutMode;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let state: TcpProxy['state'] = 'open';
  const sockets = new Set<Socket>();
  const links = new Set<{ client: Socket; upstream: Socket }>();

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // A destroyed peer is what this proxy is for; pass it on, never throw.
    socket.on('error', () => socket.destroy());
  };

  const server: Server = createServer((client) => {
    track(client);
    if (state === 'reset') {
      client.resetAndDestroy();
      return;
    }
    if (state !== 'open') {
      client.pause(); // held, unanswered, until restore() or close()
      return;
    }
    const upstream = connect(target.port, target.host);
    track(upstream);
    const link = { client, upstream };
    links.add(link);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    client.once('close', end);
    upstream.once('close', end);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('The TCP proxy did not get a port');
  const port = address.port;

  const resetAll = () => {
    for (const socket of sockets) if (!socket.destroyed) socket.resetAndDestroy();
    sockets.clear();
    links.clear();
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
      if (mode !== 'partition') {
        resetAll();
        return;
      }
      for (const { client, upstream } of links) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
      }
    },
    restore() {
      if (state !== 'open') resetAll();
      state = 'open';
    },
    get state() {
      return state;
    },
    async close() {
      state = 'reset';
      resetAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

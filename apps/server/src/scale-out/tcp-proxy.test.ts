/** The outage tests are only as good as the proxy that makes the outage: it is tested alone here. */
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

/** Sends `line` and resolves with the first answer, or with an outcome word. */
function exchange(socket: Socket, line: string, timeoutMs = 500): Promise<string> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('silence'), timeoutMs);
    socket.once('data', (data) => {
      clearTimeout(timer);
      resolve(String(data));
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(error.code ?? 'error');
    });
    socket.once('close', () => {
      clearTimeout(timer);
      resolve('closed');
    });
    socket.write(line);
  });
}

async function open(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  await once(socket, 'connect');
  return socket;
}

describe('the TCP proxy of the outage tests', () => {
  let echo: Server;
  let proxy: TcpProxy;

  beforeAll(async () => {
    echo = createServer((socket) => {
      socket.on('error', () => {}); // the proxy resets it on every cut
      socket.on('data', (data) => socket.write(`echo:${data}`));
    });
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    const address = echo.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    proxy = await startTcpProxy({ host: '127.0.0.1', port: address.port });
  });

  afterAll(async () => {
    await proxy.close();
    echo.close();
  });

  it('forwards, cuts in each mode, and forwards again after restore', async () => {
    expect(proxy.rewrite('redis://example.com:6379/2')).toBe(`redis://127.0.0.1:${proxy.port}/2`);
    const first = await open(proxy.port);
    expect(await exchange(first, 'a')).toBe('echo:a');

    proxy.cut('reset');
    expect(await exchange(first, 'b')).toMatch(/ECONNRESET|closed/);
    const refused = connect(proxy.port, '127.0.0.1').on('error', () => {});
    expect(await exchange(refused, 'c')).toMatch(/ECONNRESET|closed/);

    proxy.restore();
    const second = await open(proxy.port);
    expect(await exchange(second, 'd')).toBe('echo:d');

    proxy.cut('blackhole');
    expect(await exchange(second, 'e')).toMatch(/ECONNRESET|closed/);
    const held = await open(proxy.port);
    expect(await exchange(held, 'f')).toBe('silence');

    proxy.restore();
    expect(await exchange(held, 'g')).toMatch(/ECONNRESET|closed/);
    const third = await open(proxy.port);
    expect(await exchange(third, 'h')).toBe('echo:h');

    proxy.cut('partition');
    expect(proxy.state).toBe('partition');
    expect(await exchange(third, 'i')).toBe('silence');

    proxy.restore();
    expect(await exchange(third, 'j')).toMatch(/ECONNRESET|closed/);
    const fourth = await open(proxy.port);
    expect(await exchange(fourth, 'k')).toBe('echo:k');
    fourth.destroy();
  });
});

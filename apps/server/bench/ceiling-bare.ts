/**
 * The bare ceiling: a node:http handler that verifies the bearer token exactly as Keyway
 * does and writes the same JSON as Keyway's `users.me`. Nothing else: this is what the
 * platform allows for the work an authenticated call cannot avoid.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { announce, bearerToken, createVerifier, readCeilingEnv } from './lib/verify.js';

const env = readCeilingEnv();
const verify = createVerifier(env);
const unauthorized = JSON.stringify({ error: { message: 'Unauthorized', code: -32001 } });

const server = createServer((request, response) => {
  const claims = request.url === '/trpc/users.me' ? verify(bearerToken(request.headers.authorization)) : null;
  if (!claims) {
    response.writeHead(401, { 'Content-Type': 'application/json' });
    response.end(unauthorized);
    return;
  }
  response.writeHead(200, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify({ result: { data: env.data } }));
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => announce((server.address() as AddressInfo).port));

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('disconnect', stop);

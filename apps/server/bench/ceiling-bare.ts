/**
 * The bare ceiling: a node:http handler that verifies the bearer token exactly as Keyway
 * does and writes the same JSON as Keyway's `users.me`. Nothing else: this is what the
 * platform allows for the work an authenticated call cannot avoid.
 */
import { createServer } from 'node:http';
import { bearerToken, createVerifier, readCeilingEnv, serveCeiling } from './lib/verify.js';

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
serveCeiling(server);

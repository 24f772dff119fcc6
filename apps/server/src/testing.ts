/**
 * The HTTP test kit of Keyway (`@keyway/server/testing`), shared by the server's tests, the
 * scale-out tests, the client and verifier tests and the benchmark: a real server on a free
 * port, plain HTTP calls and tRPC's envelopes, log capture, polling, child processes of the
 * real entry points, and packages installed as an outside team would. Scratch databases
 * (SQLite, or a fresh PostgreSQL database per call) come from `@keyway/auth-core/testing`;
 * what the benchmark needs of them is re-exported here.
 */
export { createTestDatabase, isReachable, postgresAdminUrl } from '@keyway/auth-core/testing';
export { type HeldAnswer, heldLogin } from './testing/held-request.js';
export {
  type CallOptions,
  dataOf,
  type ErrorData,
  errorOf,
  jsonHeaders,
  login,
  mutation,
  mutationData,
  type OutputOf,
  type Outputs,
  type ProcedurePath,
  password,
  query,
  queryData,
  type Reply,
  register,
  registerAndLogin,
  type SignedIn,
  send,
  type TrpcError,
} from './testing/http.js';
export { captureLogs, type LogCapture, type LogLine } from './testing/logs.js';
export {
  installedPackages,
  installOutsideApp,
  type OutsideApp,
  serverOnlyPackages,
  versionOf,
} from './testing/outside-app.js';
export { eventually, freePort, unique } from './testing/poll.js';
export { baseEnv, listeningUrl, logMessage, type Spawned, spawnEntry, spawnJwtSecret } from './testing/process.js';
export {
  lenientRateLimitEnv,
  startTestServer,
  type TestServer,
  type TestServerOptions,
  testDataEncryptionKey,
  testJwtSecret,
} from './testing/server.js';
export { startTwoInstances, type TwoInstances } from './testing/two-instances.js';

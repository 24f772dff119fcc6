/**
 * `pnpm --filter @keyway/server soak`: a bounded soak under faults, not part of `pnpm test`.
 * Two instances (real processes, from source) on one PostgreSQL and one Redis serve mixed
 * traffic from simulated users (register, login, refresh, me, password-reset requests for
 * known and unknown addresses). Meanwhile one instance is SIGKILLed and restarted, and the
 * database link of both is cut for a few seconds (a TCP proxy in front of PostgreSQL).
 *
 * It fails (exit 1) on: a 5xx other than a 503 while the database is cut (or just after),
 * a mail that never arrives (every successful registration and every reset request for a
 * known address must be delivered), a session lost (every user's latest refresh token must
 * still refresh at the end), or an instance whose memory keeps growing (its RSS at the end
 * against the middle of the run). A client whose connection is refused (the killed
 * instance) goes to the other instance, as a load balancer would.
 *
 *   pnpm --filter @keyway/server soak [--duration=150] [--users=6]
 */
import { readFileSync } from 'node:fs';
import { createTestDatabase, createTestMailbox, redisTestUrl } from '@keyway/auth-core/testing';
import { startTcpProxy } from '../src/scale-out/tcp-proxy.js';
import {
  baseEnv,
  dataOf,
  eventually,
  listeningUrl,
  mutation,
  query,
  type Reply,
  type SignedIn,
  type Spawned,
  spawnEntry,
  unique,
} from '../src/testing.js';

const option = (name: string, fallback: number) =>
  Number(process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const durationMs = option('duration', 150) * 1000;
const userCount = option('users', 6);
const password = 'Soak-Test-Passphrase-42';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const started = Date.now();
const elapsed = () => Date.now() - started;
const log = (message: string) => console.log(`[${(elapsed() / 1000).toFixed(1).padStart(6)} s] ${message}`);

const rssMiB = (pid: number | undefined) => {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Math.round(Number(match?.[1]) / 1024);
};

// ---------------------------------------------------------------------------------------
// The system under test

const database = await createTestDatabase('postgresql');
const { hostname, port } = new URL(database.url);
const proxy = await startTcpProxy({ host: hostname, port: Number(port) });
const mailbox = await createTestMailbox();
const env = {
  ...baseEnv(proxy.rewrite(database.url)),
  MAIL_TRANSPORT: mailbox.url,
  RATE_LIMIT_STORE: redisTestUrl,
  RATE_LIMIT_PREFIX: unique('soak'),
  RATE_LIMIT_LOGIN_ACCOUNT: '100000/15m',
  RATE_LIMIT_LOGIN_IP: '100000/1m',
  RATE_LIMIT_REGISTER_IP: '100000/1h',
  RATE_LIMIT_RESET_IP: '100000/1h',
  RATE_LIMIT_DEFAULT_IP: '1000000/1m',
  LOG_LEVEL: 'warn',
};
const instances: { process: Spawned; url: string; up: boolean }[] = [];
async function startInstance(index: number) {
  const spawned = spawnEntry('main', { ...env, LOG_LEVEL: 'info' });
  const url = await listeningUrl(spawned);
  instances[index] = { process: spawned, url, up: true };
  return instances[index];
}
await Promise.all([startInstance(0), startInstance(1)]);
log(`two instances up: ${instances.map((instance) => instance.url).join(', ')}`);

// ---------------------------------------------------------------------------------------
// Fault windows and the tally of answers

let cutWindow: { from: number; to: number } | undefined;
const tally = new Map<string, number>();
const problems: string[] = [];
let turn = 0;

function record(procedure: string, result: Pick<Reply, 'status'>): void {
  const key = `${procedure} ${result.status}`;
  tally.set(key, (tally.get(key) ?? 0) + 1);
  if (result.status < 500) return;
  // A 503 is the documented answer while the database is unreachable (and a moment after,
  // while the pool finds its connections dead).
  const nearCut = cutWindow && elapsed() >= cutWindow.from && elapsed() <= cutWindow.to + 15_000;
  if (result.status === 503 && nearCut) return;
  problems.push(`${procedure} answered ${result.status} at ${(elapsed() / 1000).toFixed(1)} s`);
}

/** Calls an instance, round robin; a refused connection (a dead instance) goes to the other one. */
async function dispatch(procedure: string, input?: unknown, options: { token?: string; query?: boolean } = {}) {
  let lostAnswers = 0;
  for (let attempt = 0; attempt < 4; attempt++) {
    const instance = instances[turn++ % 2];
    if (!instance?.up) continue;
    try {
      const result = await (options.query ? query : mutation)(instance.url, procedure, input, {
        token: options.token,
        timeoutMs: 20_000,
      });
      record(procedure, result);
      return { ...result, lostAnswers };
    } catch {
      // The instance died under the call: the balancer sends the next one elsewhere.
      lostAnswers++;
      await sleep(50);
    }
  }
  const failure: Reply & { lostAnswers: number } = {
    status: 0,
    headers: new Headers(),
    text: '',
    json: undefined,
    ms: 0,
    lostAnswers,
  };
  record(procedure, failure);
  return failure;
}

// ---------------------------------------------------------------------------------------
// Simulated users

interface SoakUser {
  email: string;
  /** Every refresh: when, its status, and calls lost on the way (a killed instance). */
  refreshes: string[];
  refreshToken?: string;
  accessToken?: string;
}
const users: SoakUser[] = [];
const expectedMail = new Map<string, number>(); // `${to} ${kind}` -> times asked for
const expect = (to: string, kind: 'verify' | 'reset') =>
  expectedMail.set(`${to} ${kind}`, (expectedMail.get(`${to} ${kind}`) ?? 0) + 1);
let stopLoad = false;

async function simulate(worker: number): Promise<void> {
  while (!stopLoad) {
    const user: SoakUser = { email: `${unique(`soak${worker}`)}@example.com`, refreshes: [] };
    const registered = await dispatch('users.register', { email: user.email, password });
    if (registered.status !== 200) {
      await sleep(250); // a client backs off a little when the service is unavailable
      continue;
    }
    users.push(user);
    expect(user.email, 'verify');
    const login = await dispatch('auth.login', { email: user.email, password });
    if (login.status !== 200) continue;
    user.accessToken = dataOf<SignedIn>(login).accessToken;
    user.refreshToken = dataOf<SignedIn>(login).refreshToken;
    for (let round = 0; round < 8 && !stopLoad; round++) {
      await dispatch('users.me', undefined, { token: user.accessToken, query: true });
      const refreshed = await dispatch('auth.refresh', { refreshToken: user.refreshToken });
      const lost = refreshed.lostAnswers > 0 ? ` after ${refreshed.lostAnswers} lost` : '';
      user.refreshes.push(`${(elapsed() / 1000).toFixed(1)} s: ${refreshed.status}${lost}`);
      if (refreshed.status === 200) {
        user.accessToken = dataOf<SignedIn>(refreshed).accessToken;
        user.refreshToken = dataOf<SignedIn>(refreshed).refreshToken;
      }
      if (round === 3) {
        const reset = await dispatch('users.requestPasswordReset', { email: user.email });
        if (reset.status === 200) expect(user.email, 'reset');
        await dispatch('users.requestPasswordReset', { email: `nobody-${user.email}` });
      }
      await sleep(100);
    }
  }
}

const load = Array.from({ length: userCount }, (_, index) => simulate(index));

// ---------------------------------------------------------------------------------------
// The faults, on a schedule

const memory: { label: string; rss: number[] }[] = [];
const sampleMemory = (label: string) =>
  memory.push({ label, rss: instances.map((instance) => rssMiB(instance.process.child.pid)) });

await sleep(Math.min(20_000, durationMs * 0.15));
log('SIGKILL instance 2');
const killed = instances[1];
if (killed) {
  killed.up = false;
  killed.process.child.kill('SIGKILL');
  await killed.process.exited;
}
await sleep(3_000);
await startInstance(1);
log('instance 2 restarted');

await sleep(Math.max(0, durationMs * 0.35 - elapsed()));
log('database link cut');
cutWindow = { from: elapsed(), to: Number.POSITIVE_INFINITY };
proxy.cut('reset');
await sleep(5_000);
proxy.restore();
cutWindow.to = elapsed();
log('database link restored');

// Both instances have served a good while (the restarted one too) and been through the cut.
await sleep(Math.max(0, durationMs * 0.55 - elapsed()));
sampleMemory('middle');

await sleep(Math.max(0, durationMs - elapsed()));
stopLoad = true;
await Promise.all(load);
log(`load stopped: ${users.length} users`);

// ---------------------------------------------------------------------------------------
// Verdicts

const received = new Map<string, number>();
const kindOf = (subject: string) => (/reset/i.test(subject) ? 'reset' : 'verify');
const countMail = () => {
  received.clear();
  for (const mail of mailbox.messages) {
    const key = `${mail.to} ${kindOf(mail.subject)}`;
    received.set(key, (received.get(key) ?? 0) + 1);
  }
  return [...expectedMail.keys()].filter((key) => !received.has(key));
};
await eventually('every mail delivered', async () => countMail().length === 0, 120_000).catch(() => {});
const missing = countMail();
if (missing.length > 0) problems.push(`${missing.length} mail never arrived, e.g. ${missing.slice(0, 3).join('; ')}`);
const unknownMail = mailbox.messages.filter((mail) => mail.to.startsWith('nobody-')).length;
if (unknownMail > 0) problems.push(`${unknownMail} mail went to addresses without an account`);
const duplicates = [...received.values()].filter((count) => count > 1).length;

let sessionsLost = 0;
for (const user of users.filter((candidate) => candidate.refreshToken)) {
  const refreshed = await dispatch('auth.refresh', { refreshToken: user.refreshToken });
  if (refreshed.status === 200) continue;
  sessionsLost++;
  log(`session of ${user.email} lost; its refreshes: ${user.refreshes.join(', ')}`);
}
if (sessionsLost > 0) problems.push(`${sessionsLost} sessions lost`);

await sleep(5_000);
sampleMemory('end');
const [middle, end] = memory;
const growth = (index: number) => (end?.rss[index] ?? 0) - (middle?.rss[index] ?? 0);
for (const index of [0, 1]) {
  if (growth(index) > Math.max(40, (middle?.rss[index] ?? 0) * 0.3)) {
    problems.push(`instance ${index + 1} grew from ${middle?.rss[index]} to ${end?.rss[index]} MiB`);
  }
}

console.log('\nanswers (procedure status: count)');
for (const [key, count] of [...tally].sort()) console.log(`  ${key}: ${count}`);
console.log(`\nusers: ${users.length}; mail expected ${expectedMail.size}, delivered ${mailbox.messages.length}`);
console.log(`  duplicates (at-least-once): ${duplicates}; to unknown addresses: ${unknownMail}`);
console.log(`sessions checked: ${users.filter((user) => user.refreshToken).length}, lost: ${sessionsLost}`);
console.log(`RSS MiB (instance 1, 2): middle ${middle?.rss.join(', ')}; end ${end?.rss.join(', ')}`);
console.log(problems.length === 0 ? '\nsoak passed' : `\nsoak FAILED:\n  ${problems.join('\n  ')}`);

for (const instance of instances) instance.process.child.kill('SIGTERM');
await Promise.all(instances.map((instance) => instance.process.exited));
await proxy.close();
await mailbox.close();
await database.drop();
process.exit(problems.length === 0 ? 0 : 1);

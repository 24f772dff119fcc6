/**
 * `GET /metrics` against a running server: off (404) unless METRICS=true, behind the bearer
 * token when METRICS_TOKEN is set, and its counters — parsed from the Prometheus text —
 * moving with the calls made on both request paths (the lean one and tRPC's adapter, batches
 * and streamed batches included), logins, rate-limit refusals, mail and process metrics.
 */
import { createServer as createNetServer } from 'node:net';
import { createManualClock } from '@keyway/auth-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  jsonHeaders,
  login,
  mutation,
  password,
  query,
  register,
  send,
  startTestServer,
  type TestServer,
} from './testing.js';

const token = 'scrape-token-for-tests-0123456789';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (comments skipped). */
function parseExposition(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`Not an exposition line: ${line}`);
      const labels: Record<string, string> = {};
      for (const [, name, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
        labels[name as string] = value as string;
      }
      return { name: match[1] as string, labels, value: Number(match[3]) };
    });
}

async function scrape(t: TestServer): Promise<Sample[]> {
  const reply = await send(`${t.url}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
  expect(reply.status).toBe(200);
  return parseExposition(reply.text);
}

/** The value of one series (0 when absent). */
function seriesValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const sample = samples.find(
    (candidate) =>
      candidate.name === name && Object.entries(labels).every(([key, value]) => candidate.labels[key] === value),
  );
  return sample?.value ?? 0;
}

describe('GET /metrics', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { METRICS: 'true', METRICS_TOKEN: token, RATE_LIMIT_RESET_IP: '1/1h' } });
  });
  afterAll(() => t.stop());

  it('requires the token as a bearer token: 401 without it or with a wrong one, 200 with it', async () => {
    const attempts: Array<Record<string, string>> = [
      {},
      { Authorization: `Bearer ${token}x` },
      { Authorization: token },
    ];
    for (const headers of attempts) {
      const reply = await send(`${t.url}/metrics`, { headers });
      expect(reply.status).toBe(401);
      expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(reply.text).not.toContain('keyway_');
    }
    const reply = await send(`${t.url}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(reply.headers.get('cache-control')).toBe('no-store');
  });

  it('exports the process metrics and every known series from the start', async () => {
    const samples = await scrape(t);
    const names = new Set(samples.map(({ name }) => name));
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(names, name).toContain(name);
    }
    expect(samples).toContainEqual({
      name: 'keyway_rate_limit_refusals_total',
      labels: { rule: 'loginAccount' },
      value: expect.any(Number),
    });
    expect(names).toContain('keyway_mail_attempts_total');
    expect(samples).toContainEqual({ name: 'keyway_mail_outbox_messages', labels: { state: 'pending' }, value: 0 });
    expect(names).toContain('keyway_logins_total');
    expect(samples).toContainEqual({
      name: 'keyway_trpc_requests_total',
      labels: { procedure: 'users.me', outcome: 'ok' },
      value: expect.any(Number),
    });
  });

  it('counts calls by procedure and outcome on both request paths, each call of a batch once', async () => {
    await register(t.url, 'metrics-calls@example.com');
    const { accessToken } = await login(t.url, 'metrics-calls@example.com');
    const before = await scrape(t);
    const auth = { Authorization: `Bearer ${accessToken}` };

    expect((await query(t.url, 'users.me', undefined, { token: accessToken })).status).toBe(200);
    expect((await query(t.url, 'users.me')).status).toBe(401);
    // A failing batch goes through both the observer and the adapter's error hook: still once each.
    expect((await send(`${t.url}/trpc/users.me,users.me?batch=1`)).status).toBe(401);
    expect((await send(`${t.url}/trpc/users.me,users.me?batch=1`, { headers: auth })).status).toBe(200);
    const streamed = await send(`${t.url}/trpc/users.me,users.me?batch=1`, {
      headers: { ...auth, 'trpc-accept': 'application/jsonl' },
    });
    expect(streamed.status).toBe(200);
    // Refused before any procedure ran: malformed JSON on the lean path, unknown paths.
    expect((await send(`${t.url}/trpc/auth.login`, { method: 'POST', headers: jsonHeaders, body: '{' })).status).toBe(
      400,
    );
    for (const path of ['no.such', 'another.unknown']) expect((await query(t.url, path)).status).toBe(404);

    const after = await scrape(t);
    const delta = (labels: Record<string, string>, name = 'keyway_trpc_requests_total') =>
      seriesValue(after, name, labels) - seriesValue(before, name, labels);
    expect(delta({ procedure: 'users.me', outcome: 'ok' })).toBe(5);
    expect(delta({ procedure: 'users.me', outcome: 'UNAUTHORIZED' })).toBe(3);
    expect(delta({ procedure: 'auth.login', outcome: 'BAD_REQUEST' })).toBe(1);
    expect(delta({ procedure: 'unknown', outcome: 'NOT_FOUND' })).toBe(2);
    expect(delta({ procedure: 'users.me' }, 'keyway_trpc_request_duration_seconds_count')).toBe(8);
    expect(
      seriesValue(after, 'keyway_trpc_request_duration_seconds_bucket', { procedure: 'users.me', le: '+Inf' }),
    ).toBe(seriesValue(after, 'keyway_trpc_request_duration_seconds_count', { procedure: 'users.me' }));
    // Unknown paths never become label values.
    expect(after.some(({ labels }) => labels.procedure === 'no.such')).toBe(false);
  });

  it('counts logins by result, rate-limit refusals by rule, and mail sent', async () => {
    await t.server.core.idle();
    const before = await scrape(t);
    await register(t.url, 'metrics-logins@example.com');
    await login(t.url, 'metrics-logins@example.com');
    const wrong = await mutation(t.url, 'auth.login', {
      email: 'metrics-logins@example.com',
      password: `${password}!`,
    });
    expect(wrong.status).toBe(401);
    const reset = { email: 'metrics-logins@example.com' };
    expect((await mutation(t.url, 'users.requestPasswordReset', reset)).status).toBe(200);
    expect((await mutation(t.url, 'users.requestPasswordReset', reset)).status).toBe(429);

    const after = await scrape(t);
    const delta = (name: string, labels: Record<string, string>) =>
      seriesValue(after, name, labels) - seriesValue(before, name, labels);
    expect(delta('keyway_logins_total', { step: 'password', result: 'success' })).toBe(1);
    expect(delta('keyway_logins_total', { step: 'password', result: 'failure' })).toBe(1);
    expect(delta('keyway_rate_limit_refusals_total', { rule: 'resetIp' })).toBe(1);
    expect(
      delta('keyway_trpc_requests_total', { procedure: 'users.requestPasswordReset', outcome: 'TOO_MANY_REQUESTS' }),
    ).toBe(1);
    // The verification mail of the registration and the reset mail, sent in the background.
    await t.server.core.idle();
    const settled = await scrape(t);
    const mail = (outcome: string) =>
      seriesValue(settled, 'keyway_mail_attempts_total', { outcome }) -
      seriesValue(before, 'keyway_mail_attempts_total', { outcome });
    expect([mail('sent'), mail('retry'), mail('failed')]).toEqual([2, 0, 0]);
    expect(seriesValue(settled, 'keyway_mail_outbox_messages', { state: 'pending' })).toBe(0);
  });
});

describe('GET /metrics, other settings', () => {
  it('is 404 unless METRICS=true', async () => {
    const t = await startTestServer();
    try {
      const reply = await send(`${t.url}/metrics`);
      expect(reply.status).toBe(404);
    } finally {
      await t.stop();
    }
  });

  it('throttles wrong tokens under the client’s default rate limit, never the right one', async () => {
    const t = await startTestServer({ env: { METRICS: 'true', METRICS_TOKEN: token, RATE_LIMIT_DEFAULT_IP: '2/1m' } });
    try {
      const wrong = () => send(`${t.url}/metrics`, { headers: { Authorization: 'Bearer guess-guess-guess-guess' } });
      expect([(await wrong()).status, (await wrong()).status]).toEqual([401, 401]);
      const limited = await wrong();
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await send(`${t.url}/metrics`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    } finally {
      await t.stop();
    }
  });

  it('is open without METRICS_TOKEN, and counts refused mail attempts and the outbox they leave', async () => {
    const closed = createNetServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const clock = createManualClock(new Date());
    const t = await startTestServer({ clock, env: { METRICS: 'true', MAIL_TRANSPORT: `smtp://127.0.0.1:${port}` } });
    const series = async (name: string, labels: Record<string, string>) => {
      const reply = await send(`${t.url}/metrics`);
      expect(reply.status).toBe(200);
      return seriesValue(parseExposition(reply.text), name, labels);
    };
    try {
      await register(t.url, 'metrics-mail@example.com');
      await eventually(
        'a retried mail attempt',
        async () => (await series('keyway_mail_attempts_total', { outcome: 'retry' })) === 1,
      );
      expect(await series('keyway_mail_outbox_messages', { state: 'pending' })).toBe(1);
      // Past MAIL_RETRY_FOR the next attempt gives the message up.
      clock.advance(25 * 3600 * 1000);
      await eventually(
        'a failed mail attempt',
        async () => (await series('keyway_mail_attempts_total', { outcome: 'failed' })) === 1,
      );
      expect(await series('keyway_mail_outbox_messages', { state: 'pending' })).toBe(0);
      expect(await series('keyway_mail_outbox_messages', { state: 'failed' })).toBe(1);
      expect(await series('keyway_mail_attempts_total', { outcome: 'sent' })).toBe(0);
    } finally {
      await t.stop();
    }
  });

  it('still answers while the database is gone: the outbox series drop out, 5xx answers are counted', async () => {
    const t = await startTestServer({ env: { METRICS: 'true' } });
    try {
      await t.orm.close(true);
      const reply = await mutation(t.url, 'auth.login', { email: 'gone@example.com', password });
      expect(reply.status).toBeGreaterThanOrEqual(500);
      const scraped = await send(`${t.url}/metrics`);
      expect(scraped.status).toBe(200);
      const samples = parseExposition(scraped.text);
      expect(samples.some(({ name }) => name === 'keyway_mail_outbox_messages')).toBe(false);
      const outcome = (reply.json as { error: { data: { code: string } } }).error.data.code;
      expect(seriesValue(samples, 'keyway_trpc_requests_total', { procedure: 'auth.login', outcome })).toBe(1);
      expect(seriesValue(samples, 'keyway_logins_total', { step: 'password', result: 'error' })).toBe(1);
    } finally {
      await t.stop();
    }
  });
});

/**
 * The load generator and the bcrypt reference, in processes of their own (forked by the
 * orchestrator, so the generator never shares an event loop with a server or with the
 * orchestrator). Receives Jobs over IPC, one at a time, and answers each with a WorkerMessage.
 */
import { createHash } from 'node:crypto';
import { Agent, request } from 'node:http';
import autocannon from 'autocannon';
import {
  type BcryptJob,
  type BcryptResult,
  type ClosedLoopJob,
  type Job,
  type JobResult,
  type LoadResult,
  type PacedJob,
  summarize,
  type WorkerMessage,
} from './lib/jobs.js';
import { loadBcrypt } from './lib/native.js';

const count = (statuses: Record<string, number>, key: string) => {
  statuses[key] = (statuses[key] ?? 0) + 1;
};

function closedLoop(job: ClosedLoopJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    const statuses: Record<string, number> = {};
    const started = performance.now();
    const windowStart = started + job.warmupSeconds * 1000;
    const windowEnd = windowStart + job.seconds * 1000;
    const instance = autocannon(
      {
        url: job.target.origin + job.target.path,
        method: job.target.method,
        headers: job.target.headers,
        body: job.target.body,
        connections: job.connections,
        // A little past the window, so the last responses of the window are not cut off.
        duration: job.warmupSeconds + job.seconds + 0.25,
        // autocannon checks for the end at each sample; its default (1 s) adds up to a second.
        sampleInt: 50,
        timeout: 30,
      },
      (error, result) => {
        if (error) return reject(error);
        resolve({
          kind: 'closed',
          completed: latencies.length,
          seconds: job.seconds,
          perSecond: latencies.length / job.seconds,
          latencyMs: summarize(latencies),
          statuses,
          errors: result.errors,
          timeouts: result.timeouts,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      count(statuses, String(statusCode));
      const now = performance.now();
      if (now >= windowStart && now < windowEnd) latencies.push(responseTime);
    });
  });
}

function paced(job: PacedJob): Promise<LoadResult> {
  const { origin, path, method, headers, body } = job.target;
  const { hostname, port } = new URL(origin);
  const agent = new Agent({ keepAlive: true, maxSockets: job.maxSockets });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  let inFlight = 0;
  const interval = 1000 / job.ratePerSecond;
  const started = performance.now();
  const windowStart = started + job.warmupSeconds * 1000;
  const end = windowStart + job.seconds * 1000;

  return new Promise((resolve) => {
    let next = started;
    let sending = true;
    const finish = () => {
      if (sending || inFlight > 0) return;
      agent.destroy();
      resolve({
        kind: 'paced',
        completed: latencies.length,
        seconds: job.seconds,
        perSecond: latencies.length / job.seconds,
        latencyMs: summarize(latencies),
        statuses,
        errors,
        timeouts: 0,
      });
    };
    const fire = (scheduled: number) => {
      inFlight++;
      const sent = performance.now();
      const req = request({ agent, host: hostname, port, path, method, headers }, (response) => {
        response.resume();
        response.on('end', () => {
          inFlight--;
          count(statuses, String(response.statusCode));
          if (scheduled >= windowStart) latencies.push(performance.now() - sent);
          finish();
        });
      });
      req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        inFlight--;
        errors++;
        finish();
      });
      req.end(body);
    };
    const tick = () => {
      const now = performance.now();
      while (next <= now && next < end) {
        fire(next);
        next += interval;
      }
      if (next < end) {
        setTimeout(tick, Math.max(0, next - performance.now()));
      } else {
        sending = false;
        finish();
      }
    };
    tick();
  });
}

async function bcryptReference(job: BcryptJob): Promise<BcryptResult> {
  const bcrypt = loadBcrypt();
  // What Keyway hands bcrypt: base64(sha256(password)), 44 characters.
  const input = createHash('sha256').update('correct horse battery staple', 'utf8').digest('base64');
  const stored = await bcrypt.hash(input, job.cost);

  await bcrypt.compare(input, stored);
  const sequential: number[] = [];
  for (let i = 0; i < job.sequentialCompares; i++) {
    const start = performance.now();
    if (!(await bcrypt.compare(input, stored))) throw new Error('bcrypt.compare returned false');
    sequential.push(performance.now() - start);
  }

  const started = performance.now();
  const windowStart = started + job.warmupSeconds * 1000;
  const windowEnd = windowStart + job.seconds * 1000;
  let completed = 0;
  const lane = async () => {
    while (performance.now() < windowEnd) {
      await bcrypt.compare(input, stored);
      const now = performance.now();
      if (now >= windowStart && now < windowEnd) completed++;
    }
  };
  await Promise.all(Array.from({ length: job.concurrency }, lane));
  return {
    kind: 'bcrypt',
    sequentialMs: summarize(sequential),
    comparesPerSecond: completed / job.seconds,
    completed,
    threadpoolSize: Number(process.env.UV_THREADPOOL_SIZE) || 4,
  };
}

function run(job: Job): Promise<JobResult> {
  switch (job.kind) {
    case 'closed':
      return closedLoop(job);
    case 'paced':
      return paced(job);
    case 'bcrypt':
      return bcryptReference(job);
  }
}

const send = (message: WorkerMessage) =>
  new Promise<void>((resolve) => {
    if (process.send) process.send(message, () => resolve());
    else resolve();
  });

// Jobs arrive one at a time; the process stays up for the next one (forking a TypeScript
// worker costs more than a short job).
process.on('message', (job: Job) => {
  run(job).then(
    (result) => send({ type: 'result', result }),
    (error: unknown) =>
      send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
// The orchestrator went away or is done: stop at once.
process.on('disconnect', () => process.exit(0));
void send({ type: 'ready' });

/**
 * Child processes of the benchmark: the Keyway server (its production entry point), the
 * two ceiling servers and the load workers. Every child is tracked, so a failure or a
 * signal anywhere still ends them all.
 */
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/testing.js';
import type {
  BcryptJob,
  BcryptResult,
  ClosedLoopJob,
  Job,
  JobResult,
  LoadResult,
  PacedJob,
  WorkerMessage,
} from './jobs.js';

export const serverDir = fileURLToPath(new URL('../../', import.meta.url));
export const benchDir = fileURLToPath(new URL('../', import.meta.url));

/**
 * The libuv pool size Keyway runs with: `UV_THREADPOOL_SIZE` when set, else the launcher's
 * default (cores + 4, bin/keyway). The bcrypt references run with the same, so login is
 * compared with a pool of the same size.
 */
export const threadpoolSize = process.env.UV_THREADPOOL_SIZE || String(cpus().length + 4);

/** Loads TypeScript children with tsx, resolved from the server package. */
const tsxArgs = ['--import', 'tsx'];

/** A failure of the benchmark itself (not a slow figure): the run exits non-zero. */
export class HarnessError extends Error {
  override readonly name = 'HarnessError';
}

const children = new Set<ChildProcess>();

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child is gone. */
export async function terminate(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(timer);
}

/** Ends every child still running (used on failure and on signals). */
export async function terminateAll(): Promise<void> {
  await Promise.all([...children].map((child) => terminate(child, 3_000)));
}

function healthStatus(origin: string): Promise<number> {
  return new Promise((resolve) => {
    const request = get(`${origin}/healthz`, { agent: false, timeout: 2_000 }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(0));
  });
}

export interface KeywayProcess {
  pid: number;
  origin: string;
  /** Spawn to the first 200 from /healthz, in milliseconds. */
  coldStartMs: number;
  logFile: string;
  stop(): Promise<void>;
}

/** Starts dist/main.js through bin/keyway, as production does, and waits for a healthy /healthz. */
export async function startKeyway(options: {
  env: Record<string, string>;
  logFile: string;
  /** Extra node flags (profiling), passed to the launcher. */
  nodeArgs?: string[];
  timeoutMs?: number;
  /** The root folder of another checkout of this repository to run the server of (`--compare`); this one by default. */
  checkout?: string;
}): Promise<KeywayProcess> {
  const directory = options.checkout ? join(options.checkout, 'apps/server') : serverDir;
  const main = join(directory, 'dist/main.js');
  if (!existsSync(main)) {
    throw new HarnessError(`${main} is missing: build the server first (pnpm turbo run build --filter=@keyway/server)`);
  }
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const log = openSync(options.logFile, 'a');
  const started = performance.now();
  const child = track(
    // Through the launcher production uses (it execs node, so the pid is the server's), with
    // extra node flags (profiling) as its arguments.
    spawn(join(directory, 'bin/keyway'), options.nodeArgs ?? [], {
      cwd: directory,
      env: {
        ...options.env,
        UV_THREADPOOL_SIZE: threadpoolSize,
        PORT: String(port),
        HOST: '127.0.0.1',
      },
      stdio: ['ignore', log, log],
    }),
  );
  closeSync(log);
  const deadline = started + (options.timeoutMs ?? 30_000);
  let coldStartMs = Number.NaN;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) break;
    if ((await healthStatus(origin)) === 200) {
      coldStartMs = performance.now() - started;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  if (Number.isNaN(coldStartMs)) {
    await terminate(child, 2_000);
    const tail = readFileSync(options.logFile, 'utf8').split('\n').slice(-15).join('\n');
    throw new HarnessError(`Keyway did not become healthy at ${origin}; log tail:\n${tail}`);
  }
  return {
    pid: child.pid ?? 0,
    origin,
    coldStartMs,
    logFile: options.logFile,
    async stop() {
      await terminate(child, 15_000);
      if (child.exitCode !== 0) throw new HarnessError(`Keyway exited with ${child.exitCode ?? child.signalCode}`);
    },
  };
}

export interface CeilingProcess {
  pid: number;
  origin: string;
  stop(): Promise<void>;
}

/** Forks one of the ceiling servers; it answers with its port over IPC. */
export async function startCeiling(
  file: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<CeilingProcess> {
  const child = track(
    fork(fileURLToPath(new URL(`../${file}`, import.meta.url)), [], {
      cwd: serverDir,
      env,
      execArgv: [...tsxArgs, ...nodeArgs],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new HarnessError(`${file} did not start`)), 20_000);
    child.once('message', (message: { type: string; port: number }) => {
      clearTimeout(timer);
      resolve(message.port);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new HarnessError(`${file} exited with ${code}`));
    });
  });
  return {
    pid: child.pid ?? 0,
    origin: `http://127.0.0.1:${port}`,
    async stop() {
      await terminate(child, 10_000);
    },
  };
}

interface Worker {
  child: ChildProcess;
  busy: boolean;
  /** Resolves once the worker has loaded and listens for jobs. */
  ready: Promise<void>;
}

const workers: Worker[] = [];

function forkWorker(): Worker {
  const child = track(
    fork(fileURLToPath(new URL('../worker.ts', import.meta.url)), [], {
      cwd: serverDir,
      env: { ...process.env, UV_THREADPOOL_SIZE: threadpoolSize },
      execArgv: tsxArgs,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const ready = new Promise<void>((resolve, reject) => {
    const onMessage = (message: WorkerMessage) => {
      if (message.type !== 'ready') return;
      child.off('message', onMessage);
      resolve();
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new HarnessError(`a load worker exited with ${code} while starting`)));
  });
  // Rejections surface where the worker is awaited.
  ready.catch(() => {});
  const worker = { child, busy: false, ready };
  workers.push(worker);
  child.once('exit', () => workers.splice(workers.indexOf(worker), 1));
  return worker;
}

/** Starts `count` load workers ahead of time, so no measurement waits for a fork. */
export async function startWorkers(count: number): Promise<void> {
  const starting = [];
  for (let i = workers.length; i < count; i++) starting.push(forkWorker().ready);
  await Promise.all(starting);
}

/** Ends the idle load workers (they also exit when the orchestrator does). */
export async function stopWorkers(): Promise<void> {
  await Promise.all(workers.filter((worker) => !worker.busy).map((worker) => terminate(worker.child, 2_000)));
}

/**
 * Runs one job in a worker process (an idle one, or a new one when all are busy, so
 * concurrent jobs run in processes of their own) and returns its answer.
 */
export function runJob(job: ClosedLoopJob | PacedJob): Promise<LoadResult>;
export function runJob(job: BcryptJob): Promise<BcryptResult>;
export async function runJob(job: Job): Promise<JobResult> {
  const seconds = job.seconds + job.warmupSeconds;
  const worker = workers.find((candidate) => !candidate.busy) ?? forkWorker();
  worker.busy = true;
  const { child } = worker;
  await worker.ready;
  return new Promise<JobResult>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      worker.busy = false;
    };
    const onMessage = (message: WorkerMessage) => {
      if (message.type === 'ready') return;
      done();
      if (message.type === 'result') resolve(message.result);
      else reject(new HarnessError(`${job.kind} job failed: ${message.message}`));
    };
    const onExit = (code: number | null) => {
      done();
      reject(new HarnessError(`${job.kind} worker exited with ${code} before answering`));
    };
    const timer = setTimeout(
      () => {
        done();
        child.kill('SIGKILL');
        reject(new HarnessError(`${job.kind} job did not finish in time`));
      },
      (seconds + 120) * 1000,
    );
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.send(job);
  });
}

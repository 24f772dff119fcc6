/**
 * Runs the Keyway API and the demo web app side by side: `pnpm start` (built output, after
 * turbo built both) and `pnpm dev` (scripts/dev.mjs: watch mode and hot reload, on source).
 * Waits until both answer, prints both URLs, and on Ctrl+C or SIGTERM stops both and exits 0.
 * If either stops on its own, the other is stopped too and the exit code is 1.
 *
 * Environment: PORT (3000) and HOST (127.0.0.1) of the API, WEB_PORT (5173) of the demo, and
 * everything else the API reads (DATABASE_URL, JWT_SECRET, ...), passed through unchanged.
 * The demo proxies /trpc to the API, so the browser talks to one origin and needs no CORS.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const serverDir = join(root, 'apps', 'server');
const webDir = join(root, 'apps', 'demo-web');
const stopGraceMs = 15_000;

/** An address a local client can connect to, for a host the server listens on. */
function reachableHost(host) {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** How a person should type it: `localhost` for the loopback addresses. */
function displayHost(host) {
  return ['127.0.0.1', 'localhost', '0.0.0.0', '::', '::1', ''].includes(host) ? 'localhost' : reachableHost(host);
}

function commands(mode, { webPort }) {
  const vite = join(webDir, 'node_modules', 'vite', 'bin', 'vite.js');
  const webArgs = ['--host', '127.0.0.1', '--port', webPort, '--strictPort'];
  if (mode === 'dev') {
    const tsx = createRequire(join(serverDir, 'package.json')).resolve('tsx/cli');
    return {
      api: [tsx, 'watch', '--clear-screen=false', '--conditions=@keyway/source', 'src/main.ts'],
      web: [vite, ...webArgs, '--clearScreen', 'false'],
    };
  }
  const main = join(serverDir, 'dist', 'main.js');
  if (!existsSync(main)) {
    throw new Error('apps/server is not built: run `pnpm start` from the repository root (it builds first)');
  }
  // The flags of `pnpm --filter @keyway/server start`: 8 MB semi-spaces, the fastest young
  // generation for this workload that keeps peak memory well under 150 MB (DEPLOYMENT.md).
  return { api: ['--enable-source-maps', '--max-semi-space-size=8', main], web: [vite, 'preview', ...webArgs] };
}

/**
 * Fails early and clearly when a port is taken: otherwise the readiness check could be
 * answered by whatever already listens there.
 */
async function assertPortFree(port, host, variable) {
  const probe = createServer();
  await new Promise((resolve, reject) => {
    probe.once('error', (error) =>
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `port ${port} is already in use (set ${variable} to use another one)`
            : `cannot listen on ${host}:${port}: ${error.message}`,
        ),
      ),
    );
    probe.listen(Number(port), host, resolve);
  });
  await new Promise((resolve) => probe.close(resolve));
}

/** Starts a child whose output lines are prefixed with its name. */
function launch(name, args, options) {
  const child = spawn(process.execPath, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  const label = `${name.padEnd(3)} │ `;
  createInterface({ input: child.stdout }).on('line', (line) => process.stdout.write(`${label}${line}\n`));
  createInterface({ input: child.stderr }).on('line', (line) => process.stderr.write(`${label}${line}\n`));
  child.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.label = name;
  return child;
}

const isRunning = (child) => child.exitCode === null && child.signalCode === null;

async function waitForHttp(url, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isRunning(child)) throw new Error(`${child.label} stopped before it was ready`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await delay(250);
  }
  throw new Error(`${child.label} did not answer ${url} within ${timeoutMs / 1000} s`);
}

/** Asks every child to stop with `signal`, then kills what is still running after the grace period. */
async function stopAll(children, signal) {
  for (const child of children) if (isRunning(child)) child.kill(signal);
  const killer = setTimeout(() => {
    for (const child of children) if (isRunning(child)) child.kill('SIGKILL');
  }, stopGraceMs);
  await Promise.all(children.map((child) => child.exited));
  clearTimeout(killer);
}

export async function run(mode = 'start') {
  // Read once here and passed to the children; not turbo task inputs (this script is not a task).
  const { PORT, HOST, WEB_PORT } = process.env;
  const apiPort = PORT || '3000';
  const apiHost = HOST || '127.0.0.1';
  const webPort = WEB_PORT || '5173';
  const apiLocalUrl = `http://${reachableHost(apiHost)}:${apiPort}`;
  const apiUrl = `http://${displayHost(apiHost)}:${apiPort}`;
  const webUrl = `http://localhost:${webPort}`;
  const env = { ...process.env, PORT: apiPort, WEB_PORT: webPort, API_URL: apiLocalUrl };

  const children = [];
  let stopping = false;

  const shutdown = async (signal, exitCode) => {
    if (stopping) return;
    stopping = true;
    if (exitCode === 0) process.stdout.write(`\nStopping Keyway (${signal})…\n`);
    await stopAll(children, signal === 'SIGINT' ? 'SIGINT' : 'SIGTERM');
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));

  const watch = (child) => {
    void child.exited.then(({ code, signal }) => {
      if (stopping) return;
      process.stderr.write(`\n${child.label} stopped (${signal ?? `exit code ${code}`}); stopping the rest.\n`);
      void shutdown('SIGTERM', 1);
    });
  };

  try {
    const { api: apiArgs, web: webArgs } = commands(mode, { webPort });
    await assertPortFree(apiPort, apiHost, 'PORT');
    await assertPortFree(webPort, '127.0.0.1', 'WEB_PORT');
    const api = launch('api', apiArgs, { cwd: serverDir, env });
    children.push(api);
    await waitForHttp(`${apiLocalUrl}/healthz`, api, mode === 'dev' ? 120_000 : 60_000);
    watch(api);

    const web = launch('web', webArgs, { cwd: webDir, env });
    children.push(web);
    // Through the demo's proxy: proves the browser will reach the API on the demo's own origin.
    await waitForHttp(`http://127.0.0.1:${webPort}/healthz`, web, 60_000);
    watch(web);
  } catch (error) {
    process.stderr.write(`\nKeyway failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    await shutdown('SIGTERM', 1);
    return;
  }

  const heading = mode === 'dev' ? 'Keyway is running in development mode (watching for changes)' : 'Keyway is running';
  process.stdout.write(
    [
      '',
      `  ${heading}`,
      '',
      `  API        ${apiUrl}   (tRPC at /trpc, health at /healthz)`,
      `  Demo web   ${webUrl}`,
      '',
      '  Press Ctrl+C to stop.',
      '',
      '',
    ].join('\n'),
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await run(process.argv.includes('--dev') ? 'dev' : 'start');
}

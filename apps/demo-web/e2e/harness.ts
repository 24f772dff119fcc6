/**
 * The browser-test rig: a real Keyway API (startTestServer, with its SMTP mailbox), the demo
 * built by Vite and served by `vite preview` with `/trpc` proxied to that API, and headless
 * Chromium driven by playwright-core. Screenshots go to test-results/ (git-ignored).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '@keyway/server/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { build, type PreviewServer, preview } from 'vite';
import { afterAll } from 'vitest';

const appRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
export const resultsDir = join(appRoot, 'test-results');

const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/** The system clock plus an offset the test moves forward (to let access tokens expire). */
export function createShiftableClock() {
  let offsetMs = 0;
  return {
    now: () => new Date(Date.now() + offsetMs),
    advance(milliseconds: number) {
      offsetMs += milliseconds;
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (!address || typeof address === 'string') throw new Error('No free port');
  return address.port;
}

export interface DemoRig {
  api: TestServer;
  /** The demo's origin, e.g. http://127.0.0.1:41234 (what mailed links point at). */
  webUrl: string;
  browser: Browser;
  clock: ReturnType<typeof createShiftableClock>;
  /** Saves a full-page screenshot as test-results/<name>.png. */
  screenshot(page: Page, name: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startDemoRig(env: Record<string, string> = {}): Promise<DemoRig> {
  const webPort = await freePort();
  const webUrl = `http://127.0.0.1:${webPort}`;
  const clock = createShiftableClock();
  const api = await startTestServer({ clock, env: { APP_URL: webUrl, ...env } });
  const outDir = await mkdtemp(join(tmpdir(), 'keyway-demo-web-'));
  let previewServer: PreviewServer | undefined;
  let browser: Browser | undefined;
  try {
    // vite.config.ts reads API_URL for its proxy.
    process.env.API_URL = api.url;
    const configFile = join(appRoot, 'vite.config.ts');
    // Vitest sets NODE_ENV=test, which would bundle React's development build.
    const testNodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      await build({
        root: appRoot,
        configFile,
        mode: 'production',
        logLevel: 'error',
        build: { outDir, emptyOutDir: true },
      });
    } finally {
      process.env.NODE_ENV = testNodeEnv;
    }
    previewServer = await preview({
      root: appRoot,
      configFile,
      logLevel: 'warn',
      build: { outDir },
      preview: { host: '127.0.0.1', port: webPort, strictPort: true, open: false },
    });
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: chromiumArgs,
    });
  } catch (error) {
    await previewServer?.close();
    await api.stop();
    await rm(outDir, { recursive: true, force: true });
    throw error;
  }
  await mkdir(resultsDir, { recursive: true });
  const openPreview = previewServer;
  const openBrowser = browser;

  return {
    api,
    webUrl,
    browser: openBrowser,
    clock,
    async screenshot(page, name) {
      await page.screenshot({ path: join(resultsDir, `${name}.png`), fullPage: true });
    },
    async stop() {
      await openBrowser.close();
      await openPreview.close();
      await api.stop();
      await rm(outDir, { recursive: true, force: true });
    },
  };
}

/** A rig for one test file: started now (await it at the file's top level), stopped after its tests. */
export async function startFileRig(env: Record<string, string> = {}): Promise<DemoRig> {
  const rig = await startDemoRig(env);
  afterAll(() => rig.stop());
  return rig;
}

/** The link to `path` (e.g. `verify-email`) in the latest mail to `email` whose subject matches. */
export async function linkFromMail(rig: DemoRig, email: string, subject: RegExp, path: string): Promise<string> {
  const mail = await rig.api.mailbox.waitFor(email, { subject });
  const link = new RegExp(`https?://\\S+/${path}\\?token=[\\w-]+`).exec(mail.text)?.[0];
  if (!link) throw new Error(`No ${path} link in "${mail.subject}"`);
  return link;
}

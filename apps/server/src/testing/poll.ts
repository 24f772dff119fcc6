/** Waiting for a condition, names unique to one run, and free ports. */
import { randomBytes } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';

/**
 * Repeats `probe` (bounded) until it holds; a probe that throws counts as not yet. Throws
 * with `what` (or what it returns: state to show) when it never does.
 */
export async function eventually(
  what: string | (() => string),
  probe: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  intervalMs = 25,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await Promise.resolve(probe()).catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A name no other run (or parallel suite) uses: emails, Redis key prefixes. */
export function unique(label: string): string {
  return `${label}-${randomBytes(5).toString('hex')}`;
}

/** A loopback port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

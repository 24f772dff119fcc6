/**
 * Two instances of Keyway on one fresh PostgreSQL database and one mailbox, as a load
 * balancer sees them: the setup of the scale-out tests.
 */
import { createTestDatabase } from '@keyway/auth-core/testing';
import { unique } from './poll.js';
import { startTestServer, type TestServer, type TestServerOptions } from './server.js';

type InstanceOptions = Omit<TestServerOptions, 'database' | 'mailbox' | 'dialect'>;

export async function startTwoInstances(
  options: {
    env?: Record<string, string>;
    clock?: TestServerOptions['clock'];
    first?: InstanceOptions;
    second?: InstanceOptions;
  } = {},
) {
  const database = await createTestDatabase('postgresql');
  // Parallel suites may share one Redis: each pair counts under a prefix of its own.
  const env = { RATE_LIMIT_PREFIX: unique('keyway-test'), ...options.env };
  const started: TestServer[] = [];
  const stop = async () => {
    for (const instance of started.reverse()) await instance.stop();
    await database.drop();
  };
  try {
    const first = await startTestServer({
      database,
      clock: options.clock,
      ...options.first,
      env: { ...env, ...options.first?.env },
    });
    started.push(first);
    const second = await startTestServer({
      database,
      mailbox: first.mailbox,
      clock: options.clock,
      ...options.second,
      env: { ...env, ...options.second?.env },
    });
    started.push(second);
    /** The instance a load balancer would pick for the n-th request. */
    const either = (n: number) => (n % 2 === 0 ? first : second);
    return { database, first, second, either, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export type TwoInstances = Awaited<ReturnType<typeof startTwoInstances>>;

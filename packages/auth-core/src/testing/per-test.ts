/**
 * One fixture variable for a whole test file: what `create` makes, made anew before each test
 * of the enclosing suite. Kept apart from index.ts because it registers vitest hooks.
 */
import { beforeEach } from 'vitest';

/** A stand-in that forwards to the current test's `create()`: `const t = perTest(() => createXFixture())`. */
export function perTest<T extends object>(create: () => T | Promise<T>): T {
  let current: T | undefined;
  beforeEach(async () => {
    current = await create();
  });
  return new Proxy({} as T, {
    get(_, key) {
      if (!current) throw new Error('perTest: read outside a test');
      return Reflect.get(current, key);
    },
  });
}

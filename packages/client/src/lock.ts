/**
 * Mutual exclusion around token refresh, so clients sharing a token pair refresh it once
 * between them: the holder re-reads the pair before spending it. (The server also answers a
 * refresh token replayed within its grace window with the current pair, so a tab that misses
 * another's rotation stays signed in; the lock just spares it the extra call.)
 */

/** The part of the Web Locks API the client uses (`navigator.locks`). */
interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

export type Lock = <T>(task: () => Promise<T>) => Promise<T>;

/** Runs tasks one at a time, in call order, within this JavaScript realm. */
export function createQueueLock(): Lock {
  let tail: Promise<unknown> = Promise.resolve();
  return (task) => {
    const run = tail.then(() => task());
    // The next task waits for this one to settle, whether it succeeded or not.
    tail = run.catch(() => undefined);
    return run;
  };
}

const namedQueueLocks = new Map<string, Lock>();

/** One queue lock per name in this realm, so every store of one storage key shares it. */
function namedQueueLock(name: string): Lock {
  let lock = namedQueueLocks.get(name);
  if (!lock) {
    lock = createQueueLock();
    namedQueueLocks.set(name, lock);
  }
  return lock;
}

function webLocks(): LockManagerLike | undefined {
  const navigator = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator;
  return navigator?.locks && typeof navigator.locks.request === 'function' ? navigator.locks : undefined;
}

/**
 * A lock shared by every tab of one origin when the Web Locks API is there (every current
 * browser), else by everything in this realm (one tab, one Node process). The fallback
 * cannot exclude other tabs; the re-read after acquiring it still catches a rotation that
 * another tab finished before this one started.
 */
export function createNamedLock(name: string): Lock {
  return (task) => {
    const locks = webLocks();
    if (!locks) return namedQueueLock(name)(task);
    // Released as soon as the task settles. A tab that gets the lock before this tab's new
    // pair reaches its storage spends the previous refresh token, which the server's grace
    // window answers with the current pair rather than treating as reuse.
    return locks.request(name, () => task());
  };
}

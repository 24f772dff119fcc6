/**
 * Mutual exclusion around token refresh. A rotated refresh token is spent: if two refreshes
 * of one token ever reach the server, the second is treated as reuse and revokes the session.
 * So every refresh of a shared token pair runs under one lock, and the holder re-reads the
 * pair before spending it.
 */

/** The part of the Web Locks API the client uses (`navigator.locks`). */
interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

export type Lock = <T>(task: () => Promise<T>) => Promise<T>;

/** How long a tab keeps the cross-tab lock after its refresh, for its stored pair to reach the others. */
const storagePropagationGraceMs = 200;

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
    return new Promise((resolve, reject) => {
      locks
        .request(name, async () => {
          try {
            resolve(await task());
          } catch (error) {
            reject(error);
          }
          // A write to localStorage reaches other tabs asynchronously, on a different channel
          // from the lock grant: released at once, the lock could reach the next tab before
          // the pair this tab just stored, and that tab would spend the old refresh token (a
          // reuse, which ends the session; seen in the two-tab browser test). So the lock is
          // held a moment longer; this caller has its answer already.
          await new Promise((settled) => setTimeout(settled, storagePropagationGraceMs));
        })
        .catch(reject);
    });
  };
}

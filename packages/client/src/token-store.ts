/**
 * Where the client keeps the access + refresh token pair. A store is also the session state
 * a UI renders from: `get()` is null when signed out, `subscribe` reports every change
 * (including ones made by another tab), and `lock` serialises refreshes among every client
 * that shares the pair.
 */
import { createNamedLock, createQueueLock, type Lock } from './lock.js';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

export interface TokenStore {
  /** The current pair, or null when signed out. Returns the same object until the pair changes. */
  get(): TokenPair | null;
  /** Stores a pair, or clears it with null, and notifies subscribers. */
  set(pair: TokenPair | null): void;
  /** Calls `listener` after every change; returns the unsubscribe function. */
  subscribe(listener: (pair: TokenPair | null) => void): () => void;
  /** Runs `task` while no other client sharing this store refreshes (tabs included). */
  lock<T>(task: () => Promise<T>): Promise<T>;
}

/** The default: tokens live as long as the client object (a Node script, a test, a tab). */
export function memoryTokens(initial: TokenPair | null = null): TokenStore {
  let pair = initial;
  const listeners = new Set<(pair: TokenPair | null) => void>();
  const lock: Lock = createQueueLock();
  return {
    get: () => pair,
    set(next) {
      pair = next ? { accessToken: next.accessToken, refreshToken: next.refreshToken } : null;
      for (const listener of listeners) listener(pair);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    lock,
  };
}

/** The subset of the Web Storage API the store uses; `localStorage`, or a polyfill in Node. */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface LocalStorageTokensOptions {
  /** The storage key; `keyway.tokens` unless set. Clients of one key share one session. */
  key?: string;
  /** `globalThis.localStorage` unless set (required outside a browser). */
  storage?: StorageLike;
}

interface StorageEventLike {
  key: string | null;
  storageArea: unknown;
}

interface EventTargetLike {
  addEventListener(type: 'storage', listener: (event: StorageEventLike) => void): void;
  removeEventListener(type: 'storage', listener: (event: StorageEventLike) => void): void;
}

function parsePair(raw: string | null): TokenPair | null {
  if (!raw) return null;
  try {
    const value: unknown = JSON.parse(raw);
    if (
      typeof value === 'object' &&
      value !== null &&
      'accessToken' in value &&
      'refreshToken' in value &&
      typeof value.accessToken === 'string' &&
      typeof value.refreshToken === 'string'
    ) {
      return { accessToken: value.accessToken, refreshToken: value.refreshToken };
    }
  } catch {
    // Not ours or corrupted: treat as signed out.
  }
  return null;
}

/**
 * Tokens in `localStorage`: they survive a reload, and every tab of the browser shares one
 * session. Tabs never replay a spent refresh token: refreshes run under a Web Lock named for
 * the key, and the tab that gets the lock second finds the pair already rotated and uses it.
 */
export function localStorageTokens(options: LocalStorageTokensOptions = {}): TokenStore {
  const key = options.key ?? 'keyway.tokens';
  const storage = options.storage ?? (globalThis as { localStorage?: StorageLike }).localStorage;
  if (!storage) {
    throw new Error('localStorageTokens() needs a Storage: pass { storage } where there is no localStorage');
  }
  const listeners = new Set<(pair: TokenPair | null) => void>();
  const events = globalThis as Partial<EventTargetLike>;
  // Kept when the storage refuses a write (a full quota, some private modes), so this tab stays signed in.
  let unstored: { pair: TokenPair | null } | null = null;
  let lastRaw: string | null = null;
  let lastPair: TokenPair | null = null;

  const read = (): TokenPair | null => {
    if (unstored) return unstored.pair;
    const raw = storage.getItem(key);
    if (raw !== lastRaw) {
      lastRaw = raw;
      lastPair = parsePair(raw);
    }
    return lastPair;
  };
  const notify = () => {
    const pair = read();
    for (const listener of listeners) listener(pair);
  };
  // Fired in the other tabs of the browser when one of them writes the key.
  const onStorage = (event: StorageEventLike) => {
    if ((event.key === key || event.key === null) && (event.storageArea === storage || event.storageArea == null)) {
      notify();
    }
  };

  return {
    get: read,
    set(pair) {
      try {
        if (pair)
          storage.setItem(key, JSON.stringify({ accessToken: pair.accessToken, refreshToken: pair.refreshToken }));
        else storage.removeItem(key);
        unstored = null;
      } catch {
        unstored = { pair };
      }
      notify();
    },
    subscribe(listener) {
      if (listeners.size === 0) events.addEventListener?.('storage', onStorage);
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) events.removeEventListener?.('storage', onStorage);
      };
    },
    lock: createNamedLock(`keyway-refresh:${key}`),
  };
}

import { describe, expect, it } from 'vitest';
import { createQueueLock } from './lock.js';
import { MapStorage } from './testing/map-storage.js';
import { localStorageTokens, memoryTokens, type TokenPair } from './token-store.js';

const pair: TokenPair = { accessToken: 'access-1', refreshToken: 'refresh-1' };

describe('memoryTokens', () => {
  it('stores, returns and clears a pair and tells subscribers', () => {
    const tokens = memoryTokens();
    const seen: Array<TokenPair | null> = [];
    const unsubscribe = tokens.subscribe((next) => seen.push(next));

    tokens.set(pair);
    expect(tokens.get()).toEqual(pair);
    tokens.set(null);
    unsubscribe();
    tokens.set(pair);

    expect(seen).toEqual([pair, null]);
  });
});

describe('localStorageTokens', () => {
  it('keeps the pair in storage, so a reloaded page (a new store) is still signed in', () => {
    const storage = new MapStorage();
    localStorageTokens({ storage }).set(pair);

    const reloaded = localStorageTokens({ storage });

    expect(reloaded.get()).toEqual(pair);
    expect(reloaded.get()).toBe(reloaded.get());
    expect(localStorageTokens({ storage, key: 'another-app' }).get()).toBeNull();
  });

  it('treats a corrupted or foreign value as signed out', () => {
    const storage = new MapStorage();
    storage.setItem('keyway.tokens', '{not json');
    expect(localStorageTokens({ storage }).get()).toBeNull();
    storage.setItem('keyway.tokens', JSON.stringify({ accessToken: 1 }));
    expect(localStorageTokens({ storage }).get()).toBeNull();
  });

  it('sees a pair another tab wrote and tells subscribers of changes', () => {
    const storage = new MapStorage();
    const tab = localStorageTokens({ storage });
    const otherTab = localStorageTokens({ storage });
    const seen: Array<TokenPair | null> = [];
    const unsubscribe = tab.subscribe((next) => seen.push(next));

    otherTab.set(pair);
    expect(tab.get()).toEqual(pair);
    tab.set(null);
    unsubscribe();

    expect(seen).toEqual([null]);
    expect(otherTab.get()).toBeNull();
  });

  it('keeps the pair in memory when the storage refuses writes', () => {
    const storage = new MapStorage();
    storage.setItem = () => {
      throw new Error('QuotaExceededError');
    };
    const tokens = localStorageTokens({ storage });

    tokens.set(pair);

    expect(tokens.get()).toEqual(pair);
  });

  it('needs a storage where there is no localStorage (Node)', () => {
    expect(() => localStorageTokens()).toThrow(/needs a Storage/);
  });

  it('makes stores of one key take turns for the refresh lock', async () => {
    const storage = new MapStorage();
    const [first, second] = [localStorageTokens({ storage }), localStorageTokens({ storage })];
    const order: string[] = [];
    let releaseFirst = () => {};
    const firstHeld = new Promise<void>((resolve) => {
      releaseFirst = resolve;
    });

    const firstTask = first.lock(async () => {
      order.push('first start');
      await firstHeld;
      order.push('first end');
    });
    const secondTask = second.lock(async () => {
      order.push('second');
    });
    await Promise.resolve();
    releaseFirst();
    await Promise.all([firstTask, secondTask]);

    expect(order).toEqual(['first start', 'first end', 'second']);
  });
});

describe('createQueueLock', () => {
  it('runs the next task after one that failed', async () => {
    const lock = createQueueLock();
    const failed = lock(async () => {
      throw new Error('boom');
    });
    const next = lock(async () => 'ran');

    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ran');
  });
});

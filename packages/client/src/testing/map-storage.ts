/** A Map-backed Web Storage for Node tests: one instance plays one browser's localStorage. */
import type { StorageLike } from '../token-store.js';

export class MapStorage implements StorageLike {
  readonly #items = new Map<string, string>();

  getItem(key: string): string | null {
    return this.#items.get(key) ?? null;
  }

  setItem(key: string, value: string): void {
    this.#items.set(key, String(value));
  }

  removeItem(key: string): void {
    this.#items.delete(key);
  }
}

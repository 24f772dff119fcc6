/** Helpers shared by the in-memory fakes of the repositories. */

/** Deletes up to `limit` entries that `expired` selects, as the real purges' bounded batches; resolves to how many. */
export function purgeRows<T>(map: Map<string, T>, expired: (value: T) => boolean, limit: number): Promise<number> {
  let deleted = 0;
  for (const [key, value] of map) {
    if (deleted >= limit) break;
    if (expired(value)) {
      map.delete(key);
      deleted++;
    }
  }
  return Promise.resolve(deleted);
}

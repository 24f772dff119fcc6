/** Helpers shared by the MikroORM repositories. */
import type { EntityManager } from '@mikro-orm/knex';
import type {
  EmailToken,
  MfaChallenge,
  OutboxMessage,
  SecurityEvent,
  Session,
  TokenDenylist,
} from '../entities/index.js';

/** A timestamp as a driver returns it in a raw row (SQLite: milliseconds, maybe as text). */
export const toDate = (value: Date | number | string): Date =>
  value instanceof Date ? value : new Date(typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value);

/** Deletes up to `limit` rows matched by `where`, in one bounded statement pair. */
export async function deleteBatch(
  em: EntityManager,
  entity:
    | typeof Session
    | typeof TokenDenylist
    | typeof EmailToken
    | typeof OutboxMessage
    | typeof MfaChallenge
    | typeof SecurityEvent,
  key: string,
  where: object,
  limit: number,
): Promise<number> {
  const rows = (await em.find(entity as typeof Session, where, { fields: [key] as never, limit })) as unknown as Record<
    string,
    string
  >[];
  if (rows.length === 0) return 0;
  return em.nativeDelete(entity as typeof Session, { [key]: { $in: rows.map((row) => row[key]) } } as never);
}

/** The security event log on MikroORM: one insert per event, the user's newest first. */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/knex';
import { SecurityEvent } from '../entities/index.js';
import { deleteBatch } from './rows.js';
import type { SecurityEventRepository } from './types.js';

export function createSecurityEventRepository(em: () => EntityManager): SecurityEventRepository {
  return {
    async record({ userId, type, at, ip, userAgent }) {
      await em().insert(SecurityEvent, { id: randomUUID(), user: userId, type, at, ip, userAgent });
    },
    async listForUser(userId, limit) {
      const rows = await em().find(
        SecurityEvent,
        { user: userId },
        {
          fields: ['type', 'at', 'ip', 'userAgent'],
          orderBy: { at: 'desc', id: 'desc' },
          limit,
          disableIdentityMap: true,
        },
      );
      return rows.map(({ type, at, ip, userAgent }) => ({ type, at, ip: ip ?? null, userAgent: userAgent ?? null }));
    },
    purgeBefore: (before, limit) => deleteBatch(em(), SecurityEvent, 'id', { at: { $lt: before } }, limit),
  };
}

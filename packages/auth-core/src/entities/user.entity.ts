import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { baseProperties } from './base.js';

export const User = defineEntity({
  name: 'User',
  tableName: 'user',
  properties: {
    ...baseProperties,
    email: p.string().length(254).unique(),
    // Hidden from serialisation and left out of ordinary selects: only the password
    // checks load it, explicitly.
    passwordHash: p.string().length(100).hidden().lazy(true, false),
    emailVerified: p.boolean().default(false),
    /** Set by an operator (`admin users disable`): no login, and every token refused at once. */
    disabledAt: p.datetime().nullable(),
  },
});

export type User = InferEntity<typeof User>;

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
    /**
     * The pending email change: the id of the latest request, carried by its outbox message
     * and by the link minted for it. Only the current request's message is sent and only its
     * link confirms; a new request, a password change or reset, and the confirmation end it.
     */
    emailChangeRequestId: p.uuid().nullable(),
    // The TOTP second factor. The secret is stored encrypted (see encryption.ts) beside the id
    // of the key that encrypted it, and loaded only by the MFA checks. Set while pending,
    // `mfaEnabledAt` marks it in force; `mfaLastUsedStep` is the last accepted time step, so
    // a code works once.
    mfaSecret: p.string().length(255).nullable().lazy(true, false),
    mfaSecretKeyId: p.string().length(32).nullable(),
    mfaEnabledAt: p.datetime().nullable(),
    mfaLastUsedStep: p.integer().nullable(),
  },
});

export type User = InferEntity<typeof User>;

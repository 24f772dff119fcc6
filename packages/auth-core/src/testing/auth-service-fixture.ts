/**
 * The auth service on in-memory repositories with a manual clock and real tokens: what the
 * auth service's unit suites (services/auth.service.test.ts, services/auth-sessions.test.ts)
 * share.
 */
import { randomBytes } from 'node:crypto';
import { createAccountBackoff, createMemoryBackoffCounter, defaultAccountBackoffRule } from '../account-backoff.js';
import type { Clock } from '../clock.js';
import { createManualClock } from '../clock.js';
import { createDataCipher } from '../encryption.js';
import { createMailQueue } from '../mail/outbox.js';
import { createSecondFactor } from '../mfa/second-factor.js';
import { createPasswordHasher, type PasswordHasher } from '../passwords.js';
import type { Repositories } from '../repositories/types.js';
import { createSecurityEventRecorder } from '../security-events.js';
import { createAuthService } from '../services/auth.service.js';
import { type Authenticate, createAuthenticator } from '../services/authenticate.js';
import { createTokenSigner, type TokenSigner } from '../tokens.js';
import { passwordLoginOnly } from './index.js';
import { createMemoryRepositories } from './memory-repositories.js';
import { testTokenConfig } from './tokens.js';

export const authServiceConfig = {
  accessTokenTtlSeconds: testTokenConfig.accessTokenTtlSeconds,
  refreshTokenTtlSeconds: testTokenConfig.refreshTokenTtlSeconds,
  refreshReuseGraceSeconds: 10,
  appUrl: 'https://app.example.com',
};

/** The token check the core would give the auth service, over these (in-memory) repositories. */
export function tokenCheckOver(repositories: Repositories, tokens: TokenSigner, clock: Clock): Authenticate {
  return createAuthenticator({ tokens, clock, findActiveUser: (query) => repositories.sessions.findActiveUser(query) });
}

/** `passwords`: the hasher of the service and of `createUser`; `password`: what `createUser` sets. */
export function createAuthServiceFixture(options: { passwords: PasswordHasher; password: string }) {
  const { passwords: hasher, password } = options;
  const config = authServiceConfig;
  const clock = createManualClock(new Date('2026-03-01T12:00:00Z'));
  const repositories = createMemoryRepositories();
  const tokens = createTokenSigner(testTokenConfig, clock);
  let dummyChecks = 0;

  /** The service on these repositories, tokens and clock, hashing with `passwords`. */
  function serviceWith(passwords: PasswordHasher) {
    const backoff = createAccountBackoff(createMemoryBackoffCounter(defaultAccountBackoffRule), clock);
    const secondFactor = createSecondFactor({
      mfa: repositories.mfa,
      cipher: createDataCipher([randomBytes(32)]),
      clock,
    });
    return passwordLoginOnly(
      createAuthService({
        ...repositories,
        passwords,
        tokens,
        authenticate: tokenCheckOver(repositories, tokens, clock),
        secondFactor: () => secondFactor,
        clock,
        config,
        backoff,
        events: createSecurityEventRecorder({ events: () => repositories.securityEvents, clock, client: {} }),
        mail: createMailQueue({ clock, wake: () => {} }),
      }),
    );
  }

  /** A user with `password`, hashed by the fixture's hasher or, given `cost`, one of that cost. */
  async function createUser(email = 'ada@example.com', cost?: number) {
    const passwordHash = await (cost ? await createPasswordHasher({ cost }) : hasher).hash(password);
    return repositories.users.create({ email, passwordHash, now: clock.now() });
  }

  // The real hasher, counting the dummy comparisons that stand in for unknown accounts.
  const auth = serviceWith({
    ...hasher,
    verifyDummy: (candidate) => {
      dummyChecks++;
      return hasher.verifyDummy(candidate);
    },
  });

  return {
    config,
    clock,
    repositories,
    tokens,
    auth,
    serviceWith,
    createUser,
    /** How many dummy comparisons `auth` has run so far. */
    get dummyChecks() {
      return dummyChecks;
    },
  };
}

export type AuthServiceFixture = ReturnType<typeof createAuthServiceFixture>;

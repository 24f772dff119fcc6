/**
 * The MFA service and the login's second step, on in-memory repositories with a manual
 * clock: the rules of the service itself. The same flows on real databases and over tRPC
 * are in packages/api (routers/mfa.test.ts) and apps/server (mfa.test.ts).
 */

import { randomBytes } from 'node:crypto';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AccountBackoff, createAccountBackoff, createMemoryBackoffCounter } from '../account-backoff.js';
import { createManualClock } from '../clock.js';
import { createDataCipher } from '../encryption.js';
import { createMailQueue } from '../mail/outbox.js';
import { createSecondFactor } from '../mfa/second-factor.js';
import { createPasswordHasher, type PasswordHasher } from '../passwords.js';
import type { UserRecord } from '../repositories/types.js';
import { hashSecretToken } from '../secrets.js';
import { createSecurityEventRecorder } from '../security-events.js';
import { tokenCheckOver } from '../testing/auth-service-fixture.js';
import { authErrorCodeOf as codeOf, totpCodeAt } from '../testing/index.js';
import { createMemoryRepositories, type MemoryRepositories } from '../testing/memory-repositories.js';
import { createTokenSigner } from '../tokens.js';
import { type AuthService, createAuthService, type Principal } from './auth.service.js';
import { createMfaService, type MfaService } from './mfa.service.js';

const password = 'plum-orbit-cascade';
const config = {
  accessTokenTtlSeconds: 900,
  refreshTokenTtlSeconds: 86_400,
  refreshReuseGraceSeconds: 10,
  appUrl: 'https://app.example.com',
};

let hasher: PasswordHasher;
let clock: ReturnType<typeof createManualClock>;
let repositories: MemoryRepositories;
let cipher: ReturnType<typeof createDataCipher>;
let mfa: MfaService;
let auth: AuthService;
let user: UserRecord;
let backoff: AccountBackoff;

beforeAll(async () => {
  hasher = await createPasswordHasher({ cost: 4 });
});

function build(withCipher = cipher) {
  const secondFactor = createSecondFactor({ mfa: repositories.mfa, cipher: withCipher, clock });
  const tokens = createTokenSigner({ secret: 'x'.repeat(40), issuer: 'keyway', audience: 'keyway', ...config }, clock);
  const events = createSecurityEventRecorder({ events: () => repositories.securityEvents, clock, client: {} });
  const mail = createMailQueue({ clock, wake: () => {} });
  // What both services take alike.
  const shared = { ...repositories, passwords: hasher, clock, backoff, events, mail, config };
  mfa = createMfaService({ ...shared, secondFactor, cipher: withCipher });
  auth = createAuthService({
    ...shared,
    tokens,
    authenticate: tokenCheckOver(repositories, tokens, clock),
    secondFactor: () => secondFactor,
  });
}

beforeEach(async () => {
  clock = createManualClock(new Date('2026-03-01T12:00:05Z'));
  repositories = createMemoryRepositories();
  cipher = createDataCipher([randomBytes(32)]);
  backoff = createAccountBackoff(createMemoryBackoffCounter({ after: 3, maxSeconds: 60 }), clock);
  build();
  user = await repositories.users.create({
    email: 'ada@example.com',
    passwordHash: await hasher.hash(password),
    now: clock.now(),
  });
});

/** The principal an authenticated call would carry, with the user as read now. */
async function principal(): Promise<Principal> {
  const current = await repositories.users.findById(user.id);
  if (!current) throw new Error('no user');
  return { userId: user.id, user: current, sessionId: 's', accessJti: 'j', accessExpiresAt: clock.now() };
}

const code = (secret: string) => totpCodeAt(secret, clock.now());
const nextStep = () => clock.advance(30_000);

async function enable() {
  const { secret } = await mfa.setup(await principal(), { password });
  const { recoveryCodes } = await mfa.enable(await principal(), { code: code(secret) });
  nextStep();
  return { secret, recoveryCodes };
}

async function mfaToken(): Promise<string> {
  const answer = await auth.login({ email: user.email, password });
  if (!('mfaRequired' in answer)) throw new Error('expected mfaRequired');
  return answer.mfaToken;
}

describe('the MFA service', () => {
  it('stores only the encrypted secret, bound to its user', async () => {
    const { secret } = await mfa.setup(await principal(), { password });
    const stored = await repositories.mfa.findSecret(user.id);
    expect(stored?.secret.ciphertext).not.toContain(secret);
    expect(stored?.secret.keyId).toBe(cipher.currentKeyId);
    expect(cipher.decrypt(stored?.secret ?? { keyId: '', ciphertext: '' }, `totp-secret:${user.id}`)).toBe(secret);
  });

  it('refuses a wrong password before making a secret, and a wrong code with a field error', async () => {
    expect(await codeOf(mfa.setup(await principal(), { password: 'wrong-password' }))).toBe('CURRENT_PASSWORD_INVALID');
    expect(await repositories.mfa.findSecret(user.id)).toBeNull();
    expect(await codeOf(mfa.enable(await principal(), { code: '123456' }))).toBe('MFA_SETUP_REQUIRED');
    const { secret } = await mfa.setup(await principal(), { password });
    const wrong = code(secret) === '000000' ? '111111' : '000000';
    const error = await mfa.enable(await principal(), { code: wrong }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'MFA_CODE_INVALID', fieldErrors: { code: [expect.any(String)] } });
  });

  it('turns on: login then needs the code; the enabling code cannot be replayed at login', async () => {
    const { secret } = await mfa.setup(await principal(), { password });
    const enablingCode = code(secret);
    const { recoveryCodes } = await mfa.enable(await principal(), { code: enablingCode });
    expect(recoveryCodes).toHaveLength(10);
    expect(await codeOf(mfa.setup(await principal(), { password }))).toBe('MFA_ALREADY_ENABLED');
    expect(await codeOf(auth.verifyMfa({ mfaToken: await mfaToken(), code: enablingCode }))).toBe('MFA_CODE_INVALID');
    nextStep();
    const session = await auth.verifyMfa({ mfaToken: await mfaToken(), code: code(secret) });
    expect(session.user.mfaEnabled).toBe(true);
  });

  it('disables with the password and a code, and only while on', async () => {
    expect(await codeOf(mfa.disable(await principal(), { password, code: '123456' }))).toBe('MFA_NOT_ENABLED');
    const { secret, recoveryCodes } = await enable();
    expect(await codeOf(mfa.disable(await principal(), { password: 'wrong-password', code: code(secret) }))).toBe(
      'CURRENT_PASSWORD_INVALID',
    );
    expect(await codeOf(mfa.disable(await principal(), { password, code: 'not-a-code' }))).toBe('MFA_CODE_INVALID');
    await mfa.disable(await principal(), { password, code: recoveryCodes[0] ?? '' });
    expect((await repositories.users.findById(user.id))?.mfaEnabled).toBe(false);
    expect('mfaRequired' in (await auth.login({ email: user.email, password }))).toBe(false);
  });

  it('refuses a login challenge that is unknown, spent, or whose user turned MFA off', async () => {
    const { secret } = await enable();
    expect(await codeOf(auth.verifyMfa({ mfaToken: 'unknown', code: code(secret) }))).toBe('MFA_TOKEN_INVALID');
    const token = await mfaToken();
    await mfa.disable(await principal(), { password, code: code(secret) });
    nextStep();
    expect(await codeOf(auth.verifyMfa({ mfaToken: token, code: code(secret) }))).toBe('MFA_TOKEN_INVALID');
  });

  it('fails loudly, not as a wrong code, when the secret no longer decrypts (the key was changed)', async () => {
    const { secret } = await enable();
    const token = await mfaToken();
    build(createDataCipher([randomBytes(32)]));
    await expect(auth.verifyMfa({ mfaToken: token, code: code(secret) })).rejects.toThrow(/DATA_ENCRYPTION_KEY/);
  });

  it('loses no race: a setup replacing the secret being enabled, a stale principal, a challenge of a user without MFA', async () => {
    // A second setup lands between enable's read of the secret and its write: that code is stale.
    const { secret } = await mfa.setup(await principal(), { password });
    const findSecret = repositories.mfa.findSecret;
    repositories.mfa.findSecret = async (userId) => {
      const read = await findSecret(userId);
      await mfa.setup(await principal(), { password });
      return read;
    };
    expect(await codeOf(mfa.enable(await principal(), { code: code(secret) }))).toBe('MFA_SETUP_REQUIRED');
    repositories.mfa.findSecret = findSecret;

    // A principal read before MFA was turned on elsewhere: the write itself refuses.
    const stale = await principal();
    await enable();
    expect(await codeOf(mfa.setup(stale, { password }))).toBe('MFA_ALREADY_ENABLED');

    // A challenge row for a user whose MFA is off never signs in.
    const other = await repositories.users.create({ email: 'bob@example.com', passwordHash: 'x', now: clock.now() });
    await repositories.mfa.createChallenge({
      tokenHash: hashSecretToken('orphan'),
      userId: other.id,
      now: clock.now(),
      expiresAt: new Date(clock.now().getTime() + 60_000),
    });
    expect(await codeOf(auth.verifyMfa({ mfaToken: 'orphan', code: '123456' }))).toBe('MFA_TOKEN_INVALID');
  });

  it('lets one of two racing disables, and one of two racing right codes on one mfaToken, win', async () => {
    const { secret, recoveryCodes } = await enable();
    expect(await codeOf(mfa.enable(await principal(), { code: code(secret) }))).toBe('MFA_ALREADY_ENABLED');
    const token = await mfaToken();
    const logins = await Promise.allSettled([
      auth.verifyMfa({ mfaToken: token, code: code(secret) }),
      auth.verifyMfa({ mfaToken: token, code: recoveryCodes[0] ?? '' }),
    ]);
    expect(logins.map((login) => login.status).sort()).toEqual(['fulfilled', 'rejected']);

    nextStep();
    const stale = await principal();
    const disables = await Promise.allSettled([
      mfa.disable(stale, { password, code: code(secret) }),
      mfa.disable(stale, { password, code: recoveryCodes[1] ?? '' }),
    ]);
    expect(disables.map((disable) => disable.status).sort()).toEqual(['fulfilled', 'rejected']);
    // Once off, a principal read before still carries mfaEnabled: a TOTP code then matches nothing.
    expect(await codeOf(mfa.disable(stale, { password, code: code(secret) }))).toBe('MFA_CODE_INVALID');
  });

  it('answers MFA_NOT_ENABLED when another call turned MFA off between the code check and the write', async () => {
    const { secret } = await enable();
    const disable = repositories.mfa.disable;
    repositories.mfa.disable = async (input) => {
      await disable(input); // the other call, first
      return disable(input);
    };
    expect(await codeOf(mfa.disable(await principal(), { password, code: code(secret) }))).toBe('MFA_NOT_ENABLED');
  });

  describe('the per-account backoff (after 3 failures here)', () => {
    const wrongFor = (secret: string) => (code(secret) === '000000' ? '111111' : '000000');

    it('counts wrong codes at verifyMfa, refuses before checking, and only a completed verifyMfa ends it', async () => {
      const { secret } = await enable();
      const first = await mfaToken();
      for (let i = 0; i < 3; i += 1) {
        expect(await codeOf(auth.verifyMfa({ mfaToken: first, code: wrongFor(secret) }))).toBe('MFA_CODE_INVALID');
      }
      // In force: even the right code is refused, without being checked (its step stays unspent),
      // and so is the password at login.
      const refused = await auth.verifyMfa({ mfaToken: first, code: code(secret) }).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: 'TOO_MANY_ATTEMPTS', retryAfterSeconds: 1 });
      expect((await repositories.mfa.findSecret(user.id))?.lastUsedStep).toBeLessThan(
        Math.floor(clock.now().getTime() / 30_000),
      );
      expect(await codeOf(auth.login({ email: user.email, password }))).toBe('TOO_MANY_ATTEMPTS');
      clock.advance(1000);
      // A right password that answers mfaRequired does not end it: one more wrong code doubles the delay.
      const second = await mfaToken();
      expect(await codeOf(auth.verifyMfa({ mfaToken: second, code: wrongFor(secret) }))).toBe('MFA_CODE_INVALID');
      const doubled = await auth.verifyMfa({ mfaToken: second, code: code(secret) }).catch((e: unknown) => e);
      expect(doubled).toMatchObject({ code: 'TOO_MANY_ATTEMPTS', retryAfterSeconds: 2 });
      clock.advance(2000);
      await auth.verifyMfa({ mfaToken: second, code: code(secret) });
      // Ended by the completed sign-in: three more failures are needed before any refusal.
      nextStep();
      const third = await mfaToken();
      for (let i = 0; i < 3; i += 1) {
        expect(await codeOf(auth.verifyMfa({ mfaToken: third, code: wrongFor(secret) }))).toBe('MFA_CODE_INVALID');
      }
      expect(await codeOf(auth.verifyMfa({ mfaToken: third, code: code(secret) }))).toBe('TOO_MANY_ATTEMPTS');
    });

    it('counts wrong passwords of setup and disable and wrong codes of enable and disable', async () => {
      expect(await codeOf(mfa.setup(await principal(), { password: 'wrong-password' }))).toBe(
        'CURRENT_PASSWORD_INVALID',
      );
      const { secret } = await mfa.setup(await principal(), { password });
      expect(await codeOf(mfa.enable(await principal(), { code: wrongFor(secret) }))).toBe('MFA_CODE_INVALID');
      await mfa.enable(await principal(), { code: code(secret) });
      nextStep();
      expect(await codeOf(mfa.disable(await principal(), { password, code: wrongFor(secret) }))).toBe(
        'MFA_CODE_INVALID',
      );
      // Three failures: the right password and code are refused before either is checked.
      expect(await codeOf(mfa.disable(await principal(), { password, code: code(secret) }))).toBe('TOO_MANY_ATTEMPTS');
      expect(await codeOf(auth.login({ email: user.email, password }))).toBe('TOO_MANY_ATTEMPTS');
      clock.advance(1000);
      await mfa.disable(await principal(), { password, code: code(secret) });
    });
  });
});

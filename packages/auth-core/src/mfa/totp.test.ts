import { Secret, TOTP } from 'otpauth';
import { describe, expect, it } from 'vitest';
import {
  generateRecoveryCode,
  generateTotpSecret,
  hashRecoveryCode,
  matchTotpStep,
  normalizeCode,
  totpUrl,
} from './totp.js';

/** RFC 6238's SHA-1 key, the ASCII bytes of "12345678901234567890", in base32. */
const rfcSecret = Secret.fromUTF8('12345678901234567890').base32;

describe('TOTP', () => {
  it("matches RFC 6238's SHA-1 test vectors (their last 6 digits) at their step", () => {
    // Time (s) -> the appendix's 8-digit value, of which a 6-digit TOTP is the last 6 digits.
    const vectors: Array<[number, string]> = [
      [59, '94287082'],
      [1_111_111_109, '07081804'],
      [1_111_111_111, '14050471'],
      [1_234_567_890, '89005924'],
      [2_000_000_000, '69279037'],
    ];
    for (const [seconds, eightDigits] of vectors) {
      expect(matchTotpStep(rfcSecret, eightDigits.slice(2), new Date(seconds * 1000)), `T=${seconds}`).toBe(
        Math.floor(seconds / 30),
      );
    }
  });

  it('accepts the step before and the step after, never further', () => {
    const secret = generateTotpSecret();
    const now = new Date('2026-03-01T12:00:10Z');
    const step = Math.floor(now.getTime() / 30_000);
    const codeAt = (offsetSteps: number) =>
      TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: now.getTime() + offsetSteps * 30_000 });
    expect(matchTotpStep(secret, codeAt(0), now)).toBe(step);
    expect(matchTotpStep(secret, codeAt(-1), now)).toBe(step - 1);
    expect(matchTotpStep(secret, codeAt(1), now)).toBe(step + 1);
    for (const offset of [-3, -2, 2, 3]) {
      const code = codeAt(offset);
      // A code of a far step can equal a near one by chance (1 in a million); skip that case.
      if ([-1, 0, 1].some((near) => codeAt(near) === code)) continue;
      expect(matchTotpStep(secret, code, now), `offset ${offset}`).toBeNull();
    }
  });

  it('refuses what is not six digits, without throwing', () => {
    const secret = generateTotpSecret();
    for (const code of ['', '12345', '1234567', 'abcdef', '１２３４５６', '12345\u0000', `${'9'.repeat(10_000)}`]) {
      expect(matchTotpStep(secret, code, new Date())).toBeNull();
    }
  });

  it('makes 160-bit base32 secrets and an otpauth URL apps read', () => {
    const secret = generateTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(Secret.fromBase32(secret).bytes).toHaveLength(20);
    expect(generateTotpSecret()).not.toBe(secret);
    const url = new URL(totpUrl({ secret, issuer: 'Keyway', account: 'ada+mfa@example.com' }));
    expect(url.protocol).toBe('otpauth:');
    expect(url.host).toBe('totp');
    expect(decodeURIComponent(url.pathname)).toBe('/Keyway:ada+mfa@example.com');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      issuer: 'Keyway',
      secret,
      algorithm: 'SHA1',
      digits: '6',
      period: '30',
    });
  });
});

describe('recovery codes', () => {
  it('are 80 random bits shown as xxxx-xxxx-xxxx-xxxx, hashed the same however they are typed', () => {
    const code = generateRecoveryCode();
    expect(code).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
    expect(new Set(Array.from({ length: 50 }, generateRecoveryCode)).size).toBe(50);
    expect(hashRecoveryCode(code)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRecoveryCode(` ${code.toUpperCase().replace(/-/g, ' ')} `)).toBe(hashRecoveryCode(code));
    expect(hashRecoveryCode(code.replace(/-/g, ''))).toBe(hashRecoveryCode(code));
    expect(normalizeCode('123 456')).toBe('123456');
  });
});

import { isWellFormed } from '@keyway/auth-core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { publicUserFields } from '../testing.js';
import {
  changePasswordInput,
  loginInput,
  logoutInput,
  refreshInput,
  registerInput,
  requestEmailChangeInput,
  userOutput,
  userResultOutput,
} from './index.js';

const fieldErrors = (result: { error?: z.ZodError }) =>
  result.error ? (z.flattenError(result.error).fieldErrors as Record<string, string[]>) : {};

describe('email', () => {
  it('is trimmed and lower-cased', () => {
    expect(registerInput.parse({ email: '  Ada.Lovelace@Example.COM ', password: 'plum-orbit-cascade' }).email).toBe(
      'ada.lovelace@example.com',
    );
  });

  it('must look like an address', () => {
    expect(fieldErrors(loginInput.safeParse({ email: 'not-an-email', password: 'x' }))).toEqual({
      email: ['Enter a valid email address'],
    });
    expect(fieldErrors(loginInput.safeParse({ email: '   ', password: 'x' }))).toEqual({
      email: ['Email is required'],
    });
  });

  it('is at most 254 characters', () => {
    const local = 'a'.repeat(64);
    const domain = `${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`; // 254 with the local part
    expect(`${local}@${domain}`).toHaveLength(254);
    expect(loginInput.safeParse({ email: `${local}@${domain}`, password: 'x' }).success).toBe(true);
    expect(fieldErrors(loginInput.safeParse({ email: `${local}@x${domain}`, password: 'x' }))).toEqual({
      email: ['Email must be at most 254 characters'],
    });
  });
});

describe('the new address of an email change', () => {
  it('is read exactly like a registration’s email', () => {
    for (const email of [
      '  Ada.Lovelace@Example.COM ',
      'not-an-email',
      '   ',
      `${'a'.repeat(250)}@example.com`,
      'x\ud800@a.co',
    ]) {
      const change = requestEmailChangeInput.safeParse({ newEmail: email, password: 'x' });
      const register = registerInput.safeParse({ email, password: 'plum-orbit-cascade' });
      expect(change.success, email).toBe(register.success);
      expect(change.data?.newEmail, email).toBe(register.data?.email);
      expect(fieldErrors(change).newEmail, email).toEqual(fieldErrors(register).email);
    }
  });
});

describe('new passwords', () => {
  const withPassword = (password: string) => registerInput.safeParse({ email: 'ada@example.com', password });

  it('are 8 to 128 characters, counted as code points', () => {
    expect(fieldErrors(withPassword('1234567'))).toEqual({ password: ['Password must be at least 8 characters'] });
    expect(withPassword('🔑'.repeat(8)).success).toBe(true);
    expect(withPassword('🔑'.repeat(128)).success).toBe(true);
    expect(fieldErrors(withPassword('🔑'.repeat(129)))).toEqual({
      password: ['Password must be at most 128 characters'],
    });
  });

  it('are counted in NFC, as auth-core counts and hashes them', () => {
    expect(withPassword('e\u0301'.repeat(7)).success).toBe(false);
    expect(withPassword('e\u0301'.repeat(8)).success).toBe(true);
  });

  it('are never trimmed', () => {
    expect(registerInput.parse({ email: 'ada@example.com', password: '  spaced out  ' }).password).toBe(
      '  spaced out  ',
    );
  });

  it('are checked on changePassword too, while the current one only needs to be present', () => {
    const result = changePasswordInput.safeParse({ currentPassword: '', newPassword: 'short' });
    expect(fieldErrors(result)).toEqual({
      currentPassword: ['Current password is required'],
      newPassword: ['Password must be at least 8 characters'],
    });
  });
});

describe('tokens', () => {
  it('are required and bounded', () => {
    expect(refreshInput.safeParse({ refreshToken: '' }).success).toBe(false);
    expect(refreshInput.safeParse({ refreshToken: 'x'.repeat(4097) }).success).toBe(false);
    expect(refreshInput.safeParse({ refreshToken: 'x'.repeat(4096) }).success).toBe(true);
  });

  it('are optional on logout, as is the whole input', () => {
    expect(logoutInput.parse(undefined)).toBeUndefined();
    expect(logoutInput.parse({})).toEqual({});
  });
});

describe('user output', () => {
  const user = {
    id: 'b3f1c1a0-0000-4000-8000-000000000001',
    email: 'ada@example.com',
    emailVerified: false,
    mfaEnabled: false,
    createdAt: new Date('2026-03-01T12:00:00Z'),
    updatedAt: new Date('2026-03-02T12:00:00Z'),
  };

  it('gives dates as ISO-8601 strings', () => {
    expect(userOutput.parse(user)).toMatchObject({
      createdAt: '2026-03-01T12:00:00.000Z',
      updatedAt: '2026-03-02T12:00:00.000Z',
    });
  });

  it('drops anything else, a password hash included', () => {
    const output = userResultOutput.parse({ user: { ...user, passwordHash: '$kw1$secret' } });
    expect(Object.keys(output.user).sort()).toEqual(publicUserFields);
  });
});

describe('well-formed passwords', () => {
  const loneSurrogates = ['plum-orbit-\ud800', 'plum-orbit-\udbff', 'plum-orbit-\udc00', '\udfffplum-orbit-cascade'];
  const message = 'Password must be valid Unicode text (no unpaired surrogate characters)';

  it('refuse a lone surrogate in every password field with a field error', () => {
    const email = 'ada@example.com';
    for (const password of loneSurrogates) {
      expect(fieldErrors(registerInput.safeParse({ email, password }))).toEqual({ password: [message] });
      expect(fieldErrors(loginInput.safeParse({ email, password }))).toEqual({ password: [message] });
      expect(fieldErrors(changePasswordInput.safeParse({ currentPassword: password, newPassword: password }))).toEqual({
        currentPassword: [message],
        newPassword: [message],
      });
    }
  });

  it('accept paired surrogates (an emoji is one character) and U+FFFD itself', () => {
    expect(registerInput.safeParse({ email: 'ada@example.com', password: 'plum-orbit-😀-cascade' }).success).toBe(true);
    expect(registerInput.safeParse({ email: 'ada@example.com', password: 'plum-orbit-\ufffd' }).success).toBe(true);
  });

  it('agree with the rule auth-core applies before hashing', () => {
    for (const password of [...loneSurrogates, 'plum-orbit-😀-cascade', 'plum-orbit-\ufffd', 'plain-ascii-words']) {
      const accepted = registerInput.safeParse({ email: 'ada@example.com', password }).success;
      expect(accepted, JSON.stringify(password)).toBe(isWellFormed(password));
    }
  });
});

import { describe, expect, it } from 'vitest';
import { checkPasswordPolicy, isCommonPassword, passwordLength } from './password-policy.js';

const acceptable = 'plum-orbit-cascade';

describe('password length', () => {
  it('refuses fewer than 8 characters and accepts 8', () => {
    expect(checkPasswordPolicy('qz7#kw2')).toEqual(['Password must be at least 8 characters']);
    expect(checkPasswordPolicy('qz7#kw2!')).toEqual([]);
  });

  it('accepts 128 characters and refuses 129', () => {
    const long = 'qz7#kw2!'.repeat(16);
    expect(checkPasswordPolicy(long)).toEqual([]);
    expect(checkPasswordPolicy(`${long}x`)).toEqual(['Password must be at most 128 characters']);
  });

  it('counts an emoji as one character, not two UTF-16 units', () => {
    expect('🔑'.repeat(7).length).toBe(14);
    expect(passwordLength('🔑'.repeat(7))).toBe(7);
    expect(checkPasswordPolicy('🔑'.repeat(7))).toEqual(['Password must be at least 8 characters']);
    expect(checkPasswordPolicy('🔑'.repeat(128))).toEqual([]);
  });

  it('counts characters in NFC, the form passwords are hashed in', () => {
    const decomposed = 'e\u0301'.repeat(4); // four visible "é", eight code points
    expect(passwordLength(decomposed)).toBe(4);
    expect(checkPasswordPolicy(decomposed)).toEqual(checkPasswordPolicy('\u00e9'.repeat(4)));
    expect(checkPasswordPolicy(decomposed)).toEqual(['Password must be at least 8 characters']);
  });

  it('keeps spaces: a password of spaces is counted, not trimmed away', () => {
    expect(passwordLength('  a  b  c  ')).toBe(11);
  });
});

describe('common passwords', () => {
  it('refuses passwords on the common list', () => {
    for (const password of ['password', 'iloveyou', 'sunshine', 'trustno1', 'qwertyuiop']) {
      expect(checkPasswordPolicy(password), password).toEqual([
        'This password is too common; choose a less guessable one',
      ]);
    }
  });

  it('checks the list case-insensitively', () => {
    expect(isCommonPassword('PassWord')).toBe(true);
    expect(isCommonPassword('ILOVEYOU')).toBe(true);
    expect(checkPasswordPolicy('FootBall')).toHaveLength(1);
  });

  it('accepts a password that is not on the list', () => {
    expect(isCommonPassword(acceptable)).toBe(false);
    expect(checkPasswordPolicy(acceptable, 'someone@example.com')).toEqual([]);
  });
});

describe('the email local part', () => {
  it('refuses a password containing the local part of the email, in any case', () => {
    expect(checkPasswordPolicy('my-Alice-2024!', 'alice@example.com')).toEqual([
      'Password must not contain your email address',
    ]);
    expect(checkPasswordPolicy('ALICEWONDERS', 'alice@example.com')).toHaveLength(1);
  });

  it('ignores local parts too short to matter', () => {
    expect(checkPasswordPolicy('al-plum-orbit', 'al@example.com')).toEqual([]);
  });

  it('reports every problem at once', () => {
    expect(checkPasswordPolicy('password', 'password@example.com')).toEqual([
      'This password is too common; choose a less guessable one',
      'Password must not contain your email address',
    ]);
  });
});

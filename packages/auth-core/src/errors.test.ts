import { describe, expect, it } from 'vitest';
import { AuthError, authErrorCodes, isAuthError } from './errors.js';

describe('AuthError', () => {
  it('has a default message for every code', () => {
    for (const code of authErrorCodes) {
      const error = new AuthError(code);
      expect(error.code).toBe(code);
      expect(error.message.length, code).toBeGreaterThan(0);
      expect(error.name).toBe('AuthError');
    }
  });

  it('answers unknown email and wrong password with one message that names neither', () => {
    expect(new AuthError('INVALID_CREDENTIALS').message).toBe('Invalid email or password');
  });

  it('carries a custom message and field errors', () => {
    const error = new AuthError('WEAK_PASSWORD', { message: 'Too short', fieldErrors: { password: ['Too short'] } });
    expect(error.message).toBe('Too short');
    expect(error.fieldErrors).toEqual({ password: ['Too short'] });
  });

  it('is recognised by isAuthError, and nothing else is', () => {
    expect(isAuthError(new AuthError('TOKEN_INVALID'))).toBe(true);
    expect(isAuthError(new Error('TOKEN_INVALID'))).toBe(false);
    expect(isAuthError({ code: 'TOKEN_INVALID' })).toBe(false);
  });
});

import { TRPCClientError } from '@keyway/client';
import { describe, expect, it } from 'vitest';
import { describeError, formatWait, issuesToFieldMessages, messageOf } from './errors.js';

function serverError(code: string, data: Record<string, unknown> = {}, message = 'Refused') {
  return TRPCClientError.from({ error: { message, code: -32000, data: { code, httpStatus: 400, ...data } } });
}

describe('formatWait', () => {
  it('rounds up to the unit a person would use', () => {
    expect(formatWait(0.2)).toBe('in 1 second');
    expect(formatWait(45)).toBe('in 45 seconds');
    expect(formatWait(61)).toBe('in 2 minutes');
    expect(formatWait(900)).toBe('in 15 minutes');
    expect(formatWait(3600)).toBe('in 1 hour');
  });
});

describe('messageOf', () => {
  it('says when to retry a rate-limited call', () => {
    expect(messageOf(serverError('TOO_MANY_REQUESTS', { retryAfter: 840 }))).toBe(
      'Too many attempts. Try again in 14 minutes.',
    );
  });

  it("shows the server's message, and plain words for network and server failures", () => {
    expect(messageOf(serverError('UNAUTHORIZED', {}, 'Invalid email or password'))).toBe('Invalid email or password');
    expect(messageOf(TRPCClientError.from(new TypeError('fetch failed')))).toMatch(/Cannot reach the server/);
    expect(messageOf(serverError('INTERNAL_SERVER_ERROR'))).toMatch(/on our side/);
    expect(messageOf(new Error('x'))).toMatch(/Something went wrong/);
  });
});

describe('describeError', () => {
  it('puts field errors next to the fields the form has and the rest on the form', () => {
    const error = serverError('BAD_REQUEST', {
      fieldErrors: { password: ['Too common'], token: ['Token is too long'] },
    });
    expect(describeError(error, ['password'])).toEqual({
      fields: { password: ['Too common'] },
      form: 'Token is too long',
    });
    expect(describeError(error, ['email'])).toEqual({ fields: {}, form: 'Too common Token is too long' });
    expect(describeError(serverError('CONFLICT', {}, 'Email taken'), ['email'])).toEqual({
      fields: {},
      form: 'Email taken',
    });
  });
});

describe('issuesToFieldMessages', () => {
  it('groups messages by their top-level field', () => {
    expect(
      issuesToFieldMessages([
        { path: ['email'], message: 'Enter a valid email address' },
        { path: ['password'], message: 'Too short' },
        { path: ['password'], message: 'Too common' },
      ]),
    ).toEqual({ email: ['Enter a valid email address'], password: ['Too short', 'Too common'] });
  });
});

import { AuthError, authErrorCodes } from '@keyway/auth-core';
import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { authErrorToTrpcCode, refusingRuleOf, toTrpcError } from './errors.js';
import { RateLimitExceededError } from './rate-limit.js';

describe('the domain error table', () => {
  it('maps every auth-core error to the tRPC code the API documents', () => {
    // Read the other way round, as a client reacts: which domain errors share one tRPC code.
    const byTrpcCode: Record<string, string[]> = {};
    for (const code of authErrorCodes) {
      const trpcCode = authErrorToTrpcCode[code];
      byTrpcCode[trpcCode] = [...(byTrpcCode[trpcCode] ?? []), code];
    }
    expect(byTrpcCode).toEqual({
      UNAUTHORIZED: [
        'INVALID_CREDENTIALS',
        'TOKEN_INVALID',
        'REFRESH_TOKEN_REUSED',
        'ACCOUNT_DISABLED',
        'MFA_TOKEN_INVALID',
      ],
      CONFLICT: ['EMAIL_TAKEN'],
      BAD_REQUEST: [
        'WEAK_PASSWORD',
        'CURRENT_PASSWORD_INVALID',
        'RESET_TOKEN_INVALID',
        'VERIFY_TOKEN_INVALID',
        'EMAIL_CHANGE_TOKEN_INVALID',
        'MFA_CODE_INVALID',
        'MFA_ALREADY_ENABLED',
        'MFA_NOT_ENABLED',
        'MFA_SETUP_REQUIRED',
      ],
      TOO_MANY_REQUESTS: ['TOO_MANY_ATTEMPTS'],
      NOT_FOUND: ['SESSION_NOT_FOUND'],
    });
    expect(Object.keys(authErrorToTrpcCode).sort()).toEqual([...authErrorCodes].sort());
  });

  it('turns a wrapped AuthError into its tRPC code, keeping its message and cause', () => {
    const cause = new AuthError('EMAIL_TAKEN');
    const mapped = toTrpcError(new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause }));
    expect(mapped.code).toBe('CONFLICT');
    expect(mapped.message).toBe('An account with this email already exists');
    expect(mapped.cause).toBe(cause);
  });

  it('leaves other errors as they are', () => {
    const error = new TRPCError({ code: 'BAD_REQUEST', message: 'bad input' });
    expect(toTrpcError(error)).toBe(error);
    const unexpected = new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: new Error('a bug') });
    expect(toTrpcError(unexpected)).toBe(unexpected);
  });

  it('answers a database that does not answer with SERVICE_UNAVAILABLE, keeping the cause for the log', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const mapped = toTrpcError(new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause }));
    expect(mapped).toMatchObject({
      code: 'SERVICE_UNAVAILABLE',
      message: 'The database is unavailable; try again shortly',
    });
    expect(mapped.cause).toBe(cause);
  });

  it('names the rule that refused a call for the metrics', () => {
    expect(refusingRuleOf(new RateLimitExceededError(3, 'loginIp'))).toBe('loginIp');
    expect(refusingRuleOf(new AuthError('TOO_MANY_ATTEMPTS'))).toBe('loginBackoff');
    expect(refusingRuleOf(new Error('other'))).toBe('other');
  });
});

import type { IncomingMessage } from 'node:http';
import type { AuthCore } from '@keyway/auth-core';
import { describe, expect, it } from 'vitest';
import { bearerToken, clientIpOf, createContextFactory } from './context.js';
import { createRateLimiter, defaultRateLimitRules } from './rate-limit.js';
import { bearerOnlyTransport } from './session-transport.js';

function request(headers: IncomingMessage['headers'], remoteAddress = '10.0.0.7'): IncomingMessage {
  return { headers, socket: { remoteAddress } } as unknown as IncomingMessage;
}

describe('bearerToken', () => {
  it('reads a bearer token, whatever the scheme’s case', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer abc.def.ghi ')).toBe('abc.def.ghi');
  });

  it('gives null for a missing, empty or non-bearer header', () => {
    for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Bearer a b', 'Token abc']) {
      expect(bearerToken(header), String(header)).toBeNull();
    }
  });
});

describe('clientIpOf', () => {
  it('uses the socket’s address unless the proxy is trusted', () => {
    expect(clientIpOf(request({ 'x-forwarded-for': '198.51.100.1' }), false)).toBe('10.0.0.7');
  });

  it('believes only the right-most X-Forwarded-For entry, the one our proxy appended', () => {
    const spoofed = request({ 'x-forwarded-for': '1.2.3.4, 198.51.100.1' });
    expect(clientIpOf(spoofed, true)).toBe('198.51.100.1');
    expect(clientIpOf(request({ 'x-forwarded-for': ['1.2.3.4', '198.51.100.2'] }), true)).toBe('198.51.100.2');
  });

  it('falls back to the socket when a trusted proxy sent no header', () => {
    expect(clientIpOf(request({}), true)).toBe('10.0.0.7');
    expect(clientIpOf(request({ 'x-forwarded-for': ' ' }), true)).toBe('10.0.0.7');
  });
});

describe('createContextFactory', () => {
  it('builds the inner context from the request', () => {
    const core = {} as AuthCore;
    const rateLimiter = createRateLimiter({ rules: defaultRateLimitRules, store: { kind: 'memory' } });
    const observer = { call() {} };
    const createContext = createContextFactory({
      core,
      rateLimiter,
      trustProxy: true,
      requestIdOf: () => 'req-1',
      observer,
    });
    const context = createContext({
      req: request({
        authorization: 'Bearer the.access.token',
        'user-agent': 'test-agent/1.0',
        'x-forwarded-for': '198.51.100.3',
      }),
    });
    expect(context).toEqual({
      core,
      rateLimiter,
      clientIp: '198.51.100.3',
      accessToken: 'the.access.token',
      userAgent: 'test-agent/1.0',
      requestId: 'req-1',
      observer,
      // No transport given: bearer mode only.
      session: bearerOnlyTransport,
    });
  });
});

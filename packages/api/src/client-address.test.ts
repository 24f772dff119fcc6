import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { canonicalAddress, rateLimitKeyOf } from './client-address.js';
import { clientIpOf } from './context.js';

function request(forwardedFor: string, remoteAddress = '::ffff:10.0.0.7'): IncomingMessage {
  return { headers: { 'x-forwarded-for': forwardedFor }, socket: { remoteAddress } } as unknown as IncomingMessage;
}

describe('canonicalAddress', () => {
  it('writes every spelling of one IPv6 address the same way: lower-case, compressed', () => {
    for (const spelling of ['2001:db8::1', '2001:db8:0:0:0:0:0:1', '2001:DB8::1', '2001:0db8:0000::0001']) {
      expect(canonicalAddress(spelling), spelling).toBe('2001:db8::1');
    }
    expect(canonicalAddress('fe80::1%eth0')).toBe('fe80::1');
  });

  it('turns IPv4-mapped IPv6 into the IPv4 address', () => {
    expect(canonicalAddress('::ffff:198.51.100.7')).toBe('198.51.100.7');
    expect(canonicalAddress('::FFFF:c633:6407')).toBe('198.51.100.7');
    expect(canonicalAddress('198.51.100.7')).toBe('198.51.100.7');
  });

  it('refuses what is not an address, loose IPv4 forms included', () => {
    for (const text of [
      'not-an-ip',
      '',
      ' ',
      '0x7f.1',
      '127.1',
      '1.2.3.4.5',
      '[::1]',
      '::1/64',
      '1.2.3.4:80',
      'Ⅰ.2.3.4',
    ]) {
      expect(canonicalAddress(text), text).toBeNull();
    }
  });
});

describe('rateLimitKeyOf', () => {
  it('counts IPv6 clients by their /64 and IPv4 ones by the address', () => {
    expect(rateLimitKeyOf('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(rateLimitKeyOf('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(rateLimitKeyOf('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(rateLimitKeyOf('198.51.100.7')).toBe('198.51.100.7');
    expect(rateLimitKeyOf('unknown')).toBe('unknown');
  });
});

describe('clientIpOf with a trusted proxy', () => {
  it('canonicalises the right-most X-Forwarded-For entry', () => {
    expect(clientIpOf(request('1.2.3.4, 2001:DB8:0:0:0:0:0:1'), true)).toBe('2001:db8::1');
    expect(clientIpOf(request('::ffff:198.51.100.9'), true)).toBe('198.51.100.9');
  });

  it('uses the socket’s address, canonical too, when that entry is not an IP address', () => {
    expect(clientIpOf(request('198.51.100.1, not-an-ip'), true)).toBe('10.0.0.7');
    expect(clientIpOf(request('198.51.100.1, 198.51.100.2:443'), true)).toBe('10.0.0.7');
    expect(clientIpOf(request('2001:db8::1', '::1'), false)).toBe('::1');
  });
});

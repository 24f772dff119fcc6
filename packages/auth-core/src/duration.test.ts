import { describe, expect, it } from 'vitest';
import { parseDurationSeconds } from './duration.js';

describe('parseDurationSeconds', () => {
  it.each([
    ['45s', 45],
    ['15m', 900],
    ['1h', 3600],
    ['30d', 2_592_000],
    ['2w', 1_209_600],
    ['90', 90],
    [' 5m ', 300],
    ['5 m', 300],
  ])('reads %j as %i seconds', (value, seconds) => {
    expect(parseDurationSeconds(value)).toBe(seconds);
  });

  it.each(['', 'm', '0', '0s', '-5m', '1.5h', '5y', '15M', 'abc', '5 minutes', '1h30m', '99999999999999999999d'])(
    'refuses %j',
    (value) => {
      expect(parseDurationSeconds(value)).toBeNull();
    },
  );

  it('reads zero only where zero is allowed', () => {
    expect(parseDurationSeconds('0s', { allowZero: true })).toBe(0);
    expect(parseDurationSeconds('0', { allowZero: true })).toBe(0);
    expect(parseDurationSeconds('-1s', { allowZero: true })).toBeNull();
    expect(parseDurationSeconds('10s', { allowZero: true })).toBe(10);
  });
});

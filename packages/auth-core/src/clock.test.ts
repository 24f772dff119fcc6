import { describe, expect, it } from 'vitest';
import { createManualClock, systemClock } from './clock.js';

describe('clocks', () => {
  it('the manual clock stands still until it is set or advanced', () => {
    const clock = createManualClock(new Date('2026-01-01T00:00:00Z'));
    expect(clock.now().toISOString()).toBe('2026-01-01T00:00:00.000Z');
    clock.advance(90_000);
    expect(clock.now().toISOString()).toBe('2026-01-01T00:01:30.000Z');
    clock.set(new Date('2030-06-15T08:00:00Z'));
    expect(clock.now().toISOString()).toBe('2030-06-15T08:00:00.000Z');
  });

  it('hands out copies, so a caller cannot move the clock by mutating a date', () => {
    const clock = createManualClock(new Date('2026-01-01T00:00:00Z'));
    clock.now().setFullYear(1999);
    expect(clock.now().getUTCFullYear()).toBe(2026);
  });

  it('the system clock tells the real time', () => {
    expect(Math.abs(systemClock.now().getTime() - Date.now())).toBeLessThan(1000);
  });
});

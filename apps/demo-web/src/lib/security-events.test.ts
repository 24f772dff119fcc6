import { describe, expect, it } from 'vitest';
import { describeEvent } from './security-events.js';

describe('describeEvent', () => {
  it.each([
    ['login', 'Signed in'],
    ['login_failed', 'Failed sign-in attempt'],
    ['logout', 'Signed out'],
    ['password_changed', 'Password changed'],
    ['password_reset', 'Password reset from an emailed link'],
    ['email_verified', 'Email address confirmed'],
    ['email_changed', 'Email address changed'],
    ['mfa_enabled', 'Two-factor authentication turned on'],
    ['mfa_disabled', 'Two-factor authentication turned off'],
    ['session_revoked', 'A device was signed out'],
    ['refresh_reuse_detected', 'Session ended: its sign-in was used twice, possibly stolen'],
  ])('says %s as "%s"', (type, label) => {
    expect(describeEvent(type).label).toBe(label);
  });

  it('spells out a type it does not know instead of showing nothing', () => {
    expect(describeEvent('api_key_created').label).toBe('Api key created');
    expect(describeEvent('__').label).toBe('Unknown event');
    expect(describeEvent('').label).toBe('Unknown event');
    // Names of Object.prototype are types like any other, not labels.
    expect(describeEvent('constructor').label).toBe('Constructor');
  });

  it('flags the events a user should look at twice', () => {
    expect(describeEvent('login_failed').warning).toBe(true);
    expect(describeEvent('refresh_reuse_detected').warning).toBe(true);
    expect(describeEvent('login').warning).toBe(false);
    expect(describeEvent('api_key_created').warning).toBe(false);
  });
});

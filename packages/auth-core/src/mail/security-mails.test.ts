import { describe, expect, it } from 'vitest';
import {
  emailChangedEmail,
  formatUtc,
  mfaDisabledEmail,
  mfaEnabledEmail,
  passwordChangedEmail,
  sessionEndedForReuseEmail,
} from './security-mails.js';
import { emailChangeEmail } from './templates.js';

const at = new Date('2026-06-01T23:59:59.999Z');
const base = { to: 'ada@example.com', appUrl: 'https://example.com/app', at };

describe('security notices', () => {
  const notices = [
    passwordChangedEmail({ ...base, how: 'changed' }),
    passwordChangedEmail({ ...base, how: 'reset' }),
    emailChangedEmail({ ...base, newEmail: 'ada.new@example.com' }),
    mfaEnabledEmail(base),
    mfaDisabledEmail(base),
    sessionEndedForReuseEmail(base),
  ];

  it('each say when, in UTC, and what to do if it was not the owner, in both parts', () => {
    for (const mail of notices) {
      expect(mail.to).toBe('ada@example.com');
      for (const part of [mail.text, mail.html]) {
        expect(part, mail.subject).toContain('2026-06-01 23:59 UTC');
        expect(part, mail.subject).toContain('If it was not you');
        expect(part, mail.subject).toContain('https://example.com/app/');
      }
    }
    expect(new Set(notices.map((mail) => mail.subject)).size).toBe(notices.length - 1);
  });

  it('escape what they quote in the HTML part', () => {
    const mail = emailChangedEmail({ ...base, newEmail: "o'brien&<co>@example.com" });
    expect(mail.text).toContain("o'brien&<co>@example.com");
    expect(mail.html).toContain('o&#39;brien&#38;&#60;co&#62;@example.com');
    expect(mail.html).not.toContain('<co>');
  });

  it('write times as UTC minutes, whatever the zone of the server', () => {
    expect(formatUtc(new Date('2026-01-02T03:04:05+02:00'))).toBe('2026-01-02 01:04 UTC');
  });
});

describe('the email-change link', () => {
  it('goes to the new address with the /confirm-email-change link in both parts', () => {
    const mail = emailChangeEmail({
      to: 'new@example.com',
      appUrl: 'http://localhost:5173',
      token: 'abc',
      ttlSeconds: 86_400,
    });
    expect([mail.to, mail.subject]).toEqual(['new@example.com', 'Confirm your new email address']);
    expect(mail.text).toContain('http://localhost:5173/confirm-email-change?token=abc');
    expect(mail.html).toContain('href="http://localhost:5173/confirm-email-change?token=abc"');
    expect(mail.text).toContain('expires in 24 hour(s)');
  });
});

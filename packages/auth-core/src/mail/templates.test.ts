import { describe, expect, it } from 'vitest';
import { passwordResetEmail, verificationEmail } from './templates.js';

const token = 'Zm9vYmFyLWJhei1xdXV4LTAxMjM0NTY3ODktYWJjZGVm';

describe('the verification email', () => {
  const mail = verificationEmail({ to: 'ada@example.com', appUrl: 'http://localhost:5173', token, ttlSeconds: 86_400 });

  it('is addressed to the user with a clear subject', () => {
    expect(mail.to).toBe('ada@example.com');
    expect(mail.subject).toBe('Confirm your email address');
  });

  it('carries the /verify-email link with the token in both parts', () => {
    const link = `http://localhost:5173/verify-email?token=${token}`;
    expect(mail.text).toContain(link);
    expect(mail.html).toContain(`href="${link}"`);
  });

  it('says when the link expires', () => {
    expect(mail.text).toContain('expires in 24 hour(s)');
  });
});

describe('the password reset email', () => {
  const mail = passwordResetEmail({ to: 'ada@example.com', appUrl: 'http://localhost:5173', token, ttlSeconds: 3600 });

  it('carries the /reset-password link with the token in both parts', () => {
    const link = `http://localhost:5173/reset-password?token=${token}`;
    expect(mail.subject).toBe('Reset your password');
    expect(mail.text).toContain(link);
    expect(mail.html).toContain(`href="${link}"`);
    expect(mail.text).toContain('expires in 1 hour(s)');
  });

  it('reassures a user who did not ask for it', () => {
    expect(mail.text).toMatch(/If it was not you, ignore this email/);
  });

  it('names a lifetime under an hour in minutes', () => {
    expect(passwordResetEmail({ to: 'a@b.co', appUrl: 'http://x', token, ttlSeconds: 1800 }).text).toContain(
      'expires in 30 minutes',
    );
  });
});

describe('links', () => {
  it('keep the path of APP_URL, with or without a trailing slash', () => {
    for (const appUrl of ['https://example.com/app', 'https://example.com/app/']) {
      const mail = verificationEmail({ to: 'a@b.co', appUrl, token, ttlSeconds: 3600 });
      expect(mail.text).toContain(`https://example.com/app/verify-email?token=${token}`);
    }
  });
});

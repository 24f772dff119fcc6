/** The emails Keyway sends: a plain-text and an HTML part, each with the one link that matters. */
import type { MailMessage } from './mailer.js';

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function linkTo(appUrl: string, path: string, token: string): string {
  const url = new URL(path, appUrl.endsWith('/') ? appUrl : `${appUrl}/`);
  url.searchParams.set('token', token);
  return url.toString();
}

function render(
  to: string,
  subject: string,
  lines: { intro: string; action: string; outro: string },
  link: string,
): MailMessage {
  return {
    to,
    subject,
    text: `${lines.intro}\n\n${lines.action}:\n${link}\n\n${lines.outro}\n`,
    html:
      `<p>${escapeHtml(lines.intro)}</p>` +
      `<p><a href="${escapeHtml(link)}">${escapeHtml(lines.action)}</a></p>` +
      `<p style="color:#666;font-size:12px">${escapeHtml(lines.outro)}<br>${escapeHtml(link)}</p>`,
  };
}

const hours = (seconds: number) =>
  seconds % 3600 === 0 ? `${seconds / 3600} hour(s)` : `${Math.round(seconds / 60)} minutes`;

/** To the owner of an address someone tried to register again (when registration does not say so). */
export function accountExistsEmail(options: { to: string; appUrl: string }): MailMessage {
  return render(
    options.to,
    'Someone tried to create an account with your address',
    {
      intro:
        'Someone tried to create a new Keyway account with this email address, which already has one. No new account was created and yours is unchanged.',
      action: 'Sign in (or choose "Forgot password" there)',
      outro: 'If it was not you, you can ignore this email: nobody can use your account without your password.',
    },
    new URL(options.appUrl.endsWith('/') ? options.appUrl : `${options.appUrl}/`).toString(),
  );
}

export function verificationEmail(options: {
  to: string;
  appUrl: string;
  token: string;
  ttlSeconds: number;
}): MailMessage {
  return render(
    options.to,
    'Confirm your email address',
    {
      intro: 'Welcome to Keyway! Please confirm that this is your email address.',
      action: 'Confirm email address',
      outro: `The link works once and expires in ${hours(options.ttlSeconds)}. If you did not create an account, ignore this email.`,
    },
    linkTo(options.appUrl, 'verify-email', options.token),
  );
}

export function passwordResetEmail(options: {
  to: string;
  appUrl: string;
  token: string;
  ttlSeconds: number;
}): MailMessage {
  return render(
    options.to,
    'Reset your password',
    {
      intro: 'Someone asked to reset the password of your Keyway account.',
      action: 'Choose a new password',
      outro: `The link works once and expires in ${hours(options.ttlSeconds)}. If it was not you, ignore this email: your password stays as it is.`,
    },
    linkTo(options.appUrl, 'reset-password', options.token),
  );
}

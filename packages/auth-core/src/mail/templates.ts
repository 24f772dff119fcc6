/**
 * The emails Keyway sends: a plain-text and an HTML part, each with the one link that
 * matters. These carry a link with a token (or invite to act); the security notices that tell
 * an account what happened to it are in security-mails.ts.
 */
import type { MailMessage } from './mailer.js';

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** A page of the web app (the base of `APP_URL`, which may have a path of its own). */
export function appLink(appUrl: string, path = ''): string {
  return new URL(path, appUrl.endsWith('/') ? appUrl : `${appUrl}/`).toString();
}

function linkTo(appUrl: string, path: string, token: string): string {
  const url = new URL(appLink(appUrl, path));
  url.searchParams.set('token', token);
  return url.toString();
}

/** A message of three paragraphs around one link; every piece is escaped in the HTML part. */
export function render(
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

/** What a mail with an emailed token is made from. */
interface LinkMailOptions {
  to: string;
  appUrl: string;
  token: string;
  ttlSeconds: number;
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
    appLink(options.appUrl),
  );
}

export function verificationEmail(options: LinkMailOptions): MailMessage {
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

export function passwordResetEmail(options: LinkMailOptions): MailMessage {
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

/** To the new address of an email change: the link that makes it the account's address. */
export function emailChangeEmail(options: LinkMailOptions): MailMessage {
  return render(
    options.to,
    'Confirm your new email address',
    {
      intro: `Someone signed in to a Keyway account asked to change its email address to ${options.to}. Until you confirm, the account keeps its old address.`,
      action: 'Confirm the new email address',
      outro: `The link works once and expires in ${hours(options.ttlSeconds)}. If you did not ask for this, ignore this email: nothing changes.`,
    },
    linkTo(options.appUrl, 'confirm-email-change', options.token),
  );
}

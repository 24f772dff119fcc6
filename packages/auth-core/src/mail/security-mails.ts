/**
 * Security notices to an account's address: its password changed, its address changed (to
 * the old one), its second factor was turned on or off, a session was ended because its
 * refresh token came back after use. Each says what happened, when (UTC), and what to do if
 * it was not the owner. They hold no secret, so services render them and queue them as
 * `message` mail in the transaction of the change.
 */
import type { MailMessage } from './mailer.js';
import { appLink, render } from './templates.js';

interface NoticeOptions {
  to: string;
  appUrl: string;
  /** When the change happened. */
  at: Date;
}

/** `2026-06-01 10:00 UTC`: the same for every reader, whatever their time zone. */
export function formatUtc(at: Date): string {
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

const nothingToDo = 'If it was you, there is nothing to do.';

/** Most notices have one remedy if it was not the owner: a new password, by email. */
function resetPasswordNotice(options: NoticeOptions, subject: string, happened: string, advice: string) {
  return render(
    options.to,
    subject,
    { intro: happened, action: `If it was not you, ${advice}`, outro: nothingToDo },
    appLink(options.appUrl, 'forgot-password'),
  );
}

export function passwordChangedEmail(options: NoticeOptions & { how: 'changed' | 'reset' }): MailMessage {
  const how =
    options.how === 'reset'
      ? 'was reset with a link sent to this address; every session was signed out'
      : 'was changed; every other session was signed out';
  return resetPasswordNotice(
    options,
    'Your Keyway password was changed',
    `The password of your Keyway account ${options.to} ${how} (${formatUtc(options.at)}).`,
    'someone has your password or this mailbox: choose a new password now, and secure this mailbox',
  );
}

/** To the old address: it no longer signs in, nor gets the account's mail. */
export function emailChangedEmail(options: NoticeOptions & { newEmail: string }): MailMessage {
  return render(
    options.to,
    'Your Keyway email address was changed',
    {
      intro:
        `The email address of your Keyway account was changed from ${options.to} to ${options.newEmail} ` +
        `(${formatUtc(options.at)}). This address no longer signs in, and gets no further mail about the account.`,
      action:
        'If it was not you, your account is in someone else’s hands: contact the support of the service at once, quoting this email',
      outro: nothingToDo,
    },
    appLink(options.appUrl),
  );
}

export function mfaEnabledEmail(options: NoticeOptions): MailMessage {
  return resetPasswordNotice(
    options,
    'Two-step sign-in was turned on',
    `Two-step sign-in (a code from an authenticator app) was turned on for your Keyway account ${options.to} ` +
      `(${formatUtc(options.at)}). From now on, signing in asks for a code.`,
    'someone who knows your password did it: choose a new password now, and contact the support of the service to turn it off',
  );
}

export function mfaDisabledEmail(options: NoticeOptions): MailMessage {
  return resetPasswordNotice(
    options,
    'Two-step sign-in was turned off',
    `Two-step sign-in was turned off for your Keyway account ${options.to} (${formatUtc(options.at)}). ` +
      'Signing in now takes only the password.',
    'someone has your password and a code: choose a new password now, then turn two-step sign-in back on',
  );
}

/** A session ended because a refresh token it had already replaced came back: a copied token, most likely. */
export function sessionEndedForReuseEmail(options: NoticeOptions): MailMessage {
  return resetPasswordNotice(
    options,
    'A Keyway session was signed out for your safety',
    `One of your Keyway sessions (${options.to}) was signed out (${formatUtc(options.at)}): a sign-in token it ` +
      'had already replaced was used again, which happens when a token is copied from a device. That device has to sign in again.',
    'or you do not recognise it: choose a new password now, which signs out every session',
  );
}

/**
 * Words for the account's security events (`users.securityEvents`), which the API names by
 * type (`login_failed`, `mfa_enabled`, ...). A type this demo does not know yet is still
 * shown, spelt out from its name, so a newer server never leaves a row blank.
 */
const labels: Readonly<Record<string, string>> = {
  login: 'Signed in',
  login_failed: 'Failed sign-in attempt',
  logout: 'Signed out',
  password_changed: 'Password changed',
  password_reset: 'Password reset from an emailed link',
  email_verified: 'Email address confirmed',
  email_changed: 'Email address changed',
  mfa_enabled: 'Two-factor authentication turned on',
  mfa_disabled: 'Two-factor authentication turned off',
  session_revoked: 'A device was signed out',
  refresh_reuse_detected: 'Session ended: its sign-in was used twice, possibly stolen',
};

/** Events worth a second look if the user does not recognise them. */
const warnings = new Set(['login_failed', 'refresh_reuse_detected']);

export interface EventDescription {
  label: string;
  warning: boolean;
}

export function describeEvent(type: string): EventDescription {
  const known = Object.hasOwn(labels, type) ? labels[type] : undefined;
  const spelt = type.replace(/[_-]+/g, ' ').trim();
  const label = known ?? (spelt ? spelt.charAt(0).toUpperCase() + spelt.slice(1) : 'Unknown event');
  return { label, warning: warnings.has(type) };
}

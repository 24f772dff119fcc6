/**
 * The password rules every procedure keeps. Length is counted in Unicode code points
 * (what a person would call characters), so an emoji counts once, and after NFC
 * normalisation, the form passwords are hashed in: `é` typed as one code point or as
 * `e` + a combining accent is the same password and must count the same.
 *
 * The common-password list is zxcvbn-ts's (about 49,000 entries from real breaches), a
 * maintained package rather than a list of our own; it is checked case-insensitively.
 */
import { dictionary } from '@zxcvbn-ts/language-common';

export const minPasswordLength = 8;
export const maxPasswordLength = 128;

let commonPasswords: Set<string> | undefined;

export function isCommonPassword(password: string): boolean {
  commonPasswords ??= new Set(
    dictionary['passwords-common']
      .filter((entry) => entry.length >= minPasswordLength)
      .map((entry) => entry.toLowerCase()),
  );
  return commonPasswords.has(password.toLowerCase());
}

/**
 * Well-formed Unicode: no lone surrogate. Encoding one as UTF-8 turns it into U+FFFD, so
 * `x\ud800` and `x\udc00` would hash alike; such strings are refused outright instead.
 */
export const wellFormedMessage = 'Password must be valid Unicode text (no unpaired surrogate characters)';
const loneSurrogate = /\p{Cs}/u;
export const isWellFormed = (text: string): boolean => !loneSurrogate.test(text);

export function passwordLength(password: string): number {
  let count = 0;
  for (const _ of password.normalize('NFC')) count++;
  return count;
}

/** Returns the reasons the password is refused; empty when it is acceptable. */
export function checkPasswordPolicy(password: string, email?: string): string[] {
  if (!isWellFormed(password)) return [wellFormedMessage];
  const length = passwordLength(password);
  if (length < minPasswordLength) return [`Password must be at least ${minPasswordLength} characters`];
  if (length > maxPasswordLength) return [`Password must be at most ${maxPasswordLength} characters`];
  const problems: string[] = [];
  if (isCommonPassword(password)) problems.push('This password is too common; choose a less guessable one');
  const localPart = email?.split('@')[0]?.toLowerCase();
  if (localPart && localPart.length >= 3 && password.toLowerCase().includes(localPart)) {
    problems.push('Password must not contain your email address');
  }
  return problems;
}
